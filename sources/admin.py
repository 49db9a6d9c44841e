"""Admin for sources and passages: every save goes through sources.services."""

import functools

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from simple_history.admin import SimpleHistoryAdmin

from config.admin_search import (
    AutocompleteTargetMixin,
    CappedSearchCountMixin,
    IdAutocompleteSelect,
    IndexedSearchMixin,
    autocomplete_asks_for,
    holding,
)
from config.admin_services import ServiceAdminMixin
from sources import annotate, services
from sources.models import Passage, Source, SourceRevision


class SourceRevisionInline(admin.TabularInline):
    model = SourceRevision
    fields = ["number", "text_sha256", "reason", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):
        return False


class SourceListFilter(admin.RelatedFieldListFilter):
    """Filter by source through the admin's autocomplete: one box that finds a source by typing
    a few letters of its title, where Django's related filter writes a link for every source.
    At a million claims those 5,000 links made most of the claims' list (650 KB a page) and
    of the passages' (588 KB). The chosen source is read by id and title, never whole.

    The box submits its own small form (sources/static/sources/autocomplete_filter.js), which
    carries the list's other parameters along. An admin using it adds its media
    (SourceListFilter.media)."""

    template = "admin/sources/autocomplete_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.admin_site = model_admin.admin_site
        # The list's other filters, search and ordering; not its page, nor its error flag.
        self.kept_parameters = [
            (name, value)
            for name, values in request.GET.lists()
            if name not in {self.lookup_kwarg, self.lookup_kwarg_isnull, "p", "e"}
            for value in values
        ]

    def has_output(self):
        return True

    def field_choices(self, field, request, model_admin):
        return []  # the box reads the chosen source itself

    def chosen_box(self):
        """The autocomplete's select, holding the chosen source, named as the filter's parameter."""
        widget = source_autocomplete(self.admin_site)
        widget.attrs["data-width"] = "100%"
        value = (self.lookup_val or [None])[-1]
        return widget.render(self.lookup_kwarg, value, {"id": f"{self.lookup_kwarg}_filter"})

    @staticmethod
    def media(admin_site):
        return source_autocomplete(admin_site).media + forms.Media(js=["sources/autocomplete_filter.js"])


def source_autocomplete(admin_site) -> IdAutocompleteSelect:
    """The box that finds one source by typing (the autocomplete asks for a passage's source),
    for an optional choice: the lists' source filter and the due queue's."""
    sources = forms.ModelChoiceField(Source.objects.only("id", "title"), required=False)
    return IdAutocompleteSelect(
        Passage._meta.get_field("source"),
        admin_site,
        placeholder="Any source: type to find one",
        choices=sources.choices,
    )


@functools.cache
def changelist_without(*fields):
    """A ChangeList whose rows leave out these fields: the sources' texts, which no list shows
    (a page of claims or passages otherwise reads its sources' whole texts too)."""

    class WithoutFields(ChangeList):
        def get_queryset(self, request, exclude_parameters=None):
            return super().get_queryset(request, exclude_parameters).defer(*fields)

    return WithoutFields


@admin.register(Source)
class SourceAdmin(AutocompleteTargetMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "title",
        "kind",
        "publisher",
        "published_on",
        "published_precision",
        "revision",
        "passage_count",
        "modified_at",
    ]
    list_filter = ["kind", "published_precision", "language", "publisher"]
    search_fields = ["title", "publisher", "authors__name"]
    autocomplete_fields = ["authors"]
    date_hierarchy = "published_on"
    readonly_fields = ["text_sha256", "revision", "import_key", "created_at", "modified_at"]
    inlines = [SourceRevisionInline]
    fieldsets = [
        (None, {"fields": ["title", "kind", "publisher", "authors", "url", "language"]}),
        ("Date", {"fields": ["published_on", "published_precision"]}),
        (
            "Text",
            {
                "fields": ["text", "text_sha256", "revision"],
                "description": "Editing the text keeps the old text as a revision and "
                "re-anchors every passage.",
            },
        ),
        (
            "Provenance",
            {"fields": ["provenance", "notes", "import_key", "created_at", "modified_at"]},
        ),
    ]

    def get_queryset(self, request):
        if autocomplete_asks_for(request):
            # The autocomplete shows titles alone: no text, no passages counted.
            return super().get_queryset(request).only("id", "title")
        # Counted by a subquery, for the page's rows only. Count("passages") joined every passage
        # and grouped every source, and the join went into the filters' and the date
        # hierarchy's queries too: 1.2 s for the list at a million passages.
        passages = (
            Passage.objects.filter(source=OuterRef("pk"))
            .order_by()
            .values("source")
            .annotate(count=Count("pk"))
            .values("count")
        )
        count = Coalesce(Subquery(passages, output_field=IntegerField()), 0)
        return super().get_queryset(request).annotate(_passage_count=count)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if may_have_duplicates:
            # Matching an author's name joins the authors, so a source would come once per
            # matching author. Kept once each by id here, instead of the rows being made
            # DISTINCT over every column (the text and the passage count included): at a
            # million claims, "energy" took the autocomplete 428 ms (now 34) and the list's
            # search 446-461 ms (now 101-108).
            results = queryset.filter(pk__in=results.order_by().values("pk"))
        return results, False

    def get_changelist(self, request, **kwargs):
        return changelist_without("text")

    def get_urls(self):
        return [*annotate.urls(self), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The Annotate object tool is shown only to those who may use it.
        extra_context = {**(extra_context or {}), "can_annotate": annotate.can_annotate(request.user)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="passages", ordering="_passage_count")
    def passage_count(self, source):
        return source._passage_count

    def create_object(self, request, data):
        return services.source_create(created_by=request.user, **data)

    def update_object(self, request, obj, data):
        source = services.source_update(source=obj, updated_by=request.user, **data)
        report = getattr(source, "reanchor_report", None)
        if report:
            summary = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in report.items() if n)
            self.message_user(request, f"Text revised; passages re-anchored: {summary or 'none'}.")
        return source


@admin.register(Passage)
class PassageAdmin(CappedSearchCountMixin, IndexedSearchMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    # A million rows: count the filtered rows only, not the whole table again for "Show all".
    show_full_result_count = False
    list_display = ["__str__", "source", "start", "end", "anchor_status", "revision", "created_at"]
    list_filter = ["anchor_status", ("source", SourceListFilter)]
    list_select_related = ["source"]
    search_fields = ["exact", "source__title"]
    raw_id_fields = ["source"]

    def indexed_search(self, terms):
        yield Passage.objects.filter(holding("exact", terms))  # passage_exact_upper_trgm_idx
        yield Passage.objects.filter(
            self.keys_through("source", Source.objects.filter(holding("title", terms)))
        )

    @property
    def media(self):
        return super().media + SourceListFilter.media(self.admin_site)

    readonly_fields = [
        "prefix",
        "suffix",
        "revision",
        "anchor_status",
        "created_by",
        "created_at",
        "modified_at",
    ]
    fields = ["source", "start", "end", "exact", *readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        # A passage's span is fixed once made; re-anchoring moves it, people do not.
        if obj is not None:
            return ["source", "start", "end", "exact", *self.readonly_fields]
        return self.readonly_fields

    def get_changelist(self, request, **kwargs):
        return changelist_without("source__text")

    def create_object(self, request, data):
        return services.passage_create(created_by=request.user, **data)

    def update_object(self, request, obj, data):
        return obj
