"""Time one track-record request in process: server time (median of warm runs), queries, bytes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cl_perf_bench DEBUG=1 SECURE_SSL_REDIRECT=0 \
        .venv/bin/python bench/track_record_timing.py --actor 1 --runs 5

Measured on cl_perf_bench (1M claims), claimant 1, anonymous, after rebuild_score_summaries:
track record 8094 ms, 10 queries, 16,156,315 bytes before; 38.5 ms, 12 queries (6 of them
the anonymous throttle's cache), 224,964 bytes after. calibration.svg 27.5 ms, 8 queries.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--actor", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", default="/api/v1/actors/{actor}/track-record/")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    url = args.path.format(actor=args.actor)
    client.get(url)  # warm up
    timings, queries, size = [], 0, 0
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        queries, size = len(captured), len(response.content)
    print(
        f"{url}: p50 {statistics.median(timings):.1f} ms (min {min(timings):.1f}, max {max(timings):.1f}), "
        f"{queries} queries, {size} bytes"
    )


if __name__ == "__main__":
    main()
