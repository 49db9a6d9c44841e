"""Reads that need more than a one-line queryset: visibility rules and eager loading, done once."""

from django.conf import settings
from django.db import connection
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


# What a page of a claim list selects: the id, and the keys a cursor continues from.
CLAIM_PAGE_KEYS = ("id", "created_at", "modified_at")


def claim_page_keys(claims: QuerySet[Claim]) -> QuerySet:
    """The filtered, ordered claims as bare keys, for a paginator to cut a page from.

    Selecting only the claim's own columns keeps joins out of the query that finds the page:
    PostgreSQL underestimates how many claims a multi-word search matches (it multiplies the
    words' frequencies) and then joins passage, source and claimant for every match before
    ranking them, ~4x slower at a million claims than ranking the claims alone.
    """
    return claims.prefetch_related(None).values(*CLAIM_PAGE_KEYS)


def claim_rows(ids: list[int]) -> tuple[list[dict], list[tuple], list[tuple]]:
    """What a claim list shows for these claims, as plain rows (no model instances): the claims
    with passage, source title, claimant and forecast id, then (claim, actor) subject rows and
    (claim, topic) topic rows, each in the related model's own order."""
    claims = list(
        Claim.objects.filter(pk__in=ids)
        .order_by()
        .values(
            "id",
            "statement",
            "kind",
            "review_state",
            "passage_id",
            "passage__source_id",
            "passage__source__title",
            "passage__start",
            "passage__end",
            "passage__exact",
            "passage__anchor_status",
            "claimant_id",
            "claimant__name",
            "claimant__kind",
            "forecast__id",
            "reviewed_at",
            "created_at",
            "modified_at",
        )
    )
    subjects = list(
        Claim.subjects.through.objects.filter(claim_id__in=ids)
        .order_by("actor__name", "actor_id")
        .values_list("claim_id", "actor_id", "actor__name", "actor__kind")
    )
    topics = list(
        Claim.topics.through.objects.filter(claim_id__in=ids)
        .order_by("topic__name", "topic_id")
        .values_list("claim_id", "topic_id", "topic__name", "topic__slug")
    )
    return claims, subjects, topics


def _iso_utc(column: str) -> str:
    """SQL writing a timestamptz as DRF writes a datetime in UTC: ISO 8601, "Z", and microseconds
    only when there are any (Python's isoformat; PostgreSQL's own output trims trailing zeros)."""
    return (
        f"to_char({column} AT TIME ZONE 'UTC', CASE WHEN mod(extract(microseconds FROM {column})::bigint, "
        '1000000) = 0 THEN \'YYYY-MM-DD"T"HH24:MI:SS"Z"\' ELSE \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\' END)'
    )


def _claim_json_sql() -> str:
    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    from sources.models import Passage, Source

    actor, topic = table(Actor), table(Topic)
    subjects, topics = table(Claim.subjects.through), table(Claim.topics.through)
    return f"""
        SELECT c.id, json_build_object(
            'id', c.id, 'statement', c.statement, 'kind', c.kind, 'review_state', c.review_state,
            'passage', json_build_object(
                'id', p.id, 'source', p.source_id, 'source_title', s.title, 'start', p.start,
                'end', p."end", 'exact', p.exact, 'anchor_status', p.anchor_status),
            'claimant', CASE WHEN a.id IS NULL THEN NULL
                ELSE json_build_object('id', a.id, 'name', a.name, 'kind', a.kind) END,
            'subjects', coalesce((
                SELECT json_agg(json_build_object('id', x.id, 'name', x.name, 'kind', x.kind)
                                ORDER BY x.name, x.id)
                FROM {subjects} cs JOIN {actor} x ON x.id = cs.actor_id WHERE cs.claim_id = c.id),
                '[]'),
            'topics', coalesce((
                SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'slug', t.slug)
                                ORDER BY t.name, t.id)
                FROM {topics} ct JOIN {topic} t ON t.id = ct.topic_id WHERE ct.claim_id = c.id),
                '[]'),
            'forecast', (SELECT f.id FROM {table(Forecast)} f WHERE f.claim_id = c.id),
            'reviewed_at', {_iso_utc("c.reviewed_at")},
            'created_at', {_iso_utc("c.created_at")},
            'modified_at', {_iso_utc("c.modified_at")}
        )::text
        FROM {table(Claim)} c
        JOIN {table(Passage)} p ON p.id = c.passage_id
        JOIN {table(Source)} s ON s.id = p.source_id
        LEFT JOIN {actor} a ON a.id = c.claimant_id
        WHERE c.id = ANY(%s)
    """


