"""The fact-checkers' due queue and verdict form in the admin, and the score pages."""

import datetime as dt
import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone

from claims import admin_views, roles, services
from claims.models import Forecast, Verification
from tests import factories

DUE_URL = "/admin/claims/forecast/due/"


def verify_url(forecast):
    return f"/admin/claims/forecast/{forecast.pk}/verify/"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def checker(db):
    return factories.make_user("checker", role=roles.FACT_CHECKER, is_staff=True)


@pytest.fixture
def checker_client(checker):
    return login(checker)


def due_forecast(outcome, resolve_by, *, source=None, claimant=None, topics=(), created_by=None):
    source = source or factories.make_source()
    return factories.make_forecast(
        outcome=outcome,
        resolve_by=resolve_by,
        claim_fields={
            "passage": factories.make_passage(source=source),
            "claimant": claimant,
            "topics": list(topics),
            "created_by": created_by,
        },
    )


def record(forecast, verdict, user, reason=""):
    return services.verification_create(
        forecast=forecast,
        verdict=verdict,
        rationale="r",
        evidence=factories.EVIDENCE,
        reason=reason,
        created_by=user,
    )


def queue_outcomes(response) -> list[str]:
    return [forecast.outcome for forecast in response.context["page"].object_list]


def verdict_post(**overrides):
    data = {
        "verdict": "not_borne_out",
        "rationale": "Russia invaded Ukraine on 24 February 2022.",
        "reason": "",
        "evidence-TOTAL_FORMS": "3",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "20",
        "evidence-0-url": "https://en.wikipedia.org/wiki/2022_Russian_invasion_of_Ukraine",
        "evidence-0-title": "2022 Russian invasion of Ukraine",
        "evidence-0-date": "2022-02-24",
        "evidence-0-quote": "On 24 February 2022, Russia invaded Ukraine.",
    }
    data.update(overrides)
    return data


def test_queue_lists_due_forecasts_oldest_first_with_counts_per_status(checker_client, checker):
    due_forecast("Later due", dt.date(2023, 6, 1))
    due_forecast("Earlier due", dt.date(2022, 6, 1))
    due_forecast("Still open", dt.date(2099, 1, 1))
    due_forecast("Open until the end of today", timezone.localdate())
    due_forecast("Open with no date", None)
    record(due_forecast("Already judged", dt.date(2022, 3, 1)), "borne_out", checker)
    response = checker_client.get(DUE_URL)
    assert response.status_code == HTTPStatus.OK
    assert queue_outcomes(response) == ["Earlier due", "Later due"]
    counts = {item["status"]: item["count"] for item in response.context["counts"]}
    assert counts == {
        "open": 3,
        "due": 2,
        "borne_out": 1,
        "partly_borne_out": 0,
        "not_borne_out": 0,
        "ambiguous": 0,
        "annulled": 0,
    }
    page = response.content.decode()
    assert re.search(r'data-status="due"><strong>2</strong>due', page)


def test_queue_filters_by_source_claimant_and_topic(checker_client):
    source = factories.make_source(title="Valdai report")
    kremlin = factories.make_actor("Kremlin")
    ukraine = factories.make_topic("Ukraine")
    due_forecast("In the report", dt.date(2023, 1, 1), source=source)
    due_forecast("By the Kremlin", dt.date(2023, 1, 2), claimant=kremlin)
    due_forecast("About Ukraine", dt.date(2023, 1, 3), topics=[ukraine])
    assert queue_outcomes(checker_client.get(DUE_URL, {"source": source.pk})) == ["In the report"]
    assert queue_outcomes(checker_client.get(DUE_URL, {"claimant": kremlin.pk})) == ["By the Kremlin"]
    response = checker_client.get(DUE_URL, {"topic": ukraine.pk})
    assert queue_outcomes(response) == ["About Ukraine"]
    assert {item["status"]: item["count"] for item in response.context["counts"]}["due"] == 1


AUTOCOMPLETE_URL = "/admin/autocomplete/"


