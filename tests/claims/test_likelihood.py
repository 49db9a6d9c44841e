import pytest

from claims.likelihood import Lexicon, find_phrases, lookup, normalise_phrase, parse_explicit

ICD_203_TABLE = [
    ("almost no chance", "remote", 0.01, 0.05),
    ("very unlikely", "highly improbable", 0.05, 0.20),
    ("unlikely", "improbable", 0.20, 0.45),
    ("roughly even chance", "roughly even odds", 0.45, 0.55),
    ("likely", "probable", 0.55, 0.80),
    ("very likely", "highly probable", 0.80, 0.95),
    ("almost certain", "nearly certain", 0.95, 0.99),
]


@pytest.mark.parametrize(("term", "alternative", "low", "high"), ICD_203_TABLE)
def test_icd_203_maps_both_columns_to_the_same_range(term, alternative, low, high):
    for phrase in (term, alternative):
        estimate = lookup(phrase)
        assert (estimate.low, estimate.high) == (low, high)
        assert estimate.point == pytest.approx((low + high) / 2)
        assert estimate.term == term


@pytest.mark.parametrize(
    ("phrase", "term"),
    [
        ("Very Unlikely", "very unlikely"),
        ("almost certainly", "almost certain"),
        ("  highly   improbable, ", "very unlikely"),
        ("remains very unlikely", "very unlikely"),
        ("Probably", "likely"),
        ("roughly even odds", "roughly even chance"),
    ],
)
def test_lookup_tolerates_case_spacing_and_inflection(phrase, term):
    assert lookup(phrase).term == term


def test_longest_phrase_wins_so_very_unlikely_is_not_read_as_unlikely():
    assert lookup("it is very unlikely").low == 0.05


def test_unknown_phrase_gives_none():
    assert lookup("perhaps") is None


def test_phrase_applied_to_the_negation_reflects_the_interval():
    estimate = lookup("very unlikely", negated=True)
    assert (estimate.low, estimate.high, estimate.point) == (0.8, 0.95, 0.875)


def test_sherman_kent_lexicon_is_looser_than_icd_203():
    assert lookup("probable", Lexicon.KENT).point == 0.75
    assert lookup("almost certainly not", Lexicon.KENT).high == 0.12
    assert lookup("probably not", Lexicon.KENT).term == "probably not"


def test_find_phrases_reports_code_point_spans_in_running_text():
    text = "🙂 The war is very unlikely; sanctions are almost certainly coming."
    found = find_phrases(text)
    assert [(m.phrase, text[m.start : m.end]) for m in found] == [
        ("very unlikely", "very unlikely"),
        ("almost certainly", "almost certainly"),
    ]


def test_normalise_phrase_folds_inflections():
    assert normalise_phrase("Almost Certainly,") == "almost certain"


@pytest.mark.parametrize(
    ("text", "value"), [("70%", 0.7), ("70 per cent", 0.7), ("0.25", 0.25), ("150%", None), ("soon", None)]
)
def test_explicit_numbers_are_read_as_probabilities(text, value):
    assert parse_explicit(text) == (pytest.approx(value) if value is not None else None)
