"""Time (and optionally profile) API requests in process, through the WSGI handler gunicorn calls.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cl_perf_bench SECRET_KEY=x \
        .venv/bin/python bench/profile_request.py /api/v1/sources/2520/ --runs 50 [--profile]

Prints the median and p90 wall time per request, the median CPU time of this process (the
Python side, without the database's work), the SQL statements, and with --profile the
functions with the most cumulative time. Settings are the production ones (DEBUG off), as under
gunicorn in `make bench`; set REDIS_URL to throttle on Redis as the benchmark does.
With --post the requests really write (a claim per run, say): delete those rows afterwards,
or the next `make bench` measures a corpus with them.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
for scope in ("ANON", "USER", "WRITE"):
    os.environ.setdefault(f"THROTTLE_{scope}", "100000000/min")


def environ_for(path: str, token: str | None, body: bytes = b"") -> dict:
    route, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "POST" if body else "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Token {token}"
    if body:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--token", help="Send Authorization: Token <token>.")
    parser.add_argument("--post", help="POST this JSON body instead of a GET.")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()

    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    app = get_wsgi_application()
    status_holder = {}

    def start_response(status, headers, exc_info=None):
        status_holder["status"] = status

    def call(path):
        data = args.post.encode() if args.post else b""
        response = app(environ_for(path, args.token, data), start_response)
        try:
            return b"".join(response)
        finally:
            response.close()  # as a WSGI server does: request_finished and its handlers run

    for path in args.paths:
        body = call(path)  # warm
        queries = []  # counted with a wrapper: the handler's request_started resets queries_log

        def record(execute, sql, params, many, context, queries=queries):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append({"sql": sql, "time": f"{time.perf_counter() - started:.4f}"})

        with connection.execute_wrapper(record):
            call(path)
        times, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            call(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        times.sort()
        print(
            f"{path}\n  {status_holder['status']}, {len(body):,} bytes, {len(queries)} queries, "
            f"median {statistics.median(times):.2f} ms, p90 {times[int(len(times) * 0.9) - 1]:.2f} ms, "
            f"this process's CPU {statistics.median(cpu):.2f} ms"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.runs):
                call(path)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
            print(out.getvalue())
            for query in queries:
                print(f"  {query['time']}s  {query['sql'][:300]}")


if __name__ == "__main__":
    main()
