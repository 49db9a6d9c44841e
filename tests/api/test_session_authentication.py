"""Session authentication: a request without a session cookie is anonymous at once, with the same
answer and headers as DRF's own class gives; a session still authenticates and still needs CSRF."""

import pytest
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import Client, RequestFactory
from django.utils.functional import empty
from rest_framework import authentication
from rest_framework.request import Request

from claims import roles
from config.api import SessionAuthentication
from tests import factories

HEADERS = ("Vary", "Content-Type", "ETag", "Allow", "Cache-Control", "Set-Cookie")


@pytest.fixture
def user_loads(monkeypatch):
    """Count Django's loads of a request's user from its session."""
    calls = []
    original = auth.get_user

    def counted(request):
        calls.append(request)
        return original(request)

    monkeypatch.setattr(auth, "get_user", counted)
    return calls


def _answer(client, path):
    response = client.get(path)
    return response.status_code, response.content, {name: response.get(name) for name in HEADERS}


@pytest.mark.parametrize("path", ["/api/v1/sources/{pk}/", "/api/v1/sources/", "/api/v1/sources/0/"])
def test_without_a_session_cookie_the_answer_is_drfs_and_no_user_is_loaded(db, monkeypatch, user_loads, path):
    path = path.format(pk=factories.make_source().pk)
    ours = _answer(Client(), path)
    assert user_loads == []
    assert "Cookie" in ours[2]["Vary"]  # the answer still depends on the (missing) session

    monkeypatch.setattr(
        SessionAuthentication, "authenticate", authentication.SessionAuthentication.authenticate
    )
    assert _answer(Client(), path) == ours
    assert len(user_loads) == 1


def test_a_session_still_authenticates_and_needs_its_csrf_token(db, user_loads):
    editor = factories.make_user("edna", role=roles.EDITOR)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post("/api/v1/sources/", {"title": "T"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]
    assert len(user_loads) == 1


def _django_request(cookies=None):
    request = RequestFactory().get("/api/v1/sources/")
    request.COOKIES.update(cookies or {})
    SessionMiddleware(lambda r: None).process_request(request)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    return request


def test_a_session_cookie_is_read_as_django_reads_it(db):
    editor = factories.make_user("edna", role=roles.EDITOR)
    client = Client()
    client.force_login(editor)
    name = settings.SESSION_COOKIE_NAME
    request = _django_request({name: client.cookies[name].value})
    request._dont_enforce_csrf_checks = True
    assert SessionAuthentication().authenticate(Request(request)) == (editor, None)


def test_a_user_set_other_than_by_the_session_middleware_is_authenticated_as_drf_does(db):
    editor = factories.make_user("edna", role=roles.EDITOR)
    request = RequestFactory().get("/api/v1/sources/")
    request.user = editor
    request._dont_enforce_csrf_checks = True
    assert SessionAuthentication().authenticate(Request(request)) == (editor, None)


def test_no_cookie_marks_the_session_read(db):
    request = _django_request()
    assert SessionAuthentication().authenticate(Request(request)) is None
    assert request.session.accessed
    assert request.user._wrapped is empty  # the middleware's lazy user, never loaded
