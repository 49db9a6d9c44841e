"""export_dataset → import_dataset into an empty database → export_dataset gives the same bytes."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims import services
from claims.dataset import RESOURCES
from claims.models import ActorScoreSummary, Claim, Forecast
from sources.models import Passage, Source

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _seed_dataset(fact_checker):
    from tests import factories

    call_command("import_sources", str(SEEDS), verbosity=0)
    source = Source.objects.order_by("pk").first()
    kremlin = factories.make_actor("Kremlin", aliases=["Moscow"])
    topic = factories.make_topic("Ukraine")
    text = source.text
    start = text.index(" ", 100) + 1
    for n in range(3):
        passage = services_passage(source, start + n * 40)
        claim = factories.make_claim(
            passage=passage,
            kind=Claim.Kind.FORECAST,
            published=True,
            claimant=kremlin,
            subjects=[kremlin],
            topics=[topic],
            statement=f"Statement {n} — “quoted” ünïcode.",
        )
        forecast = factories.make_forecast(claim=claim, resolve_by=source.published_on)
        first = services.verification_create(
            forecast=forecast,
            verdict="borne_out",
            rationale="r",
            evidence=factories.EVIDENCE,
            created_by=fact_checker,
        )
        if n == 0:
            services.verification_create(
                forecast=forecast,
                verdict="partly_borne_out",
                rationale="revised",
                evidence=factories.EVIDENCE,
                reason="new facts",
                created_by=fact_checker,
            )
        assert first.pk


def services_passage(source, start):
    from sources.services import passage_create

    return passage_create(source=source, start=start, end=start + 30)


def _empty_the_database():
    ActorScoreSummary.objects.all()._raw_delete(ActorScoreSummary.objects.db)
    for resource in reversed(RESOURCES):
        for name in resource.many_to_many:
            through = resource.model._meta.get_field(name).remote_field.through
            through.objects.all()._raw_delete(through.objects.db)
        resource.model.objects.all()._raw_delete(resource.model.objects.db)


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_export_import_export_is_byte_identical(tmp_path, fact_checker):
    _seed_dataset(fact_checker)
    call_command("export_dataset", str(tmp_path / "a"), "--no-progress", verbosity=0)
    _empty_the_database()
    assert Source.objects.count() == 0
    call_command("import_dataset", str(tmp_path / "a"), "--no-progress", verbosity=0)
    call_command("export_dataset", str(tmp_path / "b"), "--no-progress", verbosity=0)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["resources"]["sources"]["count"] == 5
    assert manifest["resources"]["verifications"]["count"] == 4
    assert manifest["resources"]["forecasts"]["count"] == 3


def test_imported_rows_have_history_and_new_rows_get_fresh_ids(tmp_path, fact_checker):
    _seed_dataset(fact_checker)
    call_command("export_dataset", str(tmp_path), "--no-progress", verbosity=0)
    highest = Forecast.objects.order_by("-pk").first().pk
    _empty_the_database()
    call_command("import_dataset", str(tmp_path), "--no-progress", verbosity=0)
    forecast = Forecast.objects.get(pk=highest)
    assert forecast.history.filter(history_type="+").exists()
    assert forecast.verdict in {"borne_out", "partly_borne_out"}
    passage = Passage.objects.order_by("pk").first()
    assert passage.source.text[passage.start : passage.end] == passage.exact
    from tests import factories

    assert factories.make_actor("A new actor").pk > 1  # the id sequence continues after the import


def test_import_refuses_a_non_empty_database(tmp_path, fact_checker):
    _seed_dataset(fact_checker)
    call_command("export_dataset", str(tmp_path), "--no-progress", verbosity=0)
    with pytest.raises(CommandError, match="The database already holds actors, topics, sources"):
        call_command("import_dataset", str(tmp_path), "--no-progress", verbosity=0)


def test_import_refuses_a_file_that_does_not_match_the_manifest(tmp_path, fact_checker):
    _seed_dataset(fact_checker)
    call_command("export_dataset", str(tmp_path), "--no-progress", verbosity=0)
    claims = tmp_path / "claims.jsonl"
    claims.write_bytes(claims.read_bytes().replace(b"Statement 0", b"Statement X"))
    _empty_the_database()
    with pytest.raises(CommandError, match=r"claims\.jsonl does not match its sha256 in the manifest"):
        call_command("import_dataset", str(tmp_path), "--no-progress", verbosity=0)
    assert Source.objects.count() == 0
