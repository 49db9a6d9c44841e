"""python manage.py generate_corpus --claims N: a large, realistic, synthetic dataset for benchmarks.

Sources with long texts, passages that anchor exactly (text[start:end] == exact, prefix and
suffix taken from the text), actors whose claims follow a Zipf-like law (a few very prolific
claimants), topics, forecasts with ICD 203 / Kent phrases and horizons, and verifications
(with some re-resolutions). Rows go in through bulk paths: COPY on PostgreSQL, bulk_create
elsewhere. No history rows are written: the generated data has no edits to record. At the end
every actor's score summary (ActorScoreSummary) is built, as rebuild_score_summaries would.

The same --seed and --today (by default the current day) give the same corpus on an empty
database: which forecasts are due, and so get verdicts, depends on the day.
"""

import datetime as dt
import hashlib
import itertools
import json
import math
import queue
import random
import sys
import threading
from bisect import bisect
from dataclasses import dataclass, field
from functools import cache

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from claims import likelihood
from claims.management.commands.rebuild_score_summaries import rebuild_summaries
from claims.models import Actor, Claim, Forecast, Topic, Verification
from sources.models import QUOTE_CONTEXT, Passage, Source, SourceRevision

CLAIMS_PER_SOURCE = 200
# Sentences in a source that carry no claim, per claim-bearing sentence.
FILLER_RATIO = 0.3
CLAIMS_PER_ACTOR = 200
ZIPF_EXPONENT = 1.07

TOPICS = [
    ("Arms control", "arms-control", None),
    ("Nuclear weapons", "nuclear-weapons", "arms-control"),
    ("Sanctions", "sanctions", None),
    ("Ukraine", "ukraine", None),
    ("China", "china", None),
    ("NATO", "nato", None),
    ("Energy", "energy", None),
    ("Cyber", "cyber", None),
    ("Middle East", "middle-east", None),
    ("Syria", "syria", "middle-east"),
    ("Arctic", "arctic", None),
    ("Elections", "elections", None),
    ("Trade", "trade", None),
    ("Terrorism", "terrorism", None),
    ("Belarus", "belarus", None),
    ("Economy", "economy", None),
]
# Topic popularity is skewed too: the first topics are the most common.
TOPIC_WEIGHTS = [1 / (rank + 1) ** 0.8 for rank in range(len(TOPICS))]

# What each topic's forecasts and assertions are about ({x} is a subject's name).
OUTCOMES = {
    "arms-control": [
        "{x} will agree to extend New START",
        "{x} will return to talks on strategic stability",
        "{x} will withdraw from the Open Skies Treaty",
        "{x} will accept verification of intermediate-range missiles",
    ],
    "nuclear-weapons": [
        "{x} will deploy new non-strategic nuclear weapons",
        "{x} will resume nuclear testing",
        "{x} will lower the threshold for nuclear use in its doctrine",
    ],
    "sanctions": [
        "{x} will lift sectoral sanctions on the energy sector",
        "{x} will impose new sanctions on sovereign debt",
        "{x} will ease sanctions in exchange for a ceasefire",
        "sanctions will cut {x}’s oil revenue by a third",
    ],
    "ukraine": [
        "{x} will launch a full-scale military intervention in Ukraine",
        "{x} will implement the Minsk agreements",
        "{x} will recognise the separatist republics in the Donbas",
        "{x} will supply Ukraine with long-range missiles",
    ],
    "china": [
        "{x} will form a military alliance with China",
        "{x} will become dependent on Chinese technology",
        "{x} will mediate between Moscow and Beijing",
    ],
    "nato": [
        "{x} will join NATO",
        "{x} will station troops permanently on NATO’s eastern flank",
        "{x} will block the alliance’s enlargement",
    ],
    "energy": [
        "{x} will complete the Nord Stream 2 pipeline",
        "{x} will cut gas supplies to Europe",
        "{x} will end its dependence on Russian gas",
    ],
    "cyber": [
        "{x} will attack critical infrastructure with cyber weapons",
        "{x} will agree to norms for state behaviour in cyberspace",
        "{x} will interfere in elections through hacking",
    ],
    "middle-east": [
        "{x} will move closer to Iran",
        "{x} will broker a settlement between Israel and its neighbours",
        "{x} will expand its naval presence in the Mediterranean",
    ],
    "syria": [
        "{x} will withdraw its forces from Syria",
        "{x} will fund the reconstruction of Syria",
        "{x} will keep the Assad government in power",
    ],
    "arctic": [
        "{x} will militarise the Arctic coastline",
        "{x} will open the Northern Sea Route to year-round shipping",
    ],
    "elections": [
        "{x} will interfere in the next presidential election",
        "{x} will hold early parliamentary elections",
    ],
    "trade": [
        "{x} will double its trade with Asia",
        "{x} will leave the World Trade Organization",
        "{x} will sign a free-trade agreement with the Eurasian Economic Union",
    ],
    "terrorism": [
        "{x} will cooperate on counter-terrorism intelligence",
        "{x} will suffer a major terrorist attack",
    ],
    "belarus": [
        "{x} will absorb Belarus into a union state",
        "{x} will station nuclear weapons in Belarus",
    ],
    "economy": [
        "{x} will enter a prolonged recession",
        "{x} will see its currency fall by half",
        "{x} will default on its foreign debt",
    ],
}

