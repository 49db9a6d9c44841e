import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Actor
from sources.models import Source, SourceRevision

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture
def seed_dir(tmp_path):
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def run_import(directory) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_sources", str(directory), "--no-progress", stdout=out)
    return out.getvalue().strip()


def edit_manifest(directory: Path, change) -> None:
    path = directory / "manifest.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.django_db
def test_import_creates_the_five_seed_sources_with_manifest_titles():
    assert run_import(SEEDS) == "5 new, 0 updated, 0 unchanged"
    manifest = json.loads((SEEDS / "manifest.json").read_text())
    assert sorted(Source.objects.values_list("title", flat=True)) == sorted(
        entry["title"] for entry in manifest["sources"]
    )
    assert SourceRevision.objects.count() == 5


@pytest.mark.django_db
def test_second_import_reports_five_unchanged_and_writes_nothing():
    run_import(SEEDS)
    with CaptureQueriesContext(connection) as queries:
        assert run_import(SEEDS) == "0 new, 0 updated, 5 unchanged"
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


@pytest.mark.django_db
def test_import_records_how_each_field_is_known_and_creates_author_actors():
    run_import(SEEDS)
    brief = Source.objects.get(import_key="001_bb36d65ce2a13ee2")
    assert brief.provenance["title"] == {"basis": "stated"}
    assert brief.provenance["publisher"]["basis"] == "inferred"
    assert brief.provenance["publisher"]["evidence"] == "header: 'MEMRI Daily Brief No. 355'"
    assert brief.provenance["kind"] == {"basis": "editor"}
    assert [a.name for a in brief.authors.all()] == ["Vladislav L. Inozemtsev"]
    assert Actor.objects.get(name="Vladislav L. Inozemtsev").kind == "person"
    report = Source.objects.get(import_key="000_6958b1b88d72c824")
    assert (report.published_on.isoformat(), report.published_precision) == ("2021-01-01", "year")
    assert "published_on" in report.provenance and "url" not in report.provenance


@pytest.mark.django_db
def test_import_normalises_crlf_and_nfc(seed_dir):
    path = seed_dir / "002_7fc82bea8e12f787.txt"
    original = path.read_text(encoding="utf-8")
    path.write_bytes(("Cafe\u0301 line one\r\nline two\r\n" + original).encode("utf-8"))
    run_import(seed_dir)
    text = Source.objects.get(import_key="002_7fc82bea8e12f787").text
    assert text.startswith("Café line one\nline two\n")
    assert "\r" not in text


@pytest.mark.django_db
def test_changed_text_is_updated_and_keeps_the_old_text_as_a_revision(seed_dir):
    run_import(seed_dir)
    path = seed_dir / "003_211c89af94390c50.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nAn added line.\n", encoding="utf-8")
    assert run_import(seed_dir) == "0 new, 1 updated, 4 unchanged"
    source = Source.objects.get(import_key="003_211c89af94390c50")
    assert source.revision == 2
    assert list(source.revisions.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert source.text.endswith("An added line.\n")


BROKEN_MANIFESTS = [
    (
        lambda d: d["sources"][1].update(file="missing.txt"),
        "manifest.json, source 2 (missing.txt): the file",
        "does not exist",
    ),
    (
        lambda d: d["sources"][2].update(colour="red"),
        "manifest.json, source 3 (002_7fc82bea8e12f787.txt): unknown field(s) colour",
        "known fields are",
    ),
    (
        lambda d: d["sources"][0].update(kind="novel"),
        "source 1 (000_6958b1b88d72c824.txt): kind 'novel' is not one of",
        "article",
    ),
    (
        lambda d: d["sources"][1].update(published="19 January 2022"),
        "source 2 (001_bb36d65ce2a13ee2.txt): 'published' is '19 January 2022'",
        "does not match its precision 'day'",
    ),
    (lambda d: d["sources"][4].pop("title"), "source 5 (004_64a692109c0a12d2.txt): 'title' is required", ""),
    (lambda d: d.update(extra=1), "unknown top-level field(s) extra", ""),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("breakage", "where", "what"), BROKEN_MANIFESTS)
def test_broken_manifest_stops_with_the_file_and_problem_and_imports_nothing(seed_dir, breakage, where, what):
    edit_manifest(seed_dir, breakage)
    with pytest.raises(CommandError) as raised:
        run_import(seed_dir)
    message = str(raised.value)
    assert message.startswith("Nothing was imported.")
    assert where in message
    assert what in message
    assert Source.objects.count() == 0
    assert Actor.objects.count() == 0


@pytest.mark.django_db
def test_malformed_json_is_reported_with_the_manifest_path(seed_dir):
    (seed_dir / "manifest.json").write_text("{not json")
    with pytest.raises(CommandError, match=r"manifest.json: not valid JSON"):
        run_import(seed_dir)


@pytest.mark.django_db
def test_a_failure_midway_leaves_earlier_sources_of_the_run_unwritten(seed_dir, monkeypatch):
    from sources import services

    real_create = services.source_create
    calls = []

    def fail_on_third(**kwargs):
        calls.append(kwargs["import_key"])
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "source_create", fail_on_third)
    with pytest.raises(RuntimeError):
        run_import(seed_dir)
    assert Source.objects.count() == 0
    assert SourceRevision.objects.count() == 0
