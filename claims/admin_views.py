"""Admin pages for fact-checkers and readers of scores: the due queue, the verdict form, track records.

Each view checks its own permission: working the queue needs claims.add_verification, reading
scores needs claims.view_forecast. Verdicts are written by claims.services.verification_create.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from claims import scoring, services, track_records
from claims.calibration_plot import calibration_svg
from claims.models import Actor, Forecast, Topic, Verification
from claims.selectors import forecast_filter_status
from config.admin_search import IdAutocompleteSelect
from config.filters import is_id_text
from sources.admin import source_autocomplete
from sources.models import Source

FACT_CHECK_PERMISSION = "claims.add_verification"
SCORES_PERMISSION = "claims.view_forecast"
QUEUE_PAGE_SIZE = 50
LEADERBOARD_TOP = 20  # rows of each dimension on the leaderboard's first page
LEADERBOARD_PAGE_SIZE = 100  # rows of a page of one dimension's whole ranking
CONTEXT_CHARS = 600
QUEUE_FILTERS = ("source", "claimant", "topic")


def _require(request, permission: str, what: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(f"Only users who may {what} can open this page.")


# Forms ---------------------------------------------------------------------------------------


def claimants_with_forecasts(actors):
    """The actors who claimed a forecast, found from the forecasts' own copy of their claimant:
    joined through the claims and made DISTINCT, this took 461 ms at a million claims."""
    return actors.filter(Exists(Forecast.objects.filter(claimant=OuterRef("pk"))))


class DueQueueFilterForm(forms.Form):
    """Narrow the due queue to one source, claimant or topic.

    Sources and claimants are chosen through the admin's autocomplete (select2, searching the
    sources' and actors' search_fields): at a million claims a menu of every source and every
    claimant with a forecast held ~10,000 options, most of the page's 700 KB and of its time.
    The page now writes out only the chosen option of each.
    """

    source = forms.ModelChoiceField(Source.objects.only("id", "title"), required=False)
    # The claimant autocomplete offers the same actors (ActorAdmin.get_search_results).
    claimant = forms.ModelChoiceField(
        claimants_with_forecasts(Actor.objects.only("id", "name")), required=False
    )
    topic = forms.ModelChoiceField(Topic.objects.only("id", "name"), required=False, empty_label="Any topic")

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].widget = source_autocomplete(admin_site)
        # The autocomplete asks for a model field that points at the actors offered.
        self.fields["claimant"].widget = IdAutocompleteSelect(
            Forecast._meta.get_field("claimant"),
            admin_site,
            placeholder="Any claimant: type to find one",
            choices=self.fields["claimant"].choices,
        )


class VerdictForm(forms.Form):
    """The verdict, its written rationale, and (on re-resolution) the reason for revising."""

    verdict = forms.ChoiceField(choices=[("", "---------"), *Verification.Verdict.choices])
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        required=False,
        help_text="Why the evidence supports this verdict.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        required=False,
        help_text="Only when revising an earlier verdict: why it is revised.",
    )


class EvidenceForm(forms.Form):
    """One piece of evidence; a row left empty is ignored."""

    url = forms.URLField(required=False, assume_scheme="https", widget=forms.URLInput(attrs={"size": 40}))
    title = forms.CharField(required=False, widget=forms.TextInput(attrs={"size": 30}))
    date = forms.DateField(required=False, help_text="YYYY-MM-DD", widget=forms.DateInput(attrs={"size": 10}))
    quote = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 40}))

    def as_evidence(self) -> dict | None:
        data = self.cleaned_data
        if not any(data.get(key) for key in ("url", "title", "date", "quote")):
            return None
        return {
            "url": data.get("url") or "",
            "title": data.get("title") or "",
            "date": data["date"].isoformat() if data.get("date") else "",
            "quote": data.get("quote") or "",
        }


EvidenceFormSet = forms.formset_factory(EvidenceForm, extra=3, max_num=20)


# Due queue and verdicts (ForecastAdmin) ------------------------------------------------------


def status_counts(forecasts, today) -> list[dict]:
    """How many forecasts have each status on a day, in one query.

    Grouped by verdict, with those past their date counted apart: the (verdict, resolve_by)
    index answers it alone. Seven filtered counts over every forecast read the table: at a
    million claims 45-54 ms against 20 (the statements in psql, warm, alternated), and the
    due queue 96 → 63 ms.
    """
    rows = (
        forecasts.order_by()
        .values("verdict")
        .annotate(total=Count("*"), past_date=Count("resolve_by", filter=Q(resolve_by__lt=today)))
    )
    by_verdict = {row["verdict"]: row for row in rows}
    unverified = by_verdict.get("", {"total": 0, "past_date": 0})
    counts = {
        Forecast.Status.OPEN: unverified["total"] - unverified["past_date"],  # no date, or not yet
        Forecast.Status.DUE: unverified["past_date"],
        **{
            verdict: by_verdict.get(verdict, {"total": 0})["total"] for verdict in Verification.Verdict.values
        },
    }
    return [
        {"status": status, "label": Forecast.Status(status).label, "count": count}
        for status, count in counts.items()
    ]


def _queue_query(data) -> str:
    """The due queue's filters from a query string, and nothing else."""
    kept = QueryDict(mutable=True)
    for key in QUEUE_FILTERS:
        value = data.get(key, "")
        if is_id_text(value):
            kept[key] = value
    return kept.urlencode()