OPENERS = [
    "{c} believes that",
    "According to {c},",
    "{c} argues that",
    "In the view of {c},",
    "{c} expects that",
    "{c} told reporters that",
    "As {c} sees it,",
]
ASSERTION_VERBS = [
    "{c} states that {o}.",
    "{c} insists that {o}.",
    "{c} recommends that Washington prepare for the possibility that {o}.",
    "{c} assesses that the evidence shows {o}.",
]
FILLERS = [
    "The relationship has gone through several cycles of engagement and estrangement since the end of "
    "the Cold War.",
    "This section reviews the record of the past decade before turning to the scenarios.",
    "Officials on both sides spoke on condition of anonymity.",
    "The figures below are drawn from open sources and official statements.",
    "Résumé: the debate in Moscow and Washington has narrowed to a handful of options.",
    "Much depends on domestic politics, which neither capital fully controls.",
    "The next part looks at the economic dimension — trade, investment and energy.",
    "Critics call this “wishful thinking”; supporters call it realism.",
]
REPORT_WORDS = [
    "Russia",
    "United States",
    "Relations",
    "Strategic Stability",
    "Sanctions",
    "Europe",
    "Security",
    "Deterrence",
    "Dialogue",
    "Outlook",
    "Scenarios",
    "Energy",
    "Great-Power Competition",
]
PUBLISHERS = [
    "Carnegie Moscow Center",
    "RAND Corporation",
    "Valdai Discussion Club",
    "Russian International Affairs Council",
    "Brookings Institution",
    "Chatham House",
    "Council on Foreign Relations",
    "Center for Strategic and International Studies",
    "European Council on Foreign Relations",
    "The Moscow Times",
    "Foreign Affairs",
    "War on the Rocks",
]
ACTOR_BASES = [
    ("Kremlin", "government_body", "RU"),
    ("Russian experts", "expert_group", "RU"),
    ("US State Department", "government_body", "US"),
    ("Pentagon", "government_body", "US"),
    ("NATO", "organisation", ""),
    ("European Union", "organisation", ""),
    ("Russia", "state", "RU"),
    ("United States", "state", "US"),
    ("China", "state", "CN"),
    ("Ukraine", "state", "UA"),
    ("Belarus", "state", "BY"),
    ("Iran", "state", "IR"),
    ("Germany", "state", "DE"),
    ("Turkey", "state", "TR"),
]
FIRST_NAMES = [
    "Andrei", "Dmitri", "Fiona", "Angela", "Michael", "Olga", "Sergei", "Tatiana", "Samuel", "Ivan",
    "Maria", "Thomas", "Nadia", "Pavel", "Rose", "Fyodor", "Elena", "James", "Yulia", "Peter",
    "Hélène", "Jürgen", "Zoë", "Łukasz", "Søren",
]  # fmt: skip
LAST_NAMES = [
    "Kortunov", "Trenin", "Hill", "Stent", "McFaul", "Oliker", "Charap", "Lukyanov", "Karaganov",
    "Krastev", "Kofman", "Gabuev", "Baunov", "Stanovaya", "Rumer", "Kolesnikov", "Sokolov",
    "Petrova", "Ivanova", "Novak", "Carrère", "Müller", "Brzeziński", "Nørgaard", "Ortega",
]  # fmt: skip
ORG_WORDS = ["Institute", "Center", "Council", "Foundation", "Forum", "Initiative", "Programme", "Group"]
ORG_TOPICS = ["Strategic Studies", "Eurasian Affairs", "Security Policy", "Global Risk", "Arms Control",
              "Energy Security", "Foreign Policy", "Transatlantic Relations"]  # fmt: skip

