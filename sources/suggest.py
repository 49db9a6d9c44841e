"""Rule-based detection of sentences likely to hold a forecast or estimative judgement.

No model, no download: cues are the future and modal forms, the likelihood
lexicons of claims.likelihood, expectation verbs ("is expected to"), judged
possibility ("a convergence is possible") and horizons ("by 2024", "in the
coming years"). What is hoped for, pledged ("we will not allow"), viewed from
the past ("it was normal to think that ... would") or said in a relative clause
("a treaty that would end the war") does not count as a forecast on its own.
Offsets are code points of the source's normalised text, like passages.
"""

import re
from dataclasses import dataclass

from claims import likelihood

# A sentence ends at ., ! or ? (optionally followed by quotes, brackets or a
# footnote mark like [12]) before whitespace, or at a line break.
_SENTENCE_END = re.compile(r"""[.!?]["'”’)\]]*(?:\[\d+\])*(?=\s)|\n+""")
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:[A-Z]|U\.S|U\.K|U\.N|Dr|Mr|Mrs|Ms|St|vs|e\.g|i\.e|etc|No|Jan|Feb|Dec)\.)$"
)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Sentence]:
    """Split text into sentences with code point spans (stripped of surrounding whitespace)."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.group(0)[0] == "." and _ABBREVIATIONS.search(text[start : match.end()]):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    result = []
    for a, b in spans:
        chunk = text[a:b]
        stripped = chunk.strip()
        if not stripped:
            continue
        offset = a + (len(chunk) - len(chunk.lstrip()))
        result.append(Sentence(offset, offset + len(stripped), stripped))
    return result


_HORIZON = re.compile(
    r"\b(?:(?:by|before|until|through|after|beyond|within|in|during)\s+(?:the\s+)?(?:end\s+of\s+|early\s+|"
    r"mid-?\s*|late\s+|spring\s+of\s+|summer\s+of\s+|autumn\s+of\s+|fall\s+of\s+|winter\s+of\s+)?"
    r"(?:19|20)\d\d\b"
    r"|in\s+the\s+(?:coming|next|near|foreseeable|medium|long|short)(?:\s+few)?\s+"
    r"(?:years?|months?|decades?|weeks?|term|future)"
    r"|(?:next|this\s+coming)\s+(?:year|month|decade|spring|summer|autumn|fall|winter)"
    r"|within\s+(?:a|one|two|three|five|ten|the\s+next)\s+\w+\s*(?:years?|months?|decades?)?"
    r"|(?:for\s+)?(?:years|decades)\s+to\s+come"
    r"|in\s+the\s+(?:near|foreseeable)\s+future)",
    re.IGNORECASE,
)

_FUTURE = re.compile(
    r"\b(?:will|won't|shall|going\s+to|is\s+set\s+to|are\s+set\s+to|bound\s+to|poised\s+to|"
    r"on\s+track\s+to|about\s+to)\b|\w'll\b",
    re.IGNORECASE,
)
_EXPECT = re.compile(
    r"\b(?:(?:is|are|be|been)\s+expected|expect(?:s|ed)?\s+(?:that|(?:\w+\s+){0,2}to)|expects|"
    r"(?<!to\s)expect|(?:un)?likely\s+to|"
    r"predict\w*|forecasts?\s+(?:that|to)|(?:is|are)\s+forecast|anticipat\w*|foresee\w*|"
    r"(?:prospects?|outlook)\s+(?:(?:of|for)\s+(?:[\w’']+[\s-]+){0,10}?)?(?:is|are|remains?|looks?|seems?)|"
    r"(?:limited|dim|poor|slim|bleak|uncertain|good|bright)\s+(?:prospects?|outlook)|"
    r"(?:high|low|little|no|some|real|good)\s+(?:probability|chance|likelihood|risk)|"
    r"chances?\s+(?:of|that|are)|may\s+not\s+take\s+place|in\s+store|in\s+the\s+offing|"
    r"(?:is|are)\s+(?:un)?likely|remains?\s+(?:very\s+|highly\s+)?(?:un)?likely|doomed\s+to)\b",
    re.IGNORECASE,
)
# Words that name a forecast or a possibility without making one ("the Russian side's forecast",
# "scenarios for lifting sanctions", "possible changes"): a cue only together with another.
_NAMED = re.compile(
    r"\b(?:forecasts?|scenarios?|outlook|prospects?|expectations?|possibility|possible|potential)\b",
    re.IGNORECASE,
)
# Possibility judged, not merely named: "a convergence is possible", "the possibility that",
# "acknowledges the possibility of", "risks being left", "has the potential to".
_POSSIBLE = re.compile(
    r"\b(?:(?:is|are|be|remains?|seems?)\s+(?:\w+\s+)?possible|possibility\s+that|"
    r"(?:acknowledg|admit|allow|rais|see|rul|exclud)\w*\s+(?:\w+\s+)?(?:out\s+)?the\s+possibility|"
    r"potential\s+to|risks?\s+\w+ing|a\s+chance\s+to)\b",
    re.IGNORECASE,
)
# Epistemic modals ahead of a verb ("may return", "could lead", "would be perceived").
_MODAL = re.compile(
    r"\b(?:may|might|could|would)(?:\s+(?:not|also|well|only|still|then|even|indeed|all|"
    r"probably|significantly|further|gradually))*\s+[a-z]+",
    re.IGNORECASE,
)
# Modals that do not forecast: a past counterfactual ("would have"), a wish ("would like to",
# "you might want to"), a duty ("would need to", "the priority would be to"), a hedge on the
# writer's own words ("it could be argued", "one may summarize"), a guess about the present
# ("may be holding out").
_MODAL_NOT_FORECAST = re.compile(
    r"\b(?:would|could|may|might)(?:\s+\w+)?\s+(?:have|like|love|prefer|rather|want|wish|need)\b"
    r"|\bwould\s+be\s+to\b"
    r"|\b(?:could|may|might)\s+(?:\w+\s+)?be\s+(?:\w+ly\s+)?(?:argued|said|noted|called|considered)\b"
    r"|\bone\s+(?:may|might|could)\b"
    r"|\b(?:may|might|could)\s+be\s+\w+ing\b",
    re.IGNORECASE,
)
# A modal opening a relative or indirect clause ("a treaty that would end", "how Moscow might be
# punished") describes rather than forecasts: a cue only together with another.
_MODAL_SUBORDINATE = re.compile(
    r"\b(?:that|who)\s+(?:may|might|could|would)\b"
    r"|\b(?:which|whom|what|how|where)\s+(?:\w+\s+)?(?:may|might|could|would)\b",
    re.IGNORECASE,
)
_CANNOT = re.compile(r"\b(?:can't|cannot)\b", re.IGNORECASE)
# What is hoped for is not forecast: "Russia hopes that an agreement will be reached",
# "Moscow hopes, Kiev will have to choose".
_HOPE = re.compile(
    r"\b(?:hope[sd]?|hoping|wish(?:es|ed)?)(?:\s+that\b|\s*,)|\bexpress(?:es|ed)?\s+hope\b",
    re.IGNORECASE,
)
# A past view of what then lay ahead: "it was normal to think that", "were poised to".
_PAST_VIEW = re.compile(
    r"\b(?:was|were)\s+(?:\w+\s+)?(?:to\s+)?(?:think|thought|believe|believed|assume|assumed|expect)\b",
    re.IGNORECASE,
)
_PAST_FUTURE = re.compile(r"\b(?:was|were)\s+(?:poised|set|going|about|bound)\s+to\b", re.IGNORECASE)
# A first-person "will" pledges or announces ("we will not allow"); it does not forecast.
_FIRST_PERSON_WILL = re.compile(r"\b(?:I|we)\s+(?:will|shall|won't)\b|\b(?:I|we)'ll\b", re.IGNORECASE)
# "will" as a noun: "political will", "the will of", "good will".
_WILL_NOUN = re.compile(
    r"\b(?:political|good|free|ill|own|the|his|her|their|its|people's|popular|'s)\s+will\b"
    r"|\bwill\s+(?:of|to\s+power)\b|\bwill['’]s\b",
    re.IGNORECASE,
)
# Kent's "certain" and "impossible" are as often a determiner or an emphasis ("certain countries",
# "certainly a pillar", "impossible to ignore") as an estimate: a cue only together with another.
_WEAK_PHRASES = {"certain", "certainly", "impossible"}
# "a certain agreement": the determiner, followed by a word other than "to" or "that".
_DETERMINER_AFTER = re.compile(r"\s+(?!to\b|that\b)[a-z]", re.IGNORECASE)

# Weights of each cue; a sentence is suggested when they add up to THRESHOLD.
WEIGHTS = {
    "lexicon": 2.0,
    "expect": 2.0,
    "future": 2.0,
    "possible": 2.0,
    "modal": 2.0,
    "horizon": 1.0,
    "weak": 1.0,
}
THRESHOLD = 2.0
MIN_WORDS = 5


@dataclass(frozen=True)
class Suggestion:
    """A sentence that probably holds a forecast, with what was found in it."""

    start: int
    end: int
    text: str
    score: float
    cues: tuple[str, ...]
    likelihood_phrase: str
    horizon: str


def _likelihood_phrases(sentence: str) -> list[likelihood.PhraseMatch]:
    phrases = likelihood.find_phrases(sentence) or likelihood.find_phrases(sentence, "kent")
    return [
        p for p in phrases if not (p.phrase.lower() == "certain" and _DETERMINER_AFTER.match(sentence, p.end))
    ]


def _outside(matches, excluded: list[tuple[int, int]], until: int) -> list[re.Match]:
    """The matches that start before until and inside none of the excluded spans."""
    return [m for m in matches if m.start() < until and not any(a <= m.start() < b for a, b in excluded)]


def _spans(*patterns: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for pattern in patterns for m in pattern.finditer(text)]


def score_sentence(sentence: str) -> tuple[float, tuple[str, ...], str, str]:
    """(score, cues, likelihood phrase, horizon) for one sentence."""
    cues = []
    weak = False
    phrases = _likelihood_phrases(sentence)
    phrase = phrases[0].phrase if phrases else ""
    if any(p.phrase.lower() not in _WEAK_PHRASES for p in phrases):
        cues.append("lexicon")
    elif phrases:
        weak = True
    if _EXPECT.search(sentence):
        cues.append("expect")
    # Futures and modals after "hopes that" or a past view do not count.
    stops = [m.start() for m in (_HOPE.search(sentence), _PAST_VIEW.search(sentence)) if m]
    until = min(stops, default=len(sentence))
    not_future = _spans(_WILL_NOUN, _PAST_FUTURE, _FIRST_PERSON_WILL, text=sentence)
    if _outside(_FUTURE.finditer(sentence), not_future, until):
        cues.append("future")
    if _POSSIBLE.search(sentence):
        cues.append("possible")
    horizon_match = _HORIZON.search(sentence)
    horizon = horizon_match.group(0) if horizon_match else ""
    if horizon:
        cues.append("horizon")
    modals = _outside(_MODAL.finditer(sentence), _spans(_MODAL_NOT_FORECAST, text=sentence), until)
    if _outside(modals, _spans(_MODAL_SUBORDINATE, text=sentence), until):
        cues.append("modal")
    elif modals:
        weak = True
    if _CANNOT.search(sentence) or (not {"expect", "possible"} & set(cues) and _NAMED.search(sentence)):
        weak = True
    if weak:
        cues.append("weak")
    score = sum(WEIGHTS[cue] for cue in cues)
    # A horizon alone is only a date ("in 2014"); it counts with another cue.
    if cues == ["horizon"]:
        score = 0.0
    return score, tuple(cues), phrase, horizon


def suggest(text: str) -> list[Suggestion]:
    """Every sentence of text likely to hold a forecast, in text order."""
    found = []
    for sentence in sentences(text):
        if len(sentence.text.split()) < MIN_WORDS or sentence.text.rstrip().endswith("?"):
            continue
        score, cues, phrase, horizon = score_sentence(sentence.text)
        if score >= THRESHOLD:
            found.append(
                Suggestion(sentence.start, sentence.end, sentence.text, score, cues, phrase, horizon)
            )
    return found
