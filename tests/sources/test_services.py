import pytest
from django.core.exceptions import ValidationError

from sources import services
from tests import factories


@pytest.mark.django_db
def test_passage_with_wrong_quote_is_rejected_with_what_the_text_holds():
    source = factories.make_source()
    start = source.text.index("very unlikely")
    with pytest.raises(ValidationError) as raised:
        services.passage_create(source=source, start=start, end=start + 13, exact="very likely!!")
    assert raised.value.message_dict["exact"] == [
        f"The quote does not match the source text at {start}–{start + 13}: the text holds "
        "'very unlikely' there, not 'very likely!!'. Offsets count Unicode code points of the "
        "normalised text (\\n newlines, NFC)."
    ]


@pytest.mark.django_db
def test_passage_keeps_32_code_points_of_context_and_the_revision():
    source = factories.make_source()
    passage = factories.make_passage(source=source, quote="Sanctions will likely be extended")
    assert passage.prefix == source.text[passage.start - 32 : passage.start]
    assert passage.suffix == source.text[passage.end : passage.end + 32]
    assert passage.revision == 1


@pytest.mark.django_db
def test_browser_offsets_in_utf16_are_converted_to_code_points():
    source = factories.make_source(text="😀😀 Moscow will not back down.")
    # In UTF-16 each emoji takes two units: "Moscow" starts at unit 5, code point 3.
    passage = services.passage_create(source=source, start=5, end=11, exact="Moscow", offsets_in_utf16=True)
    assert (passage.start, passage.end, passage.exact) == (3, 9, "Moscow")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (10, 10, "end", "A passage must end after it starts (start 10, end 10)."),
        (10, 5, "end", "A passage must end after it starts (start 10, end 5)."),
        (0, 10_000, "end", "The passage ends at 10000, past the end of the text (209 code points)."),
    ],
)
def test_bad_offsets_are_refused_with_a_message(start, end, field, message):
    source = factories.make_source()
    assert len(source.text) == 209
    with pytest.raises(ValidationError) as raised:
        services.passage_create(source=source, start=start, end=end)
    assert raised.value.message_dict[field] == [message]


@pytest.mark.django_db
def test_editing_the_text_keeps_a_revision_and_reanchors_passages():
    source = factories.make_source()
    passage = factories.make_passage(source=source, quote="Sanctions will likely be extended")
    source = services.source_update(source=source, text="A new opening sentence. " + source.text)
    passage.refresh_from_db()
    assert source.revision == 2
    assert source.revisions.count() == 2
    assert source.text[passage.start : passage.end] == "Sanctions will likely be extended"
    assert (passage.anchor_status, passage.revision) == ("remapped", 2)
    assert source.reanchor_report == {"anchored": 0, "remapped": 1, "needs_review": 0, "orphaned": 0}


@pytest.mark.django_db
def test_a_passage_whose_quote_is_deleted_is_orphaned_not_lost():
    source = factories.make_source()
    passage = factories.make_passage(source=source, quote="Sanctions will likely be extended by 2024.")
    services.source_update(
        source=source, text=source.text.replace("Sanctions will likely be extended by 2024. ", "")
    )
    passage.refresh_from_db()
    assert passage.anchor_status == "orphaned"
    assert passage.exact == "Sanctions will likely be extended by 2024."


@pytest.mark.django_db
def test_source_text_with_nul_is_refused():
    with pytest.raises(ValidationError, match="NUL character"):
        factories.make_source(text="abc\x00def")
