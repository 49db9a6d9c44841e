"""Generate N published claims (half with forecasts) through bulk paths, then time API reads.

    DATABASE_URL=postgres://... DEBUG=1 .venv/bin/python scripts/bench_api.py 100000

Times (median of 5) a search, a first and a deep cursor page, and a filtered page-number page.
Rows are written with bulk_create into an empty database (no history: this is a load generator).
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from claims.models import Actor, Claim, Forecast  # noqa: E402
from sources import services as source_services  # noqa: E402
from sources.models import Passage  # noqa: E402

WORDS = [
    "sanctions",
    "treaty",
    "arms",
    "control",
    "nuclear",
    "deterrence",
    "Ukraine",
    "NATO",
    "enlargement",
    "China",
    "Iran",
    "cyber",
    "election",
    "interference",
    "summit",
    "dialogue",
    "escalation",
    "ceasefire",
    "pipeline",
    "energy",
    "gas",
    "oil",
    "trade",
    "military",
    "exercise",
    "border",
    "troops",
    "missile",
    "defence",
    "strategic",
    "stability",
    "Kremlin",
    "Washington",
]


def generate(n: int) -> None:
    rng = random.Random(7)
    source = source_services.source_create(title="Bench source", text=" ".join(WORDS) * 3)
    passage = Passage.objects.create(
        source=source, start=0, end=9, exact=source.text[:9], prefix="", suffix=source.text[9:41], revision=1
    )
    actors = Actor.objects.bulk_create(Actor(name=f"Bench actor {i}", kind="other") for i in range(200))
    batch = 10_000
    for offset in range(0, n, batch):
        claims = Claim.objects.bulk_create(
            Claim(
                passage=passage,
                statement=" ".join(rng.choices(WORDS, k=12)),
                kind="forecast" if (offset + i) % 2 == 0 else "assertion",
                claimant=rng.choice(actors),
                review_state="published",
            )
            for i in range(min(batch, n - offset))
        )
        Forecast.objects.bulk_create(
            Forecast(
                claim=c,
                # The copies of the claim's claimant and review state, which the services keep.
                claimant_id=c.claimant_id,
                review_state=c.review_state,
                outcome=c.statement,
                made_on="2020-01-01",
                likelihood_phrase="likely",
                probability=0.675,
                probability_low=0.55,
                probability_high=0.8,
            )
            for c in claims
            if c.kind == "forecast"
        )
        print(f"{offset + batch} claims", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a live database


def timed(client: Client, url: str) -> tuple[float, int]:
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(url)
        runs.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.content[:300])
    return statistics.median(runs) * 1000, len(response.json()["results"])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    if not Claim.objects.exists():
        generate(n)
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": None, "user": None, "write": None}
    client = Client(HTTP_HOST="127.0.0.1")
    last_id = Claim.objects.order_by("-id").values_list("id", flat=True)[5000]
    import base64
    import json

    deep = base64.urlsafe_b64encode(json.dumps({"o": "id", "v": [last_id]}, separators=(",", ":")).encode())
    cases = {
        "claims ?search=sanctions treaty": "/api/v1/claims/?search=sanctions%20treaty",
        "claims ?search=ceasefire (cursor)": "/api/v1/claims/?search=ceasefire&pagination=cursor",
        "forecasts ?search=pipeline": "/api/v1/forecasts/?search=pipeline",
        "actors ?search=Bench actr 17": "/api/v1/actors/?search=Bench%20actr%2017",
        "claims cursor, first page (50)": "/api/v1/claims/?pagination=cursor",
        "claims cursor, 200 rows deep in the table": (
            f"/api/v1/claims/?pagination=cursor&page_size=200&cursor={deep.decode().rstrip('=')}"
        ),
        "forecasts cursor, first page (200)": "/api/v1/forecasts/?pagination=cursor&page_size=200",
        "claims page 1 (capped count)": "/api/v1/claims/?page=1",
    }
    print(f"{Claim.objects.count()} claims, {Forecast.objects.count()} forecasts")
    for name, url in cases.items():
        ms, rows = timed(client, url)
        print(f"{ms:8.1f} ms  {rows:4d} rows  {name}")


if __name__ == "__main__":
    main()
