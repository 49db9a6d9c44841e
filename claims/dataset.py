"""The published dataset as files: one JSONL file per resource plus a manifest with counts and sha256.

Export writes rows in primary-key order with sorted keys, so the same database always gives
the same bytes; import into an empty database restores the same ids and timestamps, so
export → import → export is byte-identical. Accounts are not part of the dataset: who
created or reviewed a row is left out, and imported rows have no creator.
"""

import contextlib
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from simple_history.utils import bulk_create_with_history

from claims.models import Actor, Claim, Forecast, Topic, Verification
from claims.services import forecast_copies_sync
from sources.models import Passage, Source, SourceRevision

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000


@dataclass(frozen=True)
class Resource:
    name: str
    model: type[models.Model]
    many_to_many: tuple[str, ...] = ()


# In dependency order: each resource refers only to those before it (or to itself, in id order).
RESOURCES = (
    Resource("actors", Actor),
    Resource("topics", Topic),
    Resource("sources", Source, ("authors",)),
    Resource("source_revisions", SourceRevision),
    Resource("passages", Passage),
    Resource("claims", Claim, ("subjects", "topics")),
    Resource("forecasts", Forecast),
    Resource("verifications", Verification),
)
USER_FIELDS = {"created_by", "reviewed_by"}


def _fields(model) -> list[models.Field]:
    """The columns a dataset holds: not the users, nor what a row copies from another (a
    forecast's copies of its claim's claimant and review state, set again on import)."""
    copies = getattr(model, "COPIED_FROM_CLAIM", ())
    return [f for f in model._meta.concrete_fields if f.name not in USER_FIELDS and f.name not in copies]


def _encode(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _row(obj, resource: Resource) -> dict:
    row = {f.attname: _encode(getattr(obj, f.attname)) for f in _fields(resource.model)}
    for name in resource.many_to_many:
        row[name] = sorted(pk for pk in getattr(obj, name).values_list("pk", flat=True))
    return row


def _line(row: dict) -> bytes:
    return (json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()


def dataset_export(directory: Path, *, progress=None) -> dict:
    """Write every resource to DIRECTORY/<name>.jsonl and the manifest; returns the manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for resource in RESOURCES:
        queryset = resource.model.objects.order_by("pk")
        if resource.many_to_many:
            queryset = queryset.prefetch_related(*resource.many_to_many)
        digest, count = hashlib.sha256(), 0
        path = directory / f"{resource.name}.jsonl"
        with path.open("wb") as handle:
            rows = queryset.iterator(chunk_size=BATCH)
            for obj in progress(rows, resource.name, queryset.count()) if progress else rows:
                line = _line(_row(obj, resource))
                handle.write(line)
                digest.update(line)
                count += 1
        files[resource.name] = {"file": path.name, "count": count, "sha256": digest.hexdigest()}
    manifest = {"format": "claimledger-dataset", "version": FORMAT_VERSION, "resources": files}
    (directory / MANIFEST).write_bytes(_line(manifest))
    return manifest


def _read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.exists():
        raise ValidationError(f"{path} is missing; export the dataset with export_dataset first.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != "claimledger-dataset" or manifest.get("version") != FORMAT_VERSION:
        raise ValidationError(f"{path} is not a Claimledger dataset of version {FORMAT_VERSION}.")
    for resource in RESOURCES:
        entry = manifest["resources"].get(resource.name)
        if entry is None:
            raise ValidationError(f"The manifest lists no {resource.name}.")
        data = (directory / entry["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ValidationError(
                f"{entry['file']} does not match its sha256 in the manifest; it was changed."
            )
        if data.count(b"\n") != entry["count"]:
            raise ValidationError(
                f"{entry['file']} holds {data.count(b'\\n')} rows, the manifest says {entry['count']}."
            )
    return manifest


@contextlib.contextmanager
def _keep_timestamps(model):
    """auto_now fields would stamp imported rows with today; the export's timestamps are kept."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _decode(row: dict, resource: Resource):
    values = {}
    for field in _fields(resource.model):
        value = row.get(field.attname)
        if value is not None and isinstance(field, models.DateTimeField):
            value = dt.datetime.fromisoformat(value)
        elif value is not None and isinstance(field, models.DateField):
            value = dt.date.fromisoformat(value)
        values[field.attname] = value
    return resource.model(**values)


def _check_passages(passages: list[Passage]) -> None:
    texts = dict(Source.objects.values_list("pk", "text"))
    for passage in passages:
        if (
            texts[passage.source_id][passage.start : passage.end] != passage.exact
            and passage.anchor_status != "orphaned"
        ):
            raise ValidationError(
                f"Passage {passage.pk} does not match its source's text at {passage.start}–{passage.end}."
            )


@transaction.atomic
def dataset_import(directory: Path, *, progress=None) -> dict[str, int]:
    """Load an exported dataset into an empty database, all or nothing; returns rows per resource.

    Rows are written with simple-history's bulk path, so each gets its "created" history entry.
    """
    manifest = _read_manifest(directory)
    occupied = [r.name for r in RESOURCES if r.model.objects.exists()]
    if occupied:
        raise ValidationError(
            f"The database already holds {', '.join(occupied)}; import_dataset loads into an empty database."
        )
    counts = {}
    for resource in RESOURCES:
        entry = manifest["resources"][resource.name]
        lines = (directory / entry["file"]).read_bytes().splitlines()
        rows = [
            json.loads(line) for line in (progress(lines, resource.name, len(lines)) if progress else lines)
        ]
        objs = [_decode(row, resource) for row in rows]
        with _keep_timestamps(resource.model):
            if hasattr(resource.model._meta, "simple_history_manager_attribute"):
                bulk_create_with_history(objs, resource.model, batch_size=BATCH)
            else:  # source revisions are themselves the history of a source's text
                resource.model.objects.bulk_create(objs, batch_size=BATCH)
        for name in resource.many_to_many:
            field = resource.model._meta.get_field(name)
            through = field.remote_field.through
            source_column, target_column = field.m2m_column_name(), field.m2m_reverse_name()
            links = [
                through(**{source_column: row["id"], target_column: target})
                for row in rows
                for target in row[name]
            ]
            through.objects.bulk_create(links, batch_size=BATCH)
        if resource.model is Passage:
            _check_passages(objs)
        if resource.model is Forecast:
            forecast_copies_sync()
        counts[resource.name] = len(objs)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [r.model for r in RESOURCES]):
            cursor.execute(statement)
    return counts
