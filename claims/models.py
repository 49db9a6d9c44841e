"""Actors, topics, claims, forecasts and their verifications."""

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Lower
from django.urls import reverse

from config.db import JSONTextField
from config.history import HistoricalRecords


class ActorKind(models.TextChoices):
    STATE = "state", "State"
    GOVERNMENT_BODY = "government_body", "Government body"
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organisation"
    MEDIA = "media", "Media"
    EXPERT_GROUP = "expert_group", "Expert group"
    OTHER = "other", "Other"


class Actor(models.Model):
    """Someone who holds a view, is written about, or writes: a state, a body, a person."""

    Kind = ActorKind

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ActorKind, default=Kind.OTHER)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names, as a list.")
    country = models.CharField(max_length=100, blank=True)
    wikidata_id = models.CharField(max_length=20, blank=True, help_text="e.g. Q159")
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ActorKind.values), name="actor_kind_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="actor_name_not_empty"),
            models.CheckConstraint(
                condition=Q(wikidata_id="") | Q(wikidata_id__regex=r"^Q[1-9][0-9]*$"),
                name="actor_wikidata_id_format",
                violation_error_message="A Wikidata id looks like Q159: a Q followed by digits.",
            ),
            models.UniqueConstraint(
                Lower("name"),
                name="actor_name_unique_ci",
                violation_error_message="An actor with this name already exists.",
            ),
        ]
        indexes = [models.Index(fields=["kind"], name="actor_kind_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:claims_actor_change", args=[self.pk])


class Topic(models.Model):
    """A subject area of the small taxonomy (arms control, sanctions, Ukraine, ...)."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                name="topic_slug_unique",
                violation_error_message="A topic with this slug already exists.",
            ),
            models.UniqueConstraint(
                Lower("name"),
                name="topic_name_unique_ci",
                violation_error_message="A topic with this name already exists.",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="topic_name_not_empty"),
        ]

    def __str__(self):
        return self.name


class ClaimKind(models.TextChoices):
    ASSERTION = "assertion", "Assertion"
    FORECAST = "forecast", "Forecast"
    RECOMMENDATION = "recommendation", "Recommendation"
    ASSESSMENT = "assessment", "Assessment"


class ClaimReviewState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"


class Claim(models.Model):
    """A statement anchored in a passage: what the claimant holds, in the annotator's words."""

    Kind = ClaimKind

    ReviewState = ClaimReviewState

    passage = models.ForeignKey("sources.Passage", on_delete=models.PROTECT, related_name="claims")
    statement = models.TextField(help_text="A self-contained wording of the claim.")
    kind = models.CharField(max_length=20, choices=ClaimKind, default=Kind.ASSERTION)
    claimant = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text="Who holds the view (not necessarily the source's author).",
    )
    subjects = models.ManyToManyField(Actor, related_name="claims_about", blank=True)
    topics = models.ManyToManyField(Topic, related_name="claims", blank=True)
    review_state = models.CharField(max_length=16, choices=ClaimReviewState, default=ReviewState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords(m2m_fields=[subjects, topics])

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("review_claim", "Can publish or reject claims in review")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ClaimKind.values), name="claim_kind_valid"),
            models.CheckConstraint(
                condition=Q(review_state__in=ClaimReviewState.values),
                name="claim_review_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(statement=""),
                name="claim_statement_not_empty",
                violation_error_message="A claim needs a statement.",
            ),
        ]
        indexes = [
            models.Index(fields=["review_state", "kind"], name="claim_state_kind_idx"),
            # Ending in the id, a claimant's visible claims come out in id order, from the index
            # alone: counting a claimant's due forecasts merge-joins them with the forecasts.
            models.Index(fields=["claimant", "review_state", "id"], name="claim_claimant_state_id_idx"),
            # The same for all visible claims, for counts that merge-join on the claim id
            # (claims with a topic).
            models.Index(fields=["review_state", "id"], name="claim_state_id_idx"),
            models.Index(fields=["-created_at", "-id"], name="claim_created_idx"),
            # Public lists are published claims, newest first: without the state in the index,
            # PostgreSQL walked past ~28k newer drafts to find a page at a million claims.
            models.Index(fields=["review_state", "-created_at", "-id"], name="claim_state_created_idx"),
        ]

    def __str__(self):
        return self.statement if len(self.statement) <= 80 else self.statement[:77] + "…"

    def get_absolute_url(self):
        return reverse("admin:claims_claim_change", args=[self.pk])


