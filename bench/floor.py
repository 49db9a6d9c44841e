# ruff: noqa: E501 - SQL reads better unbroken
"""The floor: the API's read responses from a minimal WSGI app (psycopg + orjson, no framework).

It runs the SQL an ideal implementation would run for each benchmarked endpoint and returns
the same JSON shape, so the API's throughput can be judged against what the database and the
server allow. Served by the same gunicorn, with the same workers, as the API:

    FLOOR_DATABASE_URL=postgres://... gunicorn bench.floor:app

Every response carries X-Queries: the SQL statements it ran.
"""

import base64
import datetime as dt
import math
import os
from urllib.parse import parse_qs

import orjson
import psycopg

COUNT_CAP = 1_000  # as config.api.COUNT_CAP
PAGE_SIZE = 50
_connection = None

PASSAGE = (
    "json_build_object('id', p.id, 'source', p.source_id, 'source_title', s.title, 'start', p.start, "
    "'end', p.\"end\", 'exact', p.exact, 'anchor_status', p.anchor_status)"
)
ACTOR = (
    "CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object('id', a.id, 'name', a.name, 'kind', a.kind) END"
)
SUBJECTS = (
    "(SELECT coalesce(json_agg(json_build_object('id', x.id, 'name', x.name, 'kind', x.kind) ORDER BY x.name, x.id),"
    " '[]') FROM claims_claim_subjects cs JOIN claims_actor x ON x.id = cs.actor_id WHERE cs.claim_id = c.id)"
)
TOPICS = (
    "(SELECT coalesce(json_agg(json_build_object('id', t.id, 'name', t.name, 'slug', t.slug) ORDER BY t.name, t.id),"
    " '[]') FROM claims_claim_topics ct JOIN claims_topic t ON t.id = ct.topic_id WHERE ct.claim_id = c.id)"
)
CLAIM_COLUMNS = (
    f"c.id, c.statement, c.kind, c.review_state, {PASSAGE}, {ACTOR}, {SUBJECTS}, {TOPICS}, "
    "(SELECT f.id FROM claims_forecast f WHERE f.claim_id = c.id), "
    "c.reviewed_at, c.created_at, c.modified_at"
)
CLAIM_JOINS = (
    "JOIN sources_passage p ON p.id = c.passage_id "
    "JOIN sources_source s ON s.id = p.source_id LEFT JOIN claims_actor a ON a.id = c.claimant_id"
)
CLAIM_FROM = f"FROM claims_claim c {CLAIM_JOINS}"
CLAIM_KEYS = (
    "id", "statement", "kind", "review_state", "passage", "claimant", "subjects", "topics", "forecast",
    "reviewed_at", "created_at", "modified_at",
)  # fmt: skip
# The topic's id looked up inside the test, as the API does: PostgreSQL then reads the topic's
# claims from the (topic_id, claim_id) index in claim order.
TOPIC_FILTER = (
    "EXISTS (SELECT 1 FROM claims_claim_topics ct "
    "WHERE ct.claim_id = c.id AND ct.topic_id = (SELECT t.id FROM claims_topic t WHERE t.slug = %s))"
)


class Db:
    """A per-process connection (opened after gunicorn forks) that counts its statements."""

    def __init__(self):
        global _connection
        if _connection is None or _connection.closed:
            # As the API's connection: statements are prepared on first use and PostgreSQL plans
            # each once, for every value (config/settings.py).
            _connection = psycopg.connect(
                os.environ["FLOOR_DATABASE_URL"],
                autocommit=True,
                prepare_threshold=0,
                options="-c plan_cache_mode=force_generic_plan",
            )
        self.connection = _connection
        self.queries = 0

    # A statement gets one generic plan for all its parameters. That suits statements whose
    # best plan does not depend on them, which the API prepares too; prepare=False has the
    # others planned for their values on each request, as the API plans them (its search, say).
    # Those are bound on the client, as Django binds the API's: force_generic_plan gives any
    # statement sent with parameters a generic plan, prepared or not.
    def _execute(self, sql, params, prepare):
        self.queries += 1
        if prepare is False:
            return psycopg.ClientCursor(self.connection).execute(sql, params)
        return self.connection.execute(sql, params, prepare=prepare)

    def all(self, sql, params=(), prepare=None):
        return self._execute(sql, params, prepare).fetchall()

    def one(self, sql, params=(), prepare=None):
        return self._execute(sql, params, prepare).fetchone()


def _numbered(count: int, url: str, results: list) -> dict:
    """The first page of a page-numbered list, its count capped as the API caps it."""
    return {
        "count": min(count, COUNT_CAP),
        "count_exact": count <= COUNT_CAP,
        "next": f"{url}&page=2" if count > PAGE_SIZE else None,
        "previous": None,
        "results": results,
    }


