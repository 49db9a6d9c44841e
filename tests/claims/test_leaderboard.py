"""The leaderboard counts verified forecasts in the database and scores each distinct
(probability, interval, verdict) once; it gives what scoring every forecast gives."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import scoring, services, track_records
from claims.models import Forecast
from tests import factories, scoring_reference

pytestmark = pytest.mark.django_db


def scored_one_by_one(user) -> dict:
    """The leaderboard as scoring every forecast gives it (claims.scoring over forecast_inputs)."""
    items = scoring_reference.forecast_inputs(user=user)
    return {
        "overall": track_records.aggregate_data(scoring.aggregate(items)),
        **{dimension: scoring_reference.breakdown(items, dimension) for dimension in scoring.DIMENSIONS},
    }


def whole_leaderboard(*, user, dimensions=track_records.LEADERBOARD_DIMENSIONS) -> dict:
    """The overall aggregate and every row of each dimension's ranking, as plain data."""
    board = track_records.leaderboard_rankings(user=user, dimensions=dimensions)
    overall = board.pop("overall")
    return {"overall": overall, **{dimension: list(ranking) for dimension, ranking in board.items()}}


def assert_same(expected, actual, path="leaderboard"):
    """Equal, but for the sixth decimal of a mean: a weighted sum rounds its last place either way."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and list(expected) == list(actual), path
        for key in expected:
            assert_same(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(expected) == len(actual), path
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            assert_same(left, right, f"{path}[{index}]")
    elif isinstance(expected, float) and isinstance(actual, float):
        assert actual == pytest.approx(expected, abs=1.000001e-6), path
    else:
        assert expected == actual, path


def verified(
    checker,
    verdict,
    *,
    phrase="very unlikely",
    published=True,
    claimant=None,
    topics=(),
    source=None,
    **numbers,
):
    forecast = factories.make_forecast(
        **numbers,
        published=published,
        likelihood_phrase=phrase,
        made_on=dt.date(2020, 1, 1),
        resolve_by=dt.date(2021, 1, 1),
        claim_fields={
            "claimant": claimant,
            "topics": list(topics),
            "passage": factories.make_passage(source=source) if source else None,
        },
    )
    services.verification_create(
        forecast=forecast, verdict=verdict, rationale="r", evidence=factories.EVIDENCE, created_by=checker
    )
    return forecast


@pytest.fixture
def board(fact_checker):
    """Claimants with several forecasts, a source with two authors, a claim with two topics,
    one phrase written three ways, a blank phrase, unscored verdicts, a forecast without a
    claimant, unpublished claims and an unverified forecast."""
    kremlin, nato, press = (factories.make_actor(name) for name in ("Kremlin", "NATO", "Press office"))
    analysts = [factories.make_actor("Analyst A"), factories.make_actor("Analyst B")]
    shared = factories.make_source(authors=analysts)
    energy, war = factories.make_topic("Energy"), factories.make_topic("War")
    verified(fact_checker, "borne_out", claimant=kremlin, topics=[energy, war], source=shared)
    verified(fact_checker, "not_borne_out", claimant=kremlin, phrase="Very unlikely ", source=shared)
    verified(fact_checker, "partly_borne_out", claimant=kremlin, phrase="likely", topics=[war])
    verified(fact_checker, "ambiguous", claimant=nato, phrase="almost certain", topics=[energy])
    verified(fact_checker, "not_borne_out", claimant=nato, phrase="  VERY UNLIKELY", published=False)
    verified(
        fact_checker,
        "borne_out",
        claimant=press,
        phrase="",
        source=shared,
        lexicon="explicit",
        probability=0.3,
    )
    verified(fact_checker, "annulled", claimant=press, phrase="likely", published=False)
    verified(fact_checker, "borne_out", claimant=None, phrase="roughly even chance", topics=[war])
    factories.make_forecast(published=True, claim_fields={"claimant": kremlin})  # not verified


@pytest.mark.parametrize("who", ["editor", "public"])
def test_the_leaderboard_gives_what_scoring_every_forecast_gives(board, editor, who):
    user = editor if who == "editor" else AnonymousUser()
    expected = scored_one_by_one(user)
    # The data holds what the comparison is about.
    assert expected["overall"]["count"] == (6 if who == "editor" else 5)
    assert {row["name"] for row in expected["author"]} == {"Analyst A", "Analyst B"}
    assert [row["name"] for row in expected["topic"]] and expected["likelihood_phrase"]
    assert_same(expected, whole_leaderboard(user=user))


def test_the_leaderboard_reads_five_statements_whatever_the_number_of_forecasts(board, editor, fact_checker):
    whole_leaderboard(user=editor)  # loads the editor's permissions, which Django keeps
    with CaptureQueriesContext(connection) as few:
        whole_leaderboard(user=editor)
    for _ in range(4):
        verified(fact_checker, "borne_out", claimant=factories.make_actor(), topics=[factories.make_topic()])
    with CaptureQueriesContext(connection) as more:
        board = whole_leaderboard(user=editor)
    assert len(few) == len(more) == 5
    assert board["overall"]["count"] == 10


@pytest.mark.parametrize(
    ("dimension", "statements"),
    [("claimant", 2), ("author", 3), ("source", 2), ("topic", 2), ("likelihood_phrase", 1)],
)
def test_one_dimension_of_the_leaderboard_is_the_whole_ones_from_its_own_statements(
    board, editor, dimension, statements
):
    whole = whole_leaderboard(user=editor)
    with CaptureQueriesContext(connection) as captured:
        one = whole_leaderboard(user=editor, dimensions=[dimension])

    assert whole[dimension]  # the data holds rows for the comparison
    assert one == {"overall": whole["overall"], dimension: whole[dimension]}
    assert len(captured) == statements


def test_a_ranking_gives_its_rows_a_page_at_a_time_in_the_breakdowns_order(board, editor):
    """Ranked by mean Brier and count alone, the rows are in the order _sorted_breakdown gives
    the fully aggregated rows; a page is the same rows as the whole ranking's slice."""
    rankings = track_records.leaderboard_rankings(user=editor)
    for dimension in track_records.LEADERBOARD_DIMENSIONS:
        ranking = rankings[dimension]
        whole = ranking[:]

        assert len(whole) == len(ranking) >= 2, dimension
        assert whole == track_records._sorted_breakdown(list(reversed(whole))), dimension
        assert [ranking[index] for index in range(len(ranking))] == whole
        assert ranking[1:3] == whole[1:3]
        assert ranking[len(ranking) :] == []


