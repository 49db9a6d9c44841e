"""The benchmark's in-process helpers, run with the app's own settings and database.

    python bench/django_side.py prepare             -> JSON: token, ids and terms the load uses
    python bench/django_side.py count < requests.json -> JSON: SQL queries per request for each
                                                          {"name", "method", "url", "body", "token"}

Query counts are taken in-process with the Django test client (the same settings, middleware,
throttles and database as under gunicorn), so the load runs themselves carry no instrumentation.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from claims import roles  # noqa: E402
from claims.management.commands.create_token import issue_token  # noqa: E402
from claims.models import Claim, Topic  # noqa: E402
from sources.models import Passage, Source  # noqa: E402

BENCH_USER = "bench-annotator"


def prepare() -> dict:
    """A token for an annotator, and the ids the benchmark asks for (chosen from the data)."""
    call_command("createcachetable", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
    user.groups.add(Group.objects.get(name=roles.ANNOTATOR))
    with connection.cursor() as cursor:
        # The most prolific claimant: the hardest track record and the biggest filter.
        cursor.execute(
            "SELECT claimant_id FROM claims_claim WHERE claimant_id IS NOT NULL "
            "GROUP BY claimant_id ORDER BY count(*) DESC LIMIT 1"
        )
        claimant = cursor.fetchone()[0]
        cursor.execute("SELECT min(id), max(id) FROM claims_claim")
        low, high = cursor.fetchone()
    topic = Topic.objects.filter(slug="ukraine").first() or Topic.objects.order_by("id").first()
    source = Source.objects.order_by("id").values_list("id", flat=True)[Source.objects.count() // 2]
    passage = Passage.objects.order_by("id").values_list("id", flat=True).first()
    return {
        "token": issue_token(user, days=1),
        "claimant": claimant,
        "topic": topic.slug,
        "source": source,
        "passage": passage,
        "deep_id": (low + high) // 2,
        "claims": Claim.objects.count(),
    }


def count(requests: list[dict]) -> dict:
    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for spec in requests:
        headers = {"Authorization": f"Token {spec['token']}"} if spec.get("token") else {}

        def send(spec=spec, headers=headers):
            if spec.get("method", "GET") == "POST":
                return client.post(
                    spec["url"], spec["body"], content_type="application/json", headers=headers
                )
            return client.get(spec["url"], headers=headers)

        send()  # warm: first-request work (content types, caches) is not per request
        with CaptureQueriesContext(connection) as queries:
            response = send()
        counts[spec["name"]] = {"queries": len(queries), "status": response.status_code}
    return counts


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "prepare":
        print(json.dumps(prepare()))
    elif command == "count":
        print(json.dumps(count(json.load(sys.stdin))))
    else:
        raise SystemExit(f"unknown command {command!r}: use prepare or count")
