"""Anchoring: offsets, the quote search, and re-anchoring under random edits (property-based)."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sources import anchoring
from sources.anchoring import Selector, Status

# Words that exercise what trips annotation tools: emoji (two UTF-16 units), a
# combining mark with no precomposed form (two code points, one glyph), accents
# and newlines. "§" never appears in them: it marks a passage uniquely.
WORDS = ["Russia", "will", "likely", "by", "2024", "😀", "q\u0301", "é", "\n", "NATO", "not", "a", "aa"]
words = st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(" ".join)


def test_crlf_and_lone_cr_become_newlines_and_text_is_nfc():
    assert anchoring.normalise_text("a\r\nb\rc e\u0301") == "a\nb\nc é"


@pytest.mark.parametrize(
    ("text", "utf16", "code_point"),
    [("😀😀 Moscow", 5, 3), ("q\u0301 Moscow", 3, 3), ("a\nb", 2, 2), ("😀", 2, 1)],
)
def test_utf16_offsets_convert_to_code_points_and_back(text, utf16, code_point):
    assert anchoring.utf16_to_code_point(text, utf16) == code_point
    assert anchoring.code_point_to_utf16(text, code_point) == utf16


def test_utf16_offset_inside_an_emoji_is_refused():
    with pytest.raises(ValueError, match="UTF-16 offset 1 falls inside the character at 0"):
        anchoring.utf16_to_code_point("😀 x", 1)


def test_search_finds_a_quote_with_a_typo_and_its_exact_span():
    text = "The quick brown fox. Sanctions will likely be extended by 2024. More."
    assert anchoring.search(text, "Sanctions will likely be extnded", 4) == [
        anchoring.Match(start=21, end=54, errors=1)
    ]


def test_search_returns_every_exact_occurrence():
    text = "likely here, likely there"
    assert anchoring.search(text, "likely", 0) == [
        anchoring.Match(start=0, end=6, errors=0),
        anchoring.Match(start=13, end=19, errors=0),
    ]


def test_a_slightly_edited_quote_is_found_and_flagged_for_review():
    old_text = "Intro. Sanctions will likely be extended by 2024. Outro."
    old = anchoring.select(old_text, 7, 49)
    new_text = old_text.replace("likely", "very likely")
    result = anchoring.reanchor(old_text, new_text, old)
    assert result.status == Status.NEEDS_REVIEW
    assert result.selector.exact == "Sanctions will very likely be extended by 2024."
    assert result.score >= anchoring.MIN_SCORE


def test_a_moved_quote_is_remapped_when_the_diff_keeps_it():
    old_text = "One. Two. Three."
    old = anchoring.select(old_text, 5, 9)
    result = anchoring.reanchor(old_text, "Zero. " + old_text, old)
    assert (result.status, result.selector.start, result.selector.exact) == (Status.REMAPPED, 11, "Two.")


def test_text_inserted_right_after_a_passage_stays_outside_it():
    old_text = "Moscow will not back down. Then"
    old = anchoring.select(old_text, 0, 26)
    result = anchoring.reanchor(old_text, "Moscow will not back down. Really. Then", old)
    assert (result.status, result.selector.exact) == (Status.REMAPPED, "Moscow will not back down.")


def test_a_rewritten_quote_is_orphaned():
    old_text = "Keep this. Sanctions will likely be extended by 2024. Keep that."
    old = anchoring.select(old_text, 11, 53)
    result = anchoring.reanchor(old_text, "Keep this. Nothing of the sort. Keep that.", old)
    assert result == anchoring.Reanchored(Status.ORPHANED, None, 0.0)


def test_a_near_miss_of_the_quote_with_foreign_context_is_not_accepted():
    old_text = "alpha beta gamma delta. The talks will fail. epsilon zeta eta theta."
    old = anchoring.select(old_text, 24, 44)
    new_text = "Completely different preamble here! The talks will fall. Nothing alike follows now."
    assert anchoring.search(new_text, old.exact, 5)[0].errors == 1
    result = anchoring.reanchor(old_text, new_text, old)
    assert result.status == Status.ORPHANED


@st.composite
def edits(draw, text_length):
    """A list of (position, deleted length, inserted text) applied one after another."""
    return draw(
        st.lists(
            st.tuples(st.floats(0, 1), st.integers(0, 8), words),
            min_size=1,
            max_size=4,
        )
    )


def _apply(text: str, position_fraction: float, delete: int, insert: str) -> tuple[str, int, int]:
    position = int(position_fraction * len(text))
    return text[:position] + insert + text[position + delete :], position, delete


@given(before=words, inside=words, after=words, marker_at=st.floats(0, 1), data=st.data())
@settings(max_examples=300, deadline=None)
def test_edits_outside_a_passage_never_lose_or_move_it(before, inside, after, marker_at, data):
    cut = int(marker_at * len(inside))
    quote = inside[:cut] + "§" + inside[cut:]
    old_text = anchoring.normalise_text(f"{before} {quote} {after}")
    start = old_text.index("§") - cut
    old = anchoring.select(old_text, start, start + len(quote))
    assert old.exact == quote
    text, span_start = old_text, start
    for fraction, delete, insert in data.draw(edits(len(old_text))):
        # Edits land before or after the passage, never inside it.
        outside = [i for i in range(len(text) + 1) if i <= span_start or i >= span_start + len(quote)]
        position = outside[int(fraction * (len(outside) - 1))]
        if position <= span_start:
            delete = min(delete, span_start - position)
        text = text[:position] + insert + text[position + delete :]
        if position <= span_start:
            span_start += len(insert) - delete
    # A deletion can join a letter and a combining mark into one character; the
    # stored text is NFC, so such an edit changes the passage's neighbour, not the passage.
    assume(anchoring.normalise_text(text) == text)
    result = anchoring.reanchor(old_text, text, old)
    # Never lost, never moved: in place, and flagged when the diff could not vouch for it.
    assert result.status in {Status.ANCHORED, Status.REMAPPED, Status.NEEDS_REVIEW}, (old_text, text, old)
    assert (result.selector.start, result.selector.exact) == (span_start, quote), (old_text, text, old)
    assert result.selector == anchoring.select(text, span_start, span_start + len(quote))


@given(
    old_text=words.filter(lambda t: t.strip()),
    span=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    data=st.data(),
)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
def test_any_edit_leaves_every_passage_exactly_right_or_flagged(old_text, span, data):
    old_text = anchoring.normalise_text(old_text)
    a, b = sorted(int(f * len(old_text)) for f in span)
    if a == b:
        b = a + 1 if a < len(old_text) else a
        a = b - 1
    old = anchoring.select(old_text, a, b)
    text = old_text
    for fraction, delete, insert in data.draw(edits(len(old_text))):
        text, _, _ = _apply(text, fraction, delete, insert)
    text = anchoring.normalise_text(text)
    result = anchoring.reanchor(old_text, text, old)
    if result.status in {Status.ANCHORED, Status.REMAPPED}:
        # Not flagged: the exact quote is at the offsets, with context from the new text.
        assert result.selector == anchoring.select(text, result.selector.start, result.selector.end)
        assert result.selector.exact == old.exact
    elif result.status == Status.NEEDS_REVIEW:
        assert result.selector == anchoring.select(text, result.selector.start, result.selector.end)
        unique_verbatim = text.count(result.selector.exact) == 1 and result.selector.exact == old.exact
        assert result.score >= anchoring.MIN_SCORE or unique_verbatim
    else:
        assert result == anchoring.Reanchored(Status.ORPHANED, None, 0.0)


def test_the_selector_of_an_unchanged_text_is_anchored_in_place():
    text = "😀 Moscow q\u0301 will not\nback down."
    old = Selector(2, 8, "Moscow", "😀 ", text[8:40])
    assert anchoring.reanchor(text, text, old).status == Status.ANCHORED


@pytest.mark.django_db
@given(edit=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40), words), min_size=1, max_size=3))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_editing_a_source_keeps_every_passage_right_or_flagged(edit):
    from sources import services
    from sources.models import Passage
    from tests import factories

    source = factories.make_source(text="Moscow 😀 will q\u0301 likely\r\nretaliate by 2024. " * 3)
    quotes = ["Moscow 😀 will", "q\u0301 likely\nretaliate", "by 2024."]
    passages = [factories.make_passage(source=source, quote=q, occurrence=1) for q in quotes]
    text = source.text
    for fraction, delete, insert in edit:
        text, _, _ = _apply(text, fraction, delete, insert)
    source = services.source_update(source=source, text=text)
    stored = list(Passage.objects.filter(source=source).order_by("id"))
    assert [p.pk for p in stored] == [p.pk for p in passages]
    for passage, quote in zip(stored, quotes, strict=True):
        if passage.anchor_status in {"anchored", "remapped"}:
            assert (source.text[passage.start : passage.end], passage.exact) == (quote, quote)
            assert passage.revision == source.revision
        elif passage.anchor_status == "needs_review":
            assert source.text[passage.start : passage.end] == passage.exact
        else:
            assert (passage.anchor_status, passage.exact) == ("orphaned", quote)