# Likelihood phrases as written: every ICD 203 form and the common Kent forms, weighted
# towards the words analysts actually use most.
ICD_PHRASES = [
    form
    for term, (_, synonyms) in likelihood.ICD_203.items()
    for form in (term, *synonyms)
    if form not in ("almost certain",)
] + ["almost certainly", "remains very unlikely", "is likely", "is unlikely"]
KENT_PHRASES = ["probable", "chances about even", "probably not", "almost certainly not", "we doubt"]
EXPLICIT_PHRASES = ["10%", "25%", "40%", "60%", "70%", "85%", "90 per cent"]

HORIZONS = [
    ("by {year}", "year"),
    ("by the end of {year}", "year"),
    ("in the coming years", 3),
    ("within five years", 5),
    ("in the near term", 1),
    ("over the next decade", 10),
    ("by the end of the decade", "decade"),
    ("next year", "next"),
    ("", None),
]

VERDICT_RATIONALES = [
    "Official statements and reporting by several outlets confirm the outcome.",
    "The outcome occurred only in part; see the evidence for the details.",
    "No such development took place before the resolve-by date.",
    "The sources disagree and the facts remain unclear.",
    "The question assumed a treaty that was never signed, so it cannot be judged.",
]


@dataclass
class Batch:
    """Rows waiting to be written, per model, in a fixed field order."""

    rows: dict = field(default_factory=lambda: {m: [] for m in WRITE_ORDER})

    def size(self) -> int:
        return len(self.rows[Claim])


SUBJECTS_THROUGH = Claim.subjects.through
TOPICS_THROUGH = Claim.topics.through
AUTHORS_THROUGH = Source.authors.through

FIELDS = {
    Source: [
        "id", "title", "kind", "publisher", "published_on", "published_precision", "url", "language",
        "text", "text_sha256", "revision", "provenance", "notes", "created_at", "modified_at",
    ],
    SourceRevision: ["id", "source_id", "number", "text", "text_sha256", "reason", "created_at"],
    AUTHORS_THROUGH: ["id", "source_id", "actor_id"],
    Passage: [
        "id", "source_id", "start", "end", "exact", "prefix", "suffix", "revision", "anchor_status",
        "created_at", "modified_at",
    ],
    Claim: [
        "id", "passage_id", "statement", "kind", "claimant_id", "review_state", "reviewed_at",
        "created_at", "modified_at",
    ],
    SUBJECTS_THROUGH: ["id", "claim_id", "actor_id"],
    TOPICS_THROUGH: ["id", "claim_id", "topic_id"],
    Forecast: [
        "id", "claim_id", "outcome", "made_on", "horizon_text", "resolve_by", "likelihood_phrase",
        "lexicon", "phrase_applies_to", "probability_low", "probability_high", "probability",
        "resolution_criteria", "condition", "verdict", "verified_at", "claimant_id", "review_state",
        "created_at", "modified_at",
    ],
    Verification: [
        "id", "forecast_id", "verdict", "rationale", "evidence", "reason", "supersedes_id", "created_at",
    ],
}  # fmt: skip
# Parents before children, so every foreign key points at a row already written.
WRITE_ORDER = list(FIELDS)
JSON_FIELDS = {(Source, "provenance"), (Verification, "evidence")}


