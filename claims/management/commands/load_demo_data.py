"""python manage.py load_demo_data — the annotated seed corpus: claims, forecasts and verdicts.

Reads seeds/annotations.json and writes it through the services, all or nothing.
Claims are written by a dedicated annotator account, published by an editor
account and judged by a fact-checker account, so separation of duties holds
for the demo data as it does for people. A second run writes nothing.
"""

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims import roles
from claims.models import Claim, Forecast, Topic
from claims.selectors import actor_find_by_name
from claims.services import (
    actor_create,
    claim_create,
    claim_review,
    forecast_create,
    topic_create,
    verification_create,
)
from sources.anchoring import normalise_text
from sources.models import Passage, Source
from sources.services import passage_create

DEFAULT_FILE = settings.BASE_DIR / "seeds" / "annotations.json"
SEED_USERS = {
    "annotator": ("seed-annotator", roles.ANNOTATOR),
    "editor": ("seed-editor", roles.EDITOR),
    "fact_checker": ("seed-factchecker", roles.FACT_CHECKER),
}


class DemoDataError(Exception):
    """The annotations file cannot be loaded; the message names the entry and the problem."""


@dataclass
class Counts:
    actors: int = 0
    topics: int = 0
    claims: int = 0
    unchanged: int = 0
    forecasts: int = 0
    verdicts: int = 0


def _label(number: int, entry: dict) -> str:
    quote = str(entry.get("quote", ""))
    shown = quote if len(quote) <= 60 else quote[:57] + "…"
    return f"claim {number} ({entry.get('source', '?')}: “{shown}”)"


