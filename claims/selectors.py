"""Reads that need more than a one-line queryset: visibility rules and eager loading, done once."""

import functools

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Exists, F, OuterRef, Prefetch, QuerySet
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Lower

from claims.models import Actor, Claim, Forecast, OpenUntil, Topic, Verification
from config.filters import MAX_ID, is_id_text

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


def _visible(model, *, unpublished: bool) -> QuerySet:
    """Claims, or forecasts by their own copy of their claim's review state (kept by the claim
    services: a claimant's published forecasts with a status are then one index range, no
    join): all of them, or the published ones."""
    return model.objects.all() if unpublished else model.objects.filter(review_state=PUBLISHED)


def claims_visible(*, user) -> QuerySet[Claim]:
    """Claims the user may see, nothing loaded beyond the claims (list pages: claim_page_keys)."""
    return _visible(Claim, unpublished=can_see_unpublished(user))


def claim_list(*, user) -> QuerySet[Claim]:
    """Claims the user may see, with everything the API shows loaded in a fixed number of queries."""
    # A source's text can run to megabytes and a claim shows only its title: never load it here.
    # The forecast is prefetched, not joined: on a keyset page deep into the claims (ORDER BY id)
    # PostgreSQL merge-joins the forecast index from its first row, ~0.5 s at a million claims.
    return (
        claims_visible(user=user)
        .select_related("passage", "passage__source", "claimant")
        .defer("passage__source__text")
        .prefetch_related(
            Prefetch("forecast", queryset=Forecast.objects.only("id", "claim_id")),
            Prefetch("subjects", queryset=Actor.objects.only("id", "name", "kind")),
            Prefetch("topics", queryset=Topic.objects.only("id", "name", "slug")),
        )
    )


# What a page of a claim list selects: the id, and the keys a cursor continues from.
CLAIM_PAGE_KEYS = ("id", "modified_at")


def claim_page_keys(claims: QuerySet[Claim], *, with_json: bool = False) -> QuerySet:
    """The filtered, ordered claims as bare keys, for a paginator to cut a page from; with_json
    (see json_rows_available), each row also carries its list representation as JSON text
    ("json"), built by PostgreSQL in the same query: no Python object per field.

    Selecting only the claim's own columns keeps joins out of the query that finds the page:
    PostgreSQL underestimates how many claims a multi-word search matches (it multiplies the
    words' frequencies) and then joins passage, source and claimant for every match before
    ranking them, ~4x slower at a million claims than ranking the claims alone.
    """
    claims = claims.prefetch_related(None)
    if with_json:
        return claims.values(*CLAIM_PAGE_KEYS, json=RawSQL(_claim_json_expression(), []))
    return claims.values(*CLAIM_PAGE_KEYS)


def claim_page_rows(*, user, with_json: bool = False) -> QuerySet:
    """The claims the user may see as page rows (claim_page_keys), for a list to filter, order
    and cut a page from.

    The queryset is built once per kind of caller and cloned per request, as DRF clones a
    view's class-level queryset: its visibility filter and values() with the JSON expression
    cost a forecast page ~0.3 ms of Python when built per request (a filter ~0.13 ms, values()
    with an annotation ~0.1 ms, at a million claims on PostgreSQL).
    """
    return _claim_page_rows(can_see_unpublished(user), with_json).all()


@functools.lru_cache(maxsize=4)
def _claim_page_rows(unpublished: bool, with_json: bool) -> QuerySet:
    return claim_page_keys(_visible(Claim, unpublished=unpublished), with_json=with_json)


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


def iso_utc_sql(column: str) -> str:
    """SQL writing a timestamptz as DRF writes a datetime in UTC: ISO 8601, "Z", and microseconds
    only when there are any (Python's isoformat; PostgreSQL's own output trims trailing zeros)."""
    return (
        f"to_char({column} AT TIME ZONE 'UTC', CASE WHEN mod(extract(microseconds FROM {column})::bigint, "
        '1000000) = 0 THEN \'YYYY-MM-DD"T"HH24:MI:SS"Z"\' ELSE \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\' END)'
    )