def test_a_ranking_puts_more_forecasts_first_on_a_tie_and_the_unscored_last(fact_checker, editor):
    first_by_name, more, unscored = (factories.make_actor(name) for name in ("A", "B", "C"))
    for claimant in (first_by_name, more, more):
        verified(fact_checker, "not_borne_out", claimant=claimant)  # each 0.015625
    verified(fact_checker, "annulled", claimant=unscored)

    ranking = track_records.leaderboard_rankings(user=editor, dimensions=["claimant"])["claimant"]

    assert [(row["name"], row["count"], row["unscored"]) for row in ranking[:]] == [
        ("B", 2, 0),
        ("A", 1, 0),
        ("C", 0, 1),
    ]


def forecast_columns_read(statement: str) -> set[str]:
    """The forecasts' columns a statement's plan reads (outputs, filters, conditions)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (VERBOSE, FORMAT JSON) {statement}")
        ((plan,),) = cursor.fetchall()
    columns, nodes = set(), [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        if node.get("Relation Name") == "claims_forecast":
            read = " ".join([*node.get("Output", []), node.get("Filter", ""), node.get("Index Cond", "")])
            columns |= set(re.findall(r"claims_forecast\.(\w+)", read))
    return columns


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
@pytest.mark.parametrize("who", ["editor", "public"])
def test_the_leaderboard_counts_what_the_verified_forecasts_index_holds(board, editor, who):
    """Each counting statement reads only columns that forecast_verified_cells_idx holds (the
    review state's filter included), so PostgreSQL can count from the index without the
    forecasts' rows; with the table's rows made its last resort it reads the phrases from it."""
    (index,) = (index for index in Forecast._meta.indexes if index.name == "forecast_verified_cells_idx")
    held = {Forecast._meta.get_field(name).column for name in index.fields}
    with CaptureQueriesContext(connection) as captured:
        whole_leaderboard(user=editor if who == "editor" else AnonymousUser())
    counting = [query["sql"] for query in captured.captured_queries if "COUNT(*)" in query["sql"]]

    assert len(counting) == 4  # phrase, claimant, source, topic
    for statement in counting:
        read = forecast_columns_read(statement)
        assert {"probability", "verdict"} <= read <= held, statement
    with connection.cursor() as cursor:
        for plan_type in ("seqscan", "bitmapscan"):  # reading the table's rows
            cursor.execute(f"SET LOCAL enable_{plan_type} = off")
        cursor.execute(f"EXPLAIN {counting[0]}")
        assert "Index Only Scan using forecast_verified_cells_idx" in str(cursor.fetchall())
