"""The verdicts' admin search on PostgreSQL: a term found through the trigram indexes of the
rationales and of the forecasts' outcomes finds the same verdicts as Django's own search; a term
found in more verdicts than the cap keeps Django's condition. Other databases keep Django's
search, which these tests compare against."""

from functools import partial
from http import HTTPStatus

import pytest
from django.test import Client

from claims import roles
from claims.admin import VerificationAdmin
from claims.models import Verification
from claims.services import verification_create
from tests import admin_search, factories
from tests.admin_search import plan_without_seqscan, postgres_only

pytestmark = pytest.mark.django_db
searched = partial(admin_search.searched, Verification)


@pytest.fixture
def verdicts(db):
    """Verdicts whose terms sit in the rationale only or the forecast's outcome only."""
    fact_checker = factories.make_user(role=roles.FACT_CHECKER)

    def verdict(outcome, rationale):
        forecast = factories.make_forecast(outcome=outcome)
        return verification_create(
            forecast=forecast,
            verdict="borne_out",
            rationale=rationale,
            evidence=factories.EVIDENCE,
            created_by=fact_checker,
        )

    return {
        "rationale": verdict("Talks go on.", "The Nord Stream pipeline reopened in May."),
        "outcome": verdict("Gas deliveries resume in spring.", "Reported by several outlets."),
        "both": verdict("Deliveries stop.", "Deliveries stopped, as GDAŃSK port records show."),
        "symbols": verdict("Supplies.", "A 50% cut_in supplies took place."),
        "none": verdict("The commission meets.", "It met on time."),
    }


@postgres_only
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("pipeline", {"rationale"}),
        ("PIPELINE", {"rationale"}),
        ("spring", {"outcome"}),
        ("deliveries", {"outcome", "both"}),  # the outcome, or the rationale and the outcome
        ("spring outlets", {"outcome"}),  # the outcome and the rationale, both needed
        ("spring pipeline", set()),  # in two different verdicts: none has both
        ('"nord stream"', {"rationale"}),
        ("gdańsk", {"both"}),
        ("50%", {"symbols"}),
        ("cut_in", {"symbols"}),
        ("zzqx", set()),
    ],
)
def test_the_indexed_search_finds_what_djangos_finds(verdicts, term, expected, monkeypatch):
    monkeypatch.setattr(VerificationAdmin, "indexed_search_cap", 10**9)

    assert searched(term) == {verdicts[name].pk for name in expected} == searched(term, djangos=True)


@postgres_only
def test_a_rare_term_is_searched_as_the_keys_its_indexes_found(verdicts, monkeypatch):
    monkeypatch.setattr(VerificationAdmin, "indexed_search_cap", 5)
    found, statements = admin_search.searched_with_statements(Verification, "spring")
    *lookups, search = statements

    outcome = verdicts["outcome"]
    assert found == {outcome.pk}
    # The rationales through their index, the outcomes' keys, then their verdicts by key.
    assert len(lookups) == 3
    assert 'UPPER("claims_verification"."rationale"::text) LIKE UPPER(' in lookups[0]
    assert 'UPPER("claims_forecast"."outcome"::text) LIKE UPPER(' in lookups[1]
    assert admin_search.among('"claims_verification"."forecast_id"', outcome.forecast_id) in lookups[2]
    assert admin_search.by_keys_alone(Verification, search, outcome.pk)


@postgres_only
@pytest.mark.parametrize("term", ["pipeline", "spring outlets", "deliveries", "zzqx"])
def test_a_term_past_the_cap_keeps_djangos_condition(verdicts, term, monkeypatch):
    monkeypatch.setattr(VerificationAdmin, "indexed_search_cap", -1)
    found, statements = admin_search.searched_with_statements(Verification, term)

    assert found == searched(term, djangos=True)
    assert 'UPPER("claims_forecast"."outcome"::text) LIKE UPPER(' in statements[-1]


@postgres_only
def test_the_rationales_lookup_is_the_indexed_expression(verdicts):
    """The index is on the expression Django's icontains writes, UPPER(column::text)."""
    assert "verification_rationale_upper_trgm_idx" in plan_without_seqscan(
        Verification, "rationale__icontains"
    )


def test_the_changelist_searches(verdicts):
    client = Client()
    client.force_login(factories.make_user(role=roles.EDITOR, is_staff=True))

    response = client.get("/admin/claims/verification/", {"q": "spring outlets"})

    assert response.status_code == HTTPStatus.OK
    assert [verdict.pk for verdict in response.context["cl"].result_list] == [verdicts["outcome"].pk]
