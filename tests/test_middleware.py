"""The project's versions of Django's message and Content-Security-Policy middleware: the same
answers as Django's own, without building what a request does not use."""

import pytest
from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware as DjangoCSPMiddleware
from django.test import RequestFactory, override_settings
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override

import config.middleware
from config.middleware import ContentSecurityPolicyMiddleware, MessageMiddleware

ENFORCE, REPORT_ONLY = str(CSP.HEADER_ENFORCE), str(CSP.HEADER_REPORT_ONLY)


def _counting(monkeypatch, name):
    """Replace config.middleware's `name` with a wrapper that counts its calls."""
    calls = []
    original = getattr(config.middleware, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(config.middleware, name, counted)
    return calls


def _csp_headers(middleware_class, view, request=None):
    request = request or RequestFactory().get("/")
    response = middleware_class(view)(request)
    return {name: response.get(name) for name in (ENFORCE, REPORT_ONLY)}


def _plain(request):
    return HttpResponse("ok")


def _with_nonce(request):
    return HttpResponse(f'<script nonce="{request._csp_nonce}"></script>')


@csp_override({"default-src": [CSP.NONE]})
def _own_policy(request):
    return HttpResponse("ok")


@pytest.mark.parametrize("view", [_plain, _with_nonce, _own_policy])
@pytest.mark.parametrize(
    "report_only", [{}, {"default-src": [CSP.SELF], "report-uri": "/csp-reports/"}], ids=["enforce", "both"]
)
def test_csp_headers_are_djangos_for_every_kind_of_response(view, report_only):
    with override_settings(SECURE_CSP_REPORT_ONLY=report_only):
        ours = _csp_headers(ContentSecurityPolicyMiddleware, view)
        django = _csp_headers(DjangoCSPMiddleware, view)
    assert ours[ENFORCE]
    assert bool(ours[REPORT_ONLY]) == bool(report_only)
    if view is _with_nonce:  # a fresh nonce each time; the rest of the policy the same
        assert "'nonce-" in ours[ENFORCE]
        ours = {k: v and v.split("'nonce-")[0] for k, v in ours.items()}
        django = {k: v and v.split("'nonce-")[0] for k, v in django.items()}
    assert ours == django


def test_a_used_nonce_is_the_one_in_the_header():
    request = RequestFactory().get("/")
    response = ContentSecurityPolicyMiddleware(_with_nonce)(request)
    assert f"'nonce-{request._csp_nonce}'" in response[ENFORCE]
    assert f'nonce="{request._csp_nonce}"' in response.content.decode()


def test_csp_policy_is_built_once_and_again_when_the_settings_change(monkeypatch):
    builds = _counting(monkeypatch, "build_policy")
    middleware = ContentSecurityPolicyMiddleware(_plain)
    first = [middleware(RequestFactory().get("/"))[ENFORCE] for _ in range(3)]
    assert len(builds) == 1
    assert len(set(first)) == 1
    with override_settings(SECURE_CSP={"default-src": [CSP.NONE]}):
        assert middleware(RequestFactory().get("/"))[ENFORCE] == "default-src 'none'"
    assert len(builds) == 2
    assert middleware(RequestFactory().get("/"))[ENFORCE] == first[0]


def test_a_header_the_view_set_itself_is_kept():
    def view(request):
        response = HttpResponse("ok")
        response[ENFORCE] = "default-src 'self' example.org"
        return response

    assert _csp_headers(ContentSecurityPolicyMiddleware, view)[ENFORCE] == "default-src 'self' example.org"


def _session_request(**cookies):
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies)
    SessionMiddleware(_plain).process_request(request)
    return request


def test_a_request_that_uses_no_messages_makes_no_message_storage(monkeypatch, anon_client, db):
    made = _counting(monkeypatch, "default_storage")
    assert anon_client.get("/api/v1/sources/").status_code == 200
    assert made == []


@pytest.mark.django_db
@pytest.mark.parametrize("middleware_class", [MessageMiddleware, DjangoMessageMiddleware])
def test_messages_are_kept_until_read_as_with_djangos_middleware(middleware_class):
    def add(request):
        messages.info(request, "Saved.")
        return HttpResponse("ok")

    def ignore(request):
        return HttpResponse("ok")

    def read(request):
        return HttpResponse(" | ".join(str(message) for message in messages.get_messages(request)))

    added = middleware_class(add)(_session_request())
    cookie = added.cookies["messages"].value
    assert cookie
    # A request that does not read them leaves them where they are...
    ignored = middleware_class(ignore)(_session_request(messages=cookie))
    assert "messages" not in ignored.cookies
    # ...the next that reads them shows them and clears them.
    shown = middleware_class(read)(_session_request(messages=cookie))
    assert shown.content == b"Saved."
    assert shown.cookies["messages"].value == ""
