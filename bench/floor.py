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
CLAIM_FROM = (
    "FROM claims_claim c JOIN sources_passage p ON p.id = c.passage_id "
    "JOIN sources_source s ON s.id = p.source_id LEFT JOIN claims_actor a ON a.id = c.claimant_id"
)
CLAIM_KEYS = (
    "id", "statement", "kind", "review_state", "passage", "claimant", "subjects", "topics", "forecast",
    "reviewed_at", "created_at", "modified_at",
)  # fmt: skip
TOPIC_FILTER = (
    "EXISTS (SELECT 1 FROM claims_claim_topics ct JOIN claims_topic t ON t.id = ct.topic_id "
    "WHERE ct.claim_id = c.id AND t.slug = %s)"
)


class Db:
    """A per-process connection (opened after gunicorn forks) that counts its statements."""

    def __init__(self):
        global _connection
        if _connection is None or _connection.closed:
            _connection = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
        self.connection = _connection
        self.queries = 0

    def all(self, sql, params=()):
        self.queries += 1
        return self.connection.execute(sql, params).fetchall()

    def one(self, sql, params=()):
        self.queries += 1
        return self.connection.execute(sql, params).fetchone()


def _page(db, where, params, order, url):
    rows = db.all(
        f"SELECT {CLAIM_COLUMNS} {CLAIM_FROM} WHERE {where} ORDER BY {order} LIMIT {PAGE_SIZE}", params
    )
    count = db.one(
        f"SELECT count(*) FROM (SELECT 1 FROM claims_claim c WHERE {where} LIMIT {COUNT_CAP + 1}) q", params
    )[0]
    return {
        "count": min(count, COUNT_CAP),
        "count_exact": count <= COUNT_CAP,
        "next": f"{url}&page=2" if count > PAGE_SIZE else None,
        "previous": None,
        "results": [dict(zip(CLAIM_KEYS, row, strict=True)) for row in rows],
    }


def claims(db, q, url):
    """Published claims with a topic, newest first (the API's /claims/?topic=&review_state=)."""
    where = f"c.review_state = %s AND {TOPIC_FILTER}"
    return _page(db, where, [q["review_state"], q["topic"]], "c.created_at DESC, c.id DESC", url)


def search(db, q, url):
    """Published claims matching a websearch query, best first."""
    tsquery = "websearch_to_tsquery('english', %s)"
    rows = db.all(
        f"SELECT {CLAIM_COLUMNS} {CLAIM_FROM} WHERE c.review_state = 'published' AND c.search_vector @@ {tsquery} "
        f"ORDER BY ts_rank(c.search_vector, {tsquery}) DESC, c.created_at DESC, c.id DESC LIMIT {PAGE_SIZE}",
        [q["search"], q["search"]],
    )
    count = db.one(
        "SELECT count(*) FROM (SELECT 1 FROM claims_claim c WHERE c.review_state = 'published' AND "
        f"c.search_vector @@ {tsquery} LIMIT {COUNT_CAP + 1}) q",
        [q["search"]],
    )[0]
    return {
        "count": min(count, COUNT_CAP),
        "count_exact": count <= COUNT_CAP,
        "next": f"{url}&page=2" if count > PAGE_SIZE else None,
        "previous": None,
        "results": [dict(zip(CLAIM_KEYS, row, strict=True)) for row in rows],
    }


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
    where = f"c.claimant_id = %s AND c.review_state = 'published' AND {condition}"
    params = [int(q["claimant"]), *params]
    rows = db.all(
        "SELECT f.id, json_build_object('id', c.id, 'statement', c.statement, 'claimant', "
        f"{ACTOR}, 'source', p.source_id, 'topics', {TOPICS}, 'review_state', c.review_state), "
        "f.outcome, f.made_on, f.horizon_text, f.resolve_by, f.likelihood_phrase, f.lexicon, "
        "f.phrase_applies_to, f.probability_low, f.probability_high, f.probability, f.resolution_criteria, "
        "f.condition, f.verdict, f.verified_at, f.created_at, f.modified_at "
        "FROM claims_forecast f JOIN claims_claim c ON c.id = f.claim_id "
        "JOIN sources_passage p ON p.id = c.passage_id LEFT JOIN claims_actor a ON a.id = c.claimant_id "
        f"WHERE {where} ORDER BY f.resolve_by, f.id LIMIT {PAGE_SIZE}",
        params,
    )
    count = db.one(
        "SELECT count(*) FROM (SELECT 1 FROM claims_forecast f JOIN claims_claim c ON c.id = f.claim_id "
        f"WHERE {where} LIMIT {COUNT_CAP + 1}) q",
        params,
    )[0]
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
    return {
        "count": min(count, COUNT_CAP),
        "count_exact": count <= COUNT_CAP,
        "next": f"{url}&page=2" if count > PAGE_SIZE else None,
        "previous": None,
        "results": results,
    }


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