def _capped_count(where: str) -> str:
    """A scalar subquery counting up to COUNT_CAP + 1 claims, evaluated once: the page's rows
    carry their count as their last column, one statement a page, as the API reads it."""
    return f"(SELECT count(*) FROM (SELECT 1 FROM claims_claim c WHERE {where} LIMIT {COUNT_CAP + 1}) q)"


def _counted(rows) -> tuple[int, list]:
    """The count the page's rows carry, and the rows without it (an empty first page: none)."""
    return (rows[0][-1] if rows else 0), [row[:-1] for row in rows]


def _page(db, where, params, order, url):
    count, rows = _counted(
        db.all(
            f"SELECT {CLAIM_COLUMNS}, {_capped_count(where)} {CLAIM_FROM} "
            f"WHERE {where} ORDER BY {order} LIMIT {PAGE_SIZE}",
            [*params, *params],
        )
    )
    return _numbered(count, url, [dict(zip(CLAIM_KEYS, row, strict=True)) for row in rows])


def claims(db, q, url):
    """Published claims with a topic, newest first (the API's /claims/?topic=&review_state=)."""
    where = f"c.review_state = %s AND {TOPIC_FILTER}"
    return _page(db, where, [q["review_state"], q["topic"]], "c.created_at DESC, c.id DESC", url)


def search(db, q, url):
    """Published claims matching a websearch query, best first.

    The 50 best are ranked on claims_claim alone, then joined to what they show: the planner
    underestimates multi-word matches (it multiplies the words' selectivities), so with the
    joins in the same query it would join every match before sorting (~90 ms against ~21 ms
    for "nord stream" at 1M claims).
    """
    tsquery = "websearch_to_tsquery('english', %s)"
    best = (
        f"SELECT c.id, ts_rank(c.search_vector, {tsquery}) AS rank, c.created_at FROM claims_claim c "
        f"WHERE c.review_state = 'published' AND c.search_vector @@ {tsquery} "
        f"ORDER BY rank DESC, c.created_at DESC, c.id DESC LIMIT {PAGE_SIZE}"
    )
    matching = f"c.review_state = 'published' AND c.search_vector @@ {tsquery}"
    count, rows = _counted(
        db.all(
            f"SELECT {CLAIM_COLUMNS}, {_capped_count(matching)} FROM ({best}) best "
            f"JOIN claims_claim c ON c.id = best.id {CLAIM_JOINS} "
            "ORDER BY best.rank DESC, best.created_at DESC, best.id DESC",
            [q["search"], q["search"], q["search"]],
            prepare=False,  # as the API's: how many rows match decides the plan
        )
    )
    return _numbered(count, url, [dict(zip(CLAIM_KEYS, row, strict=True)) for row in rows])


def cursor(db, q, url):
    """A keyset page of published claims after an id."""
    after = q["after"]
    rows = db.all(
        f"SELECT {CLAIM_COLUMNS} {CLAIM_FROM} WHERE c.review_state = 'published' AND c.id > %s "
        f"ORDER BY c.id LIMIT {PAGE_SIZE + 1}",
        [int(after)],
    )
    results = [dict(zip(CLAIM_KEYS, row, strict=True)) for row in rows[:PAGE_SIZE]]
    token = None
    if len(rows) > PAGE_SIZE:
        raw = orjson.dumps({"o": "id", "v": [results[-1]["id"]]})
        token = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return {"next": f"/floor/cursor?cursor={token}" if token else None, "results": results}


