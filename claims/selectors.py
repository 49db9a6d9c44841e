"""Reads that need more than a one-line queryset: visibility rules and eager loading, done once."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from claims.models import Actor, Claim, Forecast, Topic, Verification

PUBLISHED = Claim.ReviewState.PUBLISHED


def can_see_unpublished(user) -> bool:
    """Annotators, fact-checkers and editors see drafts; everyone else only published claims."""
    return bool(user and user.is_authenticated and user.has_perm("claims.view_claim"))


def actor_find_by_name(name: str) -> Actor | None:
    """The actor whose name or one of whose aliases is this name, case-insensitively."""
    name = name.strip()
    actor = Actor.objects.annotate(lower=Lower("name")).filter(lower=name.lower()).first()
    if actor is not None:
        return actor
    # Aliases are few per actor; a Python scan keeps this portable across databases.
    for candidate in Actor.objects.exclude(aliases=[]).only("id", "name", "aliases"):
        if any(alias.lower() == name.lower() for alias in candidate.aliases):
            return Actor.objects.get(pk=candidate.pk)
    return None


def actor_list() -> QuerySet[Actor]:
    return Actor.objects.all()


def topic_list() -> QuerySet[Topic]:
    return Topic.objects.select_related("parent")


def claim_list(*, user) -> QuerySet[Claim]:
    """Claims the user may see, with everything the API shows loaded in a fixed number of queries."""
    # A source's text can run to megabytes and a claim shows only its title: never load it here.
    # The forecast is prefetched, not joined: on a keyset page deep into the claims (ORDER BY id)
    # PostgreSQL merge-joins the forecast index from its first row, ~0.5 s at a million claims.
    claims = (
        Claim.objects.select_related("passage", "passage__source", "claimant")
        .defer("passage__source__text")
        .prefetch_related(
            Prefetch("forecast", queryset=Forecast.objects.only("id", "claim_id")),
            Prefetch("subjects", queryset=Actor.objects.only("id", "name", "kind")),
            Prefetch("topics", queryset=Topic.objects.only("id", "name", "slug")),
        )
    )
    if not can_see_unpublished(user):
        claims = claims.filter(review_state=PUBLISHED)
    return claims


def forecast_list(*, user) -> QuerySet[Forecast]:
    forecasts = (
        Forecast.objects.select_related(
            "claim", "claim__claimant", "claim__passage", "claim__passage__source"
        )
        .defer("claim__passage__source__text")
        .prefetch_related(
            Prefetch("claim__topics", queryset=Topic.objects.only("id", "name", "slug")),
        )
    )
    if not can_see_unpublished(user):
        forecasts = forecasts.filter(claim__review_state=PUBLISHED)
    return forecasts


def filter_by_topic(queryset: QuerySet, value: str, claim: str = "pk") -> QuerySet:
    """Rows whose claim has the topic (an id or a slug).

    An EXISTS test rather than a join: a join repeats rows, and the DISTINCT that removes them
    makes PostgreSQL sort every match (seconds at a million claims) before it can take a page.
    `claim` names the claim's id in the queryset's model ("pk" on claims, "claim_id" on forecasts).
    """
    key = "topic_id" if value.isdigit() else "topic__slug"
    links = Claim.topics.through.objects.filter(claim_id=OuterRef(claim), **{key: value})
    return queryset.filter(Exists(links))


def filter_by_subject(queryset: QuerySet, actor_id: int, claim: str = "pk") -> QuerySet:
    """Rows whose claim is about the actor; EXISTS for the same reason as filter_by_topic."""
    links = Claim.subjects.through.objects.filter(claim_id=OuterRef(claim), actor_id=actor_id)
    return queryset.filter(Exists(links))


def forecast_filter_status(forecasts: QuerySet[Forecast], status: str, today) -> QuerySet[Forecast]:
    """Forecasts with a status on a given day: open, due, or a verdict."""
    if status == Forecast.Status.OPEN:
        return forecasts.filter(Q(resolve_by__isnull=True) | Q(resolve_by__gte=today), verdict="")
    if status == Forecast.Status.DUE:
        return forecasts.filter(resolve_by__lt=today, verdict="")
    return forecasts.filter(verdict=status)


def verification_list(*, user, forecast: Forecast | None = None) -> QuerySet[Verification]:
    verifications = Verification.objects.select_related("forecast")
    if forecast is not None:
        verifications = verifications.filter(forecast=forecast)
    if not can_see_unpublished(user):
        verifications = verifications.filter(forecast__claim__review_state=PUBLISHED)
    return verifications.order_by("-created_at", "-id")


def published_claims_exist_for_passage():
    """An Exists() expression: the passage anchors at least one published claim."""
    return Exists(Claim.objects.filter(passage=OuterRef("pk"), review_state=PUBLISHED))