class VerificationVerdict(models.TextChoices):
    BORNE_OUT = "borne_out", "Borne out"
    PARTLY_BORNE_OUT = "partly_borne_out", "Partly borne out"
    NOT_BORNE_OUT = "not_borne_out", "Not borne out"
    AMBIGUOUS = "ambiguous", "Ambiguous (facts unclear)"
    ANNULLED = "annulled", "Annulled (question flawed)"


class ForecastLexicon(models.TextChoices):
    ICD_203 = "icd203", "ICD 203"
    KENT = "kent", "Sherman Kent"
    EXPLICIT = "explicit", "Explicit number in the text"
    NONE = "none", "No likelihood stated"


class ForecastPolarity(models.TextChoices):
    OUTCOME = "outcome", "The outcome"
    NEGATION = "negation", "The outcome's negation"


class ForecastStatus(models.TextChoices):
    """Where a forecast stands: open, due, or the latest verdict."""

    OPEN = "open", "Open"
    DUE = "due", "Due"
    BORNE_OUT = "borne_out", "Borne out"
    PARTLY_BORNE_OUT = "partly_borne_out", "Partly borne out"
    NOT_BORNE_OUT = "not_borne_out", "Not borne out"
    AMBIGUOUS = "ambiguous", "Ambiguous"
    ANNULLED = "annulled", "Annulled"


class OpenUntil(Func):
    """A forecast's resolve_by, or infinity when it has none: the day until which a forecast
    without a verdict is open. In resolve_by order with nulls last (PostgreSQL's ascending
    order) a status's open forecasts are one range of it, so an index on it reads them from
    the first open one; "resolve_by from today, or none" is two ranges, and PostgreSQL read
    the forecasts past their date first (109,186 index entries for a page of the open ones,
    119 ms at a million claims). On SQLite dates are text, which 'infinity' sorts after."""

    template = "COALESCE(%(expressions)s, 'infinity')"
    output_field = models.DateField()

    def __init__(self):
        super().__init__(F("resolve_by"))

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "COALESCE(%(expressions)s, 'infinity'::date)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


