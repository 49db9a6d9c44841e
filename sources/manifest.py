"""Reading a seed manifest: a JSON file listing source texts and what is known about them.

Pure parsing and validation; nothing here touches the database. Every problem is
reported as a ManifestError naming the file and what is wrong with it.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from sources.anchoring import normalise_text

KINDS = {"report", "brief", "article", "opinion", "web_page", "transcript", "other"}
PRECISIONS = {"day", "month", "year"}
BASES = {"stated", "inferred", "editor"}
TOP_LEVEL_KEYS = {"about", "sources"}
# Fields that classify a document rather than report what it says: whoever wrote
# the manifest decided them, so they count as added by an editor.
EDITORIAL_FIELDS = {"kind", "language"}
DESCRIBED_FIELDS = ("title", "kind", "publisher", "authors", "published", "url", "language")
ENTRY_KEYS = (
    {"file", "notes", "published_precision"}
    | set(DESCRIBED_FIELDS)
    | {f"{name}_evidence" for name in DESCRIBED_FIELDS}
    | {f"{name}_basis" for name in DESCRIBED_FIELDS}
)


class ManifestError(Exception):
    """The manifest or a file it names cannot be imported; the message says why."""


@dataclass
class SourceEntry:
    """One source as the manifest describes it, validated and with its text read."""

    import_key: str
    title: str
    kind: str
    text: str
    publisher: str = ""
    authors: list[str] = field(default_factory=list)
    published_on: dt.date | None = None
    published_precision: str = "day"
    url: str = ""
    language: str = "en"
    notes: str = ""
    provenance: dict = field(default_factory=dict)


def _parse_date(value: str, precision: str, where: str) -> dt.date:
    formats = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
    try:
        return dt.datetime.strptime(value, formats[precision]).date()
    except (ValueError, TypeError) as error:
        raise ManifestError(
            f"{where}: 'published' is {value!r}, which does not match its precision "
            f"{precision!r} (expected {formats[precision].replace('%', '').replace('Y', 'YYYY')})"
        ) from error


def _text_field(entry: dict, key: str, where: str, *, required: bool = False) -> str:
    value = entry.get(key)
    if value is None:
        if required:
            raise ManifestError(f"{where}: {key!r} is required")
        return ""
    if not isinstance(value, str):
        raise ManifestError(f"{where}: {key!r} must be a string, not {type(value).__name__}")
    return value.strip()


def _provenance(entry: dict, where: str) -> dict:
    provenance = {}
    for name in DESCRIBED_FIELDS:
        value = entry.get(name)
        if value in (None, "", []):
            continue
        evidence = entry.get(f"{name}_evidence")
        basis = entry.get(f"{name}_basis")
        if basis is None:
            # The manifest gives evidence only where a fact is inferred from the text.
            basis = "editor" if name in EDITORIAL_FIELDS else "inferred" if evidence else "stated"
        if basis not in BASES:
            raise ManifestError(
                f"{where}: '{name}_basis' is {basis!r}; use one of {', '.join(sorted(BASES))}"
            )
        record = {"basis": basis}
        if evidence:
            record["evidence"] = str(evidence)
        provenance["published_on" if name == "published" else name] = record
    return provenance


def _entry(entry, directory: Path, index: int, manifest_name: str) -> SourceEntry:
    where = f"{manifest_name}, source {index + 1}"
    if not isinstance(entry, dict):
        raise ManifestError(f"{where}: each source must be an object, not {type(entry).__name__}")
    file_name = _text_field(entry, "file", where, required=True)
    where = f"{manifest_name}, source {index + 1} ({file_name})"
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise ManifestError(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}; "
            f"known fields are {', '.join(sorted(ENTRY_KEYS))}"
        )
    path = (directory / file_name).resolve()
    if directory.resolve() not in path.parents:
        raise ManifestError(f"{where}: the file must be inside {directory}")
    if not path.is_file():
        raise ManifestError(f"{where}: the file {path} does not exist")
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ManifestError(
            f"{where}: {path.name} is not valid UTF-8 ({error.reason} at byte {error.start})"
        ) from error
    text = normalise_text(raw.removeprefix("\ufeff"))
    if not text.strip():
        raise ManifestError(f"{where}: {path.name} is empty")
    if "\x00" in text:
        raise ManifestError(f"{where}: {path.name} contains a NUL character")

    kind = _text_field(entry, "kind", where) or "other"
    if kind not in KINDS:
        raise ManifestError(f"{where}: kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
    precision = _text_field(entry, "published_precision", where) or "day"
    if precision not in PRECISIONS:
        raise ManifestError(
            f"{where}: published_precision {precision!r} is not one of {', '.join(sorted(PRECISIONS))}"
        )
    published = entry.get("published")
    published_on = None
    if published is not None:
        published_on = _parse_date(published, precision, where)
    authors = entry.get("authors") or []
    if not isinstance(authors, list) or not all(isinstance(a, str) and a.strip() for a in authors):
        raise ManifestError(f"{where}: 'authors' must be a list of names")
    return SourceEntry(
        import_key=Path(file_name).stem,
        title=_text_field(entry, "title", where, required=True),
        kind=kind,
        text=text,
        publisher=_text_field(entry, "publisher", where),
        authors=[a.strip() for a in authors],
        published_on=published_on,
        published_precision=precision,
        url=_text_field(entry, "url", where),
        language=_text_field(entry, "language", where) or "en",
        notes=_text_field(entry, "notes", where),
        provenance=_provenance(entry, where),
    )


def read_manifest(directory: Path | str) -> list[SourceEntry]:
    """Read and validate directory/manifest.json and every text it names."""
    directory = Path(directory)
    path = directory / "manifest.json"
    if not path.is_file():
        raise ManifestError(f"{path}: no manifest here; a seed directory needs a manifest.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise ManifestError(f"{path}: expected an object with a 'sources' list")
    unknown = set(data) - TOP_LEVEL_KEYS
    if unknown:
        raise ManifestError(f"{path}: unknown top-level field(s) {', '.join(sorted(unknown))}")
    entries = [_entry(entry, directory, i, path.name) for i, entry in enumerate(data["sources"])]
    keys = [e.import_key for e in entries]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ManifestError(f"{path}: file(s) listed twice: {', '.join(duplicates)}")
    return entries
