"""Verbal likelihood lexicons: map an estimative phrase to a probability interval.

Two lexicons are known. ICD 203 (US Intelligence Community Directive 203,
"Analytic Standards") pairs seven ranges with two columns of terms. Sherman
Kent's "Words of Estimative Probability" (1964) is the older, looser scale.
Probabilities are always of the outcome happening; when the phrase applies to
the outcome's negation ("it is very unlikely that X will not happen") the
interval is reflected around 0.5.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Lexicon(StrEnum):
    ICD_203 = "icd203"
    KENT = "kent"


@dataclass(frozen=True)
class Estimate:
    """A probability interval with its point value and the canonical term it came from."""

    term: str
    low: float
    high: float
    point: float

    def negated(self) -> "Estimate":
        return Estimate(
            term=self.term,
            low=round(1 - self.high, 6),
            high=round(1 - self.low, 6),
            point=round(1 - self.point, 6),
        )


def _band(term: str, low: float, high: float, point: float | None = None) -> Estimate:
    return Estimate(term, low, high, round((low + high) / 2, 6) if point is None else point)


# canonical term -> (band, synonyms). Synonyms are matched after normalisation.
ICD_203: dict[str, tuple[Estimate, tuple[str, ...]]] = {
    "almost no chance": (_band("almost no chance", 0.01, 0.05), ("remote",)),
    "very unlikely": (_band("very unlikely", 0.05, 0.20), ("highly improbable",)),
    "unlikely": (_band("unlikely", 0.20, 0.45), ("improbable",)),
    "roughly even chance": (_band("roughly even chance", 0.45, 0.55), ("roughly even odds",)),
    "likely": (_band("likely", 0.55, 0.80), ("probable",)),
    "very likely": (_band("very likely", 0.80, 0.95), ("highly probable",)),
    "almost certain": (_band("almost certain", 0.95, 0.99), ("nearly certain",)),
}

# Kent's table gives a centre and a spread (e.g. 93% give or take about 6%).
KENT: dict[str, tuple[Estimate, tuple[str, ...]]] = {
    "certain": (_band("certain", 1.0, 1.0), ()),
    "almost certain": (
        _band("almost certain", 0.87, 0.99, 0.93),
        ("virtually certain", "all but certain", "highly probable", "highly likely"),
    ),
    "probable": (
        _band("probable", 0.63, 0.87, 0.75),
        ("likely", "we believe", "we estimate", "chances are good", "it is probable that"),
    ),
    "chances about even": (
        _band("chances about even", 0.40, 0.60, 0.50),
        ("chances are about even", "about even", "even chance", "fifty-fifty"),
    ),
    "probably not": (
        _band("probably not", 0.20, 0.40, 0.30),
        ("we believe not", "unlikely", "improbable", "chances are slight", "we doubt"),
    ),
    "almost certainly not": (
        _band("almost certainly not", 0.02, 0.12, 0.07),
        (
            "highly improbable",
            "highly unlikely",
            "almost impossible",
            "only a slight chance",
            "very unlikely",
        ),
    ),
    "impossible": (_band("impossible", 0.0, 0.0), ()),
}

LEXICONS = {Lexicon.ICD_203: ICD_203, Lexicon.KENT: KENT}

# Inflections folded to the form the tables use, applied word by word.
_INFLECTIONS = {
    "certainly": "certain",
    "probably": "probable",
    "improbably": "improbable",
    "probability": "probable",
    "likelihood": "likely",
    "unlikelihood": "unlikely",
    "odd": "odds",
    "chances": "chance",
}
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


def normalise_phrase(phrase: str) -> str:
    """Lower-case, fold inflections and drop punctuation: 'Almost certainly,' -> 'almost certain'."""
    text = unicodedata.normalize("NFKC", phrase).lower()
    return " ".join(_INFLECTIONS.get(word, word) for word in _WORD.findall(text))


def _index(table: dict[str, tuple[Estimate, tuple[str, ...]]]) -> dict[str, Estimate]:
    index: dict[str, Estimate] = {}
    for term, (estimate, synonyms) in table.items():
        for form in (term, *synonyms):
            index[normalise_phrase(form)] = estimate
    return index


_INDEXES = {name: _index(table) for name, table in LEXICONS.items()}


def known_phrases(lexicon: Lexicon | str = Lexicon.ICD_203) -> list[str]:
    """Every phrase the lexicon recognises, normalised, longest first."""
    return sorted(_INDEXES[Lexicon(lexicon)], key=lambda p: (-len(p), p))


def lookup(
    phrase: str, lexicon: Lexicon | str = Lexicon.ICD_203, *, negated: bool = False
) -> Estimate | None:
    """The estimate for a whole phrase ('very unlikely'), or None if the lexicon does not know it.

    A phrase with a known term inside it ('remains very unlikely') is matched on that
    term; the longest known term wins, so 'very unlikely' is never read as 'unlikely'.
    """
    normalised = normalise_phrase(phrase)
    index = _INDEXES[Lexicon(lexicon)]
    estimate = index.get(normalised)
    if estimate is None:
        padded = f" {normalised} "
        for known in known_phrases(lexicon):
            if f" {known} " in padded:
                estimate = index[known]
                break
    if estimate is None:
        return None
    return estimate.negated() if negated else estimate


@dataclass(frozen=True)
class PhraseMatch:
    """A lexicon phrase found in running text, with its code point span."""

    start: int
    end: int
    phrase: str
    estimate: Estimate


def _phrase_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    # Surface forms: each table form plus its inflected variants, longest first.
    reverse_inflections: dict[str, list[str]] = {}
    for inflected, base in _INFLECTIONS.items():
        reverse_inflections.setdefault(base, []).append(inflected)
    forms: set[str] = set()
    for phrase in _INDEXES[lexicon]:
        variants = [""]
        for word in phrase.split(" "):
            options = [word, *reverse_inflections.get(word, [])]
            variants = [f"{v} {o}".strip() for v in variants for o in options]
        forms.update(variants)
    alternatives = "|".join(
        r"\s+".join(re.escape(w) for w in form.split(" "))
        for form in sorted(forms, key=lambda f: (-len(f), f))
    )
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


_PATTERNS = {name: _phrase_pattern(name) for name in LEXICONS}


def find_phrases(text: str, lexicon: Lexicon | str = Lexicon.ICD_203) -> list[PhraseMatch]:
    """Every lexicon phrase in a text, leftmost-longest, with code point offsets."""
    lexicon = Lexicon(lexicon)
    matches = []
    for match in _PATTERNS[lexicon].finditer(text):
        estimate = lookup(match.group(0), lexicon)
        if estimate is not None:
            matches.append(PhraseMatch(match.start(), match.end(), match.group(0), estimate))
    return matches


_PERCENT = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*(%|percent|per cent)\s*$", re.IGNORECASE)


def parse_explicit(phrase: str) -> float | None:
    """A probability written as a number ('70%', '70 per cent', '0.7'), or None."""
    match = _PERCENT.match(phrase)
    if match:
        value = float(match.group(1)) / 100
    else:
        try:
            value = float(phrase.strip())
        except ValueError:
            return None
    return value if 0 <= value <= 1 else None
