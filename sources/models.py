"""Sources (the documents claims come from) and passages (spans of their text)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from config.history import HistoricalRecords

QUOTE_CONTEXT = 32  # code points of prefix and suffix kept with every passage


class SourceKind(models.TextChoices):
    REPORT = "report", "Report"
    BRIEF = "brief", "Brief"
    ARTICLE = "article", "Article"
    OPINION = "opinion", "Opinion"
    WEB_PAGE = "web_page", "Web page"
    TRANSCRIPT = "transcript", "Transcript"
    OTHER = "other", "Other"


class SourceDatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class SourceBasis(models.TextChoices):
    """How a metadata field is known."""

    STATED = "stated", "Stated in the text"
    INFERRED = "inferred", "Inferred from the text"
    EDITOR = "editor", "Added by an editor"


class Source(models.Model):
    """A document whose text annotators turn into claims and forecasts."""

    Kind = SourceKind

    DatePrecision = SourceDatePrecision

    Basis = SourceBasis

    title = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=SourceKind, default=Kind.OTHER)
    publisher = models.CharField(max_length=200, blank=True)
    authors = models.ManyToManyField("claims.Actor", related_name="authored_sources", blank=True)
    published_on = models.DateField(
        null=True,
        blank=True,
        help_text="First day of the period when the precision is month or year.",
    )
    published_precision = models.CharField(
        max_length=5, choices=SourceDatePrecision, default=DatePrecision.DAY
    )
    url = models.URLField(max_length=1000, blank=True)
    language = models.CharField(max_length=16, default="en", help_text="BCP 47 tag, e.g. en.")
    text = models.TextField(help_text="Normalised text: \\n newlines, Unicode NFC.")
    text_sha256 = models.CharField(max_length=64, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)
    provenance = models.JSONField(
        default=dict,
        blank=True,
        help_text='How each metadata field is known: {"field": {"basis": "stated|inferred|editor", '
        '"evidence": "..."}}.',
    )
    notes = models.TextField(blank=True)
    import_key = models.CharField(  # noqa: DJ001 - NULL keeps the unique constraint off hand-made sources
        max_length=200,
        null=True,
        blank=True,
        editable=False,
        help_text="Identifies the source across imports (the seed file's name).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    # The text itself is kept in SourceRevision; the history tracks metadata.
    history = HistoricalRecords(excluded_fields=["text"], m2m_fields=[authors])

    class Meta:
        ordering = ["-published_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SourceKind.values), name="source_kind_valid"),
            models.CheckConstraint(
                condition=Q(published_precision__in=SourceDatePrecision.values),
                name="source_published_precision_valid",
            ),
            models.CheckConstraint(
                condition=~Q(title=""),
                name="source_title_not_empty",
                violation_error_message="A source needs a title.",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="source_revision_positive"),
            models.UniqueConstraint(fields=["import_key"], name="source_import_key_unique"),
        ]
        indexes = [
            models.Index(fields=["kind"], name="source_kind_idx"),
            models.Index(fields=["published_on", "id"], name="source_published_idx"),
            models.Index(fields=["publisher"], name="source_publisher_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("admin:sources_source_change", args=[self.pk])


class SourceRevision(models.Model):
    """A version of a source's text; every text edit adds one and nothing is overwritten."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["source", "number"], name="source_revision_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="source_revision_number_positive"),
        ]

    def __str__(self):
        return f"{self.source} — revision {self.number}"


class PassageAnchorStatus(models.TextChoices):
    ANCHORED = "anchored", "Anchored"
    REMAPPED = "remapped", "Remapped after an edit"
    NEEDS_REVIEW = "needs_review", "Needs review"
    ORPHANED = "orphaned", "Orphaned"


class Passage(models.Model):
    """A span of a source's text, stored as a W3C Web Annotation target."""

    AnchorStatus = PassageAnchorStatus

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="passages")
    start = models.PositiveIntegerField(help_text="Unicode code point offset, inclusive.")
    end = models.PositiveIntegerField(help_text="Unicode code point offset, exclusive.")
    exact = models.TextField()
    prefix = models.CharField(max_length=QUOTE_CONTEXT, blank=True)
    suffix = models.CharField(max_length=QUOTE_CONTEXT, blank=True)
    revision = models.PositiveIntegerField(help_text="The source revision the offsets refer to.")
    anchor_status = models.CharField(
        max_length=16, choices=PassageAnchorStatus, default=AnchorStatus.ANCHORED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["source", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="passage_start_before_end",
                violation_error_message="A passage must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(anchor_status__in=PassageAnchorStatus.values),
                name="passage_anchor_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(exact=""),
                name="passage_exact_not_empty",
                violation_error_message="A passage needs the quoted text.",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "start", "end"], name="passage_source_span_idx"),
            models.Index(fields=["anchor_status"], name="passage_anchor_status_idx"),
        ]

    def __str__(self):
        quote = self.exact if len(self.exact) <= 60 else self.exact[:57] + "…"
        return f"“{quote}” ({self.start}–{self.end})"

    def get_absolute_url(self):
        return reverse("admin:sources_passage_change", args=[self.pk])


class DismissedSuggestion(models.Model):
    """A forecast suggestion an annotator dismissed; keyed by the sentence so it survives text edits."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="dismissed_suggestions")
    sentence = models.TextField()
    sentence_sha256 = models.CharField(max_length=64)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "sentence_sha256"], name="dismissed_suggestion_unique"),
        ]

    def __str__(self):
        return f"Dismissed in {self.source_id}: {self.sentence[:60]}"