@cache
def _estimate(phrase: str, lexicon: str, negated: bool):
    if lexicon == Forecast.Lexicon.EXPLICIT:
        value = likelihood.parse_explicit(phrase)
        value = round(1 - value, 6) if negated else value
        return value, value, value
    estimate = likelihood.lookup(phrase, lexicon, negated=negated)
    return estimate.low, estimate.high, estimate.point


def zipf_cumulative(n: int, exponent: float = ZIPF_EXPONENT) -> list[float]:
    """Cumulative weights 1/rank^s for ranks 1..n (for bisect-based sampling)."""
    return list(itertools.accumulate(1 / (rank**exponent) for rank in range(1, n + 1)))


def _next_ids(models) -> dict:
    ids = {}
    for model in models:
        last = model.objects.order_by("-id").values_list("id", flat=True).first()
        ids[model] = itertools.count((last or 0) + 1)
    return ids


class Generator:
    """Builds the rows of the corpus source by source; writes them in batches."""

    def __init__(self, *, claims: int, seed: int, today: dt.date, batch_claims: int, progress):
        self.total_claims = claims
        self.random = random.Random(seed)
        self.today = today
        self.batch_claims = batch_claims
        self.progress = progress
        self.batch = Batch()
        self.ids = _next_ids(WRITE_ORDER)
        self.counts = dict.fromkeys(WRITE_ORDER, 0)
        self.postgres = connection.vendor == "postgresql"
        self.superuser = None
        self.queue = queue.Queue(maxsize=2)
        self.writer = None
        self.writer_error = None

    # Reference data ------------------------------------------------------------------------

    def make_topics(self) -> list[Topic]:
        topics = {}
        for name, slug, parent in TOPICS:
            topic = Topic.objects.filter(slug=slug).first()
            if topic is None:
                topic = Topic.objects.create(
                    name=name, slug=slug, parent=topics.get(parent), description=f"Claims about {name}."
                )
            topics[slug] = topic
        return [topics[slug] for _, slug, _ in TOPICS]

    def _actor_name(self, index: int) -> tuple[str, str, str]:
        if index < len(ACTOR_BASES):
            return ACTOR_BASES[index]
        kind = self.random.choice(["person", "person", "person", "organisation", "expert_group", "media"])
        if kind == "person":
            name = f"{self.random.choice(FIRST_NAMES)} {self.random.choice(LAST_NAMES)}"
        else:
            name = f"{self.random.choice(ORG_TOPICS)} {self.random.choice(ORG_WORDS)}"
        return f"{name} ({index})", kind, self.random.choice(["RU", "US", "GB", "DE", "FR", "", ""])

    def make_actors(self, n: int) -> list[int]:
        ids = _next_ids([Actor])[Actor]
        now = timezone.now()
        actors = []
        for index in range(n):
            name, kind, country = self._actor_name(index)
            actors.append(
                Actor(
                    id=next(ids),
                    name=name,
                    kind=kind,
                    country=country,
                    aliases=[name.upper()] if index % 7 == 0 else [],
                    description=f"Generated actor number {index}.",
                    created_at=now,
                    modified_at=now,
                )
            )
        # Actors are few (N/200); bulk_create is quick enough on every database.
        Actor.objects.bulk_create(actors, batch_size=2000)
        self.counts[Actor] = n
        return [actor.id for actor in actors]

    # Rows ----------------------------------------------------------------------------------

    def _forecast_sentence(self, claimant: str, outcome: str, phrase: str, horizon: str, negated: bool):
        core = outcome
        if negated:
            core = core.replace(" will ", " will not ", 1)
        opener = self.random.choice(OPENERS).format(c=claimant)
        tail = f" {horizon}" if horizon else ""
        return f"{opener} it is {phrase} that {core}{tail}."

    def _resolve_by(self, made_on: dt.date, rule) -> dt.date | None:
        if rule is None:
            return None
        if rule == "year":
            return dt.date(made_on.year + self.random.randint(1, 4), 12, 31)
        if rule == "decade":
            return dt.date(made_on.year // 10 * 10 + 9, 12, 31)
        if rule == "next":
            return dt.date(made_on.year + 1, 12, 31)
        return made_on + dt.timedelta(days=365 * rule)

    def generate(self, *, actor_ids: list[int], topics: list[Topic]) -> None:
        rnd = self.random
        actor_cum = zipf_cumulative(len(actor_ids))
        actor_total = actor_cum[-1]
        topic_cum = list(itertools.accumulate(TOPIC_WEIGHTS))
        topic_total = topic_cum[-1]
        names = dict(Actor.objects.filter(id__in=actor_ids).values_list("id", "name"))
        remaining = self.total_claims
        while remaining > 0:
            in_source = min(remaining, max(1, int(rnd.gauss(CLAIMS_PER_SOURCE, CLAIMS_PER_SOURCE / 4))))
            self._source(in_source, actor_ids, names, actor_cum, actor_total, topics, topic_cum, topic_total)
            remaining -= in_source
            if self.batch.size() >= self.batch_claims:
                self.flush()
        self.flush()
        self.finish()

    def _pick_actor(self, actor_ids, cum, total) -> int:
        return actor_ids[min(bisect(cum, self.random.random() * total), len(actor_ids) - 1)]

    def _source(self, n_claims, actor_ids, names, actor_cum, actor_total, topics, topic_cum, topic_total):
        rnd = self.random
        rows = self.batch.rows
        source_id = next(self.ids[Source])
        published_on = dt.date(2005, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 20))
        created_at = dt.datetime.combine(
            published_on + dt.timedelta(days=rnd.randrange(0, 400)), dt.time(9, 0), tzinfo=dt.UTC
        )
        # dict.fromkeys: distinct and in drawing order, so the same seed gives the same corpus
        # whatever the ids are (a set's order follows the ids).
        authors = list(
            dict.fromkeys(
                self._pick_actor(actor_ids, actor_cum, actor_total) for _ in range(rnd.randint(1, 3))
            )
        )

        # Claim-bearing sentences first (as plans), then the text, then offsets.
        plans = []
        for _ in range(n_claims):
            claimant_id = self._pick_actor(actor_ids, actor_cum, actor_total)
            topic_picks = list(
                dict.fromkeys(
                    topics[min(bisect(topic_cum, rnd.random() * topic_total), len(topics) - 1)]
                    for _ in range(rnd.choice((1, 1, 2)))
                )
            )
            main_topic = topic_picks[0]
            subject_ids = list(
                dict.fromkeys(
                    self._pick_actor(actor_ids, actor_cum, actor_total)
                    for _ in range(rnd.choice((0, 1, 1, 2)))
                )
            )
            subject_name = names[subject_ids[0]] if subject_ids else rnd.choice(("Moscow", "Washington"))
            outcome = rnd.choice(OUTCOMES[main_topic.slug]).format(x=subject_name)
            kind = rnd.choices(("forecast", "assertion", "assessment", "recommendation"), (35, 40, 15, 10))[0]
            plan = {
                "claimant_id": claimant_id,
                "topic_ids": [t.id for t in topic_picks],
                "subject_ids": subject_ids,
                "outcome": outcome,
                "kind": kind,
            }
            claimant = names[claimant_id]
            if kind == "forecast":
                lexicon = rnd.choices(("icd203", "kent", "explicit"), (80, 12, 8))[0]
                phrase = rnd.choice(
                    {"icd203": ICD_PHRASES, "kent": KENT_PHRASES, "explicit": EXPLICIT_PHRASES}[lexicon]
                )
                negated = rnd.random() < 0.06
                horizon_template, rule = rnd.choice(HORIZONS)
                resolve_by = self._resolve_by(published_on, rule)
                horizon = horizon_template.format(year=resolve_by.year if resolve_by else "")
                sentence = self._forecast_sentence(claimant, outcome, phrase, horizon, negated)
                plan.update(
                    lexicon=lexicon, phrase=phrase, negated=negated, horizon=horizon, resolve_by=resolve_by
                )
            else:
                sentence = rnd.choice(ASSERTION_VERBS).format(c=claimant, o=outcome)
            plan["sentence"] = sentence
            plans.append(plan)

        pieces = [f"{self._title()}\n\n"]
        offset = len(pieces[0])
        spans = []
        fillers = int(n_claims * FILLER_RATIO)
        order = [*range(n_claims), *([-1] * fillers)]
        rnd.shuffle(order)
        for position, index in enumerate(order):
            sentence = plans[index]["sentence"] if index >= 0 else rnd.choice(FILLERS)
            if index >= 0:
                spans.append((index, offset, offset + len(sentence)))
            separator = "\n\n" if position % 6 == 5 else " "
            pieces.append(sentence + separator)
            offset += len(sentence) + len(separator)
        text = "".join(pieces)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        title = pieces[0].strip()
        provenance = json.dumps({"title": {"basis": "stated", "evidence": "generated"}})
        rows[Source].append(
            (source_id, title, rnd.choice(("report", "brief", "article", "opinion")), rnd.choice(PUBLISHERS),
             published_on, "day", f"https://example.org/reports/{source_id}", "en", text, sha, 1,
             provenance, "", created_at, created_at)
        )  # fmt: skip
        rows[SourceRevision].append(
            (next(self.ids[SourceRevision]), source_id, 1, text, sha, "created", created_at)
        )
        for actor_id in authors:
            rows[AUTHORS_THROUGH].append((next(self.ids[AUTHORS_THROUGH]), source_id, actor_id))

        for index, start, end in spans:
            plan = plans[index]
            passage_id = next(self.ids[Passage])
            rows[Passage].append(
                (passage_id, source_id, start, end, text[start:end],
                 text[max(0, start - QUOTE_CONTEXT) : start],
                 text[end : end + QUOTE_CONTEXT], 1, "anchored", created_at, created_at)
            )  # fmt: skip
            claim_id = next(self.ids[Claim])
            claim_created = created_at + dt.timedelta(minutes=rnd.randrange(0, 60 * 24 * 30))
            state = rnd.choices(("published", "in_review", "draft", "rejected"), (72, 10, 13, 5))[0]
            reviewed_at = claim_created + dt.timedelta(days=2) if state in ("published", "rejected") else None
            statement = plan["outcome"][0].upper() + plan["outcome"][1:] + "."
            rows[Claim].append(
                (claim_id, passage_id, statement, plan["kind"], plan["claimant_id"], state, reviewed_at,
                 claim_created, reviewed_at or claim_created)
            )  # fmt: skip
            for actor_id in plan["subject_ids"]:
                rows[SUBJECTS_THROUGH].append((next(self.ids[SUBJECTS_THROUGH]), claim_id, actor_id))
            for topic_id in plan["topic_ids"]:
                rows[TOPICS_THROUGH].append((next(self.ids[TOPICS_THROUGH]), claim_id, topic_id))
            if plan["kind"] == "forecast":
                self._forecast(plan, claim_id, state, published_on, claim_created)

    def _title(self) -> str:
        words = self.random.sample(REPORT_WORDS, 3)
        return f"{words[0]} and {words[1]}: {words[2]} in {self.random.randrange(2005, 2026)}"

    def _forecast(self, plan, claim_id, review_state, made_on, created_at) -> None:
        rnd = self.random
        rows = self.batch.rows
        negated = plan["negated"]
        low, high, point = _estimate(plan["phrase"], plan["lexicon"], negated)
        forecast_id = next(self.ids[Forecast])
        verdict, verified_at = "", None
        resolve_by = plan["resolve_by"]
        due = resolve_by is not None and resolve_by < self.today
        if due and rnd.random() < 0.6:
            # Outcomes happen about as often as forecast, so scores are realistic.
            happened = rnd.random() < point
            verdict = rnd.choices(
                ("borne_out" if happened else "not_borne_out", "partly_borne_out", "ambiguous", "annulled"),
                (85, 8, 5, 2),
            )[0]
            verified_at = dt.datetime.combine(resolve_by, dt.time(12, 0), tzinfo=dt.UTC) + dt.timedelta(
                days=rnd.randrange(1, 90)
            )
            first_verdict = verdict
            superseded = None
            if rnd.random() < 0.05:
                # A re-resolution: an earlier, different verdict kept and superseded.
                first_verdict = "ambiguous" if verdict != "ambiguous" else "partly_borne_out"
            verification_id = next(self.ids[Verification])
            evidence = json.dumps(
                [
                    {
                        "url": f"https://example.org/evidence/{forecast_id}",
                        "title": f"Evidence for forecast {forecast_id}",
                        "quote": plan["outcome"],
                        "date": resolve_by.isoformat(),
                    }
                ]
            )
            rationale = VERDICT_RATIONALES[
                ("borne_out", "partly_borne_out", "not_borne_out", "ambiguous", "annulled").index(
                    first_verdict
                )
            ]
            rows[Verification].append(
                (verification_id, forecast_id, first_verdict, rationale, evidence, "", None,
                 verified_at - dt.timedelta(days=1) if first_verdict != verdict else verified_at)
            )  # fmt: skip
            if first_verdict != verdict:
                superseded = verification_id
                rationale = VERDICT_RATIONALES[
                    ("borne_out", "partly_borne_out", "not_borne_out", "ambiguous", "annulled").index(verdict)
                ]
                rows[Verification].append(
                    (next(self.ids[Verification]), forecast_id, verdict, rationale, evidence,
                     "New reporting settled the question.", superseded, verified_at)
                )  # fmt: skip
        outcome = plan["outcome"]
        rows[Forecast].append(
            (forecast_id, claim_id, outcome, made_on, plan["horizon"], resolve_by, plan["phrase"],
             plan["lexicon"], "negation" if negated else "outcome", low, high, point,
             f"Resolved by public reporting on whether {outcome}.",
             "if the US moves closer to Iran" if rnd.random() < 0.03 else "",
             verdict, verified_at, plan["claimant_id"], review_state, created_at, verified_at or created_at)
        )  # fmt: skip

    # Writing -------------------------------------------------------------------------------

    def _bulk_session(self) -> None:
        """On PostgreSQL, skip per-row foreign key triggers when allowed (superuser) and do not wait
        for the WAL flush: the generator builds every reference itself, and a lost batch is regenerated.
        """
        if not self.postgres:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            if self.superuser is None:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                self.superuser = bool(cursor.fetchone()[0])
            if self.superuser:
                cursor.execute("SET LOCAL session_replication_role = replica")

    def flush(self) -> None:
        """Write the batch: in a background thread on PostgreSQL outside a transaction, so that
        building the next batch (Python) overlaps with loading this one (the database)."""
        batch, self.batch = self.batch, Batch()
        if self.postgres and not connection.in_atomic_block:
            if self.writer is None:
                self.writer = threading.Thread(target=self._write_queued, name="corpus-writer", daemon=True)
                self.writer.start()
            self._raise_writer_error()
            self.queue.put(batch)
        else:
            self._write_batch(batch)

    def finish(self) -> None:
        if self.writer is not None:
            self.queue.put(None)
            self.writer.join()
            self._raise_writer_error()

    def _raise_writer_error(self) -> None:
        if self.writer_error is not None:
            raise CommandError(f"Writing a batch failed: {self.writer_error}") from self.writer_error

    def _write_queued(self) -> None:
        try:
            while (batch := self.queue.get()) is not None:
                if self.writer_error is None:
                    self._write_batch(batch)
        except Exception as error:  # reported by the main thread at its next flush
            self.writer_error = error
            while self.queue.get() is not None:
                pass
        finally:
            connection.close()

    def _write_batch(self, batch: Batch) -> None:
        with transaction.atomic():
            self._bulk_session()
            for model in WRITE_ORDER:
                rows = batch.rows[model]
                if rows:
                    self._write(model, rows)
                    self.counts[model] += len(rows)
        self.progress(batch.size())

    def _write(self, model, rows) -> None:
        names = FIELDS[model]
        if self.postgres:
            columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        json_positions = [i for i, n in enumerate(names) if (model, n) in JSON_FIELDS]
        objects = []
        for row in rows:
            values = list(row)
            for i in json_positions:
                values[i] = json.loads(values[i])
            objects.append(model(**dict(zip(names, values, strict=True))))
        model.objects.bulk_create(objects, batch_size=500)

    def reset_sequences(self) -> None:
        if not self.postgres:
            return
        with connection.cursor() as cursor:
            for model in [Actor, *WRITE_ORDER]:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {connection.ops.quote_name(table)}))",
                    [table],
                )
            cursor.execute("ANALYZE")


