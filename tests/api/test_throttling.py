"""Throttling: per-scope rates in the shared database cache; a forged X-Forwarded-For does not help."""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates():
    """Use the database cache (the default outside tests) with small rates."""

    def configure(**scopes):
        rest = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "write": None},
        }
        rest["DEFAULT_THROTTLE_RATES"].update(scopes)
        return override_settings(
            REST_FRAMEWORK=rest,
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                    "LOCATION": "claimledger_cache",
                }
            },
        )

    return configure


def test_anonymous_reads_are_throttled_with_a_json_429_and_retry_after(anon_client, rates):
    with rates(anon="3/min"):
        call_command("createcachetable")
        statuses = [anon_client.get("/api/v1/topics/").status_code for _ in range(4)]
        response = anon_client.get("/api/v1/topics/")
    assert statuses == [200, 200, 200, 429]
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response.json()["code"] == "throttled"
    assert response.json()["message"].startswith("Request was throttled.")
    assert int(response["Retry-After"]) > 0


def test_a_forged_x_forwarded_for_does_not_reset_the_allowance(anon_client, rates):
    with rates(anon="2/min"):
        call_command("createcachetable")
        statuses = [
            anon_client.get("/api/v1/topics/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
            for i in range(3)
        ]
    assert statuses == [200, 200, 429]


def test_users_are_counted_apart_from_anonymous_callers(anon_client, annotator_client, rates):
    with rates(anon="1/min", user="2/min"):
        call_command("createcachetable")
        assert anon_client.get("/api/v1/topics/").status_code == HTTPStatus.OK
        assert anon_client.get("/api/v1/topics/").status_code == HTTPStatus.TOO_MANY_REQUESTS
        user_statuses = [annotator_client.get("/api/v1/topics/").status_code for _ in range(3)]
    assert user_statuses == [200, 200, 429]


def test_writes_have_their_own_smaller_scope(editor_client, rates):
    with rates(user="100/min", write="1/min"):
        call_command("createcachetable")
        first = editor_client.post("/api/v1/actors/", {"name": "A"}, format="json")
        second = editor_client.post("/api/v1/actors/", {"name": "B"}, format="json")
        read = editor_client.get("/api/v1/actors/")
    assert (first.status_code, second.status_code, read.status_code) == (201, 429, 200)


def test_the_counter_lives_in_the_database_cache(anon_client, rates):
    from django.core.cache import cache
    from django.db import connection

    factories.make_topic()
    with rates(anon="5/min"):
        call_command("createcachetable")
        anon_client.get("/api/v1/topics/")
        anon_client.get("/api/v1/topics/")
        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key FROM claimledger_cache")
            keys = [row[0] for row in cursor.fetchall()]
        counters = [key for key in keys if "throttle_anon_ip:127.0.0.1:" in key]
        assert len(counters) == 1, keys
        # Stored as ":<version>:<key>"; the value is this window's request count.
        assert cache.get(counters[0].split(":", 2)[2]) == 2


def test_a_new_window_gives_a_fresh_allowance_and_retry_after_says_when(anon_client, rates, monkeypatch):
    from config.api import AnonThrottle

    clock = {"now": 1_800_000_000.0}  # on a minute boundary
    monkeypatch.setattr(AnonThrottle, "timer", lambda self: clock["now"])
    with rates(anon="2/min"):
        call_command("createcachetable")
        first = [anon_client.get("/api/v1/topics/").status_code for _ in range(2)]
        clock["now"] += 15
        refused = anon_client.get("/api/v1/topics/")
        clock["now"] += 45  # the next minute
        again = anon_client.get("/api/v1/topics/")
    assert first == [200, 200]
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(refused["Retry-After"]) == 45
    assert again.status_code == HTTPStatus.OK


REDIS_CACHE = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
        "KEY_PREFIX": "claimledger-test",
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }
}


def _redis_available() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_available(), reason="needs a Redis server on 127.0.0.1:6379")
def test_on_redis_the_counter_is_incremented_and_expires_with_its_window(anon_client, rates):
    from django.core.cache import cache

    with rates(anon="2/min"), override_settings(CACHES=REDIS_CACHE):
        cache.delete_pattern("*throttle*")
        statuses = [anon_client.get("/api/v1/topics/").status_code for _ in range(3)]
        client = cache.client.get_client()
        keys = client.keys("claimledger-test:*throttle_anon_ip:127.0.0.1:*")
        ttl = client.ttl(keys[0])
        value = int(client.get(keys[0]))
        cache.delete_pattern("*throttle*")
    assert statuses == [200, 200, 429]
    assert len(keys) == 1 and value == 3
    assert 0 < ttl <= 61


@pytest.mark.skipif(not _redis_available(), reason="needs a Redis server on 127.0.0.1:6379")
def test_on_redis_counting_survives_a_server_that_forgot_the_script(anon_client, rates):
    """A restarted Redis (or SCRIPT FLUSH) no longer knows the counter's script: it is loaded again."""
    from django.core.cache import cache

    with rates(anon="2/min"), override_settings(CACHES=REDIS_CACHE):
        cache.delete_pattern("*throttle*")
        first = anon_client.get("/api/v1/topics/").status_code
        cache.client.get_client().script_flush()
        then = [anon_client.get("/api/v1/topics/").status_code for _ in range(2)]
        cache.delete_pattern("*throttle*")
    assert [first, *then] == [200, 200, 429]