def json_rows_available() -> bool:
    """Whether claim_json() and forecast_json() can stand in for claim_rows() and
    forecast_rows(): on PostgreSQL, writing times in UTC."""
    return connection.vendor == "postgresql" and settings.TIME_ZONE == "UTC"


def claim_json(ids: list[int]) -> dict[int, str]:
    """The list representation of these claims as JSON text built by PostgreSQL, in one query.

    The same shape as ClaimSerializer (tests/perf/test_fast_representations.py holds them
    equal), with no Python row, dict or string per field: on a page of 50 claims this is the
    difference between ~6 ms of Python and ~1 ms.
    """
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_claim_json_sql(), [list(ids)])
        return dict(cursor.fetchall())


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


FORECAST_PAGE_KEYS = ("id", "modified_at")


def forecast_page_keys(forecasts: QuerySet[Forecast]) -> QuerySet:
    """The filtered, ordered forecasts as bare keys, for a paginator (see claim_page_keys)."""
    return forecasts.prefetch_related(None).values(*FORECAST_PAGE_KEYS)


_FORECAST_COLUMNS = (
    "outcome",
    "made_on",
    "horizon_text",
    "resolve_by",
    "likelihood_phrase",
    "lexicon",
    "phrase_applies_to",
    "probability_low",
    "probability_high",
    "probability",
    "resolution_criteria",
    "condition",
)


def forecast_rows(ids: list[int]) -> tuple[list[dict], list[tuple]]:
    """What a forecast list shows for these forecasts as plain rows: each forecast with its
    claim, claimant and source, then (claim, topic) rows in the topics' own order."""
    forecasts = list(
        Forecast.objects.filter(pk__in=ids)
        .order_by()
        .values(
            "id",
            "claim_id",
            "claim__statement",
            "claim__claimant_id",
            "claim__claimant__name",
            "claim__claimant__kind",
            "claim__passage__source_id",
            "claim__review_state",
            *_FORECAST_COLUMNS,
            "verdict",
            "verified_at",
            "created_at",
            "modified_at",
        )
    )
    claim_ids = {row["claim_id"] for row in forecasts}
    topics = list(
        Claim.topics.through.objects.filter(claim_id__in=claim_ids)
        .order_by("topic__name", "topic_id")
        .values_list("claim_id", "topic_id", "topic__name", "topic__slug")
    )
    return forecasts, topics


def _forecast_json_sql() -> str:
    from sources.models import Passage

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    columns = ", ".join(f"'{name}', f.{connection.ops.quote_name(name)}" for name in _FORECAST_COLUMNS)
    return f"""
        SELECT f.id, json_build_object(
            'id', f.id,
            'claim', json_build_object(
                'id', c.id, 'statement', c.statement,
                'claimant', CASE WHEN a.id IS NULL THEN NULL
                    ELSE json_build_object('id', a.id, 'name', a.name, 'kind', a.kind) END,
                'source', p.source_id,
                'topics', coalesce((
                    SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'slug', t.slug)
                                    ORDER BY t.name, t.id)
                    FROM {table(Claim.topics.through)} ct JOIN {table(Topic)} t ON t.id = ct.topic_id
                    WHERE ct.claim_id = c.id), '[]'),
                'review_state', c.review_state),
            {columns},
            'status', CASE WHEN f.verdict <> '' THEN f.verdict
                WHEN f.resolve_by < %s THEN 'due' ELSE 'open' END,
            'verified_at', {_iso_utc("f.verified_at")},
            'created_at', {_iso_utc("f.created_at")},
            'modified_at', {_iso_utc("f.modified_at")}
        )::text
        FROM {table(Forecast)} f
        JOIN {table(Claim)} c ON c.id = f.claim_id
        JOIN {table(Passage)} p ON p.id = c.passage_id
        LEFT JOIN {table(Actor)} a ON a.id = c.claimant_id
        WHERE f.id = ANY(%s)
    """


def forecast_json(ids: list[int], today) -> dict[int, str]:
    """The list representation of these forecasts as JSON text built by PostgreSQL (as
    claim_json), with each forecast's status on the given day."""
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_forecast_json_sql(), [today, list(ids)])
        return dict(cursor.fetchall())


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