class Forecast(models.Model):
    """The predictive part of a forecast claim: outcome, horizon and likelihood."""

    Lexicon = ForecastLexicon

    Polarity = ForecastPolarity

    Status = ForecastStatus

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="forecast")
    outcome = models.TextField(help_text="The predicted outcome, as the source expects it.")
    made_on = models.DateField(help_text="Defaults to the source's date.")
    horizon_text = models.CharField(
        max_length=200, blank=True, help_text='The horizon as written, e.g. "by 2024".'
    )
    resolve_by = models.DateField(null=True, blank=True)
    likelihood_phrase = models.CharField(
        max_length=100, blank=True, help_text='As written, e.g. "very unlikely".'
    )
    lexicon = models.CharField(max_length=10, choices=ForecastLexicon, default=Lexicon.ICD_203)
    phrase_applies_to = models.CharField(max_length=10, choices=ForecastPolarity, default=Polarity.OUTCOME)
    probability_low = models.FloatField(null=True, blank=True)
    probability_high = models.FloatField(null=True, blank=True)
    probability = models.FloatField(
        null=True, blank=True, help_text="Point probability that the outcome happens."
    )
    resolution_criteria = models.TextField(blank=True)
    condition = models.TextField(
        blank=True, help_text='Optional condition, e.g. "if the US moves closer to Iran".'
    )
    # The latest verification's verdict, kept by verification_create so that
    # status filters do not have to look at the verification table.
    verdict = models.CharField(max_length=20, blank=True, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Copies of the claim's claimant and review state, kept by the claim services in the same
    # transaction, so that a claimant's forecasts with a status are one index range: both
    # filters on one table. Joined, the most prolific claimant's due forecasts were counted by
    # merging ~9,600 forecast index entries with ~8,900 claims, and its open forecasts walked
    # ~110,000. Not in history (the claim's history has them), nor in dataset exports.
    claimant = models.ForeignKey(
        Actor, on_delete=models.PROTECT, null=True, editable=False, related_name="+", db_index=False
    )
    review_state = models.CharField(
        max_length=16, choices=ClaimReviewState, default=ClaimReviewState.DRAFT, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    COPIED_FROM_CLAIM = ("claimant", "review_state")

    history = HistoricalRecords(excluded_fields=list(COPIED_FROM_CLAIM))

    class Meta:
        ordering = ["resolve_by", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lexicon__in=ForecastLexicon.values), name="forecast_lexicon_valid"
            ),
            models.CheckConstraint(
                condition=Q(phrase_applies_to__in=ForecastPolarity.values),
                name="forecast_polarity_valid",
            ),
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__gte=0, probability__lte=1),
                name="forecast_probability_in_unit_interval",
                violation_error_message="The probability must be between 0 and 1.",
            ),
            models.CheckConstraint(
                condition=Q(probability_low__isnull=True, probability_high__isnull=True)
                | Q(
                    probability_low__gte=0,
                    probability_high__lte=1,
                    probability_low__lte=F("probability_high"),
                ),
                name="forecast_interval_ordered",
                violation_error_message=(
                    "The probability interval must lie within 0–1 with its low end not above its high end."
                ),
            ),
            models.CheckConstraint(
                condition=Q(probability__isnull=True)
                | Q(probability_low__isnull=True)
                | Q(probability_low__lte=F("probability"), probability__lte=F("probability_high")),
                name="forecast_point_within_interval",
                violation_error_message="The point probability must lie inside the probability interval.",
            ),
            models.CheckConstraint(
                condition=Q(resolve_by__isnull=True) | Q(resolve_by__gte=F("made_on")),
                name="forecast_resolve_by_not_before_made_on",
                violation_error_message=(
                    "The resolve-by date cannot be before the date the forecast was made."
                ),
            ),
            models.CheckConstraint(
                condition=Q(verdict="") | Q(verdict__in=VerificationVerdict.values),
                name="forecast_verdict_valid",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=""),
                name="forecast_outcome_not_empty",
                violation_error_message="A forecast needs the predicted outcome.",
            ),
        ]
        indexes = [
            models.Index(fields=["resolve_by", "id"], name="forecast_resolve_by_idx"),
            models.Index(fields=["verdict", "resolve_by"], name="forecast_verdict_idx"),
            # Forecasts with a verdict (or none), in claim order, with the date that tells due
            # from open: a claimant's due forecasts are counted from two indexes, no table rows
            # (43 ms to 6 ms for the most prolific claimant at a million claims).
            models.Index(fields=["verdict", "claim", "resolve_by"], name="forecast_verdict_claim_idx"),
            models.Index(fields=["probability"], name="forecast_probability_idx"),
            # The verified forecasts with what the leaderboard counts them by: each claimant's
            # (probability, interval, verdict) in key order, the claim (its source and topics)
            # and the phrase. Its counting statements read this index alone, not the table's
            # rows (the claimants' counting 284 ms to 35 ms at a million claims). All key
            # columns, as SQLite has no INCLUDE.
            models.Index(
                fields=[
                    "claimant",
                    "probability",
                    "probability_low",
                    "probability_high",
                    "verdict",
                    "claim",
                    "likelihood_phrase",
                    "review_state",
                ],
                condition=~Q(verdict=""),
                name="forecast_verified_cells_idx",
            ),
            # A claimant's forecasts by status, in the lists' order (resolve_by, id); the review
            # state last (a key column: SQLite has no INCLUDE) so that the public's count reads
            # no table rows.
            models.Index(
                fields=["claimant", "verdict", "resolve_by", "id", "review_state"],
                name="forecast_claimant_status_idx",
            ),
            # Open forecasts in the lists' order, all of them and a claimant's (OpenUntil).
            # resolve_by last: PostgreSQL reads an expression from an index alone only when
            # the index also holds its columns (the page's keys and its count, index only).
            models.Index(F("verdict"), OpenUntil(), F("id"), F("resolve_by"), name="forecast_open_idx"),
            models.Index(
                F("claimant"),
                F("verdict"),
                OpenUntil(),
                F("id"),
                F("review_state"),
                F("resolve_by"),
                name="forecast_claimant_open_idx",
            ),
        ]

    def __str__(self):
        return f"Forecast: {self.outcome[:70]}"

    def get_absolute_url(self):
        return reverse("admin:claims_forecast_change", args=[self.pk])

    def status_on(self, today):
        """The status on a given day: the latest verdict, else due or open."""
        return self.status_of(self.verdict, self.resolve_by, today)

    @classmethod
    def status_of(cls, verdict: str, resolve_by, today) -> str:
        """status_on for a forecast read as plain values (a list row)."""
        if verdict:
            return verdict
        if resolve_by is not None and resolve_by < today:
            return cls.Status.DUE
        return cls.Status.OPEN


