"""Admin for actors, topics, claims, forecasts and verifications; saves go through claims.services."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.admin_views import DueQueueAdminMixin, TrackRecordAdminMixin, claimants_with_forecasts
from claims.models import Actor, Claim, Forecast, Topic, Verification
from claims.selectors import filter_by_topic, forecast_filter_status
from config.admin_search import (
    AutocompleteTargetMixin,
    CappedSearchCountMixin,
    IndexedSearchMixin,
    autocomplete_asks_for,
    holding,
)
from config.admin_services import ServiceAdminMixin
from config.filters import MAX_ID, is_id_text
from sources.admin import SourceListFilter, changelist_without
from sources.models import Passage


@admin.register(Actor)
class ActorAdmin(AutocompleteTargetMixin, TrackRecordAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "country", "wikidata_id", "modified_at"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "aliases", "description", "wikidata_id"]
    readonly_fields = ["created_at", "modified_at"]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if autocomplete_asks_for(request, Forecast, "claimant"):
            # The due queue's claimant filter offers the actors with a forecast, as its form accepts.
            queryset = claimants_with_forecasts(queryset)
        return queryset, may_have_duplicates

    def create_object(self, request, data):
        return services.actor_create(created_by=request.user, **data)

    def update_object(self, request, obj, data):
        return services.actor_update(actor=obj, updated_by=request.user, **data)


@admin.register(Topic)
class TopicAdmin(AutocompleteTargetMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "slug", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    def create_object(self, request, data):
        return services.topic_create(created_by=request.user, **data)

    def update_object(self, request, obj, data):
        return services.topic_update(topic=obj, updated_by=request.user, **data)


class ForecastInline(admin.StackedInline):
    """Shows a claim's forecast; it is edited on its own page so the service derives its interval."""

    model = Forecast
    fields = [
        "outcome",
        "likelihood_phrase",
        "probability_low",
        "probability",
        "probability_high",
        "horizon_text",
        "resolve_by",
        "verdict",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    extra = 0
    max_num = 0


def _review_action(action_name: str, verb: str):
    def run(modeladmin, request, queryset):
        done, refused = 0, []
        for claim in queryset:
            try:
                services.claim_review(claim=claim, action=action_name, reviewed_by=request.user)
                done += 1
            except ValidationError as error:
                refused.append(f"#{claim.pk}: {' '.join(error.messages)}")
        if done:
            modeladmin.message_user(request, f"{verb} {done} claim(s).", messages.SUCCESS)
        if refused:
            modeladmin.message_user(request, "Not changed — " + "; ".join(refused), messages.WARNING)

    run.__name__ = f"{action_name}_claims"
    permission = "change" if action_name == "submit" else "review"
    return admin.action(description=f"{verb.split()[0]} selected claims", permissions=[permission])(run)


@admin.register(Claim)
class ClaimAdmin(CappedSearchCountMixin, IndexedSearchMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    # A million rows: count the filtered rows only, not the whole table again for "Show all".
    show_full_result_count = False
    list_display = ["__str__", "kind", "claimant", "review_state", "source_title", "created_at"]
    list_filter = ["review_state", "kind", "topics", ("passage__source", SourceListFilter)]
    list_select_related = ["claimant", "passage__source"]
    search_fields = ["statement", "passage__exact", "claimant__name"]
    autocomplete_fields = ["claimant", "subjects", "topics"]
    raw_id_fields = ["passage"]

    def indexed_search(self, terms):
        yield Claim.objects.filter(holding("statement", terms))
        yield Claim.objects.filter(
            self.keys_through("passage", Passage.objects.filter(holding("exact", terms)))
        )
        yield Claim.objects.filter(holding("claimant__name", terms))

    @property
    def media(self):
        return super().media + SourceListFilter.media(self.admin_site)

    readonly_fields = [
        "review_state",
        "created_by",
        "reviewed_by",
        "reviewed_at",
        "created_at",
        "modified_at",
        "quote",
    ]
    fields = [
        "passage",
        "quote",
        "statement",
        "kind",
        "claimant",
        "subjects",
        "topics",
        "review_state",
        "created_by",
        "reviewed_by",
        "reviewed_at",
        "created_at",
        "modified_at",
    ]
    inlines = [ForecastInline]
    actions = [
        _review_action("submit", "Submitted for review"),
        _review_action("publish", "Published"),
        _review_action("reject", "Rejected"),
        _review_action("reopen", "Reopened"),
    ]

    def get_changelist(self, request, **kwargs):
        return changelist_without("passage__source__text")

    @admin.display(description="source", ordering="passage__source__title")
    def source_title(self, claim):
        return claim.passage.source.title

    @admin.display(description="quote")
    def quote(self, claim):
        return claim.passage.exact if claim.passage_id else "—"

    def has_review_permission(self, request):
        return request.user.has_perm("claims.review_claim")

    def create_object(self, request, data):
        return services.claim_create(created_by=request.user, **data)

    def update_object(self, request, obj, data):
        return services.claim_update(claim=obj, updated_by=request.user, **data)


class VerificationInline(admin.TabularInline):
    model = Verification
    fields = ["verdict", "rationale", "reason", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False


class ForecastTopicFilter(admin.SimpleListFilter):
    """Forecasts whose claim has a topic, tested with EXISTS (claims.selectors.filter_by_topic).
    Django's own filter on claim__topics joins the links and makes every query of the page
    DISTINCT, its count included: 1.1 s for a topic's forecasts at a million claims."""

    title = "topic"
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        return list(Topic.objects.values_list("pk", "name"))

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not is_id_text(value) or int(value) > MAX_ID:
            raise IncorrectLookupParameters(f"topic must be a topic's id, not {value!r}.")
        return filter_by_topic(queryset, value, claim="claim_id")


class ForecastStatusFilter(admin.SimpleListFilter):
    """Where a forecast stands today, as the list's status column says it: open, due or its
    latest verdict. Its choices are fixed: Django's filter on the verdict read every forecast
    for its distinct values, and showed their codes."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Forecast.Status.choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value not in Forecast.Status.values:
            raise IncorrectLookupParameters(
                f"status must be one of {', '.join(Forecast.Status.values)}, not {value!r}."
            )
        return forecast_filter_status(queryset, value, timezone.localdate())


FORECAST_INDEXED_FIELDS = ["outcome", "likelihood_phrase", "horizon_text"]


@admin.register(Forecast)
class ForecastAdmin(
    CappedSearchCountMixin, IndexedSearchMixin, DueQueueAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin
):
    # A million rows: count the filtered rows only, not the whole table again for "Show all".
    show_full_result_count = False
    list_display = [
        "outcome_short",
        "claimant",
        "likelihood_phrase",
        "probability",
        "resolve_by",
        "status",
    ]
    # The forecast's own copies of its claim's claimant and review state (kept by the claim
    # services): the page and its filters read the forecasts alone.
    list_filter = [ForecastStatusFilter, "lexicon", "review_state", ForecastTopicFilter]
    list_select_related = ["claimant"]
    search_fields = ["outcome", "claim__statement", "likelihood_phrase", "horizon_text"]
    raw_id_fields = ["claim"]
    # Django's search here joins every forecast to its claim: 4.1-6.6 s a page at a million
    # claims (the count, the date hierarchy and the rows each read both tables). Through the
    # indexes, each term counted (IndexedSearchMixin): 0.1-0.4 s (bench/findings.md).

    def indexed_search(self, terms):
        own = Forecast.objects.filter(  # the fields of forecast_search_upper_trgm_idx
            Q.create([holding(field, terms) for field in FORECAST_INDEXED_FIELDS], connector=Q.OR)
        )
        statements = Claim.objects.filter(holding("statement", terms))
        return [own, Forecast.objects.filter(claim__in=statements.order_by().values("pk"))]

    readonly_fields = ["verdict", "verified_at", "created_at", "modified_at"]
    date_hierarchy = "resolve_by"
    inlines = [VerificationInline]
    fieldsets = [
        (None, {"fields": ["claim", "outcome", "condition", "resolution_criteria"]}),
        ("When", {"fields": ["made_on", "horizon_text", "resolve_by"]}),
        (
            "Likelihood",
            {
                "fields": [
                    "likelihood_phrase",
                    "lexicon",
                    "phrase_applies_to",
                    ("probability_low", "probability", "probability_high"),
                ],
                "description": "Leave the numbers empty to take them from the phrase's lexicon.",
            },
        ),
        ("Verdict", {"fields": ["verdict", "verified_at", "created_at", "modified_at"]}),
    ]

    @admin.display(description="outcome", ordering="outcome")
    def outcome_short(self, forecast):
        return str(forecast)[10:]

    @admin.display(description="status")
    def status(self, forecast):
        return Forecast.Status(forecast.status_on(timezone.localdate())).label

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # Readers without change permission get a form without fields.
        if "made_on" in form.base_fields:
            form.base_fields["made_on"].required = False
            form.base_fields["made_on"].help_text = "Empty: the source's date."
        return form

    def create_object(self, request, data):
        return services.forecast_create(created_by=request.user, **data)

    def update_object(self, request, obj, data):
        return services.forecast_update(forecast=obj, updated_by=request.user, **data)


@admin.register(Verification)
class VerificationAdmin(CappedSearchCountMixin, IndexedSearchMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    """Verdicts are append-only: they can be added and read, never changed or deleted."""

    list_display = ["forecast", "verdict", "created_by", "created_at", "supersedes"]
    list_filter = ["verdict"]
    list_select_related = ["forecast", "created_by", "supersedes"]
    search_fields = ["rationale", "forecast__outcome"]
    raw_id_fields = ["forecast"]
    # Django's search here read the verdicts, joined to their forecasts, until it had counted
    # the cap or read them all: 0.23-0.52 s at 172,654 verdicts. Through the indexes, each term
    # counted (IndexedSearchMixin): 0.02-0.13 s for one term (bench/findings.md).

    def indexed_search(self, terms):
        yield Verification.objects.filter(holding("rationale", terms))
        outcomes = Forecast.objects.filter(holding("outcome", terms))
        yield Verification.objects.filter(self.keys_through("forecast", outcomes))

    fields = ["forecast", "verdict", "rationale", "evidence", "reason"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.fields, "supersedes", "created_by", "created_at"] if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def create_object(self, request, data):
        return services.verification_create(created_by=request.user, **data)

    def update_object(self, request, obj, data):
        return obj