def suggestions(client, app_label, model_name, field_name, term) -> list[str]:
    response = client.get(
        AUTOCOMPLETE_URL,
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == HTTPStatus.OK
    return [result["text"] for result in response.json()["results"]]


def test_the_queue_suggests_sources_to_a_fact_checker(checker_client):
    """The source filter's autocomplete (a passage's source) answers a fact-checker, who may
    view sources but not change passages, with the sources whose title matches."""
    factories.make_source(title="Valdai report")
    factories.make_source(title="Munich speech")
    assert suggestions(checker_client, "sources", "passage", "source", "valdai") == ["Valdai report"]


def test_the_queue_suggests_only_claimants_with_a_forecast(checker_client):
    """As the form accepts only them; elsewhere (a claim's claimant) every actor matches."""
    kremlin = factories.make_actor("Kremlin")
    factories.make_actor("Kremlin-watcher")
    due_forecast("By the Kremlin", dt.date(2023, 1, 2), claimant=kremlin)
    assert suggestions(checker_client, "claims", "forecast", "claimant", "kremlin") == ["Kremlin"]
    assert sorted(suggestions(checker_client, "claims", "claim", "claimant", "kremlin")) == [
        "Kremlin",
        "Kremlin-watcher",
    ]


@pytest.mark.parametrize(
    "asked_for",
    [
        ("claims", "forecast", "claimant"),
        ("sources", "passage", "source"),
        ("claims", "claim", "topics"),
        ("sources", "source", "authors"),
    ],
)
def test_an_autocomplete_term_with_a_nul_matches_nothing_not_a_500(checker_client, asked_for):
    """Every model others choose through the autocomplete (actors, topics, sources)."""
    factories.make_actor("Kremlin")
    factories.make_topic("Ukraine")
    factories.make_source(title="Valdai report")
    assert suggestions(checker_client, *asked_for, "a\x00b") == []


def test_the_queue_suggests_nothing_to_a_user_who_may_not_view_actors(db):
    user = factories.make_user("visitor", is_staff=True)
    response = login(user).get(
        AUTOCOMPLETE_URL, {"app_label": "claims", "model_name": "forecast", "field_name": "claimant"}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_queue_with_unknown_filter_value_shows_the_error_and_the_whole_queue(checker_client):
    due_forecast("Due", dt.date(2023, 1, 1))
    response = checker_client.get(DUE_URL, {"source": "999999"})
    assert response.status_code == HTTPStatus.OK
    assert queue_outcomes(response) == ["Due"]
    assert response.context["filters"].errors["source"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]


@pytest.mark.parametrize("field", ["source", "claimant", "topic"])
@pytest.mark.parametrize("value", ["abc", "\u00b2", "1.5", "-1", "99999999999999999999999"])
def test_queue_with_a_filter_value_that_is_not_an_id_shows_the_error_not_a_500(checker_client, field, value):
    due_forecast("Due", dt.date(2023, 1, 1))
    response = checker_client.get(DUE_URL, {field: value})
    assert response.status_code == HTTPStatus.OK
    assert queue_outcomes(response) == ["Due"]
    assert response.context["filters"].errors[field] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]


def test_queue_query_count_does_not_grow_with_the_queue(checker_client, django_assert_num_queries):
    for day in range(3):
        due_forecast(f"Due {day}", dt.date(2023, 1, 1 + day), claimant=factories.make_actor())
    # Session, user, two permission lookups, the status counts, the page count, the page, and the
    # topics' menu. Sources and claimants come from the autocomplete, not from menus.
    with django_assert_num_queries(8) as small:
        checker_client.get(DUE_URL)
    for day in range(12):
        due_forecast(f"More {day}", dt.date(2023, 2, 1 + day), claimant=factories.make_actor())
    with django_assert_num_queries(len(small.captured_queries)):
        checker_client.get(DUE_URL)


def test_annotator_without_verdict_permission_cannot_open_the_queue_or_the_form(db):
    annotator = factories.make_user("ann", role=roles.ANNOTATOR, is_staff=True)
    forecast = due_forecast("Due", dt.date(2023, 1, 1))
    client = login(annotator)
    assert client.get(DUE_URL).status_code == HTTPStatus.FORBIDDEN
    assert client.post(verify_url(forecast), verdict_post()).status_code == HTTPStatus.FORBIDDEN
    assert Verification.objects.count() == 0


def test_verdict_form_shows_forecast_passage_in_context_and_source_date(checker_client):
    source = factories.make_source(title="Russia 2022", published_on=dt.date(2022, 1, 19))
    forecast = due_forecast("Russia invades Ukraine.", dt.date(2022, 12, 31), source=source)
    response = checker_client.get(verify_url(forecast))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Russia invades Ukraine." in page
    assert (
        "Russia&#x27;s full-scale military intervention in the Ukraine <mark>remains very unlikely</mark>."
        in (page)
    )
    assert "<td>2022-01-19</td>" in page
    assert "Record a verdict" in page


def test_recording_a_verdict_goes_through_the_service_and_leaves_the_queue(checker_client, checker):
    forecast = due_forecast("Russia invades Ukraine.", dt.date(2022, 12, 31))
    response = checker_client.post(verify_url(forecast), verdict_post(queue="source=1&evil=x"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{DUE_URL}?source=1"
    verification = Verification.objects.get()
    assert (verification.verdict, verification.created_by) == ("not_borne_out", checker)
    assert verification.evidence == [
        {
            "url": "https://en.wikipedia.org/wiki/2022_Russian_invasion_of_Ukraine",
            "title": "2022 Russian invasion of Ukraine",
            "quote": "On 24 February 2022, Russia invaded Ukraine.",
            "date": "2022-02-24",
        }
    ]
    forecast.refresh_from_db()
    assert forecast.verdict == "not_borne_out"
    assert queue_outcomes(checker_client.get(DUE_URL)) == []


def test_verdict_without_evidence_is_refused_with_the_message(checker_client):
    forecast = due_forecast("Russia invades Ukraine.", dt.date(2022, 12, 31))
    empty = {f"evidence-0-{key}": "" for key in ("url", "title", "date", "quote")}
    response = checker_client.post(verify_url(forecast), verdict_post(**empty))
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].non_field_errors() == [
        "A verdict needs at least one piece of evidence: {url, title, date, quote}."
    ]
    assert Verification.objects.count() == 0


def test_verdict_without_rationale_is_refused_on_the_field(checker_client):
    forecast = due_forecast("Russia invades Ukraine.", dt.date(2022, 12, 31))
    response = checker_client.post(verify_url(forecast), verdict_post(rationale="  "))
    assert response.context["form"].errors["rationale"] == ["A verdict needs a written rationale."]
    assert Verification.objects.count() == 0


def test_re_resolution_needs_a_reason_and_keeps_the_earlier_verdict(checker_client, checker):
    forecast = due_forecast("Russia invades Ukraine.", dt.date(2022, 12, 31))
    first = record(forecast, "borne_out", checker)
    refused = checker_client.post(verify_url(forecast), verdict_post())
    assert refused.context["form"].errors["reason"] == [
        "This forecast already has the verdict borne out; say why it is revised."
    ]
    page = checker_client.get(verify_url(forecast)).content.decode()
    assert "Re-resolve forecast" in page
    assert "Earlier verdicts (latest first)" in page
    accepted = checker_client.post(verify_url(forecast), verdict_post(reason="The first verdict misread it."))
    assert accepted.status_code == HTTPStatus.FOUND
    latest = Verification.objects.latest()
    assert (latest.verdict, latest.supersedes, latest.reason) == (
        "not_borne_out",
        first,
        "The first verdict misread it.",
    )
    assert Verification.objects.filter(pk=first.pk, verdict="borne_out").exists()
    assert Forecast.objects.get(pk=forecast.pk).verdict == "not_borne_out"


def test_fact_checker_cannot_verify_a_forecast_they_annotated(checker_client, checker):
    forecast = due_forecast("Russia invades Ukraine.", dt.date(2022, 12, 31), created_by=checker)
    response = checker_client.post(verify_url(forecast), verdict_post())
    assert response.context["form"].non_field_errors() == [
        "You annotated this forecast, so you cannot verify it: another fact-checker must record the "
        "verdict (separation of duties)."
    ]
    assert Verification.objects.count() == 0


def test_verify_page_of_unknown_forecast_is_404(checker_client):
    assert checker_client.get("/admin/claims/forecast/999999/verify/").status_code == HTTPStatus.NOT_FOUND
    assert checker_client.get("/admin/claims/forecast/abc/verify/").status_code == HTTPStatus.NOT_FOUND


def scored_claimant(checker):
    kremlin = factories.make_actor("Kremlin")
    # very unlikely -> 0.125: not borne out 0.015625, borne out 0.765625
    record(due_forecast("A", dt.date(2023, 1, 1), claimant=kremlin), "not_borne_out", checker)
    record(due_forecast("B", dt.date(2023, 1, 1), claimant=kremlin), "borne_out", checker)
    return kremlin


def test_leaderboard_shows_mean_brier_per_claimant(checker_client, checker):
    kremlin = scored_claimant(checker)
    response = checker_client.get("/admin/claims/actor/leaderboard/")
    assert response.status_code == HTTPStatus.OK
    claimants = next(t for t in response.context["tables"] if t["dimension"] == "claimant")
    # (0.015625 + 0.765625) / 2
    assert [(row["name"], row["count"], row["mean_brier"]) for row in claimants["rows"]] == [
        ("Kremlin", 2, 0.390625)
    ]
    page = response.content.decode()
    assert f'<a href="/admin/claims/actor/{kremlin.pk}/change/">Kremlin</a>' in page
    assert '<td class="cl-num">0.3906</td>' in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="cl-cal"') == 1


def two_scored_claimants(checker):
    """Kremlin (mean Brier 0.390625) and, ranked first, Pentagon (0.015625)."""
    kremlin = scored_claimant(checker)
    pentagon = factories.make_actor("Pentagon")
    record(due_forecast("C", dt.date(2023, 1, 1), claimant=pentagon), "not_borne_out", checker)
    return kremlin, pentagon


def ranked(response, dimension="claimant"):
    table = next(t for t in response.context["tables"] if t["dimension"] == dimension)
    return [(row["rank"], row["name"]) for row in table["rows"]], table["total"]


def test_leaderboard_shows_each_dimensions_best_and_links_to_the_whole_ranking(
    checker_client, checker, monkeypatch
):
    two_scored_claimants(checker)
    monkeypatch.setattr(admin_views, "LEADERBOARD_TOP", 1)
    response = checker_client.get("/admin/claims/actor/leaderboard/")

    assert response.status_code == HTTPStatus.OK
    assert ranked(response) == ([(1, "Pentagon")], 2)
    page = response.content.decode()
    assert "<h2>Claimants (2)</h2>" in page
    assert '<a href="?by=claimant">All 2 claimants, ranked</a>' in page
    assert "Kremlin</a>" not in page


def test_leaderboard_by_one_dimension_pages_through_its_whole_ranking(checker_client, checker, monkeypatch):
    two_scored_claimants(checker)
    monkeypatch.setattr(admin_views, "LEADERBOARD_PAGE_SIZE", 1)
    first = checker_client.get("/admin/claims/actor/leaderboard/", {"by": "claimant"})
    second = checker_client.get("/admin/claims/actor/leaderboard/", {"by": "claimant", "page": "2"})

    assert [t["dimension"] for t in first.context["tables"]] == ["claimant"]
    assert ranked(first) == ([(1, "Pentagon")], 2)
    assert ranked(second) == ([(2, "Kremlin")], 2)
    assert '<a href="?by=claimant&amp;page=2">next</a>' in first.content.decode()
    assert '<a href="?by=claimant&amp;page=1">previous</a>' in second.content.decode()
    # A page past the last, or not a number, shows a page rather than an error.
    assert ranked(checker_client.get("/admin/claims/actor/leaderboard/", {"by": "claimant", "page": "9"}))[
        0
    ] == [(2, "Kremlin")]
    assert ranked(checker_client.get("/admin/claims/actor/leaderboard/", {"by": "claimant", "page": "x"}))[
        0
    ] == [(1, "Pentagon")]


def test_leaderboard_by_an_unknown_dimension_says_which_there_are(checker_client, checker):
    response = checker_client.get("/admin/claims/actor/leaderboard/", {"by": "planet"}, follow=True)

    assert response.redirect_chain == [("/admin/claims/actor/leaderboard/", HTTPStatus.FOUND)]
    assert [str(m) for m in response.context["messages"]] == [
        "There is no leaderboard by 'planet'. "
        "Choose one of: claimant, author, source, topic, likelihood_phrase."
    ]


def test_actor_page_shows_track_record_and_calibration_plot(checker_client, checker):
    kremlin = scored_claimant(checker)
    response = checker_client.get(f"/admin/claims/actor/{kremlin.pk}/change/")
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Track record as claimant" in page
    assert "Kremlin as claimant: 2 scored" in page
    assert ">n=2</text>" in page


def test_score_pages_need_the_view_forecast_permission(db):
    staff = factories.make_user("staff", is_staff=True)
    client = login(staff)
    assert client.get("/admin/claims/actor/leaderboard/").status_code == HTTPStatus.FORBIDDEN


def test_forecast_pages_link_fact_checkers_to_the_queue_and_the_verdict_form(checker_client, checker):
    forecast = due_forecast("Russia invades Ukraine.", dt.date(2022, 12, 31))
    changelist = checker_client.get("/admin/claims/forecast/").content.decode()
    assert f'<a href="{DUE_URL}">Due queue</a>' in changelist
    change = checker_client.get(f"/admin/claims/forecast/{forecast.pk}/change/").content.decode()
    assert f'<a href="{verify_url(forecast)}">Record verdict</a>' in change
    record(forecast, "borne_out", checker)
    change = checker_client.get(f"/admin/claims/forecast/{forecast.pk}/change/").content.decode()
    assert f'<a href="{verify_url(forecast)}">Re-resolve</a>' in change


def test_annotator_sees_no_link_to_the_queue(db):
    annotator = factories.make_user("ann", role=roles.ANNOTATOR, is_staff=True)
    assert "Due queue" not in login(annotator).get("/admin/claims/forecast/").content.decode()