class Verification(models.Model):
    """A verdict on a forecast; append-only, the latest one is the forecast's status."""

    Verdict = VerificationVerdict

    forecast = models.ForeignKey(Forecast, on_delete=models.PROTECT, related_name="verifications")
    verdict = models.CharField(max_length=20, choices=Verdict)
    rationale = models.TextField()
    evidence = models.JSONField(default=list, help_text="A list of {url, title, quote, date} objects.")
    reason = models.TextField(
        blank=True, help_text="Why an earlier verdict is revised (required on re-resolution)."
    )
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["forecast", "-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=VerificationVerdict.values),
                name="verification_verdict_valid",
            ),
            models.CheckConstraint(
                condition=~Q(rationale=""),
                name="verification_rationale_not_empty",
                violation_error_message="A verdict needs a written rationale.",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(reason=""),
                name="verification_reresolution_has_reason",
                violation_error_message="A re-resolution needs a reason for revising the earlier verdict.",
            ),
        ]
        indexes = [
            models.Index(fields=["forecast", "-created_at"], name="verification_forecast_idx"),
        ]

    def __str__(self):
        return f"{self.get_verdict_display()} — {self.forecast}"


class ActorScoreSummary(models.Model):
    """Precomputed track-record inputs of one actor, rewritten by the services that change them.

    `data` holds, for each role (claimant, author), the actor's verified forecasts counted by
    what scoring needs (published or not, probability and interval, verdict, phrase, and the
    key of each breakdown), and the ids of the most recent ones. claims.track_records reads it;
    `manage.py rebuild_score_summaries` rebuilds every row from scratch.
    """

    actor = models.OneToOneField(Actor, on_delete=models.CASCADE, primary_key=True, related_name="+")
    data = JSONTextField(default=dict)
    # The track records computed from `data` at the default calibration bins, one column per
    # scope (every forecast, or those of published claims), as JSON text: a track record reads
    # one scope as it was written. Kept as jsonb, PostgreSQL spent ~2 ms writing the top
    # claimant's scope out as text on every request. Empty until first computed.
    records_all = models.TextField(default="")
    records_published = models.TextField(default="")
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Score summary of actor {self.actor_id}"
