import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.models import Claim, Forecast, Verification
from tests import factories


def messages_of(error: ValidationError) -> list[str]:
    return error.messages


@pytest.mark.django_db
def test_forecast_with_very_unlikely_and_no_number_gets_the_icd_203_interval():
    forecast = factories.make_forecast(likelihood_phrase="very unlikely")
    assert (forecast.probability_low, forecast.probability_high) == (0.05, 0.20)
    assert forecast.probability == pytest.approx(0.125)
    assert forecast.lexicon == Forecast.Lexicon.ICD_203


@pytest.mark.django_db
def test_forecast_made_on_defaults_to_the_source_date():
    forecast = factories.make_forecast()
    assert forecast.made_on == dt.date(2022, 1, 19)


@pytest.mark.django_db
def test_phrase_that_applies_to_the_negation_gives_the_complementary_interval():
    forecast = factories.make_forecast(
        outcome="Russia refrains from a full-scale invasion.", phrase_applies_to="negation"
    )
    assert (forecast.probability_low, forecast.probability_high, forecast.probability) == (0.8, 0.95, 0.875)


@pytest.mark.django_db
def test_explicit_number_in_the_phrase_is_used_as_the_probability():
    forecast = factories.make_forecast(likelihood_phrase="70%")
    assert (forecast.lexicon, forecast.probability, forecast.probability_low) == ("explicit", 0.7, 0.7)


@pytest.mark.django_db
def test_sherman_kent_lexicon_can_be_chosen():
    forecast = factories.make_forecast(likelihood_phrase="probably not", lexicon="kent")
    assert (forecast.probability_low, forecast.probability, forecast.probability_high) == (0.2, 0.3, 0.4)


@pytest.mark.django_db
def test_unknown_phrase_is_refused_with_the_known_phrases():
    with pytest.raises(ValidationError) as raised:
        factories.make_forecast(likelihood_phrase="perhaps")
    message = raised.value.message_dict["likelihood_phrase"][0]
    assert message.startswith("'perhaps' is not in the ICD 203 lexicon. Use one of its phrases (")
    assert "very unlikely" in message


@pytest.mark.django_db
def test_changing_the_phrase_rederives_the_interval():
    forecast = factories.make_forecast(likelihood_phrase="very unlikely")
    forecast = services.forecast_update(forecast=forecast, likelihood_phrase="likely")
    assert (forecast.probability_low, forecast.probability_high) == (0.55, 0.80)


@pytest.mark.django_db
def test_forecast_needs_a_forecast_claim_and_only_one():
    claim = factories.make_claim(kind=Claim.Kind.ASSERTION)
    with pytest.raises(ValidationError, match="is of kind assertion, not forecast"):
        services.forecast_create(claim=claim, outcome="x")
    forecast = factories.make_forecast()
    with pytest.raises(ValidationError, match="already has a forecast"):
        services.forecast_create(claim=forecast.claim, outcome="y")


@pytest.mark.django_db
def test_resolve_by_before_made_on_is_refused_with_a_message():
    with pytest.raises(ValidationError) as raised:
        factories.make_forecast(resolve_by=dt.date(2021, 1, 1))
    assert "The resolve-by date cannot be before the date the forecast was made." in raised.value.messages


@pytest.mark.django_db
def test_claim_review_moves_through_states_and_records_the_reviewer(editor):
    claim = factories.make_claim()
    claim = services.claim_review(claim=claim, action="submit", reviewed_by=editor)
    assert claim.review_state == "in_review" and claim.reviewed_by is None
    claim = services.claim_review(claim=claim, action="publish", reviewed_by=editor)
    assert (claim.review_state, claim.reviewed_by) == ("published", editor)
    with pytest.raises(ValidationError, match=re.escape("Cannot publish a claim that is published.")):
        services.claim_review(claim=claim, action="publish", reviewed_by=editor)


