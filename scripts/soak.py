"""A bounded soak test: mixed reads and writes from many clients against gunicorn on PostgreSQL.

    python scripts/soak.py --seconds 120 --clients 32 [--database-url postgres://postgres@127.0.0.1:5432]

It builds a fresh database (migrations, the seed sources and the demo dataset), serves it
with gunicorn on 127.0.0.1, and runs the clients for a fixed time; each request has a
timeout and the run stops by itself. Afterwards every write the server acknowledged (201)
must be in the database. It prints requests/s, p50/p99 latency, the count of 5xx answers
and of missing writes, and exits non-zero if either is not zero. Loopback only.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.liveserver import free_port, manage, server_env, start_gunicorn, stop

READS = [
    "/api/v1/claims/?page_size=50",
    "/api/v1/claims/?review_state=published&kind=forecast",
    "/api/v1/forecasts/?status=due",
    "/api/v1/forecasts/?ordering=-probability&page_size=20",
    "/api/v1/sources/",
    "/api/v1/actors/?page_size=100",
    "/api/v1/topics/",
    "/api/v1/passages/?page_size=100",
    "/api/v1/forecasts/?search=sanctions",
    "/api/v1/claims/?search=Ukraine",
]


def setup_database(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"soak_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{admin_url}/{name}"


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


TOKEN_CODE = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from claims.management.commands.create_token import issue_token
from sources.models import Passage
user, _ = get_user_model().objects.get_or_create(username="soak-annotator")
user.groups.add(Group.objects.get(name="annotator"))
print(issue_token(user))
print(",".join(str(pk) for pk in Passage.objects.values_list("id", flat=True)[:200]))
"""


class Client(threading.Thread):
    """One client: a keep-alive connection issuing a random mix until the deadline."""

    def __init__(self, number, port, token, passages, deadline, write_share):
        super().__init__(daemon=True)
        self.number, self.port, self.token, self.passages = number, port, token, passages
        self.deadline, self.write_share = deadline, write_share
        self.random = random.Random(number)
        self.latencies: list[float] = []
        self.by_path: dict[str, list[float]] = {}
        self.statuses: Counter = Counter()
        self.acknowledged: dict[int, str] = {}
        self.errors: list[str] = []

    def request(self, connection, method, path, body=None):
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json"}
        if body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        self.latencies.append(elapsed)
        self.by_path.setdefault(f"{method} {path}", []).append(elapsed)
        self.statuses[response.status] += 1
        if response.status >= 500:
            self.errors.append(f"{method} {path}: {response.status} {payload[:200]!r}")
        return response.status, payload

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sequence = 0
        while time.monotonic() < self.deadline:
            try:
                if self.random.random() < self.write_share:
                    sequence += 1
                    statement = f"Soak claim {self.number}-{sequence}"
                    status, payload = self.request(
                        connection,
                        "POST",
                        "/api/v1/claims/",
                        {
                            "passage": self.random.choice(self.passages),
                            "statement": statement,
                            "kind": "assertion",
                        },
                    )
                    if status == 201:
                        self.acknowledged[json.loads(payload)["id"]] = statement
                else:
                    self.request(connection, "GET", self.random.choice(READS))
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(f"connection error: {error!r}")
                self.statuses["connection error"] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def soak(
    *, seconds: float, clients: int, admin_url: str, workers: int, threads: int, write_share: float
) -> dict:
    name, database_url = setup_database(admin_url)
    env = server_env(
        database_url, THROTTLE_ANON="1000000/min", THROTTLE_USER="1000000/min", THROTTLE_WRITE="1000000/min"
    )
    server = None
    try:
        setup_env = env | {"DEBUG": "1"}
        manage(setup_env, "migrate", "--no-input", "-v0")
        manage(setup_env, "createcachetable")
        manage(setup_env, "import_sources", "seeds/", "--no-progress")
        manage(setup_env, "load_demo_data")
        token, passage_ids = manage(setup_env, "shell", "-c", TOKEN_CODE).strip().splitlines()[-2:]
        passages = [int(pk) for pk in passage_ids.split(",")]
        port = free_port()
        server = start_gunicorn(env, port, workers=workers, threads=threads)
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        pool = [Client(i, port, token, passages, deadline, write_share) for i in range(clients)]
        for client in pool:
            client.start()
        for client in pool:
            client.join(timeout=seconds + 60)
        elapsed = time.monotonic() - started

        import psycopg

        acknowledged = {pk: s for client in pool for pk, s in client.acknowledged.items()}
        with psycopg.connect(database_url) as conn:
            stored = dict(
                conn.execute(
                    "SELECT id, statement FROM claims_claim WHERE id = ANY(%s)", [list(acknowledged)]
                ).fetchall()
            )
        missing = [pk for pk, statement in acknowledged.items() if stored.get(pk) != statement]
        latencies = [value for client in pool for value in client.latencies]
        statuses = sum((client.statuses for client in pool), Counter())
        errors = [error for client in pool for error in client.errors]
        by_path: dict[str, list[float]] = {}
        for client in pool:
            for path, values in client.by_path.items():
                by_path.setdefault(path, []).extend(values)
        return {
            "seconds": round(elapsed, 1),
            "clients": clients,
            "requests": len(latencies),
            "requests_per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))},
            "server_errors": sum(v for k, v in statuses.items() if isinstance(k, int) and k >= 500),
            "connection_errors": statuses.get("connection error", 0),
            "writes_acknowledged": len(acknowledged),
            "writes_missing": len(missing),
            "first_errors": errors[:5],
            "p50_ms_by_request": {
                path: round(statistics.median(values) * 1000, 1) for path, values in sorted(by_path.items())
            },
        }
    finally:
        if server is not None:
            stop(server)
        drop_database(admin_url, name)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--write-share", type=float, default=0.2, help="share of requests that write")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432"),
        help="a PostgreSQL server URL without a database name; a fresh database is made and dropped",
    )
    args = parser.parse_args()
    result = soak(
        seconds=args.seconds,
        clients=args.clients,
        admin_url=args.database_url.rstrip("/"),
        workers=args.workers,
        threads=args.threads,
        write_share=args.write_share,
    )
    print(json.dumps(result, indent=2))
    print(
        f"soak: {result['requests']} requests in {result['seconds']} s at {result['clients']} clients "
        f"({result['requests_per_second']}/s), p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"{result['server_errors']} server errors, {result['connection_errors']} connection errors, "
        f"{result['writes_acknowledged']} writes acknowledged, {result['writes_missing']} missing"
    )
    ok = result["server_errors"] == 0 and result["writes_missing"] == 0 and result["connection_errors"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
