"""Factories that build rows through the services, so tests see what users see."""

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims import services as claim_services
from claims.models import Actor, Claim
from sources import services as source_services

_counter = itertools.count(1)

SAMPLE_TEXT = (
    "Russia's full-scale military intervention in the Ukraine remains very unlikely. "
    "Sanctions will likely be extended by 2024. "
    "New START is expected to expire in February 2021 unless both sides agree to extend it."
)


def make_user(username: str | None = None, *, role: str | None = None, **extra):
    username = username or f"user{next(_counter)}"
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-only", **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_source(*, text: str = SAMPLE_TEXT, title: str | None = None, **fields):
    fields.setdefault("kind", "report")
    fields.setdefault("published_on", dt.date(2022, 1, 19))
    return source_services.source_create(title=title or f"Source {next(_counter)}", text=text, **fields)


def make_passage(*, source=None, quote: str = "remains very unlikely", occurrence: int = 0, **kwargs):
    source = source or make_source()
    start = -1
    for _ in range(occurrence + 1):
        start = source.text.index(quote, start + 1)
    return source_services.passage_create(
        source=source, start=start, end=start + len(quote), exact=quote, **kwargs
    )


def make_actor(name: str | None = None, **fields) -> Actor:
    return claim_services.actor_create(name=name or f"Actor {next(_counter)}", **fields)


def make_topic(name: str | None = None, **fields):
    return claim_services.topic_create(name=name or f"Topic {next(_counter)}", **fields)


def make_claim(
    *,
    passage=None,
    statement: str = "A claim.",
    kind: str = Claim.Kind.ASSERTION,
    published: bool = False,
    reviewer=None,
    **fields,
) -> Claim:
    claim = claim_services.claim_create(
        passage=passage or make_passage(), statement=statement, kind=kind, **fields
    )
    if published:
        claim = claim_services.claim_review(claim=claim, action="publish", reviewed_by=reviewer)
    return claim


def make_forecast(
    *,
    claim=None,
    published: bool = False,
    outcome: str = "Russia invades Ukraine.",
    likelihood_phrase: str = "very unlikely",
    claim_fields=None,
    **fields,
):
    claim = claim or make_claim(kind=Claim.Kind.FORECAST, published=published, **(claim_fields or {}))
    return claim_services.forecast_create(
        claim=claim, outcome=outcome, likelihood_phrase=likelihood_phrase, **fields
    )


EVIDENCE = [
    {
        "url": "https://en.wikipedia.org/wiki/2022_Russian_invasion_of_Ukraine",
        "title": "2022 Russian invasion of Ukraine",
        "quote": "On 24 February 2022, Russia invaded Ukraine.",
        "date": "2022-02-24",
    }
]
