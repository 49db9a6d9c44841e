"""Every write to actors, topics, claims, forecasts and verifications goes through here."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.text import slugify

from claims import likelihood
from claims.models import Actor, Claim, Forecast, Topic, Verification
from config.db import save_validated
from sources.services import _as_history_user


def _lock(queryset) -> None:
    """Take row locks (SELECT ... FOR UPDATE) until the end of the transaction."""
    list(queryset.select_for_update().values_list("pk", flat=True))


def _user_or_none(user):
    return user if getattr(user, "pk", None) else None


def _apply(instance, changes: dict, allowed: set[str], what: str):
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} of a {what}.")
    for field, value in changes.items():
        setattr(instance, field, value)


# Actors and topics ---------------------------------------------------------------------------

ACTOR_FIELDS = {"name", "kind", "aliases", "country", "wikidata_id", "description"}


def _clean_aliases(aliases) -> list[str]:
    if not isinstance(aliases, list | tuple) or not all(isinstance(a, str) for a in aliases):
        raise ValidationError({"aliases": "Aliases must be a list of names."})
    return [a.strip() for a in aliases if a.strip()]


@transaction.atomic
def actor_create(
    *,
    name: str,
    kind: str = Actor.Kind.OTHER,
    aliases=(),
    country: str = "",
    wikidata_id: str = "",
    description: str = "",
    created_by=None,
) -> Actor:
    """Create an actor (claimant, subject or author)."""
    actor = Actor(
        name=name.strip(),
        kind=kind,
        aliases=_clean_aliases(list(aliases)),
        country=country,
        wikidata_id=wikidata_id.strip(),
        description=description,
    )
    save_validated(_as_history_user(actor, created_by))
    return actor


@transaction.atomic
def actor_update(*, actor: Actor, updated_by=None, **changes) -> Actor:
    """Change an actor's fields."""
    if "aliases" in changes:
        changes["aliases"] = _clean_aliases(changes["aliases"])
    _apply(actor, changes, ACTOR_FIELDS, "actor")
    save_validated(_as_history_user(actor, updated_by))
    return actor


def actor_get_or_create(*, name: str, kind: str = Actor.Kind.OTHER, created_by=None) -> tuple[Actor, bool]:
    """The actor with this name (case-insensitive, aliases included), created if missing."""
    from claims.selectors import actor_find_by_name

    existing = actor_find_by_name(name)
    if existing is not None:
        return existing, False
    return actor_create(name=name, kind=kind, created_by=created_by), True


@transaction.atomic
def topic_create(
    *,
    name: str,
    slug: str = "",
    parent: Topic | None = None,
    description: str = "",
    created_by=None,
) -> Topic:
    """Create a topic of the taxonomy."""
    topic = Topic(name=name.strip(), slug=slug or slugify(name), parent=parent, description=description)
    save_validated(_as_history_user(topic, created_by))
    return topic


@transaction.atomic
def topic_update(*, topic: Topic, updated_by=None, **changes) -> Topic:
    """Change a topic."""
    _apply(topic, changes, {"name", "slug", "parent", "description"}, "topic")
    save_validated(_as_history_user(topic, updated_by))
    return topic


# Claims --------------------------------------------------------------------------------------

CLAIM_FIELDS = {"statement", "kind", "claimant", "subjects", "topics", "passage"}


@transaction.atomic
def claim_create(
    *,
    passage,
    statement: str,
    kind: str = Claim.Kind.ASSERTION,
    claimant: Actor | None = None,
    subjects=(),
    topics=(),
    created_by=None,
) -> Claim:
    """Create a draft claim anchored in a passage."""
    claim = Claim(
        passage=passage,
        statement=statement.strip(),
        kind=kind,
        claimant=claimant,
        review_state=Claim.ReviewState.DRAFT,
        created_by=_user_or_none(created_by),
    )
    save_validated(_as_history_user(claim, created_by))
    # add(), not set(): a new claim has no links to compare against, and set() reads them first.
    if subjects:
        claim.subjects.add(*subjects)
    if topics:
        claim.topics.add(*topics)
    return claim