@pytest.mark.django_db
def test_every_service_write_leaves_history_with_the_acting_user(annotator):
    passage = factories.make_passage(created_by=annotator)
    claim = services.claim_create(passage=passage, statement="S", created_by=annotator)
    services.claim_update(claim=claim, statement="S2", updated_by=annotator)
    assert [h.statement for h in claim.history.order_by("history_id")] == ["S", "S2"]
    assert {h.history_user for h in claim.history.all()} == {annotator}
    assert passage.history.get().history_user == annotator


@pytest.mark.django_db
class TestVerification:
    def test_verdict_without_evidence_is_refused(self, fact_checker):
        forecast = factories.make_forecast()
        with pytest.raises(ValidationError) as raised:
            services.verification_create(
                forecast=forecast,
                verdict="not_borne_out",
                rationale="It happened.",
                evidence=[],
                created_by=fact_checker,
            )
        assert raised.value.message_dict["evidence"] == [
            "A verdict needs at least one piece of evidence: {url, title, date, quote}."
        ]
        assert Verification.objects.count() == 0

    def test_verdict_without_rationale_is_refused(self, fact_checker):
        forecast = factories.make_forecast()
        with pytest.raises(ValidationError, match=re.escape("A verdict needs a written rationale.")):
            services.verification_create(
                forecast=forecast,
                verdict="borne_out",
                rationale="  ",
                evidence=factories.EVIDENCE,
                created_by=fact_checker,
            )

    def test_fact_checker_cannot_verify_their_own_forecast(self, annotator):
        forecast = factories.make_forecast(claim_fields={"created_by": annotator})
        with pytest.raises(ValidationError) as raised:
            services.verification_create(
                forecast=forecast,
                verdict="borne_out",
                rationale="r",
                evidence=factories.EVIDENCE,
                created_by=annotator,
            )
        assert raised.value.messages == [
            "You annotated this forecast, so you cannot verify it: another fact-checker must record "
            "the verdict (separation of duties)."
        ]

    def test_reresolution_needs_a_reason_keeps_the_earlier_verdict_and_sets_the_status(self, fact_checker):
        forecast = factories.make_forecast()
        first = services.verification_create(
            forecast=forecast,
            verdict="borne_out",
            rationale="r",
            evidence=factories.EVIDENCE,
            created_by=fact_checker,
        )
        with pytest.raises(ValidationError, match="already has the verdict borne out; say why it is revised"):
            services.verification_create(
                forecast=forecast,
                verdict="not_borne_out",
                rationale="r2",
                evidence=factories.EVIDENCE,
                created_by=fact_checker,
            )
        second = services.verification_create(
            forecast=forecast,
            verdict="not_borne_out",
            rationale="r2",
            evidence=factories.EVIDENCE,
            reason="The first verdict misread the date.",
            created_by=fact_checker,
        )
        forecast.refresh_from_db()
        assert second.supersedes == first
        assert list(forecast.verifications.order_by("id").values_list("verdict", flat=True)) == [
            "borne_out",
            "not_borne_out",
        ]
        assert forecast.verdict == "not_borne_out"
        assert forecast.status_on(dt.date(2030, 1, 1)) == "not_borne_out"

    def test_evidence_urls_and_dates_are_checked(self, fact_checker):
        forecast = factories.make_forecast()
        bad = [{"url": "not a url", "title": "t"}]
        with pytest.raises(ValidationError, match=re.escape("Evidence 1 has an invalid url: 'not a url'.")):
            services.verification_create(
                forecast=forecast, verdict="borne_out", rationale="r", evidence=bad, created_by=fact_checker
            )
        bad = [{"url": "https://example.org", "title": "t", "date": "24/02/2022"}]
        with pytest.raises(ValidationError, match="write it as YYYY-MM-DD"):
            services.verification_create(
                forecast=forecast, verdict="borne_out", rationale="r", evidence=bad, created_by=fact_checker
            )


@pytest.mark.django_db
def test_status_is_open_then_due_once_resolve_by_has_passed():
    forecast = factories.make_forecast(resolve_by=dt.date(2022, 12, 31))
    assert forecast.status_on(dt.date(2022, 12, 31)) == "open"
    assert forecast.status_on(dt.date(2023, 1, 1)) == "due"
