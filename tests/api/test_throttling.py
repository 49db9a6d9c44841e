"""Throttling: per-scope rates in the shared database cache; a forged X-Forwarded-For does not help."""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_leases(monkeypatch):
    """Each test starts with no requests leased to this process (config.api._leases)."""
    from config import api

    monkeypatch.setattr(api, "_leases", {})


@pytest.fixture
def one_window(monkeypatch):
    """Keep the throttle's clock in one window, so a long run of requests cannot cross into the next."""
    from config.api import AnonThrottle

    monkeypatch.setattr(AnonThrottle, "timer", lambda self: 1_800_000_010.0)


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


def _redis_cache_at(port: int, timeout: float = 0.2) -> dict:
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": timeout,
                "SOCKET_TIMEOUT": timeout,
            },
        }
    }


@pytest.fixture
def store_up(monkeypatch):
    """Start each test with the counters' store taken as reachable, and count the attempts."""
    from config import api

    monkeypatch.setattr(api, "_store_down_until", 0.0)
    attempts = []
    lease = api._lease

    def counting(cache, key, timeout, limit):
        attempts.append(key)
        return lease(cache, key, timeout, limit)

    monkeypatch.setattr(api, "_lease", counting)
    return attempts


def _store_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "Throttle counters unavailable" in r.getMessage()]


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_redis_lets_requests_through_and_is_not_asked_again_at_once(
    anon_client, rates, store_up, monkeypatch, caplog
):
    """Redis refusing connections: 200s, not 500s; one warning; the next request does not try."""
    from config import api

    clock = {"now": 1000.0}
    monkeypatch.setattr(api.time, "monotonic", lambda: clock["now"])
    with rates(anon="1/min"), override_settings(CACHES=_redis_cache_at(_closed_port())):
        with caplog.at_level("WARNING", logger="config.api"):
            statuses = [anon_client.get("/api/v1/topics/").status_code for _ in range(3)]
        attempts_while_down = len(store_up)
        warnings = _store_warnings(caplog)
        clock["now"] += api.STORE_RETRY_SECONDS
        anon_client.get("/api/v1/topics/")
    assert statuses == [200, 200, 200]  # uncounted, so even past the 1/min rate
    assert attempts_while_down == 1
    assert len(store_up) == 2  # asked again once the pause is over
    assert len(warnings) == 1
    assert "Connection refused" in warnings[0]


def test_a_redis_that_accepts_but_never_answers_times_out_and_lets_the_request_through(
    anon_client, rates, store_up, caplog
):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel accepts connections; nothing ever reads or answers
    try:
        with (
            rates(anon="5/min"),
            override_settings(CACHES=_redis_cache_at(silent.getsockname()[1])),
            caplog.at_level("WARNING", logger="config.api"),
        ):
            response = anon_client.get("/api/v1/topics/")
    finally:
        silent.close()
    assert response.status_code == HTTPStatus.OK
    [warning] = _store_warnings(caplog)
    assert "Timeout" in warning or "timed out" in warning


@pytest.mark.skipif(not _redis_available(), reason="needs a Redis server on 127.0.0.1:6379")
def test_counting_resumes_when_redis_is_back(anon_client, rates, store_up, monkeypatch):
    from django.core.cache import cache

    from config import api

    clock = {"now": 1000.0}
    monkeypatch.setattr(api.time, "monotonic", lambda: clock["now"])
    with rates(anon="1/min"), override_settings(CACHES=_redis_cache_at(_closed_port())):
        down = anon_client.get("/api/v1/topics/").status_code
    clock["now"] += api.STORE_RETRY_SECONDS
    with rates(anon="1/min"), override_settings(CACHES=REDIS_CACHE):
        cache.delete_pattern("*throttle*")
        back = [anon_client.get("/api/v1/topics/").status_code for _ in range(2)]
        cache.delete_pattern("*throttle*")
    assert down == 200
    assert back == [200, 429]


def _throttle_keys(cache) -> list:
    return cache.client.get_client().keys("claimledger-test:*throttle_anon_ip:127.0.0.1:*")


@pytest.mark.skipif(not _redis_available(), reason="needs a Redis server on 127.0.0.1:6379")
def test_on_redis_a_process_leases_requests_and_asks_again_only_when_they_are_spent(
    anon_client, rates, store_up, one_window
):
    """With 1,600/min the first request leases a sixteenth (100, capped at LEASE_MAX = 64): the
    next 63 requests ask Redis nothing, the 65th takes the next lease."""
    from django.core.cache import cache

    from config import api

    with rates(anon="1600/min"), override_settings(CACHES=REDIS_CACHE):
        cache.delete_pattern("*throttle*")
        anon_client.get("/api/v1/topics/")
        leased = int(cache.client.get_client().get(_throttle_keys(cache)[0]))
        for _ in range(api.LEASE_MAX - 1):
            anon_client.get("/api/v1/topics/")
        asked_for_the_first_lease = len(store_up)
        anon_client.get("/api/v1/topics/")
        counter = int(cache.client.get_client().get(_throttle_keys(cache)[0]))
        cache.delete_pattern("*throttle*")
    assert leased == api.LEASE_MAX
    assert asked_for_the_first_lease == 1
    assert len(store_up) == 2
    assert counter == 2 * api.LEASE_MAX  # the second lease: a sixteenth of the 1,536 left, capped


@pytest.mark.skipif(not _redis_available(), reason="needs a Redis server on 127.0.0.1:6379")
def test_on_redis_processes_sharing_a_client_never_admit_more_than_its_rate(
    anon_client, rates, monkeypatch, one_window
):
    """Three processes (each with its own leases) take turns answering one client at 48/min:
    together they admit its 48 requests, those a process still holds included, and not one more."""
    from django.core.cache import cache

    from config import api

    processes = [{}, {}, {}]
    statuses = []
    with rates(anon="48/min"), override_settings(CACHES=REDIS_CACHE):
        cache.delete_pattern("*throttle*")
        for turn in range(60):
            monkeypatch.setattr(api, "_leases", processes[turn % 3])
            statuses.append(anon_client.get("/api/v1/topics/").status_code)
        cache.delete_pattern("*throttle*")
    assert statuses == [HTTPStatus.OK] * 48 + [HTTPStatus.TOO_MANY_REQUESTS] * 12