@transaction.atomic
def claim_update(*, claim: Claim, updated_by=None, **changes) -> Claim:
    """Change a claim's content. Review state changes go through the review services."""
    subjects = changes.pop("subjects", None)
    topics = changes.pop("topics", None)
    _lock(Claim.objects.filter(pk=claim.pk))
    _lock(Forecast.objects.filter(claim_id=claim.pk))
    scores = _ScoreChange(Forecast.objects.filter(claim_id=claim.pk))
    _apply(claim, changes, CLAIM_FIELDS - {"subjects", "topics"}, "claim")
    if "statement" in changes:
        claim.statement = claim.statement.strip()
    if claim.kind != Claim.Kind.FORECAST and hasattr(claim, "forecast"):
        raise ValidationError({"kind": "This claim has a forecast; it must stay of kind forecast."})
    save_validated(_as_history_user(claim, updated_by))
    if "claimant" in changes:
        _copy_to_forecast(claim, scores.ids)
    if subjects is not None:
        claim.subjects.set(subjects)
    if topics is not None:
        claim.topics.set(topics)
    scores.apply()
    return claim


_TRANSITIONS = {
    "submit": ({Claim.ReviewState.DRAFT, Claim.ReviewState.REJECTED}, Claim.ReviewState.IN_REVIEW),
    "publish": (
        {Claim.ReviewState.DRAFT, Claim.ReviewState.IN_REVIEW},
        Claim.ReviewState.PUBLISHED,
    ),
    "reject": (
        {Claim.ReviewState.DRAFT, Claim.ReviewState.IN_REVIEW, Claim.ReviewState.PUBLISHED},
        Claim.ReviewState.REJECTED,
    ),
    "reopen": ({Claim.ReviewState.PUBLISHED, Claim.ReviewState.REJECTED}, Claim.ReviewState.DRAFT),
}


@transaction.atomic
def claim_review(*, claim: Claim, action: str, reviewed_by) -> Claim:
    """Move a claim through review: submit, publish, reject or reopen."""
    if action not in _TRANSITIONS:
        raise ValidationError(f"Unknown review action {action!r}; use one of {', '.join(_TRANSITIONS)}.")
    sources, target = _TRANSITIONS[action]
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.review_state not in sources:
        raise ValidationError(f"Cannot {action} a claim that is {claim.get_review_state_display().lower()}.")
    scores = _ScoreChange(Forecast.objects.filter(claim_id=claim.pk))
    claim.review_state = target
    if action in {"publish", "reject"}:
        claim.reviewed_by = _user_or_none(reviewed_by)
        claim.reviewed_at = timezone.now()
    _as_history_user(claim, reviewed_by).save()
    _copy_to_forecast(claim, scores.ids)
    scores.apply()
    return claim


def _copy_to_forecast(claim: Claim, forecast_ids: list[int]) -> None:
    """Bring the claim's forecast's copies of its claimant and review state (Forecast.claimant,
    Forecast.review_state) up to date, in the caller's transaction. Not history: the claim's
    history has the change. `forecast_ids` are the claim's forecasts as the caller's
    _ScoreChange already read them; a claim without one costs no statement."""
    if not forecast_ids:
        return
    Forecast.objects.filter(pk__in=forecast_ids).update(
        claimant_id=claim.claimant_id, review_state=claim.review_state
    )


def forecast_copies_sync() -> int:
    """Set every forecast's copies from its claim, in one statement, for forecasts written in
    bulk (a dataset import); returns the number of forecasts."""
    claim = Claim.objects.filter(pk=OuterRef("claim_id"))
    return Forecast.objects.update(
        claimant_id=Subquery(claim.values("claimant_id")), review_state=Subquery(claim.values("review_state"))
    )


# Forecasts -----------------------------------------------------------------------------------

FORECAST_FIELDS = {
    "outcome",
    "made_on",
    "horizon_text",
    "resolve_by",
    "likelihood_phrase",
    "lexicon",
    "phrase_applies_to",
    "probability",
    "probability_low",
    "probability_high",
    "resolution_criteria",
    "condition",
}


