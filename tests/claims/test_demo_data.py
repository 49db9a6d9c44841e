"""The annotated seed corpus: it loads, meets the thresholds, anchors exactly and loads only once."""

import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.models import Actor, Claim, Forecast, Topic, Verification
from sources.models import Passage, Source

SEEDS = settings.BASE_DIR / "seeds"
ANNOTATIONS = json.loads((SEEDS / "annotations.json").read_text(encoding="utf-8"))


def _load(**options) -> str:
    out = io.StringIO()
    call_command("load_demo_data", stdout=out, **options)
    return out.getvalue().strip()


def _row_counts() -> dict[str, int]:
    models = (Actor, Topic, Passage, Claim, Forecast, Verification)
    counts = {model.__name__: model.objects.count() for model in models}
    counts |= {f"history of {model.__name__}": model.history.count() for model in models}
    return counts


@pytest.fixture
def imported(db):
    call_command("import_sources", str(SEEDS), "--no-progress", stdout=io.StringIO())


@pytest.fixture
def loaded(imported):
    return _load()


def test_demo_data_loads_on_a_fresh_database(loaded):
    assert loaded == (
        f"{len(ANNOTATIONS['claims'])} new claims, 0 unchanged; "
        f"{Forecast.objects.count()} new forecasts, {Verification.objects.count()} new verdicts, "
        f"{Actor.objects.count() - 1} new actors, {len(ANNOTATIONS['topics'])} new topics"
    )


def test_demo_data_has_forty_claims_over_all_five_sources_and_twenty_forecasts(loaded):
    assert Claim.objects.count() >= 40
    assert Claim.objects.values("passage__source").distinct().count() == Source.objects.count() == 5
    for source in Source.objects.all():
        assert Claim.objects.filter(passage__source=source).count() >= 5, source.import_key
    assert Forecast.objects.count() >= 20
    assert Claim.objects.filter(kind=Claim.Kind.FORECAST).count() == Forecast.objects.count()


def test_every_forecast_past_its_resolve_by_has_a_verdict_with_evidence(loaded):
    due = Forecast.objects.filter(resolve_by__lt=dt.date.today())
    assert due.count() >= 20
    for forecast in due:
        verification = forecast.verifications.get()
        assert forecast.verdict == verification.verdict
        assert verification.rationale
        assert verification.evidence, forecast.outcome
        assert all(item["url"].startswith("https://") and item["title"] for item in verification.evidence)


def test_every_quote_anchors_exactly_in_its_source(loaded):
    for passage in Passage.objects.select_related("source"):
        assert passage.source.text[passage.start : passage.end] == passage.exact
        assert passage.anchor_status == Passage.AnchorStatus.ANCHORED
    assert Passage.objects.count() == len(ANNOTATIONS["claims"])


def test_likelihood_phrases_are_quoted_as_written(loaded):
    phrased = Forecast.objects.exclude(likelihood_phrase="").select_related("claim__passage")
    assert phrased.count() >= 15
    for forecast in phrased:
        assert forecast.likelihood_phrase in forecast.claim.passage.exact
        assert forecast.probability is not None


def test_claims_are_published_and_written_verified_by_separate_seed_accounts(loaded):
    assert set(Claim.objects.values_list("review_state", flat=True)) == {Claim.ReviewState.PUBLISHED}
    assert set(Claim.objects.values_list("created_by__username", flat=True)) == {"seed-annotator"}
    assert set(Claim.objects.values_list("reviewed_by__username", flat=True)) == {"seed-editor"}
    assert set(Verification.objects.values_list("created_by__username", flat=True)) == {"seed-factchecker"}
    annotator = Claim.objects.first().created_by
    assert not annotator.has_usable_password()


def test_claimant_is_kept_apart_from_the_reporting_author(loaded):
    claim = Claim.objects.get(statement__startswith="Many Russian experts claim")
    assert claim.claimant.name == "Russian experts"
    assert [a.name for a in claim.passage.source.authors.all()] == ["Vladislav L. Inozemtsev"]


def test_second_load_writes_nothing(loaded):
    before = _row_counts()
    assert _load() == (
        f"0 new claims, {len(ANNOTATIONS['claims'])} unchanged; "
        "0 new forecasts, 0 new verdicts, 0 new actors, 0 new topics"
    )
    assert _row_counts() == before


def test_entry_whose_quote_is_not_in_the_text_names_it_and_loads_nothing(imported, tmp_path):
    broken = json.loads(json.dumps(ANNOTATIONS))
    broken["claims"][5]["quote"] = "Russia will certainly invade Ukraine"
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    before = _row_counts()
    with pytest.raises(CommandError) as raised:
        _load(file=str(path))
    assert str(raised.value) == (
        f"Nothing was loaded. claim 6 ({broken['claims'][5]['source']}: "
        "“Russia will certainly invade Ukraine”): the quote does not occur in the source's text."
    )
    assert _row_counts() == before


def test_repeated_quote_without_occurrence_is_refused(imported, tmp_path):
    broken = {"claims": [dict(ANNOTATIONS["claims"][0], quote="Russia")]}
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(CommandError, match=r"claim 1 \(.*: “Russia”\): the quote occurs \d+ times; add"):
        _load(file=str(path))
    assert Claim.objects.count() == 0


def test_loading_before_the_sources_are_imported_says_what_to_run(db):
    with pytest.raises(CommandError) as raised:
        _load()
    assert str(raised.value).endswith(
        "have not been imported. Run `python manage.py import_sources seeds/` first."
    )
    assert Claim.objects.count() == 0
