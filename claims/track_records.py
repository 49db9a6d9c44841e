"""Track records and the leaderboard: verified forecasts counted by the database and their
scores aggregated, each distinct (probability, interval, verdict) scored once.

tests/scoring_reference.py computes the same the slow way, every forecast through
claims.scoring, and the tests hold the two equal."""

import bisect
import functools
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.urls import reverse

from claims import scoring
from claims.models import Actor, ActorScoreSummary, Claim, Forecast, Topic, Verification, VerificationVerdict
from claims.selectors import PUBLISHED, can_see_unpublished, table_sql
from config.bounded import put_bounded
from config.db import fetch_prepared
from config.kept_json import KeptJSON
from sources.models import Passage, Source


def verified_forecasts(*, user, actor: Actor | None = None) -> Q:
    """A filter: forecasts with a verdict that the user may see, optionally those of one actor.

    An actor's forecasts are those it is the claimant of, or that appear in a source it wrote.
    """
    condition = ~Q(verdict="")
    if not can_see_unpublished(user):
        # The forecast's copy of its claim's review state (kept by the claim services): no join.
        condition &= Q(review_state=PUBLISHED)
    if actor is not None:
        authored = Source.authors.through.objects.filter(
            source_id=OuterRef("claim__passage__source_id"), actor_id=actor.pk
        )
        condition &= Q(claim__claimant=actor) | Q(Exists(authored))
    return condition