def _derive_probability(forecast: Forecast, *, explicit_numbers: bool) -> None:
    """Fill the interval and point from the phrase when no number was given."""
    if explicit_numbers:
        if forecast.probability is not None and forecast.probability_low is None:
            forecast.probability_low = forecast.probability_high = forecast.probability
        if forecast.probability is None and forecast.probability_low is not None:
            if forecast.probability_high is None:
                raise ValidationError({"probability_high": "Give both ends of the interval."})
            forecast.probability = round((forecast.probability_low + forecast.probability_high) / 2, 6)
        if forecast.lexicon in {Forecast.Lexicon.NONE}:
            forecast.lexicon = Forecast.Lexicon.EXPLICIT
        return
    phrase = forecast.likelihood_phrase.strip()
    if not phrase:
        forecast.lexicon = Forecast.Lexicon.NONE
        forecast.probability = forecast.probability_low = forecast.probability_high = None
        return
    negated = forecast.phrase_applies_to == Forecast.Polarity.NEGATION
    explicit = likelihood.parse_explicit(phrase)
    if explicit is not None or forecast.lexicon == Forecast.Lexicon.EXPLICIT:
        if explicit is None:
            raise ValidationError(
                {
                    "likelihood_phrase": f"{phrase!r} is not a number; write it as 70% or 0.7, "
                    "or choose a lexicon."
                }
            )
        value = 1 - explicit if negated else explicit
        forecast.lexicon = Forecast.Lexicon.EXPLICIT
        forecast.probability = forecast.probability_low = forecast.probability_high = round(value, 6)
        return
    lexicon = forecast.lexicon if forecast.lexicon != Forecast.Lexicon.NONE else Forecast.Lexicon.ICD_203
    estimate = likelihood.lookup(phrase, lexicon, negated=negated)
    if estimate is None:
        raise ValidationError(
            {
                "likelihood_phrase": f"{phrase!r} is not in the {Forecast.Lexicon(lexicon).label} lexicon. "
                f"Use one of its phrases ({', '.join(sorted(likelihood.LEXICONS[lexicon]))}), "
                "another lexicon, or give the probability as a number."
            }
        )
    forecast.lexicon = lexicon
    forecast.probability_low, forecast.probability_high = estimate.low, estimate.high
    forecast.probability = estimate.point


@transaction.atomic
def forecast_create(
    *,
    claim: Claim,
    outcome: str,
    made_on: dt.date | None = None,
    horizon_text: str = "",
    resolve_by: dt.date | None = None,
    likelihood_phrase: str = "",
    lexicon: str = Forecast.Lexicon.ICD_203,
    phrase_applies_to: str = Forecast.Polarity.OUTCOME,
    probability: float | None = None,
    probability_low: float | None = None,
    probability_high: float | None = None,
    resolution_criteria: str = "",
    condition: str = "",
    created_by=None,
) -> Forecast:
    """Attach the forecast to a forecast claim; the interval comes from the phrase unless given."""
    if claim.kind != Claim.Kind.FORECAST:
        raise ValidationError({"claim": f"Claim {claim.pk} is of kind {claim.kind}, not forecast."})
    if Forecast.objects.filter(claim=claim).exists():
        raise ValidationError({"claim": f"Claim {claim.pk} already has a forecast; change that one."})
    if made_on is None:
        made_on = claim.passage.source.published_on
        if made_on is None:
            raise ValidationError({"made_on": "The source has no date; give the date the forecast was made."})
    forecast = Forecast(
        claim=claim,
        claimant_id=claim.claimant_id,
        review_state=claim.review_state,
        outcome=outcome.strip(),
        made_on=made_on,
        horizon_text=horizon_text,
        resolve_by=resolve_by,
        likelihood_phrase=likelihood_phrase.strip(),
        lexicon=lexicon,
        phrase_applies_to=phrase_applies_to,
        probability=probability,
        probability_low=probability_low,
        probability_high=probability_high,
        resolution_criteria=resolution_criteria,
        condition=condition,
    )
    explicit = any(v is not None for v in (probability, probability_low, probability_high))
    _derive_probability(forecast, explicit_numbers=explicit)
    save_validated(_as_history_user(forecast, created_by))
    return forecast


