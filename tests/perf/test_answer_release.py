"""An API answer is freed as soon as the server has sent it, not by the garbage collector later.

Each request runs through Django's WSGI handler as gunicorn calls it: the body read, the
response closed, the server's reference dropped. With the cyclic garbage collector paused,
the response must then be gone; DRF's view and response refer to each other
(config.middleware.ReleaseAnswerMiddleware), so without the middleware it is not.
"""

import gc
import weakref

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory, override_settings

from tests import factories

pytestmark = pytest.mark.django_db


def _served(path: str, **headers) -> tuple[str, weakref.ref]:
    """Serve one request as a WSGI server does; the status, and a weak reference to the response."""
    statuses = []
    # As Django's test client does: closing the test's connection would end its transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(
            RequestFactory().get(path, **headers).environ,
            lambda status, headers, exc_info=None: statuses.append(status),
        )
        b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    released = weakref.ref(response)
    del response
    return statuses[0], released


@pytest.fixture
def paths():
    claim = factories.make_claim(claimant=factories.make_actor(), published=True)
    return {
        "a track record": f"/api/v1/actors/{claim.claimant_id}/track-record/",
        "a detail": f"/api/v1/sources/{claim.passage.source_id}/",
        "a list": "/api/v1/claims/",
        "an error": "/api/v1/sources/999999/",
    }


@pytest.fixture
def collector_paused():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@pytest.mark.parametrize("kind", ["a track record", "a detail", "a list", "an error"])
def test_an_answer_is_freed_once_sent(paths, collector_paused, kind):
    status, released = _served(paths[kind])
    assert status.startswith("404" if kind == "an error" else "200")
    assert released() is None, f"the response to {kind} is still held: a reference cycle keeps it"


def test_a_not_modified_answer_is_freed_once_sent(paths, collector_paused, client):
    etag = client.get(paths["a detail"]).headers["ETag"]
    status, released = _served(paths["a detail"], HTTP_IF_NONE_MATCH=etag)
    assert status.startswith("304")
    assert released() is None


def test_without_the_middleware_drfs_cycle_keeps_the_answer(paths, collector_paused, settings):
    """The check above can fail: DRF's view and response still hold each other."""
    middleware = [name for name in settings.MIDDLEWARE if not name.endswith("ReleaseAnswerMiddleware")]
    with override_settings(MIDDLEWARE=middleware):
        status, released = _served(paths["a track record"])
    assert status.startswith("200")
    assert released() is not None
    gc.collect()
    assert released() is None, "the garbage collector frees it"
