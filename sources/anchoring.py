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
    score: float = 1.0  # the quote search's score when it had to search, else 1


@dataclass(frozen=True)
class Match:
    """An approximate occurrence of a quote: text[start:end], `errors` edits away from it."""

    start: int
    end: int
    errors: int


def _peq(pattern: str) -> dict[str, int]:
    masks: dict[str, int] = {}
    for index, char in enumerate(pattern):
        masks[char] = masks.get(char, 0) | (1 << index)
    return masks


def _match_ends(text: str, pattern: str, max_errors: int) -> list[tuple[int, int]]:
    """(end, errors) for every end position where pattern matches with at most max_errors edits.

    Myers' bit-parallel algorithm (1999) for approximate string matching, as the
    approx-string-match library Hypothesis uses; Python's integers hold any pattern length.
    """
    m = len(pattern)
    if m == 0:
        return []
    peq = _peq(pattern)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    ends = []
    for j, char in enumerate(text):
        eq = peq.get(char, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
        if score <= max_errors:
            ends.append((j + 1, score))
    return ends


def _best_errors(text: str, pattern: str) -> int:
    """The fewest edits that turn pattern into some substring of text."""
    ends = _match_ends(text, pattern, len(pattern))
    return min((errors for _, errors in ends), default=len(pattern))


def search(text: str, quote: str, max_errors: int) -> list[Match]:
    """Approximate occurrences of quote in text, at most max_errors edits each, best per cluster."""
    ends = _match_ends(text, quote, max_errors)
    # Neighbouring end positions describe the same occurrence; keep each run's best end.
    best_ends: list[tuple[int, int]] = []
    for end, errors in ends:
        if best_ends and end - best_ends[-1][0] <= max(1, max_errors) and errors >= best_ends[-1][1]:
            continue
        if best_ends and end - best_ends[-1][0] <= max(1, max_errors):
            best_ends[-1] = (end, errors)
        else:
            best_ends.append((end, errors))
    matches = []
    reversed_quote = quote[::-1]
    for end, errors in best_ends:
        # The start is found by matching the reversed quote backwards from the end.
        window_start = max(0, end - len(quote) - errors)
        window = text[window_start:end][::-1]
        starts = [end - length for length, e in _match_ends(window, reversed_quote, errors) if e == errors]
        if not starts:
            continue
        start = min(starts, key=lambda s: (abs((end - s) - len(quote)), s))
        matches.append(Match(start, end, errors))
    return matches


# Hypothesis's weights (client/src/annotator/anchoring/match-quote.ts): the quote
# dominates, then each side's context, then the distance from where it used to be.
QUOTE_WEIGHT, PREFIX_WEIGHT, SUFFIX_WEIGHT, POSITION_WEIGHT = 50, 20, 20, 2
# Only a close match is accepted, and only as needing review: a quote at most a
# quarter edited, and an overall score a person would call "clearly the same place"
# (or the quote's only verbatim occurrence).
MAX_QUOTE_ERROR_RATE = 0.25
MIN_SCORE = 0.8


def _context_score(actual: str, expected: str) -> float:
    if not expected:
        return 1.0
    if not actual:
        return 0.0
    return 1 - _best_errors(actual, expected) / len(expected)


def score_match(text: str, match: Match, old: Selector, expected: int) -> float:
    """Hypothesis's match score, 0..1: quote, prefix and suffix agreement and closeness."""
    quote_score = 1 - match.errors / len(old.exact)
    prefix = text[max(0, match.start - len(old.prefix)) : match.start]
    suffix = text[match.end : match.end + len(old.suffix)]
    position_score = 1 - abs(match.start - expected) / max(1, len(text))
    raw = (
        QUOTE_WEIGHT * quote_score
        + PREFIX_WEIGHT * _context_score(prefix, old.prefix)
        + SUFFIX_WEIGHT * _context_score(suffix, old.suffix)
        + POSITION_WEIGHT * position_score
    )
    return raw / (QUOTE_WEIGHT + PREFIX_WEIGHT + SUFFIX_WEIGHT + POSITION_WEIGHT)


# Edited quotes are looked for this far either side of where the diff put the passage;
# verbatim ones anywhere.
SEARCH_WINDOW = 2000


def find_quote(text: str, old: Selector, expected: int) -> tuple[Selector, float] | None:
    """The best place for a quote in text, if one is good enough, with its score.

    A candidate is good enough when it scores MIN_SCORE, or when it is the quote's
    only verbatim occurrence. Among those a verbatim one beats an edited one, then
    the higher score wins; so edited candidates are searched for (near the old
    place) only when no verbatim one is good enough.
    """
    verbatim = []
    position = text.find(old.exact)
    while position != -1:
        verbatim.append(Match(position, position + len(old.exact), 0))
        position = text.find(old.exact, position + 1)
    scored = [(score_match(text, m, old, expected), m) for m in verbatim]
    good = [(score, m) for score, m in scored if score >= MIN_SCORE or len(verbatim) == 1]
    if good:
        score, match = max(good, key=lambda pair: (pair[0], -pair[1].start))
        return select(text, match.start, match.end), score

    max_errors = int(len(old.exact) * MAX_QUOTE_ERROR_RATE)
    if max_errors == 0:
        return None
    reach = SEARCH_WINDOW + 2 * len(old.exact)
    low = max(0, expected - reach)
    window = text[low : expected + reach]
    best: tuple[float, Match] | None = None
    for found in search(window, old.exact, max_errors):
        match = Match(found.start + low, found.end + low, found.errors)
        if match.errors == 0:
            continue  # verbatim occurrences were judged above
        score = score_match(text, match, old, expected)
        if score >= MIN_SCORE and (best is None or score > best[0]):
            best = (score, match)
    if best is None:
        return None
    return select(text, best[1].start, best[1].end), best[0]


def reanchor(old_text: str, new_text: str, old: Selector, diffs=None) -> Reanchored:
    """Find a passage made on old_text in new_text.

    First the offsets are mapped through a diff; if the mapped span still holds the
    quote the passage is remapped. Otherwise the quote is searched for, allowing
    small edits, each candidate scored on quote, prefix, suffix and distance from
    where the diff put it, as Hypothesis does; a high score needs review.
    Otherwise the passage is orphaned. A result that is not flagged always holds
    exactly the old quote at its offsets.
    """
    dmp = diff_match_patch()
    if diffs is None:
        diffs = diff_text(old_text, new_text)
    # The end is mapped through the span's last character, so text inserted right
    # after the passage is not pulled into it.
    start = dmp.diff_xIndex(diffs, old.start)
    end = dmp.diff_xIndex(diffs, old.end - 1) + 1
    length = len(old.exact)
    # A diff may align repeated characters at either edge of the span either way; a
    # span of the quote's length from either mapped edge is the same mapping.
    for candidate_start, candidate_end in ((start, end), (start, start + length), (end - length, end)):
        if candidate_start >= 0 and new_text[candidate_start:candidate_end] == old.exact:
            selector = select(new_text, candidate_start, candidate_end)
            same = selector == old
            return Reanchored(Status.ANCHORED if same else Status.REMAPPED, selector)
    found = find_quote(new_text, old, start)
    if found is not None:
        return Reanchored(Status.NEEDS_REVIEW, found[0], round(found[1], 4))
    return Reanchored(Status.ORPHANED, None, 0.0)


def diff_text(old_text: str, new_text: str):
    """A character diff of two texts, computed once per edit and shared by every passage."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2.0
    return dmp.diff_main(old_text, new_text, checklines=False)
