"""Benchmark the Annotate view: the 70 KB seed with 500 passages, queries and server time.

Runs against a throwaway test database (SQLite unless DATABASE_URL is set):
    .venv/bin/python scripts/bench_annotate.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

PASSAGES = 500
RUNS = 5


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    import datetime as dt
    import json

    from claims import roles
    from sources import services
    from sources.anchoring import code_point_to_utf16
    from tests import factories

    text = (ROOT / "seeds" / "000_6958b1b88d72c824.txt").read_text(encoding="utf-8")
    source = services.source_create(title="Bench", text=text, kind="report", published_on=dt.date(2021, 1, 1))
    text = source.text
    step = len(text) // PASSAGES
    for i in range(PASSAGES):
        start = i * step
        while text[start].isspace():
            start += 1
        passage = services.passage_create(source=source, start=start, end=start + max(8, step // 2))
        factories.make_claim(
            passage=passage, kind="forecast" if i % 2 else "assertion", statement=f"Claim {i}."
        )
    user = factories.make_user("bench", role=roles.ANNOTATOR, is_staff=True)
    client = Client()
    client.force_login(user)
    url = f"/admin/sources/source/{source.pk}/annotate/"
    client.get(url)  # warm caches: suggestions, templates
    timings, queries = [], []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - began)
        assert response.status_code == 200, response.status_code
        queries.append(len(captured.captured_queries))
    print(f"source: {len(text):,} code points, {PASSAGES} passages with claims")
    print(
        f"annotate view: {statistics.median(timings) * 1000:.0f} ms median server time "
        f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}), "
        f"{queries[0]} queries (every run: {sorted(set(queries))}), {len(response.content):,} bytes"
    )

    create_times, create_queries = [], []
    quote_at = text.index("Russia", 100)
    for i in range(20):
        start = text.index(" ", quote_at + i * 37) + 1
        end = start + 12
        body = {
            "start": code_point_to_utf16(text, start),
            "end": code_point_to_utf16(text, end),
            "exact": text[start:end],
            "kind": "forecast",
            "statement": f"Bench forecast {i}.",
            "likelihood_phrase": "likely",
        }
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.post(url + "passages/", json.dumps(body), content_type="application/json")
            create_times.append(time.perf_counter() - began)
        assert response.status_code == 201, response.content
        create_queries.append(len(captured.captured_queries))
    print(
        f"create passage+forecast: {statistics.median(create_times) * 1000:.1f} ms median "
        f"(max {max(create_times) * 1000:.1f}), {statistics.median(create_queries):.0f} queries"
    )


if __name__ == "__main__":
    main()