@transaction.atomic
def forecast_update(*, forecast: Forecast, updated_by=None, **changes) -> Forecast:
    """Change a forecast; a changed phrase re-derives the interval unless numbers are given."""
    # Locked before the score summaries read the "before" state, so two concurrent edits
    # cannot both apply their difference to the same starting point.
    _lock(Forecast.objects.filter(pk=forecast.pk))
    scores = _ScoreChange(Forecast.objects.filter(pk=forecast.pk))
    _apply(forecast, changes, FORECAST_FIELDS, "forecast")
    numbers = {"probability", "probability_low", "probability_high"}
    explicit = bool(numbers & set(changes)) and any(changes.get(n) is not None for n in numbers)
    if explicit or {"likelihood_phrase", "lexicon", "phrase_applies_to"} & set(changes):
        if not explicit and not numbers & set(changes):
            forecast.probability = forecast.probability_low = forecast.probability_high = None
        _derive_probability(forecast, explicit_numbers=explicit)
    save_validated(_as_history_user(forecast, updated_by))
    scores.apply()
    return forecast


class _ScoreChange:
    """Keeps the actors' score summaries right across a change to verified forecasts.

    Made before the change (it records what the forecasts counted for), applied after it in
    the same transaction. Unverified forecasts count for nothing: one query, nothing else.
    """

    def __init__(self, forecasts):
        from claims import track_records

        self.ids = list(forecasts.values_list("pk", flat=True))
        self.verified_before = Forecast.objects.filter(pk__in=self.ids).exclude(verdict="").exists()
        self.before = track_records.score_contributions(self.ids) if self.verified_before else {}

    def apply(self, newest: int | None = None) -> None:
        from claims import track_records

        if self.verified_before or Forecast.objects.filter(pk__in=self.ids).exclude(verdict="").exists():
            track_records.apply_contributions(
                self.before, track_records.score_contributions(self.ids), newest
            )


# Verifications -------------------------------------------------------------------------------

EVIDENCE_KEYS = {"url", "title", "quote", "date"}


def _clean_evidence(evidence) -> list[dict]:
    if not isinstance(evidence, list) or not evidence:
        raise ValidationError(
            {"evidence": "A verdict needs at least one piece of evidence: {url, title, date, quote}."}
        )
    from django.core.validators import URLValidator

    cleaned = []
    for number, item in enumerate(evidence, start=1):
        if not isinstance(item, dict):
            raise ValidationError({"evidence": f"Evidence {number} must be an object with url and title."})
        unknown = set(item) - EVIDENCE_KEYS
        if unknown:
            raise ValidationError(
                {
                    "evidence": f"Evidence {number} has unknown keys {', '.join(sorted(unknown))}; "
                    f"use {', '.join(sorted(EVIDENCE_KEYS))}."
                }
            )
        url, title = str(item.get("url") or "").strip(), str(item.get("title") or "").strip()
        if not url or not title:
            raise ValidationError({"evidence": f"Evidence {number} needs both a url and a title."})
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as error:
            raise ValidationError({"evidence": f"Evidence {number} has an invalid url: {url!r}."}) from error
        date_value = item.get("date") or ""
        if date_value:
            try:
                date_value = dt.date.fromisoformat(str(date_value)).isoformat()
            except ValueError as error:
                raise ValidationError(
                    {"evidence": f"Evidence {number} has date {date_value!r}; write it as YYYY-MM-DD."}
                ) from error
        cleaned.append(
            {
                "url": url,
                "title": title,
                "quote": str(item.get("quote") or "").strip(),
                "date": date_value,
            }
        )
    return cleaned