def claim_review_forecasts(*, user) -> QuerySet[Forecast]:
    """Verified forecasts the user may see, with what a ClaimReview shows, latest verdict first."""
    latest_rationale = (
        Verification.objects.filter(forecast=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("rationale")
    )[:1]
    return (
        Forecast.objects.filter(verified_forecasts(user=user))
        .select_related("claim", "claim__claimant", "claim__passage__source")
        .annotate(latest_rationale=Subquery(latest_rationale))
        .order_by("-verified_at", "-id")
    )


# Serialisation to plain data (the API's JSON and the admin's templates) ----------------------


def aggregate_data(result: scoring.Aggregate) -> dict:
    """An aggregate as plain data, floats rounded to 6 places: dataclasses.asdict, field by field.

    A rebuild of the score summaries turns hundreds of thousands of aggregates into data;
    asdict's generic deep copy was most of its time.
    """
    interval = result.interval
    return {
        "count": result.count,
        "unscored": result.unscored,
        "mean_brier": _round(result.mean_brier),
        "brier_skill": _round(result.brier_skill),
        "mean_log_score": _round(result.mean_log_score),
        "calibration": [
            {
                "lower": _round(row.lower),
                "upper": _round(row.upper),
                "count": row.count,
                "mean_predicted": _round(row.mean_predicted),
                "observed_frequency": _round(row.observed_frequency),
            }
            for row in result.calibration
        ],
        "interval": None
        if interval is None
        else {
            "mean_brier_at_low": _round(interval.mean_brier_at_low),
            "mean_brier_at_high": _round(interval.mean_brier_at_high),
            "mean_brier_best": _round(interval.mean_brier_best),
            "mean_brier_worst": _round(interval.mean_brier_worst),
        },
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def forecast_scores(items) -> list[dict]:
    """Each forecast with its outcome value and scores (None when not scored)."""
    rows = []
    for item in items:
        scored = scoring.score(item)
        rows.append(
            {
                "forecast": item.forecast_id,
                "verdict": item.verdict,
                "likelihood_phrase": item.likelihood_phrase,
                "probability": _round(item.probability),
                "outcome": _round(scored.outcome) if scored else None,
                "brier": _round(scored.brier) if scored else None,
                "log_score": _round(scored.log_score) if scored else None,
            }
        )
    return rows


# An actor's track record from precomputed counts ----------------------------------------------
#
# Scores depend only on (probability, interval, verdict), so an actor's forecasts are counted by
# those values (and by published-or-not, phrase and the breakdown keys) in SQL, and each distinct
# combination is scored once with claims.scoring and weighted by its count. The counts are kept
# in ActorScoreSummary by the services that change them, so a track record reads one row.

RECENT_FORECASTS = 20
# Breakdowns by source (of a claimant) and by claimant (of an author) can have thousands of keys;
# they list the keys with the most verified forecasts, and say how many keys there are.
BREAKDOWN_LIMIT = 50
LIMITED_DIMENSIONS = {"source", "claimant"}
ROLES = ("claimant", "author")
# The scopes of a track record (every forecast, or only those of published claims) and the
# summary row's column holding each.
RECORDS_FIELDS = {"all": "records_all", "published": "records_published"}
# The breakdowns of each role, and the forecast field that holds each breakdown's key.
ROLE_DIMENSIONS = {
    "claimant": {"topic": "claim__topics", "source": "claim__passage__source_id"},
    "author": {"topic": "claim__topics", "claimant": "claim__claimant_id"},
}
_CELL = ["probability", "probability_low", "probability_high", "verdict"]
# Actors whose counts refresh_score_summaries reads at once, and summary rows it writes at once.
SUMMARY_BATCH = 5_000
WRITE_BATCH = 100


# The forecast field that holds the actor of each role.
ROLE_ACTOR = {"claimant": "claim__claimant_id", "author": "claim__passage__source__authors"}


def _role_forecasts(role: str, actor_ids: list[int], forecast_ids: list[int] | None = None):
    """The verified forecasts of these actors in one role: one indexed filter each, no OR EXISTS."""
    verified = Forecast.objects.exclude(verdict="").filter(**{f"{ROLE_ACTOR[role]}__in": actor_ids})
    return verified if forecast_ids is None else verified.filter(pk__in=forecast_ids)


def _counted(queryset: QuerySet[Forecast], role: str, field: str) -> dict[int, list[list]]:
    """(published, key, cell..., n) rows by actor, each actor's in canonical order.

    The filter's join to the actor (for authors, to the source's authors) is the one the actor
    column is read from, so a forecast counts once for each of these actors it belongs to.
    """
    actor = ROLE_ACTOR[role]
    published = Case(When(claim__review_state=PUBLISHED, then=Value(True)), default=Value(False))
    rows = (
        queryset.annotate(published=ExpressionWrapper(published, output_field=BooleanField()))
        .values(actor, "published", field, *_CELL)
        .annotate(n=Count("pk"))
        .order_by()
        .values_list(actor, "published", field, *_CELL, "n")
    )
    by_actor = defaultdict(list)
    for actor_id, *row in rows:
        by_actor[actor_id].append(row)
    return {actor_id: _canonical(counted) for actor_id, counted in by_actor.items()}


def _parts(role: str, actor_ids: list[int], forecast_ids: list[int] | None = None) -> dict[int, dict]:
    """Each actor's counted cells in one role: overall (with the phrase) and per breakdown key.

    Three queries whatever the number of actors.
    """
    forecasts = _role_forecasts(role, actor_ids, forecast_ids)
    counted = {
        "cells": _counted(forecasts, role, "likelihood_phrase"),
        **{
            dimension: _counted(forecasts.filter(**{f"{field}__isnull": False}), role, field)
            for dimension, field in ROLE_DIMENSIONS[role].items()
        },
    }
    return {
        actor_id: {part: rows.get(actor_id, []) for part, rows in counted.items()} for actor_id in actor_ids
    }


def _canonical_key(row: list) -> list:
    return [(True, 0) if value is None else (False, value) for value in row]


def _canonical(rows: list[list]) -> list[list]:
    """Rows in one order whatever the database's collation and NULL ordering."""
    return sorted(rows, key=_canonical_key)


def _merged(rows: list[list], old: list[list], new: list[list]) -> list[list] | None:
    """Counted rows (canonical order) with `old`'s counts taken away and `new`'s added, still in
    canonical order; None when a count would go below zero.

    Only the rows of the changed cells move: the others are kept in place, the changed ones
    inserted where they belong. Re-sorting all of them took ~0.5 s of a verdict on the most
    prolific claimant's forecast at a million claims.
    """
    delta = defaultdict(int)
    for changed, sign in ((old, -1), (new, 1)):
        for *key, n in changed:
            delta[tuple(key)] += sign * n
    if not delta:
        return rows
    seconds = {key[1] for key in delta}  # a cheap test before building a row's whole key
    current, kept = {}, []
    for row in rows:
        if row[1] in seconds:
            key = tuple(row[:-1])
            if key in delta:
                current[key] = row[-1]
                continue
        kept.append(row)
    for key, change in delta.items():
        n = current.get(key, 0) + change
        if n < 0:
            return None
        if n:
            bisect.insort(kept, [*key, n], key=_canonical_key)
    return kept


def _recent(role: str, actor_ids: list[int]) -> dict[int, dict[str, list[int]]]:
    """Each actor's latest verified forecasts in one role, in all claims and in published ones.

    Two queries whatever the number of actors: the latest RECENT_FORECASTS of each actor are
    numbered by a window function.
    """
    actor = ROLE_ACTOR[role]
    recent = {actor_id: {"all": [], "published": []} for actor_id in actor_ids}
    forecasts = _role_forecasts(role, actor_ids)
    for scope, scoped in (("all", forecasts), ("published", forecasts.filter(claim__review_state=PUBLISHED))):
        latest = Window(
            RowNumber(), partition_by=F(actor), order_by=[F("verified_at").desc(), F("id").desc()]
        )
        rows = (
            scoped.annotate(latest=latest)
            .filter(latest__lte=RECENT_FORECASTS)
            .order_by()
            .values_list(actor, "latest", "id")
        )
        for actor_id, _, forecast_id in sorted(rows):
            recent[actor_id][scope].append(forecast_id)
    return recent


def compute_score_summaries(actor_ids) -> dict[int, dict]:
    """The counts these actors' track records are computed from, fresh from the database.

    Ten queries whatever the number of actors (a rebuild passes them in batches).
    """
    ids = sorted(set(actor_ids))
    roles = {role: (_parts(role, ids), _recent(role, ids)) for role in ROLES}
    return {
        actor_id: {
            role: {**parts[actor_id], "recent": recent[actor_id]} for role, (parts, recent) in roles.items()
        }
        for actor_id in ids
    }


def compute_score_summary(actor_id: int) -> dict:
    """The counts an actor's track record is computed from, fresh from the database."""
    return compute_score_summaries([actor_id])[actor_id]


def _top_keys(rows: list[list], published_only: bool) -> tuple[int, list]:
    """The number of keys among these (published, key, cell..., n) rows that the scope sees,
    and the BREAKDOWN_LIMIT with most forecasts."""
    counts = defaultdict(int)
    for row in rows:
        if row[0] or not published_only:
            counts[row[1]] += row[-1]
    ranked = sorted(counts, key=lambda key: (-counts[key], key))
    return len(ranked), ranked[:BREAKDOWN_LIMIT]


def score_contributions(forecast_ids) -> dict[tuple[int, str], dict]:
    """What these forecasts add to each track record they are in, by (actor id, role).

    The services take it before and after a change and hand both to apply_contributions, so
    a verification costs queries on its own forecast, not on the actor's thousands.
    """
    ids = list(forecast_ids)
    actor_ids = sorted(forecast_actor_ids(ids))
    return {
        (actor_id, role): parts for role in ROLES for actor_id, parts in _parts(role, actor_ids, ids).items()
    }


def apply_contributions(before: dict, after: dict, newest: int | None = None) -> None:
    """Update the stored counts of every actor concerned: minus `before`, plus `after`.

    `newest` is a forecast just verified (the latest verified_at of all), the only change: it
    goes to the head of the recent lists instead of querying them again.
    """
    actor_ids = sorted({actor_id for actor_id, _ in [*before, *after]})
    rows = {
        row.actor_id: row
        for row in ActorScoreSummary.objects.select_for_update().filter(actor_id__in=actor_ids)
    }
    for actor_id in actor_ids:
        row = rows.get(actor_id)
        data = _applied(row.data, actor_id, before, after, newest) if row is not None and row.data else None
        if data is None:  # no counts yet, or counts that would go negative: start from scratch
            refresh_score_summaries([actor_id])
            continue
        row.data = data
        records = _updated_records(stored_records(row), data, _changes(actor_id, before, after))
        for field, text in _record_columns(records).items():
            setattr(row, field, text)
        row.save(update_fields=["data", *RECORDS_FIELDS.values(), "computed_at"])


def _changes(actor_id: int, before: dict, after: dict) -> dict[str, dict[str, set]]:
    """By role, the phrases and the keys of each breakdown whose groups a change touched:
    those of the changed forecasts' cells, before and after."""
    changes = {}
    for role in ROLES:
        parts = [part for part in (before.get((actor_id, role)), after.get((actor_id, role))) if part]
        if not parts:
            continue
        cells = [row for part in parts for row in part.get("cells", [])]
        changed = {"phrases": {key for row in cells if (key := scoring.phrase_key(row[1]))}}
        for dimension in ROLE_DIMENSIONS[role]:
            changed[dimension] = {row[1] for part in parts for row in part.get(dimension, [])}
        changes[role] = changed
    return changes


def _updated_records(records: dict | None, data: dict, changes: dict[str, dict[str, set]]) -> dict:
    """precomputed_records(data), from the records stored before a change: the groups the
    change touched are aggregated again, the others kept. For the most prolific claimant at a
    million claims a verdict spent ~0.8 s recomputing all of them."""
    if not records:
        return precomputed_records(data)
    for scope in RECORDS_FIELDS:
        scoped = records[scope]
        scoped["recent"] = {role: data[role]["recent"][scope] for role in ROLES}
        for role, changed in changes.items():
            scoped[role] = _role_record(
                data[role], role, scope == "published", scoring.DEFAULT_BINS, scoped[role], changed
            )
    return records


def _applied(data: dict, actor_id: int, before: dict, after: dict, newest: int | None) -> dict | None:
    for role in ROLES:
        old, new = before.get((actor_id, role)), after.get((actor_id, role))
        if old is None and new is None:
            continue
        for part in ["cells", *ROLE_DIMENSIONS[role]]:
            merged = _merged(data[role][part], (old or {}).get(part, []), (new or {}).get(part, []))
            if merged is None:
                return None
            data[role][part] = merged
        if newest is None:
            data[role]["recent"] = _recent(role, [actor_id])[actor_id]
            continue
        cells = (new or {}).get("cells", [])
        published = any(row[0] for row in cells)
        for scope, listed in data[role]["recent"].items():
            if cells and (scope == "all" or published):
                listed = [newest, *(pk for pk in listed if pk != newest)][:RECENT_FORECASTS]
            data[role]["recent"][scope] = listed
    return data


def refresh_score_summaries(actor_ids, progress: Callable[[int], None] | None = None) -> None:
    """Recompute and store the summaries of these actors.

    The services call it inside their transaction for a few actors, a rebuild for all of them.
    The counts are read for SUMMARY_BATCH actors at a time in ten queries (a batch's counts
    held in memory: ~400 MB for 5,000 actors at 1M claims), and written WRITE_BATCH rows at a
    time; `progress` is called with the number of rows each write stored.
    """
    ids = sorted({pk for pk in actor_ids if pk is not None})
    for start in range(0, len(ids), SUMMARY_BATCH):
        summaries = compute_score_summaries(ids[start : start + SUMMARY_BATCH])
        batch = list(summaries.items())
        for offset in range(0, len(batch), WRITE_BATCH):
            rows = [
                ActorScoreSummary(
                    actor_id=actor_id, data=summary, **_record_columns(precomputed_records(summary))
                )
                for actor_id, summary in batch[offset : offset + WRITE_BATCH]
            ]
            # One row per INSERT: with several, Django's PostgreSQL backend binds each column as
            # an array that psycopg quotes client-side in Python, 25 s of a 1M-claim rebuild.
            ActorScoreSummary.objects.bulk_create(
                rows,
                batch_size=1,
                update_conflicts=True,
                unique_fields=["actor"],
                update_fields=["data", *RECORDS_FIELDS.values(), "computed_at"],
            )
            if progress is not None:
                progress(len(rows))


def forecast_actor_ids(forecast_ids) -> set[int]:
    """The claimants and source authors of these forecasts: whose track records they are in."""
    forecasts = Forecast.objects.filter(pk__in=list(forecast_ids))
    claimants = forecasts.exclude(claim__claimant__isnull=True).values_list("claim__claimant_id", flat=True)
    authors = Source.authors.through.objects.filter(
        source_id__in=forecasts.values("claim__passage__source_id")
    ).values_list("actor_id", flat=True)
    return set(claimants) | set(authors)


def _score_summary(actor_id: int) -> dict:
    summary = ActorScoreSummary.objects.filter(actor_id=actor_id).values_list("data", flat=True).first()
    # An actor no service has touched yet has no row: compute it (small, or rebuild the table).
    return summary if summary is not None else compute_score_summary(actor_id)


def _visible(rows, published_only: bool, keys: set | None = None):
    """The rows one scope sees, without their published flag; with keys, only rows whose
    second value (a breakdown's key) is one of them."""
    if keys is None:
        return [row[1:] for row in rows if row[0] or not published_only]
    return [row[1:] for row in rows if row[1] in keys and (row[0] or not published_only)]


@functools.lru_cache(maxsize=4096)
def _score_cell(probability, low, high, verdict) -> scoring.Score | None:
    return scoring.score(
        scoring.ForecastInput(
            forecast_id=0,
            verdict=verdict,
            probability=probability,
            probability_low=low,
            probability_high=high,
        )
    )


def _aggregate_cells(cells, bins: int) -> scoring.Aggregate:
    """scoring.aggregate over counted cells: each distinct (p, low, high, verdict) scored once."""
    scored, unscored = [], 0
    for probability, low, high, verdict, n in cells:
        result = _score_cell(probability, low, high, verdict)
        if result is None:
            unscored += n
        else:
            scored.append((result, n))
    count = sum(n for _, n in scored)
    if not count:
        return scoring.Aggregate(
            count=0,
            unscored=unscored,
            mean_brier=None,
            brier_skill=None,
            mean_log_score=None,
            calibration=scoring.calibration_bins([], bins),
        )

    def mean(attribute):
        return math.fsum(getattr(result, attribute) * n for result, n in scored) / count

    members = [[] for _ in range(bins)]
    for result, n in scored:
        members[scoring.bin_index(result.forecast.probability, bins)].append((result, n))
    calibration = []
    for index, group in enumerate(members):
        total = sum(n for _, n in group)
        calibration.append(
            scoring.CalibrationBin(
                lower=index / bins,
                upper=(index + 1) / bins,
                count=total,
                mean_predicted=math.fsum(r.forecast.probability * n for r, n in group) / total
                if total
                else None,
                observed_frequency=math.fsum(r.outcome * n for r, n in group) / total if total else None,
            )
        )
    mean_brier = mean("brier")
    return scoring.Aggregate(
        count=count,
        unscored=unscored,
        mean_brier=mean_brier,
        brier_skill=scoring.brier_skill(mean_brier),
        mean_log_score=mean("log_score"),
        calibration=calibration,
        interval=scoring.IntervalView(
            mean_brier_at_low=mean("brier_at_low"),
            mean_brier_at_high=mean("brier_at_high"),
            mean_brier_best=mean("brier_best"),
            mean_brier_worst=mean("brier_worst"),
        ),
    )


def _grouped(rows) -> dict:
    """Cells (key, p, low, high, verdict, n) by key."""
    groups = defaultdict(list)
    for key, *cell in rows:
        groups[key].append(cell)
    return groups


# Where each breakdown's keys are named: the model and the field holding the name.
NAMED_BY = {"topic": (Topic, "name"), "source": (Source, "title"), "claimant": (Actor, "name")}


def _pk_in(model, keys: list) -> tuple[str, list]:
    """SQL for "the row's primary key is one of these", and its parameters. On PostgreSQL one
    array parameter, so the statement's text does not grow with the keys and fetch_prepared
    plans it once per connection (a lookup by primary key: the plan suits any keys); with one
    placeholder per key psycopg also parsed the text again on every request. Elsewhere a list.

    The array goes as its text ('{1,2,3}'), which PostgreSQL reads as an array of the key's
    type: psycopg dumps a list in Python, key by key, and for the most prolific claimant's
    four arrays (156 keys) that took 340 µs of CPU a statement against 123-159 µs as text (in
    a loop on the EPYC of 2026-11-28)."""
    pk = connection.ops.quote_name(model._meta.pk.column)
    if connection.vendor == "postgresql":
        return f"{pk} = ANY(%s)", ["{" + ",".join(map(str, map(int, keys))) + "}"]
    return f"{pk} IN ({', '.join(['%s'] * len(keys))})", keys


# The columns a track record reads of each recent forecast.
RECENT_FIELDS = ("id", "verdict", "likelihood_phrase", "probability", "probability_low", "probability_high")


def _names_and_recent_statement(records: dict) -> tuple[str, list, list[int]]:
    """The statement that reads the current names of the keys of every breakdown and the most
    recent verified forecasts, its parameters, and the forecasts' ids (newest verdict first);
    an empty statement when there is nothing to read.

    Written out rather than built by the ORM: a UNION ALL of one SELECT for the forecasts and
    one per kind of key, each row (kind, id, then the forecast's columns or the name). For the
    most prolific claimant, the ORM's three name queries took ~2 ms of the track record's ~9 ms
    of CPU, most of it compiling them; the forecasts' query ~0.4 ms; a second statement, a
    round trip. The forecasts come first: PostgreSQL types the name rows' empty columns by theirs.
    """
    forecast_ids = [pk for role in ROLES for pk in records["recent"][role]]
    ids = defaultdict(set)
    for role in ROLES:
        for dimension in ROLE_DIMENSIONS[role]:
            ids[dimension].update(row["id"] for row in records[role][f"by_{dimension}"])
    quote = connection.ops.quote_name
    selects, params = [], []
    if forecast_ids:
        columns = ", ".join(quote(Forecast._meta.get_field(name).column) for name in RECENT_FIELDS)
        where, values = _pk_in(Forecast, forecast_ids)
        selects.append(f"SELECT 'forecast', {columns} FROM {table_sql(Forecast)} WHERE {where}")
        params += values
    empty = ", NULL" * (len(RECENT_FIELDS) - 2)  # the name rows' share of the forecast columns
    for dimension, (model, field) in NAMED_BY.items():
        if keys := sorted(ids[dimension]):
            pk, column = quote(model._meta.pk.column), quote(model._meta.get_field(field).column)
            where, values = _pk_in(model, keys)
            selects.append(
                f"SELECT '{dimension}', {pk}, {column}{empty} FROM {table_sql(model)} WHERE {where}"
            )
            params += values
    return " UNION ALL ".join(selects), params, forecast_ids


def _names_and_recent(rows: list[tuple], forecast_ids: list[int]) -> tuple[dict[str, dict], list[dict]]:
    """The names by kind of key and id, and the recent forecasts with their scores, from the rows
    of _names_and_recent_statement."""
    names, forecasts = {dimension: {} for dimension in NAMED_BY}, {}
    for kind, pk, *values in rows:
        if kind != "forecast":
            names[kind][pk] = values[0]
            continue
        verdict, phrase, probability, low, high = values  # RECENT_FIELDS after the id
        forecasts[pk] = scoring.ForecastInput(
            forecast_id=pk,
            verdict=verdict,
            probability=probability,
            probability_low=low,
            probability_high=high,
            likelihood_phrase=phrase,
        )
    return names, forecast_scores([forecasts[pk] for pk in forecast_ids if pk in forecasts])


def _role_record(
    role_data: dict,
    role: str,
    published_only: bool,
    bins: int,
    previous: dict | None = None,
    changed: dict[str, set] | None = None,
) -> dict:
    """One role's record (summary and breakdowns) from its counted cells.

    With `previous` (this record before a change) and `changed` (the phrases and the keys of
    each breakdown the change touched), only those groups are aggregated again; the others
    are taken from `previous`. The result is the same as computing every group: rows are
    ordered by their content alone (_sorted_breakdown), whatever order they were built in.
    """
    cells = _visible(role_data["cells"], published_only)
    record = aggregate_data(_aggregate_cells([cell[1:] for cell in cells], bins))
    wanted = None if previous is None else changed["phrases"]
    by_phrase = defaultdict(list)
    for phrase, *cell in cells:
        phrase = scoring.phrase_key(phrase)
        if phrase and (wanted is None or phrase in wanted):
            by_phrase[phrase].append(cell)
    rows = {} if previous is None else {row["phrase"]: row for row in previous["by_likelihood_phrase"]}
    for phrase in wanted or ():
        rows.pop(phrase, None)
    for phrase, group in by_phrase.items():
        rows[phrase] = {"phrase": phrase, **aggregate_data(_aggregate_cells(group, bins))}
    record["by_likelihood_phrase"] = _sorted_breakdown(list(rows.values()))
    for dimension in ROLE_DIMENSIONS[role]:
        counted = role_data[dimension]
        limited = dimension in LIMITED_DIMENSIONS
        if limited:
            total, listed = _top_keys(counted, published_only)
            record[f"{dimension}_count"] = total
        if previous is None:
            rows, todo = {}, set(listed) if limited else None
        else:
            rows = {row["id"]: row for row in previous[f"by_{dimension}"]}
            for key in changed[dimension]:
                rows.pop(key, None)
            todo = set(changed[dimension])
            if limited:  # and the keys that have just entered the top BREAKDOWN_LIMIT
                todo = (todo | {key for key in listed if key not in rows}) & set(listed)
        for key, group in _grouped(_visible(counted, published_only, keys=todo)).items():
            rows[key] = {"id": key, "name": "", **aggregate_data(_aggregate_cells(group, bins))}
        if limited:
            rows = {key: rows[key] for key in listed}
        record[f"by_{dimension}"] = _sorted_breakdown(list(rows.values()))
    return record


def _sorted_breakdown(rows: list[dict]) -> list[dict]:
    """Best mean Brier first (unscored-only rows last), then most forecasts, then by name (or
    phrase), then by id: an order that depends on the rows alone."""
    rows.sort(
        key=lambda row: (
            row["mean_brier"] is None,
            row["mean_brier"] or 0,
            -row["count"],
            str(row.get("name", row.get("phrase"))),
            -1 if row.get("id") is None else row["id"],
        )
    )
    return rows


def actor_aggregate(*, actor: Actor, user, role: str = "claimant", bins: int = scoring.DEFAULT_BINS):
    """The aggregate of the actor's forecasts in one role (claimant or author)."""
    published_only = not can_see_unpublished(user)
    if bins == scoring.DEFAULT_BINS:
        _, stored = _actor_with_records(actor.pk, "published" if published_only else "all")
        if stored:
            record = stored[role]
            return scoring.Aggregate(
                count=record["count"],
                unscored=record["unscored"],
                mean_brier=record["mean_brier"],
                brier_skill=record["brier_skill"],
                mean_log_score=record["mean_log_score"],
                calibration=[scoring.CalibrationBin(**row) for row in record["calibration"]],
                interval=scoring.IntervalView(**record["interval"]) if record["interval"] else None,
            )
    cells = _visible(_score_summary(actor.pk)[role]["cells"], published_only)
    return _aggregate_cells([cell[1:] for cell in cells], bins)


def actor_track_record(*, actor_id: int, user, bins: int = scoring.DEFAULT_BINS) -> dict:
    """The actor's record as claimant and as author: summary, breakdowns, the latest forecasts.

    Only the RECENT_FORECASTS most recently verified forecasts are listed; as claimant,
    `forecasts_by_status` links each verdict to the forecasts API filtered by claimant and status.
    With the default bins the records come ready-made from the summary row, read in the same
    statement as the actor, and the answer is remembered (_remembered_record). Raises
    Actor.DoesNotExist when there is no such actor.
    """
    scope = "all" if can_see_unpublished(user) else "published"
    row = _actor_row(actor_id, scope)
    if row is None:
        raise Actor.DoesNotExist(f"There is no actor with id {actor_id}.")
    pk, name, kind, text = row
    head = (pk, name, kind, reverse("api:forecast-list"))
    if text and bins == scoring.DEFAULT_BINS:
        return _remembered_record((actor_id, scope), head, text)
    records = _scope_records(_score_summary(actor_id), scope, bins)
    statement, params, forecast_ids = _names_and_recent_statement(records)
    return _assembled(head, records, *_names_and_recent(_read(statement, params), forecast_ids))


def _read(statement: str, params: list) -> list[tuple]:
    """The rows of a names-and-recent statement; none when there is nothing to read."""
    return fetch_prepared(statement, params)[1] if statement else []


def _assembled(head: tuple, records: dict, names: dict[str, dict], scored: list[dict]) -> dict:
    """The track record from the actor's stored records (filled in and sorted here), the names
    of their keys and the recent forecasts with their scores."""
    pk, name, kind, forecasts = head
    recent = {row["forecast"]: row for row in scored}
    result = {"actor": {"id": pk, "name": name, "kind": kind}}
    for role in ROLES:
        record = records[role]
        for dimension in ROLE_DIMENSIONS[role]:
            for row in record[f"by_{dimension}"]:
                row["name"] = names[dimension].get(row["id"], "")
            _sorted_breakdown(record[f"by_{dimension}"])
        record["forecasts"] = [recent[forecast] for forecast in records["recent"][role] if forecast in recent]
        if role == "claimant":
            record["forecasts_by_status"] = {
                verdict: f"{forecasts}?claimant={pk}&status={verdict}"
                for verdict in VerificationVerdict.values
            }
        result[f"as_{role}"] = record
    return result


@dataclass(frozen=True)
class _Answer:
    """A track record as last answered, with everything it was made from."""

    text: str  # the stored records (one scope's JSON text)
    head: tuple  # the actor's id, name and kind, and the forecasts list's URL
    statement: str  # the names-and-recent statement the records call for, its parameters,
    params: list  # and the recent forecasts' ids
    forecast_ids: list[int]
    rows: list[tuple]  # what that statement read
    result: dict


# The last answer of each (actor, scope) track record, for at most REMEMBERED_ANSWERS of them
# (the oldest dropped first). One of the most prolific claimants' holds ~1.2 MB at a million
# claims (tracemalloc; its stored records 215 KB), one with 31 KB of records ~0.2 MB: at most
# ~40 MB a process.
REMEMBERED_ANSWERS = 32
_answers: dict[tuple[int, str], _Answer] = {}
_answers_lock = threading.Lock()


def _remembered_record(key: tuple[int, str], head: tuple, text: str) -> dict:
    """The track record made from these stored records, remembered per process: a request whose
    inputs read from the database (the actor, the stored records' text and the rows of the
    names-and-recent statement) are equal to the last answer's gets that answer again. The
    database is read on every request, so an answer is never older than its data; what is not
    repeated is parsing the stored records (1.3 ms of CPU for the most prolific claimant's
    215 KB), scoring the recent forecasts and filling in and sorting the breakdowns.

    The remembered result is shared by every request that gets it: nothing may change it (the
    renderers only read their data). It keeps its JSON once written (config.kept_json), so an
    answer given again is not written again either.
    """
    last = _answers.get(key)
    same_records = last is not None and last.text == text
    if same_records:
        records, statement, params, forecast_ids = None, last.statement, last.params, last.forecast_ids
    else:
        records = orjson.loads(text)
        statement, params, forecast_ids = _names_and_recent_statement(records)
    rows = _read(statement, params)
    if same_records and last.rows == rows and last.head == head:
        return last.result
    if records is None:
        records = orjson.loads(text)
    result = KeptJSON(_assembled(head, records, *_names_and_recent(rows, forecast_ids)))
    answer = _Answer(text, head, statement, params, forecast_ids, rows, result)
    put_bounded(_answers, _answers_lock, key, answer, REMEMBERED_ANSWERS)
    return result


def forget_answers() -> None:
    """Drop every remembered track record (tests start each without them)."""
    with _answers_lock:
        _answers.clear()


def _actor_with_records(actor_id: int, scope: str) -> tuple[dict | None, dict | None]:
    """The actor's id, name and kind, and one scope of its stored records, in one statement:
    (None, None) when there is no such actor, records None when it has no summary row yet.

    Only that scope's column is read, as JSON text parsed by orjson: for the most prolific
    claimant both scopes run to ~0.5 MB. The statement is written out and prepared on
    PostgreSQL (a lookup by primary key, planned once per connection): the ORM's lookup of the
    actor and of the row cost ~0.4 ms of CPU each.
    """
    row = _actor_row(actor_id, scope)
    if row is None:
        return None, None
    pk, name, kind, text = row
    return {"id": pk, "name": name, "kind": kind}, orjson.loads(text) if text else None


def _actor_row(actor_id: int, scope: str) -> tuple | None:
    """(id, name, kind, the scope's stored records as text, empty when none), or None when
    there is no such actor."""
    _, rows = fetch_prepared(_actor_with_records_sql(scope), [actor_id])
    return rows[0] if rows else None


@functools.cache
def _actor_with_records_sql(scope: str) -> str:
    quote = connection.ops.quote_name
    summary = ActorScoreSummary._meta.get_field
    actor_pk, records = quote(Actor._meta.pk.column), quote(summary(RECORDS_FIELDS[scope]).column)
    summary_actor = quote(summary("actor").column)
    name, kind = quote(Actor._meta.get_field("name").column), quote(Actor._meta.get_field("kind").column)
    return (
        f"SELECT a.{actor_pk}, a.{name}, a.{kind}, s.{records} FROM {table_sql(Actor)} a "
        f"LEFT JOIN {table_sql(ActorScoreSummary)} s ON s.{summary_actor} = a.{actor_pk} "
        f"WHERE a.{actor_pk} = %s"
    )


def stored_records(row: ActorScoreSummary) -> dict | None:
    """A summary row's records by scope, as precomputed_records() returns them; None when the
    row has none yet."""
    texts = {scope: getattr(row, field) for scope, field in RECORDS_FIELDS.items()}
    if not all(texts.values()):
        return None
    return {scope: orjson.loads(text) for scope, text in texts.items()}


def _record_columns(records: dict) -> dict[str, str]:
    """precomputed_records() as the summary row's columns: each scope's JSON text."""
    return {field: orjson.dumps(records[scope]).decode() for scope, field in RECORDS_FIELDS.items()}


def _scope_records(summary: dict, scope: str, bins: int) -> dict:
    """Both roles' records for one scope (all, or published only), names not filled in."""
    return {
        "recent": {role: summary[role]["recent"][scope] for role in ROLES},
        **{role: _role_record(summary[role], role, scope == "published", bins) for role in ROLES},
    }


def precomputed_records(summary: dict) -> dict:
    """The records of both scopes at the default bins, which the summary row stores."""
    return {scope: _scope_records(summary, scope, scoring.DEFAULT_BINS) for scope in RECORDS_FIELDS}


LEADERBOARD_DIMENSIONS = ("claimant", "author", "source", "topic", "likelihood_phrase")


def leaderboard_rankings(
    *, user, bins: int = scoring.DEFAULT_BINS, dimensions=LEADERBOARD_DIMENSIONS
) -> dict:
    """The overall aggregate over every verified forecast the user may see, and for each of the
    dimensions asked for its Ranking: a sequence of rows, of which a page is a slice.

    Counted as the track records are: the database counts the forecasts of each key by their
    (probability, interval, verdict), and each distinct combination is scored once. At most five
    statements whatever the number of forecasts (one for the overall and the phrases alone);
    scoring every forecast of each group in Python took 20.7 s at a million claims. A forecast
    with two topics (or a source with two authors) counts in each, as in scoring.DIMENSIONS.

    Every key is ranked by its mean Brier and count (_rank), in _sorted_breakdown's order; only
    the rows taken from a Ranking are aggregated in full (calibration, log score, interval),
    which was most of the Python of a page of each dimension's best at a million claims.
    """
    verified = Forecast.objects.filter(verified_forecasts(user=user)).order_by()
    by_phrase = _counted_by(verified, "f.likelihood_phrase")
    groups = {}
    if "claimant" in dimensions:
        # The claimant is the forecast's copy of its claim's: no join.
        groups["claimant"] = _counted_by(verified, "f.claimant_id", named=(Actor, "name"))
    if "author" in dimensions or "source" in dimensions:
        claim, passage = table_sql(Claim), table_sql(Passage)
        by_source = _counted_by(
            verified,
            "p.source_id",
            joins=f"JOIN {claim} c ON c.id = f.claim_id JOIN {passage} p ON p.id = c.passage_id",
            named=(Source, "title"),
        )
    if "author" in dimensions:
        # A source's authors share its forecasts' counts: no second pass over the forecasts.
        source_cells = {source_id: cells for (source_id, _title), cells in by_source.items()}
        by_author = defaultdict(list)
        source_authors = Source.authors.through.objects.values_list("source_id", "actor_id", "actor__name")
        for source_id, actor_id, name in source_authors.order_by():
            by_author[(actor_id, name)].extend(source_cells.get(source_id, []))
        groups["author"] = {key: cells for key, cells in by_author.items() if cells}
    if "source" in dimensions:
        groups["source"] = by_source
    if "topic" in dimensions:
        # The claims' topic links joined on the forecast's claim id: not through the claims.
        claim_topics = table_sql(Claim.topics.through)
        groups["topic"] = _counted_by(
            verified,
            "ct.topic_id",
            joins=f"JOIN {claim_topics} ct ON ct.claim_id = f.claim_id",
            named=(Topic, "name"),
        )
    if "likelihood_phrase" in dimensions:
        phrases = defaultdict(list)
        for (phrase,), cells in by_phrase.items():
            if key := scoring.phrase_key(phrase):
                phrases[(key,)].extend(cells)
        groups["likelihood_phrase"] = phrases
    overall = [cell for cells in by_phrase.values() for cell in cells]
    return {
        "overall": aggregate_data(_aggregate_cells(overall, bins)),
        **{
            dimension: Ranking(groups[dimension], bins)
            for dimension in LEADERBOARD_DIMENSIONS
            if dimension in groups
        },
    }


class Ranking(Sequence):
    """A breakdown's rows, best first: each key's cells ranked by _rank, each row aggregated in
    full when it is read."""

    def __init__(self, keyed: dict[tuple, list], bins: int):
        self._keyed, self._bins = keyed, bins
        self._ranked = sorted(keyed, key=lambda key: _rank(key, keyed[key]))

    def __len__(self) -> int:
        return len(self._ranked)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._row(key) for key in self._ranked[index]]
        return self._row(self._ranked[index])

    def _row(self, key: tuple) -> dict:
        return {
            **({"phrase": key[0]} if len(key) == 1 else {"id": key[0], "name": key[1]}),
            **aggregate_data(_aggregate_cells(self._keyed[key], self._bins)),
        }


def _rank(key: tuple, cells) -> tuple:
    """A breakdown key's place, as _sorted_breakdown orders the rows aggregate_data(
    _aggregate_cells(cells)) makes of it: the same count and rounded mean Brier (math.fsum is
    exact, so the same whatever the order it adds in), without the rest of the aggregate."""
    scored = [
        (result.brier, n)
        for probability, low, high, verdict, n in cells
        if (result := _score_cell(probability, low, high, verdict)) is not None
    ]
    count = sum(n for _, n in scored)
    mean_brier = _round(math.fsum(brier * n for brier, n in scored) / count) if count else None
    name, pk = (key[0], -1) if len(key) == 1 else (key[1], key[0])
    return (mean_brier is None, mean_brier or 0, -count, str(name), -1 if pk is None else pk)


def _counted_by(
    forecasts: QuerySet[Forecast], key: str, *, joins: str = "", named: tuple[type, str] | None = None
) -> dict[tuple, list[list]]:
    """The forecasts' cells (p, low, high, verdict, n) counted by a key: an SQL expression over
    the forecasts (as f) and the tables joined to them. With named, the key is an id of that
    model, and each key is (id, the value of its named field); keys with no such row are left
    out.

    The forecasts are read for the columns the counting needs alone, which
    forecast_verified_cells_idx holds (no table rows on PostgreSQL), and the names are joined
    to the counted rows, not to each forecast: at a million claims the claimants' counting
    took 284 ms with the names joined before counting and the forecasts' rows read, 35 ms so
    (EXPLAIN ANALYZE).
    """
    inner, params = forecasts.values(
        "claim_id", "claimant_id", "likelihood_phrase", *_CELL
    ).query.sql_with_params()
    cells, counted_cells = (", ".join(f"{alias}.{column}" for column in _CELL) for alias in "fg")
    statement = (
        f"SELECT {key} AS counted_key, {cells}, COUNT(*) AS n FROM ({inner}) f {joins} "
        f"GROUP BY {key}, {cells}"
    )
    if named is not None:
        model, field = named
        column = connection.ops.quote_name(model._meta.get_field(field).column)
        statement = (
            f"SELECT g.counted_key, names.{column}, {counted_cells}, g.n FROM ({statement}) g "
            f"JOIN {table_sql(model)} names ON names.id = g.counted_key"
        )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    width = 1 if named is None else 2
    by_key = defaultdict(list)
    for row in rows:
        by_key[row[:width]].append(list(row[width:]))
    return by_key