# Brier score with o = 1 borne out, 0 not borne out, 0.5 partly; ambiguous/annulled unscored.
OUTCOME = (
    "CASE f.verdict WHEN 'borne_out' THEN 1.0 WHEN 'not_borne_out' THEN 0.0 "
    "WHEN 'partly_borne_out' THEN 0.5 END"
)
AGGREGATE = (
    f"count(*), count({OUTCOME}), avg(power(f.probability - {OUTCOME}, 2))::float8, "
    f"(1 - avg(power(f.probability - {OUTCOME}, 2)) / 0.25)::float8"
)


def track_record(db, q, url):
    """A claimant's scores: summary, by topic, by phrase, by source, calibration bins, each forecast."""
    actor = int(q["actor"])
    base = (
        "FROM claims_forecast f JOIN claims_claim c ON c.id = f.claim_id "
        "WHERE c.claimant_id = %s AND c.review_state = 'published' AND f.verdict <> ''"
    )
    name = db.one("SELECT id, name, kind FROM claims_actor WHERE id = %s", [actor])
    summary = db.one(f"SELECT {AGGREGATE} {base}", [actor])
    by_topic = db.all(
        f"SELECT t.id, t.name, {AGGREGATE} {base.replace('WHERE', 'JOIN claims_claim_topics ct ON ct.claim_id = c.id JOIN claims_topic t ON t.id = ct.topic_id WHERE')} "
        "GROUP BY t.id, t.name ORDER BY 5",
        [actor],
    )
    by_phrase = db.all(f"SELECT f.likelihood_phrase, {AGGREGATE} {base} GROUP BY 1 ORDER BY 4", [actor])
    by_source = db.all(
        f"SELECT p.source_id, {AGGREGATE} {base.replace('WHERE', 'JOIN sources_passage p ON p.id = c.passage_id WHERE')} "
        "GROUP BY 1 ORDER BY 4",
        [actor],
    )
    bins = db.all(
        f"SELECT least(width_bucket(f.probability, 0, 1, 10), 10), count(*), avg(f.probability)::float8, avg({OUTCOME})::float8 "
        f"{base} AND {OUTCOME} IS NOT NULL GROUP BY 1 ORDER BY 1",
        [actor],
    )
    each = db.all(
        f"SELECT f.id, f.verdict, f.likelihood_phrase, f.probability, ({OUTCOME})::float8, "
        f"power(f.probability - {OUTCOME}, 2)::float8 {base} ORDER BY f.id",
        [actor],
    )

    def agg(row):
        return {"count": row[0], "scored": row[1], "mean_brier": row[2], "brier_skill": row[3]}

    return {
        "actor": {"id": name[0], "name": name[1], "kind": name[2]},
        "as_claimant": {
            **agg(summary),
            "calibration": [
                {"bin": b, "count": n, "mean_predicted": p, "observed": o} for b, n, p, o in bins
            ],
            "by_topic": [{"id": r[0], "name": r[1], **agg(r[2:])} for r in by_topic],
            "by_likelihood_phrase": [{"phrase": r[0], **agg(r[1:])} for r in by_phrase],
            "by_source": [{"id": r[0], **agg(r[1:])} for r in by_source],
            "forecasts": [
                {
                    "forecast": r[0],
                    "verdict": r[1],
                    "likelihood_phrase": r[2],
                    "probability": r[3],
                    "outcome": r[4],
                    "brier": r[5],
                }
                for r in each
            ],
        },
    }


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
