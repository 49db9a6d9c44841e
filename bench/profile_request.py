"""Time (and optionally profile) API requests in process, through the WSGI handler gunicorn calls.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cl_perf_bench SECRET_KEY=x \
        .venv/bin/python bench/profile_request.py /api/v1/sources/2520/ --runs 50 [--profile]

Prints the median and p90 wall time per request, the median CPU time of this process (the
Python side, without the database's work), the SQL statements, and with --profile the
functions with the most cumulative time (with --profile-cpu, of this process's CPU time rather
than wall time, so without the waits for the database), and with --phases the CPU time of
each stage of the request (URL resolution, DRF's authentication, negotiation and throttles,
the throttle's Redis counter, SQL, the ETag, rendering, the response's close), each the
median over the runs.
Settings are the production ones (DEBUG off), as under gunicorn in `make bench`; set REDIS_URL
to throttle on Redis as the benchmark does.
With --post the requests really write (a claim per run, say): delete those rows afterwards,
or the next `make bench` measures a corpus with them.
"""

import argparse
import contextlib
import cProfile
import functools
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


# The stages --phases times: (module, attribute path, label). Each is wrapped where it is looked
# up at call time (a class's method, a module-level function called through its module).
PHASES = [
    ("django.core.handlers.base", "BaseHandler.get_response", "Django: the request (middleware, view)"),
    ("django.core.handlers.base", "BaseHandler.resolve_request", "Django: URL resolution"),
    ("rest_framework.views", "APIView.dispatch", "DRF: dispatch (all below)"),
    ("rest_framework.views", "APIView.initialize_request", "DRF: Request object"),
    ("rest_framework.views", "APIView.perform_authentication", "DRF: authentication"),
    ("rest_framework.views", "APIView.check_permissions", "DRF: permissions"),
    ("rest_framework.views", "APIView.check_throttles", "DRF: throttles"),
    ("config.api", "_counted", "throttle counter (Redis)"),
    ("rest_framework.views", "APIView.perform_content_negotiation", "DRF: content negotiation"),
    ("config.db", "_fetch", "prepared statement (fetch_prepared)"),
    ("django.db.backends.utils", "CursorWrapper.execute", "SQL through Django's cursor (all statements)"),
    ("config.api_views", "representation_etag", "ETag"),
    ("rest_framework.views", "APIView.finalize_response", "DRF: finalize_response"),
    ("rest_framework.response", "Response.rendered_content", "rendering"),
    ("django.http.response", "HttpResponseBase.close", "response close (request_finished)"),
]


@contextlib.contextmanager
def timed_phases():
    """Wrap each stage in PHASES to record its thread CPU time; yields {label: (median µs per
    call, calls per request)}, filled in when the block ends. Stages never reached are left out."""
    import importlib

    samples = {label: [] for *_, label in PHASES}
    restore = []

    def timed(function, label):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            started = time.thread_time_ns()
            try:
                return function(*args, **kwargs)
            finally:
                samples[label].append(time.thread_time_ns() - started)

        return wrapper

    for module_name, attribute, label in PHASES:
        owner = importlib.import_module(module_name)
        *parents, name = attribute.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        original = owner.__dict__[name]
        if isinstance(original, property):
            wrapped = property(timed(original.fget, label))
        else:
            wrapped = timed(original, label)
        setattr(owner, name, wrapped)
        restore.append((owner, name, original))
    results = {}
    try:
        yield results
    finally:
        for owner, name, original in reversed(restore):
            setattr(owner, name, original)
    runs = len(samples[PHASES[0][2]]) or 1
    for *_, label in PHASES:
        if samples[label]:
            results[label] = (statistics.median(samples[label]) / 1000, len(samples[label]) / runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-cpu", action="store_true", help="--profile on this process's CPU time.")
    parser.add_argument("--token", help="Send Authorization: Token <token>.")
    parser.add_argument("--post", help="POST this JSON body instead of a GET.")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--phases", action="store_true", help="Time each stage of the request.")
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
            f"this process's CPU {statistics.median(cpu):.2f} ms (mean {statistics.fmean(cpu):.2f} ms, "
            "which counts the garbage collector's passes that a median skips)"
        )
        if args.phases:
            with timed_phases() as phases:
                for _ in range(args.runs):
                    call(path)
            print("  CPU by stage (this thread, median µs per call; stages nest, so they do not add up):")
            for name, (median, calls) in phases.items():
                print(f"    {name:52s} {median:8.1f} µs  × {calls:.1f} a request")
        if args.profile or args.profile_cpu:
            # Wall time by default; --profile-cpu leaves out the time spent waiting for the database.
            profiler = cProfile.Profile(time.process_time) if args.profile_cpu else cProfile.Profile()
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
