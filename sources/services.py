"""Every write to sources and passages goes through these functions."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from config.db import save_validated
from sources import anchoring
from sources.models import Passage, Source, SourceRevision

SOURCE_METADATA_FIELDS = (
    "title",
    "kind",
    "publisher",
    "published_on",
    "published_precision",
    "url",
    "language",
    "provenance",
    "notes",
)


def _as_history_user(instance, user):
    # simple-history reads the acting user from the request; outside a request
    # (management commands, services called from tests) it is set here.
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user
    return instance


def validate_provenance(provenance: dict) -> dict:
    """Check {"field": {"basis": ..., "evidence": ...}} and return it."""
    if not isinstance(provenance, dict):
        raise ValidationError({"provenance": "Provenance must be an object keyed by field name."})
    known_fields = {*SOURCE_METADATA_FIELDS, "authors"} - {"provenance", "notes"}
    for field, entry in provenance.items():
        if field not in known_fields:
            raise ValidationError(
                {"provenance": f"Unknown field {field!r}; use one of {', '.join(sorted(known_fields))}."}
            )
        if not isinstance(entry, dict) or entry.get("basis") not in Source.Basis.values:
            raise ValidationError(
                {
                    "provenance": f"Provenance of {field!r} needs a basis: "
                    f"one of {', '.join(Source.Basis.values)}."
                }
            )
        unknown = set(entry) - {"basis", "evidence"}
        if unknown:
            raise ValidationError(
                {"provenance": f"Provenance of {field!r} has unknown keys: {', '.join(sorted(unknown))}."}
            )
    return provenance


def _clean_text(text: str) -> str:
    if not isinstance(text, str):
        raise ValidationError({"text": "The text must be a string."})
    if "\x00" in text:
        raise ValidationError({"text": "The text contains a NUL character; remove it and try again."})
    text = anchoring.normalise_text(text)
    if not text.strip():
        raise ValidationError({"text": "A source needs its text; it is empty."})
    return text


@transaction.atomic
def source_create(
    *,
    title: str,
    text: str,
    kind: str = Source.Kind.OTHER,
    publisher: str = "",
    authors=(),
    published_on: date | None = None,
    published_precision: str = Source.DatePrecision.DAY,
    url: str = "",
    language: str = "en",
    provenance: dict | None = None,
    notes: str = "",
    import_key: str | None = None,
    created_by=None,
) -> Source:
    """Create a source with its first text revision."""
    text = _clean_text(text)
    source = Source(
        title=title,
        kind=kind,
        publisher=publisher,
        published_on=published_on,
        published_precision=published_precision,
        url=url,
        language=language,
        provenance=validate_provenance(provenance or {}),
        notes=notes,
        import_key=import_key,
        text=text,
        text_sha256=anchoring.text_sha256(text),
        revision=1,
    )
    save_validated(_as_history_user(source, created_by))
    # add(), not set(): a new source has no links to compare against, and set() reads them first.
    if authors:
        source.authors.add(*authors)
    SourceRevision.objects.create(
        source=source,
        number=1,
        text=text,
        text_sha256=source.text_sha256,
        reason="created",
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    return source


@transaction.atomic
def source_update(*, source: Source, updated_by=None, reason: str = "", **changes) -> Source:
    """Change a source's metadata and/or text.

    A changed text keeps the old one as a revision and re-anchors every passage
    in the same transaction, so an edit never loses a passage.
    """
    unknown = set(changes) - {*SOURCE_METADATA_FIELDS, "text", "authors"}
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} of a source.")
    source = Source.objects.select_for_update().get(pk=source.pk)
    authors = changes.pop("authors", None)
    new_text = changes.pop("text", None)
    if "provenance" in changes:
        validate_provenance(changes["provenance"])
    for field, value in changes.items():
        setattr(source, field, value)

    report = None
    if new_text is not None:
        new_text = _clean_text(new_text)
        if new_text != source.text:
            report = _revise_text(source, new_text, updated_by=updated_by, reason=reason)
    save_validated(_as_history_user(source, updated_by))
    if authors is not None:
        source.authors.set(authors)
    source.reanchor_report = report
    return source


def _revise_text(source: Source, new_text: str, *, updated_by, reason: str) -> dict[str, int]:
    old_text = source.text
    source.revision += 1
    source.text = new_text
    source.text_sha256 = anchoring.text_sha256(new_text)
    SourceRevision.objects.create(
        source=source,
        number=source.revision,
        text=new_text,
        text_sha256=source.text_sha256,
        reason=reason or "text edited",
        created_by=updated_by if getattr(updated_by, "pk", None) else None,
    )
    return passages_reanchor(source=source, old_text=old_text, new_text=new_text, updated_by=updated_by)


def passages_reanchor(*, source: Source, old_text: str, new_text: str, updated_by=None) -> dict[str, int]:
    """Move every live passage of a source from old_text to new_text; returns counts per status."""
    diffs = anchoring.diff_text(old_text, new_text)
    counts = {status: 0 for status in Passage.AnchorStatus.values}
    passages = source.passages.exclude(anchor_status=Passage.AnchorStatus.ORPHANED)
    for passage in passages.select_for_update():
        old = anchoring.Selector(passage.start, passage.end, passage.exact, passage.prefix, passage.suffix)
        result = anchoring.reanchor(old_text, new_text, old, diffs=diffs)
        if result.selector is None:
            passage.anchor_status = Passage.AnchorStatus.ORPHANED
        else:
            new = result.selector
            passage.start, passage.end = new.start, new.end
            passage.exact, passage.prefix, passage.suffix = new.exact, new.prefix, new.suffix
            passage.revision = source.revision
            passage.anchor_status = result.status
        counts[passage.anchor_status] += 1
        _as_history_user(passage, updated_by).save()
    return counts


def _quote_mismatch(text: str, start: int, end: int, exact: str) -> str:
    held = text[start:end]
    shown = held if len(held) <= 200 else held[:197] + "…"
    return (
        f"The quote does not match the source text at {start}–{end}: the text holds "
        f"{shown!r} there, not {exact[:200]!r}. Offsets count Unicode code points of the "
        f"normalised text (\\n newlines, NFC)."
    )


@transaction.atomic
def passage_create(
    *,
    source: Source,
    start: int,
    end: int,
    exact: str | None = None,
    created_by=None,
    offsets_in_utf16: bool = False,
) -> Passage:
    """Anchor a passage in a source's current text; the server's text is the authority.

    When exact is given it must equal text[start:end], or the passage is refused
    with a message saying what the text holds there.
    """
    text = source.text
    if offsets_in_utf16:
        try:
            start = anchoring.utf16_to_code_point(text, start)
            end = anchoring.utf16_to_code_point(text, end)
        except ValueError as error:
            raise ValidationError({"start": f"Cannot use these browser offsets: {error}."}) from error
    if start < 0 or end < 0:
        raise ValidationError({"start": "Offsets cannot be negative."})
    if end <= start:
        raise ValidationError({"end": f"A passage must end after it starts (start {start}, end {end})."})
    if end > len(text):
        raise ValidationError(
            {"end": f"The passage ends at {end}, past the end of the text ({len(text)} code points)."}
        )
    if exact is not None and anchoring.normalise_text(exact) != text[start:end]:
        raise ValidationError({"exact": _quote_mismatch(text, start, end, exact)})
    selector = anchoring.select(text, start, end)
    passage = Passage(
        source=source,
        start=selector.start,
        end=selector.end,
        exact=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        revision=source.revision,
        anchor_status=Passage.AnchorStatus.ANCHORED,
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    save_validated(_as_history_user(passage, created_by))
    return passage


@transaction.atomic
def sources_import(*, entries, imported_by=None, progress=None) -> dict[str, int]:
    """Create or update sources from validated manifest entries, all or nothing.

    A source is matched by its import key (the file's name); one whose text and
    metadata are unchanged is not written at all, so a second run writes nothing.
    """
    from claims.services import actor_get_or_create

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    existing = {
        s.import_key: s for s in Source.objects.filter(import_key__in=[e.import_key for e in entries])
    }
    for entry in entries:
        authors = [
            actor_get_or_create(name=name, kind="person", created_by=imported_by)[0] for name in entry.authors
        ]
        metadata = {
            "title": entry.title,
            "kind": entry.kind,
            "publisher": entry.publisher,
            "published_on": entry.published_on,
            "published_precision": entry.published_precision,
            "url": entry.url,
            "language": entry.language,
            "provenance": entry.provenance,
            "notes": entry.notes,
        }
        source = existing.get(entry.import_key)
        if source is None:
            source_create(
                text=entry.text,
                authors=authors,
                import_key=entry.import_key,
                created_by=imported_by,
                **metadata,
            )
            counts["created"] += 1
        else:
            changes = {k: v for k, v in metadata.items() if getattr(source, k) != v}
            if source.text_sha256 != anchoring.text_sha256(entry.text):
                changes["text"] = entry.text
            if {a.pk for a in authors} != set(source.authors.values_list("pk", flat=True)):
                changes["authors"] = authors
            if changes:
                source_update(source=source, updated_by=imported_by, reason="re-imported", **changes)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        if progress is not None:
            progress(entry)
    return counts


@transaction.atomic
def suggestion_dismiss(*, source: Source, start: int, end: int, dismissed_by=None):
    """Remember that a suggested sentence holds no forecast, so it is not suggested again."""
    from sources.models import DismissedSuggestion

    if not 0 <= start < end <= len(source.text):
        raise ValidationError({"start": f"No sentence at {start}–{end} in this source's text."})
    sentence = source.text[start:end]
    dismissed, _ = DismissedSuggestion.objects.get_or_create(
        source=source,
        sentence_sha256=anchoring.text_sha256(sentence),
        defaults={
            "sentence": sentence,
            "dismissed_by": dismissed_by if getattr(dismissed_by, "pk", None) else None,
        },
    )
    return dismissed
