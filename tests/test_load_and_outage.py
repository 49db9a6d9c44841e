"""Under gunicorn on PostgreSQL: a short soak holds (no 5xx, no lost write), and a database
outage is answered with 503 and recovered from. `make soak` runs the long soak."""

import contextlib
import http.client
import json
import os
import socket
import threading

import pytest
from django.conf import settings

from scripts import soak
from scripts.liveserver import free_port, manage, server_env, start_gunicorn, stop

pytestmark = pytest.mark.skipif(not settings.IS_POSTGRES, reason="runs gunicorn against PostgreSQL")


def admin_url() -> str:
    base = settings.DATABASES["default"]
    return f"postgres://{base['USER']}@{base['HOST']}:{base['PORT'] or 5432}"


def test_short_soak_of_mixed_reads_and_writes_loses_nothing_and_has_no_server_error():
    seconds = float(os.environ.get("SOAK_SECONDS", "15"))
    result = soak.soak(
        seconds=seconds, clients=32, admin_url=admin_url(), workers=5, threads=4, write_share=0.2
    )
    print(json.dumps(result, indent=2))
    assert result["requests"] > 0 and result["writes_acknowledged"] > 0
    assert (result["server_errors"], result["connection_errors"], result["writes_missing"]) == (0, 0, 0)


class Proxy:
    """A TCP relay between the app and PostgreSQL that can be cut and restored, like a network outage."""

    def __init__(self, target_port: int):
        self.target_port, self.port = target_port, free_port()
        self.sockets: list[socket.socket] = []
        self.listener = None

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self):
        # shutdown() first: on Linux a close() alone does not wake a thread blocked in accept(),
        # and the socket would go on accepting.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
        self.sockets.clear()


def get(port: int, path: str) -> tuple[int, dict, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Accept": "application/json"})
    response = connection.getresponse()
    body = response.read()
    return response.status, dict(response.getheaders()), json.loads(body) if body else {}


def test_database_outage_is_a_503_with_retry_after_and_the_app_recovers_when_it_returns():
    name, direct_url = soak.setup_database(admin_url())
    base = settings.DATABASES["default"]
    proxy = Proxy(int(base["PORT"] or 5432))
    proxy.start()
    proxied_url = f"postgres://{base['USER']}@127.0.0.1:{proxy.port}/{name}"
    server = None
    try:
        manage(server_env(direct_url, DEBUG="1"), "migrate", "--no-input", "-v0")
        manage(server_env(direct_url, DEBUG="1"), "createcachetable")
        port = free_port()
        server = start_gunicorn(server_env(proxied_url), port, workers=1)
        assert get(port, "/api/v1/claims/")[0] == 200

        proxy.cut()
        status, headers, body = get(port, "/api/v1/claims/")
        assert status == 503
        assert headers["Retry-After"] == "30"
        assert body["code"] == "database_unavailable"
        assert get(port, "/api/v1/claims/")[0] == 503  # still down: a new connection is refused too

        proxy.start()
        statuses = [get(port, "/api/v1/claims/")[0] for _ in range(3)]
        assert statuses[-1] == 200
    finally:
        if server is not None:
            stop(server)
        proxy.cut()
        soak.drop_database(admin_url(), name)