class Command(BaseCommand):
    help = "Generate a large synthetic corpus (sources, passages, actors, claims, forecasts, verdicts)."

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, required=True, help="How many claims to generate.")
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed (same seed and day, same corpus)."
        )
        parser.add_argument(
            "--actors",
            type=int,
            default=None,
            help=f"Actors (default: claims / {CLAIMS_PER_ACTOR}, at least 20).",
        )
        parser.add_argument("--batch", type=int, default=20_000, help="Claims written per transaction.")
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None, help="The day verdicts are judged on."
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, claims, seed, actors, batch, today, no_progress, **options):
        if claims < 1:
            raise CommandError("--claims must be at least 1.")
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        n_actors = actors if actors is not None else max(20, math.ceil(claims / CLAIMS_PER_ACTOR))
        if n_actors < 1:
            raise CommandError("--actors must be at least 1.")
        if Actor.objects.filter(description__startswith="Generated actor").exists():
            raise CommandError(
                "This database already holds a generated corpus; generate into a fresh database."
            )
        with tqdm(
            total=claims,
            desc="Generating claims",
            unit="claim",
            unit_scale=True,
            disable=no_progress or options["verbosity"] == 0,
            file=sys.stderr,
        ) as bar:
            generator = Generator(
                claims=claims,
                seed=seed,
                today=today or timezone.localdate(),
                batch_claims=batch,
                progress=bar.update,
            )
            topics = generator.make_topics()
            actor_ids = generator.make_actors(n_actors)
            generator.generate(actor_ids=actor_ids, topics=topics)
            generator.reset_sequences()
        # Track records read these precomputed counts; without them each request would count an
        # actor's forecasts afresh (seconds for a prolific actor at 1M claims).
        rebuild_summaries(actor_ids, progress=not no_progress and options["verbosity"] > 0)
        counts = generator.counts
        self.stdout.write(
            f"{counts[Claim]} claims, {counts[Forecast]} forecasts, {counts[Verification]} verifications, "
            f"{counts[Passage]} passages, {counts[Source]} sources, {counts[Actor]} actors."
        )