def _date(value, what: str, label: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise DemoDataError(f"{label}: {what} is {value!r}; write it as YYYY-MM-DD.") from error


def _span(text: str, quote: str, occurrence: int | None, label: str) -> tuple[int, int]:
    """Offsets of the quote in the text; a repeated quote needs its 1-based occurrence."""
    starts, position = [], text.find(quote)
    while position != -1:
        starts.append(position)
        position = text.find(quote, position + 1)
    if not starts:
        raise DemoDataError(f"{label}: the quote does not occur in the source's text.")
    if occurrence is None:
        if len(starts) > 1:
            raise DemoDataError(
                f'{label}: the quote occurs {len(starts)} times; add "occurrence" (1–{len(starts)}).'
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise DemoDataError(
            f"{label}: occurrence {occurrence} asked for, but the quote occurs {len(starts)} times."
        )
    start = starts[occurrence - 1]
    return start, start + len(quote)


def _message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


class Loader:
    """Writes one annotations file through the services; raise to roll everything back."""

    def __init__(self, data: dict):
        self.data = data
        self.counts = Counts()
        self.actors = {}
        self.topics = {}

    def run(self) -> Counts:
        self.users = {role: self._user(*spec) for role, spec in SEED_USERS.items()}
        for entry in self.data.get("topics", []):
            self._topic(entry)
        for entry in self.data.get("actors", []):
            self._actor(entry)
        sources = self._sources()
        for number, entry in enumerate(self.data["claims"], start=1):
            label = _label(number, entry)
            try:
                self._claim(entry, sources[entry["source"]], label)
            except ValidationError as error:
                raise DemoDataError(f"{label}: {_message(error)}") from error
            except KeyError as error:
                raise DemoDataError(f"{label}: {error.args[0]!r} is missing.") from error
        return self.counts

    def _user(self, username: str, role: str):
        users = get_user_model()
        user = users.objects.filter(username=username).first()
        if user is None:
            user = users.objects.create_user(username=username, password=None, is_staff=False)
        group = Group.objects.get(name=role)
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
        return user

    def _topic(self, entry: dict) -> None:
        topic = Topic.objects.filter(slug=entry["slug"]).first()
        if topic is None:
            topic = topic_create(
                name=entry["name"],
                slug=entry["slug"],
                description=entry.get("description", ""),
                created_by=self.users["editor"],
            )
            self.counts.topics += 1
        self.topics[entry["slug"]] = topic

    def _actor(self, entry: dict) -> None:
        actor = actor_find_by_name(entry["name"])
        if actor is None:
            actor = actor_create(
                name=entry["name"],
                kind=entry.get("kind", "other"),
                aliases=entry.get("aliases", []),
                country=entry.get("country", ""),
                wikidata_id=entry.get("wikidata_id", ""),
                description=entry.get("description", ""),
                created_by=self.users["editor"],
            )
            self.counts.actors += 1
        self.actors[entry["name"]] = actor

    def _sources(self) -> dict[str, Source]:
        keys = sorted({entry.get("source") for entry in self.data["claims"]})
        sources = {s.import_key: s for s in Source.objects.filter(import_key__in=keys)}
        missing = [key for key in keys if key not in sources]
        if missing:
            raise DemoDataError(
                f"The sources {', '.join(map(str, missing))} have not been imported. "
                "Run `python manage.py import_sources seeds/` first."
            )
        return sources

    def _named_actor(self, name: str, label: str):
        actor = self.actors.get(name) or actor_find_by_name(name)
        if actor is None:
            raise DemoDataError(f"{label}: actor {name!r} is not in the file's actors list.")
        return actor

    def _claim(self, entry: dict, source: Source, label: str) -> None:
        quote = normalise_text(entry["quote"])
        start, end = _span(source.text, quote, entry.get("occurrence"), label)
        statement = entry["statement"].strip()
        claim = (
            Claim.objects.filter(
                passage__source=source, passage__start=start, passage__end=end, statement=statement
            )
            .select_related("passage")
            .first()
        )
        if claim is not None:
            self.counts.unchanged += 1
        else:
            claim = self._new_claim(entry, source, start, end, quote, statement, label)
            self.counts.claims += 1
        forecast_entry = entry.get("forecast")
        if forecast_entry is None:
            if entry["kind"] == Claim.Kind.FORECAST:
                raise DemoDataError(f'{label}: a claim of kind forecast needs a "forecast" object.')
            return
        forecast = Forecast.objects.filter(claim=claim).first()
        if forecast is None:
            forecast = self._new_forecast(forecast_entry, claim, label)
            self.counts.forecasts += 1
        verdict = forecast_entry.get("verdict")
        if verdict is not None and not forecast.verifications.exists():
            verification_create(
                forecast=forecast,
                verdict=verdict["verdict"],
                rationale=verdict.get("rationale", ""),
                evidence=verdict.get("evidence", []),
                created_by=self.users["fact_checker"],
            )
            self.counts.verdicts += 1

    def _new_claim(self, entry, source, start, end, quote, statement, label) -> Claim:
        annotator = self.users["annotator"]
        passage = Passage.objects.filter(source=source, start=start, end=end).first()
        if passage is None:
            passage = passage_create(source=source, start=start, end=end, exact=quote, created_by=annotator)
        claim = claim_create(
            passage=passage,
            statement=statement,
            kind=entry["kind"],
            claimant=self._named_actor(entry["claimant"], label) if entry.get("claimant") else None,
            subjects=[self._named_actor(name, label) for name in entry.get("subjects", [])],
            topics=[self._topic_by_slug(slug, label) for slug in entry.get("topics", [])],
            created_by=annotator,
        )
        return claim_review(claim=claim, action="publish", reviewed_by=self.users["editor"])

    def _topic_by_slug(self, slug: str, label: str) -> Topic:
        topic = self.topics.get(slug) or Topic.objects.filter(slug=slug).first()
        if topic is None:
            raise DemoDataError(f"{label}: topic {slug!r} is not in the file's topics list.")
        return topic

    def _new_forecast(self, entry: dict, claim: Claim, label: str) -> Forecast:
        return forecast_create(
            claim=claim,
            outcome=entry["outcome"],
            made_on=_date(entry.get("made_on"), "made_on", label),
            horizon_text=entry.get("horizon", ""),
            resolve_by=_date(entry.get("resolve_by"), "resolve_by", label),
            likelihood_phrase=entry.get("likelihood_phrase", ""),
            lexicon=entry.get("lexicon") or Forecast.Lexicon.ICD_203,
            phrase_applies_to=entry.get("phrase_applies_to") or Forecast.Polarity.OUTCOME,
            resolution_criteria=entry.get("resolution_criteria", ""),
            condition=entry.get("condition", ""),
            created_by=self.users["annotator"],
        )


def read_annotations(path: Path) -> dict:
    """The parsed annotations file, or a DemoDataError saying what is wrong with it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DemoDataError(f"{path} does not exist.") from error
    except json.JSONDecodeError as error:
        raise DemoDataError(f"{path} is not valid JSON: {error}.") from error
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise DemoDataError(f'{path} needs an object with a "claims" list.')
    return data


class Command(BaseCommand):
    help = "Load the annotated seed corpus (claims, forecasts, verdicts). Run import_sources first."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_FILE), help="The annotations file (JSON).")

    def handle(self, *args, file, **options):
        try:
            data = read_annotations(Path(file))
            with transaction.atomic():
                counts = Loader(data).run()
        except DemoDataError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        self.stdout.write(
            f"{counts.claims} new claims, {counts.unchanged} unchanged; "
            f"{counts.forecasts} new forecasts, {counts.verdicts} new verdicts, "
            f"{counts.actors} new actors, {counts.topics} new topics"
        )
