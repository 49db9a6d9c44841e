"""Rule-based detection of sentences likely to hold a forecast or estimative judgement.

No model, no download: cues are the future and modal forms, the likelihood
lexicons of claims.likelihood, expectation verbs ("is expected to") and
horizons ("by 2024", "in the coming years"). Offsets are code points of the
source's normalised text, like passages.
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
    r"\b(?:(?:is|are|be|been)\s+expected|expect(?:s|ed)?\s+(?:that|(?:\w+\s+){0,2}to)|expectations?|"
    r"(?:un)?likely\s+to|"
    r"predict\w*|forecast\w*|anticipat\w*|prospects?\s+(?:of|for)|foresee\w*|"
    r"(?:high|low|little|no|some|real|good)\s+(?:probability|chance|likelihood|risk)|"
    r"chances?\s+(?:of|that|are)|may\s+not\s+take\s+place|in\s+store|outlook|scenario\w*|"
    r"(?:is|are)\s+(?:un)?likely|remains?\s+(?:very\s+|highly\s+)?(?:un)?likely)\b",
    re.IGNORECASE,
)
_MODAL = re.compile(r"\b(?:may|might|could|would|can't|cannot)\b", re.IGNORECASE)
# "will" as a noun: "political will", "the will of", "good will".
_WILL_NOUN = re.compile(
    r"\b(?:political|good|free|ill|own|the|his|her|their|its|people's|popular|'s)\s+will\b"
    r"|\bwill\s+(?:of|to\s+power)\b|\bwill['’]s\b",
    re.IGNORECASE,
)
# "were poised to", "was about to": a past view of what then lay ahead.
_PAST_FUTURE = re.compile(r"\b(?:was|were)\s+(?:poised|set|going|about|bound)\s+to\b", re.IGNORECASE)
_REPORTED_PAST = re.compile(r"\b(?:would|could)\s+have\b", re.IGNORECASE)

# Weights of each cue; a sentence is suggested when they add up to THRESHOLD.
WEIGHTS = {"lexicon": 2.0, "expect": 2.0, "future": 2.0, "horizon": 1.0, "modal": 1.0}
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


def score_sentence(sentence: str) -> tuple[float, tuple[str, ...], str, str]:
    """(score, cues, likelihood phrase, horizon) for one sentence."""
    cues = []
    phrases = likelihood.find_phrases(sentence) or likelihood.find_phrases(sentence, "kent")
    phrase = phrases[0].phrase if phrases else ""
    if phrase:
        cues.append("lexicon")
    if _EXPECT.search(sentence):
        cues.append("expect")
    not_future = {m.end() for m in _WILL_NOUN.finditer(sentence)}
    not_future |= {m.end() for m in _PAST_FUTURE.finditer(sentence)}
    if any(m.end() not in not_future for m in _FUTURE.finditer(sentence)):
        cues.append("future")
    horizon_match = _HORIZON.search(sentence)
    horizon = horizon_match.group(0) if horizon_match else ""
    if horizon:
        cues.append("horizon")
    modals = list(_MODAL.finditer(sentence))
    if modals and len(modals) > len(_REPORTED_PAST.findall(sentence)):
        cues.append("modal")
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