def forecasts(db, q, url):
    """A claimant's forecasts with a status, by resolve_by (the API's /forecasts/?claimant=&status=)."""
    today = dt.date.today()
    status = q["status"]
    if status == "due":
        condition, params = "f.verdict = '' AND f.resolve_by < %s", [today]
    elif status == "open":
        condition, params = "f.verdict = '' AND (f.resolve_by IS NULL OR f.resolve_by >= %s)", [today]
    else:
        condition, params = "f.verdict = %s", [status]
    # The forecast's copies of its claim's claimant and review state, as the API filters.
    where = f"f.claimant_id = %s AND f.review_state = 'published' AND {condition}"
    params = [int(q["claimant"]), *params]
    count, rows = _counted(
        db.all(
            "SELECT f.id, json_build_object('id', c.id, 'statement', c.statement, 'claimant', "
            f"{ACTOR}, 'source', p.source_id, 'topics', {TOPICS}, 'review_state', c.review_state), "
            "f.outcome, f.made_on, f.horizon_text, f.resolve_by, f.likelihood_phrase, f.lexicon, "
            "f.phrase_applies_to, f.probability_low, f.probability_high, f.probability, f.resolution_criteria, "
            "f.condition, f.verdict, f.verified_at, f.created_at, f.modified_at, "
            f"(SELECT count(*) FROM (SELECT 1 FROM claims_forecast f WHERE {where} LIMIT {COUNT_CAP + 1}) q) "
            "FROM claims_forecast f JOIN claims_claim c ON c.id = f.claim_id "
            "JOIN sources_passage p ON p.id = c.passage_id LEFT JOIN claims_actor a ON a.id = c.claimant_id "
            f"WHERE {where} ORDER BY f.resolve_by, f.id LIMIT {PAGE_SIZE}",
            [*params, *params],
            # The generic plan of a claimant's due forecasts or verdicts is as fast as each
            # claimant's own, as the API's (EXPLAIN ANALYZE, 2026-11-28). With this statement's
            # joins the open ones' is not (108 ms against 25 for the top claimant), so they are
            # planned for their values.
            prepare=status != "open",
        )
    )
    results = []
    for row in rows:
        (fid, claim, outcome, made_on, horizon, resolve_by, phrase, lexicon, applies, low, high, point,
         criteria, condition_text, verdict, verified_at, created_at, modified_at) = row  # fmt: skip
        if verdict:
            row_status = verdict
        elif resolve_by is not None and resolve_by < today:
            row_status = "due"
        else:
            row_status = "open"
        results.append(
            {"id": fid, "claim": claim, "outcome": outcome, "made_on": made_on, "horizon_text": horizon,
             "resolve_by": resolve_by, "likelihood_phrase": phrase, "lexicon": lexicon,
             "phrase_applies_to": applies, "probability_low": low, "probability_high": high,
             "probability": point, "resolution_criteria": criteria, "condition": condition_text,
             "status": row_status, "verified_at": verified_at, "created_at": created_at,
             "modified_at": modified_at}
        )  # fmt: skip
    return _numbered(count, url, results)


def source(db, q, url):
    """One source with its text, authors and passage count."""
    pk = int(q["id"])
    row = db.one(
        "SELECT s.id, s.title, s.kind, s.publisher, s.published_on, s.published_precision, s.url, s.language, "
        "s.text, s.text_sha256, s.revision, s.provenance, s.notes, s.created_at, s.modified_at, "
        "(SELECT coalesce(json_agg(json_build_object('id', x.id, 'name', x.name, 'kind', x.kind) "
        "ORDER BY x.name, x.id), '[]') FROM sources_source_authors sa JOIN claims_actor x ON x.id = sa.actor_id "
        "WHERE sa.source_id = s.id), (SELECT count(*) FROM sources_passage WHERE source_id = s.id) "
        "FROM sources_source s WHERE s.id = %s",
        [pk],
    )
    keys = ("id", "title", "kind", "publisher", "published_on", "published_precision", "url", "language",
            "text", "text_sha256", "revision", "provenance", "notes", "created_at", "modified_at", "authors",
            "passage_count")  # fmt: skip
    return dict(zip(keys, row, strict=True))


# The track record's breakdowns by role, each keyed by the id of a topic, a source or an actor.
BREAKDOWNS = {"claimant": ("topic", "source"), "author": ("topic", "claimant")}
VERDICTS = ("borne_out", "partly_borne_out", "not_borne_out", "ambiguous", "annulled")
OUTCOME_VALUES = {"borne_out": 1.0, "partly_borne_out": 0.5, "not_borne_out": 0.0}


# The names of a track record's breakdown keys and its latest forecasts, in one statement.
TRACK_RECORD_PARTS = (
    "SELECT (SELECT coalesce(json_object_agg(id, name), '{}') FROM claims_topic WHERE id = ANY(%(topic)s)), "
    "(SELECT coalesce(json_object_agg(id, title), '{}') FROM sources_source WHERE id = ANY(%(source)s)), "
    "(SELECT coalesce(json_object_agg(id, name), '{}') FROM claims_actor WHERE id = ANY(%(claimant)s)), "
    "(SELECT coalesce(json_agg(json_build_array(id, verdict, likelihood_phrase, probability)), '[]') "
    "FROM claims_forecast WHERE id = ANY(%(recent)s))"
)


def _breakdown_order(row: dict) -> tuple:
    """Best mean Brier first (unscored-only rows last), then most forecasts, then name by code
    point, then id: the API's order."""
    return (row["mean_brier"] is None, row["mean_brier"] or 0, -row["count"], row["name"], row["id"])