def table_sql(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def _claim_json_expression() -> str:
    """SQL for one claim's list representation as JSON text, on the row of the claims table.

    Everything beyond the claim's own columns comes from correlated subqueries, not joins, so
    PostgreSQL evaluates them for the rows of the page only: after ranking a search's matches,
    after skipping an offset, after stopping at the page's end.
    """
    from sources.models import Passage, Source

    claim, actor, topic = table_sql(Claim), table_sql(Actor), table_sql(Topic)
    return f"""json_build_object(
        'id', {claim}.id, 'statement', {claim}.statement, 'kind', {claim}.kind,
        'review_state', {claim}.review_state,
        'passage', (
            SELECT json_build_object(
                'id', p.id, 'source', p.source_id, 'source_title', s.title, 'start', p.start,
                'end', p."end", 'exact', p.exact, 'anchor_status', p.anchor_status)
            FROM {table_sql(Passage)} p JOIN {table_sql(Source)} s ON s.id = p.source_id
            WHERE p.id = {claim}.passage_id),
        'claimant', (
            SELECT json_build_object('id', a.id, 'name', a.name, 'kind', a.kind)
            FROM {actor} a WHERE a.id = {claim}.claimant_id),
        'subjects', coalesce((
            SELECT json_agg(json_build_object('id', x.id, 'name', x.name, 'kind', x.kind)
                            ORDER BY x.name, x.id)
            FROM {table_sql(Claim.subjects.through)} cs JOIN {actor} x ON x.id = cs.actor_id
            WHERE cs.claim_id = {claim}.id), '[]'),
        'topics', coalesce((
            SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'slug', t.slug)
                            ORDER BY t.name, t.id)
            FROM {table_sql(Claim.topics.through)} ct JOIN {topic} t ON t.id = ct.topic_id
            WHERE ct.claim_id = {claim}.id), '[]'),
        'forecast', (SELECT f.id FROM {table_sql(Forecast)} f WHERE f.claim_id = {claim}.id),
        'reviewed_at', {iso_utc_sql(f"{claim}.reviewed_at")},
        'created_at', {iso_utc_sql(f"{claim}.created_at")},
        'modified_at', {iso_utc_sql(f"{claim}.modified_at")}
    )::text"""


def json_rows_available() -> bool:
    """Whether PostgreSQL can build list rows as JSON (claim_page_keys(with_json=True) and
    forecast_page_keys(with_json=True)): on PostgreSQL, writing times in UTC."""
    return connection.vendor == "postgresql" and settings.TIME_ZONE == "UTC"


def forecasts_visible(*, user) -> QuerySet[Forecast]:
    """Forecasts the user may see, nothing loaded beyond them (list pages: forecast_page_keys)."""
    return _visible(Forecast, unpublished=can_see_unpublished(user))


def forecast_list(*, user) -> QuerySet[Forecast]:
    return (
        forecasts_visible(user=user)
        .select_related("claim", "claim__claimant", "claim__passage", "claim__passage__source")
        .defer("claim__passage__source__text")
        .prefetch_related(
            Prefetch("claim__topics", queryset=Topic.objects.only("id", "name", "slug")),
        )
    )


FORECAST_PAGE_KEYS = ("id", "modified_at")


def forecast_page_keys(forecasts: QuerySet[Forecast], *, with_json: bool = False, today=None) -> QuerySet:
    """The filtered, ordered forecasts as bare keys, for a paginator (see claim_page_keys); with
    with_json, each row also carries its JSON ("json"), its status as on `today`."""
    forecasts = forecasts.prefetch_related(None)
    if with_json:
        return forecasts.values(*FORECAST_PAGE_KEYS, json=RawSQL(_forecast_json_expression(), [today]))
    return forecasts.values(*FORECAST_PAGE_KEYS)


def forecast_page_rows(*, user, with_json: bool = False, today=None) -> QuerySet:
    """The forecasts the user may see as page rows (forecast_page_keys), their status as on
    `today`; built once per kind of caller and day, cloned per request (see claim_page_rows)."""
    return _forecast_page_rows(can_see_unpublished(user), with_json, today).all()


@functools.lru_cache(maxsize=8)
def _forecast_page_rows(unpublished: bool, with_json: bool, today) -> QuerySet:
    return forecast_page_keys(_visible(Forecast, unpublished=unpublished), with_json=with_json, today=today)


# A forecast's own columns as the API shows them, in the representation's order.
FORECAST_COLUMNS = (
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
            *FORECAST_COLUMNS,
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


@functools.cache
def _forecast_json_expression() -> str:
    """SQL for one forecast's list representation as JSON text (see _claim_json_expression),
    with its status on the day given as the one parameter."""
    from sources.models import Passage

    forecast = table_sql(Forecast)
    columns = ", ".join(
        f"'{name}', {forecast}.{connection.ops.quote_name(name)}" for name in FORECAST_COLUMNS
    )
    return f"""(
        SELECT json_build_object(
            'id', {forecast}.id,
            'claim', json_build_object(
                'id', c.id, 'statement', c.statement,
                'claimant', (
                    SELECT json_build_object('id', a.id, 'name', a.name, 'kind', a.kind)
                    FROM {table_sql(Actor)} a WHERE a.id = c.claimant_id),
                'source', (SELECT p.source_id FROM {table_sql(Passage)} p WHERE p.id = c.passage_id),
                'topics', coalesce((
                    SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'slug', t.slug)
                                    ORDER BY t.name, t.id)
                    FROM {table_sql(Claim.topics.through)} ct JOIN {table_sql(Topic)} t ON t.id = ct.topic_id
                    WHERE ct.claim_id = c.id), '[]'),
                'review_state', c.review_state),
            {columns},
            'status', CASE WHEN {forecast}.verdict <> '' THEN {forecast}.verdict
                WHEN {forecast}.resolve_by < %s THEN 'due' ELSE 'open' END,
            'verified_at', {iso_utc_sql(f"{forecast}.verified_at")},
            'created_at', {iso_utc_sql(f"{forecast}.created_at")},
            'modified_at', {iso_utc_sql(f"{forecast}.modified_at")}
        )::text
        FROM {table_sql(Claim)} c WHERE c.id = {forecast}.claim_id
    )"""


def filter_by_topic(queryset: QuerySet, value: str, claim: str = "pk") -> QuerySet:
    """Rows whose claim has the topic (an id or a slug).

    An EXISTS test rather than a join: a join repeats rows, and the DISTINCT that removes them
    makes PostgreSQL sort every match (seconds at a million claims) before it can take a page.
    `claim` names the claim's id in the queryset's model ("pk" on claims, "claim_id" on forecasts).
    A slug is turned into its topic's id inside the query: with the id in the test, PostgreSQL
    reads the topic's claims from the (topic_id, claim_id) index in claim order (a capped count
    at a million claims: 11 ms to 3 ms); joined to the topics by slug, it scanned every link.
    A number no id column holds matches nothing, and is not looked for: compared as a numeric,
    it kept PostgreSQL from the index (a scan of every link, up to a second at a million claims).
    """
    if is_id_text(value):
        if int(value) > MAX_ID:
            return queryset.none()
        topic_sql, params = "%s", [int(value)]
    else:
        topic_sql, params = f"({_topic_id_by_slug_sql()})", [value]
    return queryset.filter(ClaimLinked(claim, Claim.topics, "topic_id", topic_sql, params))


@functools.cache
def _topic_id_by_slug_sql() -> str:
    quote = connection.ops.quote_name
    pk, slug = quote(Topic._meta.pk.column), quote(Topic._meta.get_field("slug").column)
    return f"SELECT {pk} FROM {table_sql(Topic)} WHERE {slug} = %s"


def filter_by_subject(queryset: QuerySet, actor_id: int, claim: str = "pk") -> QuerySet:
    """Rows whose claim is about the actor; EXISTS for the same reason as filter_by_topic."""
    return queryset.filter(ClaimLinked(claim, Claim.subjects, "actor_id", "%s", [actor_id]))


class ClaimLinked(Expression):
    """EXISTS a row of one of a claim's many-to-many tables (topics, subjects) linking the
    row's claim to a value: a WHERE condition, written out around the row's claim column.

    Built as `Exists()` over a queryset with `OuterRef`, Django made, filtered, cloned and
    relabelled that inner queryset on every request and compiled it twice (the page and its
    count): ~0.5 ms of the 2.9 ms of Python a claim page by topic ran. Only the claim column
    is an expression, so Django still relabels it however the query is nested; the rest
    refers to nothing outside itself.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, claim, related, column: str, value_sql: str, value_params: list):
        super().__init__()
        self.claim = F(claim) if isinstance(claim, str) else claim
        self.related, self.column = related, column
        self.value_sql, self.value_params = value_sql, value_params

    def get_source_expressions(self):
        return [self.claim]

    def set_source_expressions(self, exprs):
        (self.claim,) = exprs

    def as_sql(self, compiler, connection):
        claim_sql, claim_params = compiler.compile(self.claim)
        through = self.related.through._meta
        quote = connection.ops.quote_name
        link = quote("claim_link")
        sql = (
            f"EXISTS (SELECT 1 FROM {quote(through.db_table)} {link} "
            f"WHERE {link}.{quote('claim_id')} = {claim_sql} "
            f"AND {link}.{quote(self.column)} = {self.value_sql})"
        )
        return sql, [*claim_params, *self.value_params]


def forecast_filter_status(forecasts: QuerySet[Forecast], status: str, today) -> QuerySet[Forecast]:
    """Forecasts with a status on a given day: open, due, or a verdict."""
    if status == Forecast.Status.OPEN:
        return forecasts.alias(open_until=OpenUntil()).filter(open_until__gte=today, verdict="")
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