def passage_in_context(passage) -> dict:
    """The text around a passage: before, the passage itself, after."""
    text = passage.source.text
    if passage.anchor_status != "orphaned" and text[passage.start : passage.end] == passage.exact:
        start = max(0, passage.start - CONTEXT_CHARS)
        end = passage.end + CONTEXT_CHARS
        return {
            "before": ("…" if start else "") + text[start : passage.start],
            "exact": passage.exact,
            "after": text[passage.end : end] + ("…" if end < len(text) else ""),
            "anchored": True,
        }
    return {"before": passage.prefix, "exact": passage.exact, "after": passage.suffix, "anchored": False}


class DueQueueAdminMixin:
    """ForecastAdmin: the fact-checkers' due queue and the verdict form."""

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path("due/", self.admin_site.admin_view(self.due_queue_view), name=f"{name}_due"),
            path(
                "<path:object_id>/verify/",
                self.admin_site.admin_view(self.verify_view),
                name=f"{name}_verify",
            ),
            *super().get_urls(),
        ]

    def due_queue_view(self, request):
        _require(request, FACT_CHECK_PERMISSION, "record verdicts")
        today = timezone.localdate()
        filters = DueQueueFilterForm(request.GET or None, admin_site=self.admin_site)
        forecasts = Forecast.objects.all()
        if filters.is_bound and filters.is_valid():
            data = filters.cleaned_data
            if data["source"]:
                forecasts = forecasts.filter(claim__passage__source=data["source"])
            if data["claimant"]:
                forecasts = forecasts.filter(claimant=data["claimant"])  # the copy on the forecast
            if data["topic"]:
                forecasts = forecasts.filter(claim__topics=data["topic"])
        due = (
            forecast_filter_status(forecasts, Forecast.Status.DUE, today)
            .select_related("claim", "claim__claimant", "claim__passage__source")
            .order_by("resolve_by", "id")
        )
        page = Paginator(due, QUEUE_PAGE_SIZE).get_page(request.GET.get("p"))
        for forecast in page.object_list:
            forecast.days_overdue = (today - forecast.resolve_by).days
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Due forecasts",
            "subtitle": "Forecasts past their resolve-by date with no verdict, oldest first",
            "filters": filters,
            "counts": status_counts(forecasts, today),
            "page": page,
            "queue_query": _queue_query(request.GET),
            "today": today,
        }
        return TemplateResponse(request, "admin/claims/forecast/due_queue.html", context)

    def verify_view(self, request, object_id):
        _require(request, FACT_CHECK_PERMISSION, "record verdicts")
        forecast = get_object_or_404(
            Forecast.objects.select_related("claim", "claim__claimant", "claim__passage__source"),
            pk=object_id if is_id_text(object_id) else None,
        )
        queue_query = _queue_query(
            QueryDict(request.POST.get("queue", "")) if request.method == "POST" else request.GET
        )
        if request.method == "POST":
            form = VerdictForm(request.POST)
            evidence_forms = EvidenceFormSet(request.POST, prefix="evidence")
            if form.is_valid() and evidence_forms.is_valid():
                evidence = [e for e in (f.as_evidence() for f in evidence_forms) if e is not None]
                try:
                    verification = services.verification_create(
                        forecast=forecast,
                        verdict=form.cleaned_data["verdict"],
                        rationale=form.cleaned_data["rationale"],
                        evidence=evidence,
                        reason=form.cleaned_data["reason"],
                        created_by=request.user,
                    )
                except ValidationError as error:
                    _add_service_errors(form, error)
                else:
                    self.message_user(
                        request,
                        f"Recorded the verdict “{verification.get_verdict_display()}” on forecast "
                        f"#{forecast.pk}.",
                        messages.SUCCESS,
                    )
                    url = reverse(f"{self.admin_site.name}:claims_forecast_due")
                    return HttpResponseRedirect(f"{url}?{queue_query}" if queue_query else url)
        else:
            form = VerdictForm()
            evidence_forms = EvidenceFormSet(prefix="evidence")
        source = forecast.claim.passage.source
        verifications = list(
            forecast.verifications.select_related("created_by").order_by("-created_at", "-id")
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": forecast,
            "title": "Re-resolve forecast" if verifications else "Record a verdict",
            "subtitle": f"Forecast #{forecast.pk}, resolve by {forecast.resolve_by or 'not set'}",
            "forecast": forecast,
            "status": Forecast.Status(forecast.status_on(timezone.localdate())).label,
            "claim": forecast.claim,
            "source": source,
            "authors": list(source.authors.all()),
            "context": passage_in_context(forecast.claim.passage),
            "verifications": verifications,
            "form": form,
            "evidence_forms": evidence_forms,
            "queue_query": queue_query,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/claims/forecast/verify.html", context)


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# Track records (ActorAdmin) ------------------------------------------------------------------

DIMENSION_TITLES = {
    "claimant": "Claimants",
    "author": "Authors",
    "source": "Sources",
    "topic": "Topics",
    "likelihood_phrase": "Likelihood phrases",
}


class TrackRecordAdminMixin:
    """ActorAdmin: the actor's track record on its page, and a leaderboard over all actors."""

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "leaderboard/",
                self.admin_site.admin_view(self.leaderboard_view),
                name=f"{opts.app_label}_{opts.model_name}_leaderboard",
            ),
            *super().get_urls(),
        ]

    def leaderboard_view(self, request):
        """Each dimension's best LEADERBOARD_TOP, or with ?by= one dimension's whole ranking, a
        page at a time. At a million claims the page of every row (16,000: 3.9 MB) took 13 s, 5
        of them rendering; one dimension reads only its own statements."""
        _require(request, SCORES_PERMISSION, "view forecasts")
        by = request.GET.get("by")
        if by is not None and by not in DIMENSION_TITLES:
            messages.error(
                request, f"There is no leaderboard by {by!r}. Choose one of: {', '.join(DIMENSION_TITLES)}."
            )
            return HttpResponseRedirect(request.path)
        dimensions = [by] if by else list(DIMENSION_TITLES)
        # Rankings: only the rows shown are aggregated in full.
        board = track_records.leaderboard_rankings(user=request.user, dimensions=dimensions)
        overall = board["overall"]
        if by:
            page = Paginator(board[by], LEADERBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
            tables = [_leaderboard_table(by, page.object_list, page.start_index(), len(board[by]))]
        else:
            page = None
            tables = [
                _leaderboard_table(dimension, board[dimension][:LEADERBOARD_TOP], 1, len(board[dimension]))
                for dimension in DIMENSION_TITLES
            ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Leaderboard: {DIMENSION_TITLES[by].lower()}" if by else "Leaderboard",
            "subtitle": "Mean Brier score of verified forecasts; lower is better, 0.25 is a coin toss",
            "overall": overall,
            "overall_plot": _plot(overall, "All verified forecasts", "cl-cal-all"),
            "tables": tables,
            "by": by,
            "page": page,
        }
        return TemplateResponse(request, "admin/claims/actor/leaderboard.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if request.user.has_perm(SCORES_PERMISSION) and is_id_text(object_id):
            actor = Actor.objects.filter(pk=object_id).first()
            if actor is not None:
                record = track_records.actor_track_record(actor_id=actor.pk, user=request.user)
                extra_context["track_record"] = [
                    {
                        "role": role,
                        "record": record[f"as_{role}"],
                        "plot": _plot(record[f"as_{role}"], f"{actor.name} as {role}", f"cl-cal-{role}"),
                        "breakdowns": [
                            (DIMENSION_TITLES[key[3:]], record[f"as_{role}"][key])
                            for key in record[f"as_{role}"]
                            if key.startswith("by_")
                        ],
                    }
                    for role in ("claimant", "author")
                ]
        return super().change_view(request, object_id, form_url, extra_context)


def _leaderboard_table(dimension: str, rows: list[dict], first_rank: int, total: int) -> dict:
    """One dimension's table: its rows from first_rank on, each with its rank, and how many the
    whole ranking holds."""
    return {
        "dimension": dimension,
        "title": DIMENSION_TITLES[dimension],
        "rows": [{**row, "rank": rank} for rank, row in enumerate(rows, start=first_rank)],
        "total": total,
        "truncated": len(rows) < total,
    }


def _plot(aggregate: dict, title: str, element_id: str) -> str:
    bins = [scoring.CalibrationBin(**b) for b in aggregate["calibration"]]
    # The SVG is built from numbers and escaped text only, so it is safe to inline.
    svg = calibration_svg(bins, title=f"{title}: {aggregate['count']} scored", element_id=element_id)
    return mark_safe(svg)
