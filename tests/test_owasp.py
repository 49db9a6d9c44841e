"""OWASP API Security Top 10 (2023) checks that cut across endpoints.

API1 object-level and API5 function-level authorization, API2 broken authentication,
API3 property-level authorization (mass assignment), API4 resource consumption.
The per-endpoint role matrix lives in tests/api/test_permissions.py.
"""

import datetime as dt
from http import HTTPStatus

import pytest
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from claims import roles
from claims.models import Claim
from tests import factories


@pytest.fixture
def forecast(db):
    return factories.make_forecast(published=True, resolve_by=dt.date(2022, 12, 31))


# API3: a client cannot set what is not theirs to set --------------------------------------------


def test_claim_create_ignores_review_state_author_reviewer_and_id(
    annotator_client, annotator, editor, forecast
):
    response = annotator_client.post(
        "/api/v1/claims/",
        {
            "passage": forecast.claim.passage_id,
            "statement": "Sneaky.",
            "kind": "assertion",
            "review_state": "published",
            "created_by": editor.pk,
            "reviewed_by": editor.pk,
            "reviewed_at": "2020-01-01T00:00:00Z",
            "id": 424242,
        },
        format="json",
    )
    assert response.status_code == HTTPStatus.CREATED
    claim = Claim.objects.get(pk=response.json()["id"])
    assert (claim.review_state, claim.created_by, claim.reviewed_by, claim.reviewed_at) == (
        "draft",
        annotator,
        None,
        None,
    )
    assert claim.pk != 424242


def test_claim_patch_cannot_publish_or_change_ownership(annotator_client, editor, forecast):
    draft = factories.make_claim()
    response = annotator_client.patch(
        f"/api/v1/claims/{draft.pk}/",
        {"review_state": "published", "created_by": editor.pk, "statement": "Reworded."},
        format="json",
    )
    assert response.status_code == HTTPStatus.OK
    draft.refresh_from_db()
    assert (draft.statement, draft.review_state, draft.created_by) == ("Reworded.", "draft", None)


def test_forecast_patch_cannot_set_a_verdict(annotator_client, forecast):
    response = annotator_client.patch(
        f"/api/v1/forecasts/{forecast.pk}/",
        {"verdict": "borne_out", "verified_at": "2023-01-01T00:00:00Z", "status": "borne_out"},
        format="json",
    )
    assert response.status_code == HTTPStatus.OK
    forecast.refresh_from_db()
    assert (forecast.verdict, forecast.verified_at) == ("", None)


def test_verification_ignores_author_and_supersedes(fact_checker_client, fact_checker, editor, forecast):
    response = fact_checker_client.post(
        f"/api/v1/forecasts/{forecast.pk}/verifications/",
        {
            "verdict": "not_borne_out",
            "rationale": "Russia invaded on 24 February 2022.",
            "evidence": factories.EVIDENCE,
            "created_by": editor.pk,
            "supersedes": 1,
            "forecast": 999,
        },
        format="json",
    )
    assert response.status_code == HTTPStatus.CREATED
    verification = forecast.verifications.get()
    assert (verification.created_by, verification.supersedes, verification.forecast) == (
        fact_checker,
        None,
        forecast,
    )


# API2: broken authentication --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token ", "Invalid token header. No credentials provided."),
        ("Token abc def", "Invalid token header. Token string should not contain spaces."),
        ("Token " + "0" * 64, "Invalid token."),
        ("Bearer something", None),
    ],
)
def test_malformed_or_unknown_tokens_cannot_write(forecast, header, message):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.post("/api/v1/claims/", {"passage": forecast.claim.passage_id, "statement": "x"})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    if message:
        assert response.json()["message"] == message


def test_expired_and_revoked_tokens_are_refused(annotator, forecast):
    from claims.management.commands.create_token import issue_token

    expired = issue_token(annotator, days=1)
    AuthToken.objects.filter(user=annotator).update(expiry=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    revoked = issue_token(annotator)
    AuthToken.objects.filter(user=annotator, expiry__gt=dt.datetime(2021, 1, 1, tzinfo=dt.UTC)).delete()
    for token in (expired, revoked):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        response = client.post("/api/v1/claims/", {"passage": forecast.claim.passage_id, "statement": "x"})
        assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_a_deactivated_users_token_stops_working(annotator, annotator_client, forecast):
    annotator.is_active = False
    annotator.save()
    response = annotator_client.get("/api/v1/claims/")
    assert response.status_code == HTTPStatus.UNAUTHORIZED


# API5: every custom admin view checks its own permission ------------------------------------------


def custom_admin_urls(forecast):
    source = forecast.claim.passage.source
    return {
        "annotate": ("get", reverse("admin:sources_source_annotate", args=[source.pk])),
        "annotate create": ("post", reverse("admin:sources_source_annotate_create", args=[source.pk])),
        "annotate undo": ("post", reverse("admin:sources_source_annotate_undo", args=[source.pk])),
        "annotate dismiss": ("post", reverse("admin:sources_source_annotate_dismiss", args=[source.pk])),
        "annotate analyse": ("get", reverse("admin:sources_source_annotate_analyse", args=[source.pk])),
        "leaderboard": ("get", reverse("admin:claims_actor_leaderboard")),
        "due queue": ("get", reverse("admin:claims_forecast_due")),
        "verify": ("get", reverse("admin:claims_forecast_verify", args=[forecast.pk])),
    }


ALLOWED = {
    # view: roles that may use it
    "annotate": {roles.ANNOTATOR, roles.EDITOR},
    "annotate create": {roles.ANNOTATOR, roles.EDITOR},
    "annotate undo": {roles.ANNOTATOR, roles.EDITOR},
    "annotate dismiss": {roles.ANNOTATOR, roles.EDITOR},
    "annotate analyse": {roles.ANNOTATOR, roles.EDITOR},
    "leaderboard": {roles.ANNOTATOR, roles.FACT_CHECKER, roles.EDITOR},
    "due queue": {roles.FACT_CHECKER},
    "verify": {roles.FACT_CHECKER},
}


@pytest.mark.parametrize("role", [None, roles.ANNOTATOR, roles.FACT_CHECKER, roles.EDITOR])
@pytest.mark.parametrize("view", sorted(ALLOWED))
def test_custom_admin_views_refuse_roles_without_the_permission(client, forecast, role, view):
    user = factories.make_user(f"staff-{role}", role=role, is_staff=True)
    client.force_login(user)
    method, url = custom_admin_urls(forecast)[view]
    response = getattr(client, method)(url)
    if role in ALLOWED[view]:
        assert response.status_code != HTTPStatus.FORBIDDEN
    else:
        assert response.status_code == HTTPStatus.FORBIDDEN


def test_custom_admin_views_send_anonymous_visitors_to_the_login_page(client, forecast):
    for method, url in custom_admin_urls(forecast).values():
        response = getattr(client, method)(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith("/admin/login/")
