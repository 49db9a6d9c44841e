"""The permission matrix: who may read and write each endpoint, by role."""

from http import HTTPStatus

import pytest

from claims.models import Claim
from tests import factories

ROLES = ["anonymous", "annotator", "fact_checker", "editor"]


@pytest.fixture
def clients(anon_client, annotator_client, fact_checker_client, editor_client):
    return {
        "anonymous": anon_client,
        "annotator": annotator_client,
        "fact_checker": fact_checker_client,
        "editor": editor_client,
    }


@pytest.fixture
def world(db):
    """One published forecast and one draft claim on a seed-like source."""
    source = factories.make_source()
    actor = factories.make_actor("Kremlin")
    topic = factories.make_topic("Ukraine")
    forecast = factories.make_forecast(published=True, claim_fields={"claimant": actor, "topics": [topic]})
    draft = factories.make_claim(passage=factories.make_passage(source=source, quote="New START"))
    return {"source": source, "actor": actor, "topic": topic, "forecast": forecast, "draft": draft}


def write_requests(world):
    source, forecast = world["source"], world["forecast"]
    passage = forecast.claim.passage
    start = source.text.index("Sanctions")
    return {
        "create source": ("post", "/api/v1/sources/", {"title": "T", "text": "Some text.", "kind": "brief"}),
        "edit source": ("patch", f"/api/v1/sources/{source.pk}/", {"publisher": "MEMRI"}),
        "create passage": (
            "post",
            "/api/v1/passages/",
            {"source": source.pk, "start": start, "end": start + 9, "exact": "Sanctions"},
        ),
        "create actor": ("post", "/api/v1/actors/", {"name": "NATO", "kind": "organisation"}),
        "edit actor": ("patch", f"/api/v1/actors/{world['actor'].pk}/", {"country": "Russia"}),
        "create topic": ("post", "/api/v1/topics/", {"name": "Energy", "slug": "energy"}),
        "create claim": (
            "post",
            "/api/v1/claims/",
            {"passage": passage.pk, "statement": "S", "kind": "forecast"},
        ),
        "edit claim": ("patch", f"/api/v1/claims/{world['draft'].pk}/", {"statement": "Reworded."}),
        "publish claim": ("post", f"/api/v1/claims/{world['draft'].pk}/review/", {"action": "publish"}),
        "create forecast": ("post", "/api/v1/forecasts/", None),  # filled in per test: needs a fresh claim
        "edit forecast": ("patch", f"/api/v1/forecasts/{forecast.pk}/", {"horizon_text": "by 2023"}),
        "verify forecast": (
            "post",
            f"/api/v1/forecasts/{forecast.pk}/verifications/",
            {"verdict": "not_borne_out", "rationale": "Russia invaded.", "evidence": factories.EVIDENCE},
        ),
    }


C, F, U, N, X = HTTPStatus.CREATED, HTTPStatus.FORBIDDEN, HTTPStatus.UNAUTHORIZED, HTTPStatus.OK, None
M = HTTPStatus.METHOD_NOT_ALLOWED
#                    anonymous  annotator  fact_checker  editor
EXPECTED_WRITES = {
    "create source": (U, F, F, C),
    "edit source": (U, F, F, N),
    "create passage": (U, C, F, C),
    "create actor": (U, F, F, C),
    "edit actor": (U, F, F, N),
    "create topic": (U, F, F, M),
    "create claim": (U, C, F, C),
    "edit claim": (U, N, F, N),
    "publish claim": (U, F, F, N),
    "create forecast": (U, C, F, C),
    "edit forecast": (U, N, F, N),
    "verify forecast": (U, F, C, F),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(EXPECTED_WRITES))
def test_write_permission_matrix(clients, world, role, operation):
    method, url, body = write_requests(world)[operation]
    if operation == "create forecast":
        claim = factories.make_claim(kind=Claim.Kind.FORECAST)
        body = {"claim": claim.pk, "outcome": "Sanctions are extended.", "likelihood_phrase": "likely"}
    response = getattr(clients[role], method)(url, body, format="json")
    expected = EXPECTED_WRITES[operation][ROLES.index(role)]
    assert response.status_code == expected, response.content


