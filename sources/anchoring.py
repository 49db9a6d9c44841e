"""Text normalisation and passage anchoring, with no database.

Offsets are Unicode code points (Python string indices), end exclusive, on text
that has been normalised to `\\n` newlines and NFC. Browsers count UTF-16 code
units, so offsets from a browser are converted here before they are trusted.
"""

import hashlib
import unicodedata
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

QUOTE_CONTEXT = 32


def normalise_text(text: str) -> str:
    """`\\r\\n` and lone `\\r` become `\\n`; the result is Unicode NFC."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def utf16_to_code_point(text: str, offset: int) -> int:
    """Convert a UTF-16 code unit offset (as a browser reports it) to a code point offset.

    Raises ValueError if the offset is outside the text or splits a surrogate pair.
    """
    if offset < 0:
        raise ValueError(f"offset {offset} is negative")
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            raise ValueError(f"UTF-16 offset {offset} falls inside the character at {index}")
    if units == offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {offset} is past the end of the text ({units} units)")


def code_point_to_utf16(text: str, offset: int) -> int:
    """Convert a code point offset to the UTF-16 code unit offset a browser uses."""
    return offset + sum(1 for char in text[:offset] if ord(char) > 0xFFFF)


@dataclass(frozen=True)
class Selector:
    """A W3C TextPositionSelector and TextQuoteSelector for one span."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


def select(text: str, start: int, end: int) -> Selector:
    """The selector for text[start:end], with prefix and suffix taken from the text itself."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"span {start}–{end} is not inside the text (0–{len(text)}) or is empty")
    return Selector(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - QUOTE_CONTEXT) : start],
        suffix=text[end : end + QUOTE_CONTEXT],
    )


class Status:
    ANCHORED = "anchored"
    REMAPPED = "remapped"
    NEEDS_REVIEW = "needs_review"
    ORPHANED = "orphaned"


@dataclass(frozen=True)
class Reanchored:
    """Where a passage lies in a new text, and how sure that is."""

    status: str
    selector: Selector | None  # None when orphaned


def _context_score(text: str, start: int, end: int, old: Selector, expected: int) -> float:
    """Score a candidate occurrence of the quote: context agreement and closeness, 0..1."""

    def common_suffix(a: str, b: str) -> int:
        n = 0
        while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
            n += 1
        return n

    def common_prefix(a: str, b: str) -> int:
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n

    prefix = text[max(0, start - QUOTE_CONTEXT) : start]
    suffix = text[end : end + QUOTE_CONTEXT]
    prefix_score = common_suffix(prefix, old.prefix) / max(1, len(old.prefix))
    suffix_score = common_prefix(suffix, old.suffix) / max(1, len(old.suffix))
    distance = abs(start - expected) / max(1, len(text))
    # Weights follow Hypothesis's quote matcher: the quote itself dominates (it is
    # exact here), then context, then position.
    return 0.45 * prefix_score + 0.45 * suffix_score + 0.10 * (1 - distance)


MIN_CONTEXT_SCORE = 0.5


def reanchor(old_text: str, new_text: str, old: Selector, diffs=None) -> Reanchored:
    """Find a passage made on old_text in new_text.

    First the offsets are mapped through a diff; if the mapped span still holds the
    quote the passage is remapped. Otherwise the quote is searched for, each
    occurrence scored by prefix, suffix and distance from where the diff put it;
    a good enough match needs review. Otherwise the passage is orphaned.
    """
    dmp = diff_match_patch()
    if diffs is None:
        diffs = diff_text(old_text, new_text)
    start = dmp.diff_xIndex(diffs, old.start)
    end = dmp.diff_xIndex(diffs, old.end)
    if new_text[start:end] == old.exact:
        selector = select(new_text, start, end)
        same = (start, end) == (old.start, old.end) and selector == old
        return Reanchored(Status.ANCHORED if same else Status.REMAPPED, selector)

    best: tuple[float, int] | None = None
    position = new_text.find(old.exact)
    while position != -1:
        score = _context_score(new_text, position, position + len(old.exact), old, start)
        if best is None or score > best[0]:
            best = (score, position)
        position = new_text.find(old.exact, position + 1)
    if best is not None and best[0] >= MIN_CONTEXT_SCORE:
        return Reanchored(Status.NEEDS_REVIEW, select(new_text, best[1], best[1] + len(old.exact)))
    return Reanchored(Status.ORPHANED, None)


def diff_text(old_text: str, new_text: str):
    """A character diff of two texts, computed once per edit and shared by every passage."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2.0
    return dmp.diff_main(old_text, new_text, checklines=False)