@transaction.atomic
def verification_create(
    *, forecast: Forecast, verdict: str, rationale: str, evidence, reason: str = "", created_by=None
) -> Verification:
    """Record a verdict. Earlier verdicts are kept; a re-resolution needs a reason."""
    forecast = Forecast.objects.select_for_update().select_related("claim").get(pk=forecast.pk)
    author_id = forecast.claim.created_by_id
    if (
        not settings.ALLOW_SELF_VERIFICATION
        and created_by is not None
        and author_id is not None
        and author_id == getattr(created_by, "pk", None)
    ):
        raise ValidationError(
            "You annotated this forecast, so you cannot verify it: another fact-checker must "
            "record the verdict (separation of duties)."
        )
    if not (rationale or "").strip():
        raise ValidationError({"rationale": "A verdict needs a written rationale."})
    scores = _ScoreChange(Forecast.objects.filter(pk=forecast.pk))
    previous = forecast.verifications.order_by("-created_at", "-id").first()
    if previous is not None and not reason.strip():
        raise ValidationError(
            {
                "reason": f"This forecast already has the verdict {previous.get_verdict_display().lower()}; "
                "say why it is revised."
            }
        )
    verification = Verification(
        forecast=forecast,
        verdict=verdict,
        rationale=rationale.strip(),
        evidence=_clean_evidence(evidence),
        reason=reason.strip(),
        supersedes=previous,
        created_by=_user_or_none(created_by),
    )
    save_validated(_as_history_user(verification, created_by))
    forecast.verdict = verification.verdict
    forecast.verified_at = verification.created_at
    _as_history_user(forecast, created_by).save(update_fields=["verdict", "verified_at", "modified_at"])
    scores.apply(newest=forecast.pk)
    return verification


# Annotation in one step ----------------------------------------------------------------------


@transaction.atomic
def claim_annotate(
    *,
    source,
    start: int,
    end: int,
    exact: str,
    statement: str,
    kind: str = Claim.Kind.ASSERTION,
    claimant: Actor | None = None,
    subjects=(),
    topics=(),
    forecast: dict | None = None,
    offsets_in_utf16: bool = False,
    created_by=None,
) -> Claim:
    """Anchor a passage and create its claim (and forecast, for a forecast claim) all or nothing."""
    from sources.services import passage_create

    if kind == Claim.Kind.FORECAST and forecast is None:
        forecast = {}
    if forecast is not None and kind != Claim.Kind.FORECAST:
        raise ValidationError({"kind": "Only a forecast claim carries likelihood and horizon."})
    passage = passage_create(
        source=source,
        start=start,
        end=end,
        exact=exact,
        offsets_in_utf16=offsets_in_utf16,
        created_by=created_by,
    )
    claim = claim_create(
        passage=passage,
        statement=statement,
        kind=kind,
        claimant=claimant,
        subjects=subjects,
        topics=topics,
        created_by=created_by,
    )
    if forecast is not None:
        forecast = dict(forecast)
        forecast.setdefault("outcome", statement)
        forecast_create(claim=claim, created_by=created_by, **forecast)
    return claim


@transaction.atomic
def claim_annotate_undo(*, claim: Claim, undone_by) -> None:
    """Take back a one-step annotation: its forecast, claim and (if nothing else uses it) passage.

    Only the annotator who made it may, and only while it is a draft; history keeps the rows.
    """
    claim = Claim.objects.select_for_update().select_related("passage").get(pk=claim.pk)
    if claim.created_by_id is None or claim.created_by_id != getattr(undone_by, "pk", None):
        raise ValidationError("Only the annotator who created this claim can undo it.")
    if claim.review_state != Claim.ReviewState.DRAFT:
        raise ValidationError(
            f"This claim is {claim.get_review_state_display().lower()}; only a draft can be undone."
        )
    forecast = Forecast.objects.filter(claim=claim).first()
    if forecast is not None:
        if forecast.verifications.exists():
            raise ValidationError("This forecast already has a verdict; it cannot be undone.")
        _as_history_user(forecast, undone_by).delete()
    passage = claim.passage
    claim.subjects.clear()
    claim.topics.clear()
    _as_history_user(claim, undone_by).delete()
    if not passage.claims.exists():
        _as_history_user(passage, undone_by).delete()
