"""The admin: pages open for each role, saves go through services, roles and demo accounts."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import override_settings

from claims import roles
from claims.models import Claim, Forecast
from tests import factories

CHANGELISTS = [
    "/admin/sources/source/",
    "/admin/sources/passage/",
    "/admin/claims/actor/",
    "/admin/claims/topic/",
    "/admin/claims/claim/",
    "/admin/claims/forecast/",
    "/admin/claims/verification/",
]


@pytest.fixture
def staff(db):
    def make(role):
        user = factories.make_user(f"staff-{role}", role=role, is_staff=True)
        return user

    return make


@pytest.mark.parametrize("role", [roles.ANNOTATOR, roles.FACT_CHECKER, roles.EDITOR])
@pytest.mark.parametrize("url", CHANGELISTS)
def test_every_role_can_open_every_changelist(client, staff, role, url):
    factories.make_forecast()
    client.force_login(staff(role))
    assert client.get(url).status_code == HTTPStatus.OK


def test_forecast_added_in_the_admin_gets_its_interval_from_the_phrase(client, staff):
    claim = factories.make_claim(kind=Claim.Kind.FORECAST)
    client.force_login(staff(roles.ANNOTATOR))
    response = client.post(
        "/admin/claims/forecast/add/",
        {
            "claim": claim.pk,
            "outcome": "Russia launches a full-scale invasion of Ukraine.",
            "made_on": "",
            "horizon_text": "in 2022",
            "resolve_by": "2022-12-31",
            "likelihood_phrase": "very unlikely",
            "lexicon": "icd203",
            "phrase_applies_to": "outcome",
            "verifications-TOTAL_FORMS": "0",
            "verifications-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    forecast = Forecast.objects.get(claim=claim)
    assert (forecast.probability_low, forecast.probability, forecast.probability_high) == (0.05, 0.125, 0.2)
    assert forecast.made_on == claim.passage.source.published_on
    assert forecast.history.get().history_user.username == "staff-annotator"


def test_a_rule_the_service_enforces_shows_on_the_admin_form(client, staff):
    claim = factories.make_claim(kind=Claim.Kind.FORECAST)
    client.force_login(staff(roles.ANNOTATOR))
    response = client.post(
        "/admin/claims/forecast/add/",
        {
            "claim": claim.pk,
            "outcome": "x",
            "likelihood_phrase": "perhaps",
            "lexicon": "icd203",
            "phrase_applies_to": "outcome",
            "verifications-TOTAL_FORMS": "0",
            "verifications-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert "&#x27;perhaps&#x27; is not in the ICD 203 lexicon" in response.content.decode()
    assert not Forecast.objects.exists()


def test_fact_checker_does_not_get_review_actions(client, staff):
    factories.make_claim()
    client.force_login(staff(roles.FACT_CHECKER))
    page = client.get("/admin/claims/claim/").content.decode()
    assert "publish_claims" not in page
    client.force_login(staff(roles.EDITOR))
    page = client.get("/admin/claims/claim/").content.decode()
    assert "publish_claims" in page


def test_editor_publishes_claims_with_an_admin_action(client, staff):
    claim = factories.make_claim()
    client.force_login(staff(roles.EDITOR))
    response = client.post(
        "/admin/claims/claim/", {"action": "publish_claims", "_selected_action": [claim.pk]}, follow=True
    )
    assert "Published 1 claim(s)." in response.content.decode()
    claim.refresh_from_db()
    assert claim.review_state == "published"


def test_verifications_cannot_be_changed_or_deleted_in_the_admin(client, staff, fact_checker):
    from claims.services import verification_create

    forecast = factories.make_forecast()
    verification = verification_create(
        forecast=forecast,
        verdict="borne_out",
        rationale="r",
        evidence=factories.EVIDENCE,
        created_by=fact_checker,
    )
    client.force_login(staff(roles.EDITOR))
    url = f"/admin/claims/verification/{verification.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    verification.refresh_from_db()


def test_roles_sync_is_idempotent_and_grants_exactly_the_listed_permissions(db):
    roles.roles_sync()
    roles.roles_sync()
    for role, names in roles.ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert granted == set(names)


@override_settings(DEBUG=False)
def test_demo_accounts_are_refused_when_debug_is_off(db):
    with pytest.raises(CommandError, match="Refusing to create demo accounts"):
        call_command("create_demo_accounts")


@override_settings(DEBUG=True)
def test_demo_accounts_get_their_roles(db, client):
    call_command("create_demo_accounts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from django.contrib.auth import get_user_model

    annotator = get_user_model().objects.get(username="annotator")
    assert annotator.check_password("claimledger-demo")
    assert annotator.has_perm("claims.add_claim") and not annotator.has_perm("claims.add_verification")