def _scored(forecast_id: int, verdict: str, phrase: str, probability: float | None) -> dict:
    """A forecast with its outcome value, Brier and log score, as claims.scoring computes them.

    In Python rather than SQL so the rounding to 6 places is Python's, as in the API's JSON.
    """
    outcome = OUTCOME_VALUES.get(verdict) if probability is not None else None
    brier = log_score = None
    if outcome is not None:
        brier = round((probability - outcome) ** 2, 6)
        clipped = min(max(probability, 0.001), 0.999)
        log_score = round(outcome * math.log(clipped) + (1 - outcome) * math.log(1 - clipped), 6)
    return {
        "forecast": forecast_id,
        "verdict": verdict,
        "likelihood_phrase": phrase,
        "probability": None if probability is None else round(probability, 6),
        "outcome": outcome,
        "brier": brier,
        "log_score": log_score,
    }


def track_record(db, q, url):
    """A claimant's track record over published claims at the default bins, as the API serves it.

    Two statements: the actor with its stored records (ActorScoreSummary.records_published, JSON
    text kept up to date by the services), then the current names of the breakdowns' keys and
    the latest verified forecasts, which are scored here. Assumes the summary row exists
    (generate_corpus builds them).
    """
    actor = int(q["actor"])
    pk, name, kind, text = db.one(
        "SELECT a.id, a.name, a.kind, s.records_published FROM claims_actor a "
        "JOIN claims_actorscoresummary s ON s.actor_id = a.id WHERE a.id = %s",
        [actor],
    )
    records = orjson.loads(text)
    keys = {dimension: set() for dimension in ("topic", "source", "claimant")}
    for role, dimensions in BREAKDOWNS.items():
        for dimension in dimensions:
            keys[dimension].update(row["id"] for row in records[role][f"by_{dimension}"])
    recent_ids = [forecast for role in BREAKDOWNS for forecast in records["recent"][role]]
    *names, recent = db.one(
        TRACK_RECORD_PARTS, {**{d: sorted(ids) for d, ids in keys.items()}, "recent": recent_ids}
    )
    names = dict(zip(keys, names, strict=True))
    scored = {row[0]: _scored(*row) for row in recent}
    result = {"actor": {"id": pk, "name": name, "kind": kind}}
    for role, dimensions in BREAKDOWNS.items():
        record = records[role]
        for dimension in dimensions:
            rows = record[f"by_{dimension}"]
            for row in rows:
                row["name"] = names[dimension].get(str(row["id"]), "")
            rows.sort(key=_breakdown_order)
        record["forecasts"] = [scored[forecast] for forecast in records["recent"][role] if forecast in scored]
        if role == "claimant":
            record["forecasts_by_status"] = {
                verdict: f"/api/v1/forecasts/?claimant={pk}&status={verdict}" for verdict in VERDICTS
            }
        result[f"as_{role}"] = record
    return result


def create_claim(db, body):
    """Insert a draft claim with its topics, in one transaction, and answer with its row."""
    data = orjson.loads(body)
    now = dt.datetime.now(dt.UTC)
    with db.connection.transaction():
        claim_id = db.one(
            "INSERT INTO claims_claim (passage_id, statement, kind, claimant_id, review_state, created_at, "
            "modified_at) VALUES (%s, %s, %s, %s, 'draft', %s, %s) RETURNING id",
            [data["passage"], data["statement"], data["kind"], data.get("claimant"), now, now],
        )[0]
        for topic in data.get("topics", []):
            db.one(
                "INSERT INTO claims_claim_topics (claim_id, topic_id) VALUES (%s, %s) RETURNING id",
                [claim_id, topic],
            )
        row = db.one(f"SELECT {CLAIM_COLUMNS} {CLAIM_FROM} WHERE c.id = %s", [claim_id])
    return dict(zip(CLAIM_KEYS, row, strict=True))


ROUTES = {
    "/floor/claims": claims,
    "/floor/search": search,
    "/floor/cursor": cursor,
    "/floor/forecasts": forecasts,
    "/floor/source": source,
    "/floor/track-record": track_record,
}


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    db = Db()
    if environ["REQUEST_METHOD"] == "POST" and path == "/floor/claims":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data, status = create_claim(db, environ["wsgi.input"].read(length)), "201 Created"
    elif path in ROUTES:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        data, status = ROUTES[path](db, query, f"{path}?{environ.get('QUERY_STRING', '')}"), "200 OK"
    else:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"message":"not found"}']
    body = orjson.dumps(data, option=orjson.OPT_UTC_Z)
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("X-Queries", str(db.queries)),
        ],
    )
    return [body]