READ_URLS = [
    "/api/v1/sources/",
    "/api/v1/passages/",
    "/api/v1/actors/",
    "/api/v1/topics/",
    "/api/v1/claims/",
    "/api/v1/forecasts/",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", READ_URLS)
def test_every_role_and_anonymous_callers_can_read_lists(clients, world, role, url):
    assert clients[role].get(url).status_code == HTTPStatus.OK


def test_anonymous_callers_see_published_claims_only(anon_client, world):
    listed = {c["id"] for c in anon_client.get("/api/v1/claims/").json()["results"]}
    assert listed == {world["forecast"].claim.pk}
    response = anon_client.get(f"/api/v1/claims/{world['draft'].pk}/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "message": "Nothing was found at this address.",
    }


def test_anonymous_callers_do_not_see_passages_of_unpublished_claims(anon_client, world):
    listed = {p["id"] for p in anon_client.get("/api/v1/passages/").json()["results"]}
    assert listed == {world["forecast"].claim.passage_id}


def test_roles_see_drafts(annotator_client, world):
    listed = {c["id"] for c in annotator_client.get("/api/v1/claims/").json()["results"]}
    assert listed == {world["forecast"].claim.pk, world["draft"].pk}


def test_unpublished_forecasts_and_their_verdicts_are_hidden_from_anonymous_callers(anon_client, world):
    hidden = factories.make_forecast()
    assert anon_client.get(f"/api/v1/forecasts/{hidden.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert (
        anon_client.get(f"/api/v1/forecasts/{hidden.pk}/verifications/").status_code == HTTPStatus.NOT_FOUND
    )


def test_invalid_token_is_refused_with_401(anon_client, world):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = anon_client.get("/api/v1/claims/")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["message"] == "Invalid token."


def test_annotator_creates_passage_claim_and_forecast_but_not_a_verification(annotator_client, world):
    source = world["source"]
    start = source.text.index("New START is expected")
    passage = annotator_client.post(
        "/api/v1/passages/",
        {"source": source.pk, "start": start, "end": start + 21, "exact": "New START is expected"},
        format="json",
    ).json()
    claim = annotator_client.post(
        "/api/v1/claims/",
        {
            "passage": passage["id"],
            "statement": "New START will expire.",
            "kind": "forecast",
            "claimant": world["actor"].pk,
            "topics": [world["topic"].pk],
        },
        format="json",
    ).json()
    forecast = annotator_client.post(
        "/api/v1/forecasts/",
        {
            "claim": claim["id"],
            "outcome": "New START expires in February 2021.",
            "likelihood_phrase": "very unlikely",
        },
        format="json",
    )
    assert forecast.status_code == HTTPStatus.CREATED
    body = forecast.json()
    assert (body["probability_low"], body["probability_high"]) == (0.05, 0.2)
    assert body["claim"]["claimant"]["name"] == "Kremlin"
    refused = annotator_client.post(
        f"/api/v1/forecasts/{body['id']}/verifications/",
        {"verdict": "borne_out", "rationale": "r", "evidence": factories.EVIDENCE},
        format="json",
    )
    assert refused.status_code == HTTPStatus.FORBIDDEN


def test_passage_with_a_wrong_quote_is_a_400_saying_what_the_text_holds(annotator_client, world):
    source = world["source"]
    response = annotator_client.post(
        "/api/v1/passages/", {"source": source.pk, "start": 0, "end": 6, "exact": "Moscow"}, format="json"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert body["errors"]["exact"] == [
        "The quote does not match the source text at 0–6: the text holds 'Russia' there, not 'Moscow'. "
        "Offsets count Unicode code points of the normalised text (\\n newlines, NFC)."
    ]
    assert body["message"].startswith("exact: The quote does not match")


def test_verdict_without_evidence_is_a_400(fact_checker_client, world):
    response = fact_checker_client.post(
        f"/api/v1/forecasts/{world['forecast'].pk}/verifications/",
        {"verdict": "borne_out", "rationale": "r", "evidence": []},
        format="json",
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"] == {
        "evidence": ["A verdict needs at least one piece of evidence: {url, title, date, quote}."]
    }
