"""GET /api/v1/claim-reviews/: schema.org ClaimReview JSON-LD for every verified forecast."""

import datetime as dt
from http import HTTPStatus

from django.test import override_settings

from claims import services
from tests import factories


def verify(forecast, verdict, fact_checker, rationale="Russia invaded on 24 February 2022.", reason=""):
    return services.verification_create(
        forecast=forecast,
        verdict=verdict,
        rationale=rationale,
        evidence=factories.EVIDENCE,
        reason=reason,
        created_by=fact_checker,
    )


def make_verified(fact_checker, verdict="borne_out", *, published=True, claimant=None, **claim_fields):
    source = factories.make_source(
        title="Russia and the West in 2022",
        url="https://example.org/report",
        publisher="Valdai Club",
        published_on=dt.date(2022, 1, 19),
    )
    forecast = factories.make_forecast(
        published=published,
        claim_fields={
            "passage": factories.make_passage(source=source),
            "statement": "A full-scale Russian military intervention in Ukraine is very unlikely.",
            "claimant": claimant,
            **claim_fields,
        },
    )
    verify(forecast, verdict, fact_checker)
    return forecast


@override_settings(
    CLAIMREVIEW_AUTHOR_NAME="Claimledger fact-checkers", CLAIMREVIEW_AUTHOR_URL="https://cl.example"
)
def test_claim_review_has_the_schema_org_fields(anon_client, fact_checker):
    claimant = factories.make_actor("Russian experts", kind="expert_group", wikidata_id="Q159")
    forecast = make_verified(fact_checker, "not_borne_out", claimant=claimant)
    forecast.refresh_from_db()
    response = anon_client.get("/api/v1/claim-reviews/")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == 1
    review = response.json()["results"][0]
    assert review == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"http://testserver/api/v1/forecasts/{forecast.pk}/verifications/",
        "claimReviewed": "A full-scale Russian military intervention in Ukraine is very unlikely.",
        "itemReviewed": {
            "@type": "Claim",
            "author": {
                "@type": "Organization",
                "name": "Russian experts",
                "sameAs": "https://www.wikidata.org/wiki/Q159",
            },
            "datePublished": "2022-01-19",
            "appearance": {
                "@type": "CreativeWork",
                "name": "Russia and the West in 2022",
                "url": "https://example.org/report",
                "datePublished": "2022-01-19",
                "publisher": {"@type": "Organization", "name": "Valdai Club"},
            },
        },
        "reviewRating": {
            "@type": "Rating",
            "alternateName": "Not borne out",
            "ratingValue": 1,
            "bestRating": 3,
            "worstRating": 1,
        },
        "author": {"@type": "Organization", "name": "Claimledger fact-checkers", "url": "https://cl.example"},
        "datePublished": forecast.verified_at.date().isoformat(),
        "reviewBody": "Russia invaded on 24 February 2022.",
    }


def test_person_claimant_is_a_person_and_ratings_follow_the_verdict(anon_client, fact_checker):
    person = factories.make_actor("Dmitri Trenin", kind="person")
    make_verified(fact_checker, "partly_borne_out", claimant=person)
    review = anon_client.get("/api/v1/claim-reviews/").json()["results"][0]
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "Dmitri Trenin"}
    assert review["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Partly borne out",
        "ratingValue": 2,
        "bestRating": 3,
        "worstRating": 1,
    }


def test_ambiguous_and_annulled_verdicts_have_a_name_but_no_numeric_rating(anon_client, fact_checker):
    make_verified(fact_checker, "ambiguous")
    make_verified(fact_checker, "annulled")
    ratings = [r["reviewRating"] for r in anon_client.get("/api/v1/claim-reviews/").json()["results"]]
    assert ratings == [
        {"@type": "Rating", "alternateName": "Annulled"},
        {"@type": "Rating", "alternateName": "Ambiguous"},
    ]


def test_re_resolved_forecast_appears_once_with_the_latest_verdict_and_rationale(anon_client, fact_checker):
    forecast = make_verified(fact_checker, "borne_out")
    verify(
        forecast,
        "not_borne_out",
        fact_checker,
        rationale="Later reporting contradicts the first reading.",
        reason="Misread the source.",
    )
    results = anon_client.get("/api/v1/claim-reviews/").json()["results"]
    assert [(r["reviewRating"]["alternateName"], r["reviewBody"]) for r in results] == [
        ("Not borne out", "Later reporting contradicts the first reading.")
    ]


def test_unverified_and_unpublished_forecasts_are_not_exported_to_anonymous_callers(
    anon_client, editor_client, fact_checker
):
    factories.make_forecast(published=True)
    make_verified(fact_checker, "borne_out", published=False)
    assert anon_client.get("/api/v1/claim-reviews/").json()["count"] == 0
    assert editor_client.get("/api/v1/claim-reviews/").json()["count"] == 1


def test_claim_reviews_can_be_asked_for_as_json_ld(anon_client, fact_checker):
    make_verified(fact_checker)
    response = anon_client.get("/api/v1/claim-reviews/", HTTP_ACCEPT="application/ld+json")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/ld+json"
    assert response.json()["results"][0]["@type"] == "ClaimReview"


# The page with its count (the latest rationale is a subquery of the page query too).
CLAIM_REVIEW_QUERIES = 1


def test_claim_reviews_query_count_is_pinned_and_does_not_grow(
    anon_client, fact_checker, django_assert_num_queries
):
    def populate(n):
        for _ in range(n):
            make_verified(fact_checker, claimant=factories.make_actor(), topics=[factories.make_topic()])

    populate(2)
    with django_assert_num_queries(CLAIM_REVIEW_QUERIES):
        assert len(anon_client.get("/api/v1/claim-reviews/", {"page_size": 100}).json()["results"]) == 2
    populate(10)
    with django_assert_num_queries(CLAIM_REVIEW_QUERIES):
        assert len(anon_client.get("/api/v1/claim-reviews/", {"page_size": 100}).json()["results"]) == 12
