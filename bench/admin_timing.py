"""Time the admin's pages in process, as an editor who also records verdicts sees them: the
median of warm runs, the statements and the slowest of them, the page's size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cl_perf_bench DEBUG=1 SECURE_SSL_REDIRECT=0 \
        .venv/bin/python bench/admin_timing.py --runs 5

With no paths, the changelists (and their heaviest filters) and the due queue. The user it
logs in as is created for the run and deleted afterwards, with its session.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PAGES = [
    "/admin/sources/source/",
    "/admin/sources/passage/",
    "/admin/claims/actor/",
    "/admin/claims/claim/",
    "/admin/claims/claim/?review_state__exact=published",
    "/admin/claims/forecast/",
    "/admin/claims/forecast/?review_state__exact=published",
    "/admin/claims/forecast/?topic={topic}",
    "/admin/claims/verification/",
    "/admin/claims/forecast/due/",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", help="Admin paths; {topic} is the first topic's id.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--statements", action="store_true", help="Print each statement of the last run with its time."
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claims import roles
    from claims.models import Topic

    user = get_user_model().objects.create_user(username="admin-timing-run", is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=[roles.EDITOR, roles.FACT_CHECKER]))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    topic = Topic.objects.order_by("id").values_list("id", flat=True).first()
    try:
        for path in args.paths or PAGES:
            url = path.format(topic=topic)
            client.get(url)  # warm up
            timings = []
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}.")
            slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
            print(
                f"{url}: p50 {statistics.median(timings):.1f} ms, {len(captured)} queries, "
                f"{len(response.content):,} bytes; slowest {float(slowest['time']) * 1000:.0f} ms: "
                f"{slowest['sql'][:90]}"
            )
            if args.statements:
                for query in captured.captured_queries:
                    print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:400]}")
    finally:
        client.logout()
        user.delete()


if __name__ == "__main__":
    main()
