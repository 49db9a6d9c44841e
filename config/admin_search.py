"""The admin's autocomplete (select2): the box that finds a row by typing, for the due queue's
filters and the source filter of the lists, and the requests it makes, which ask a model admin
for choices through its queryset and its search. These let an admin tell those requests from
its own pages and refuse what its changelist's search form would refuse."""

from django.contrib.admin.widgets import AutocompleteSelect

from config.filters import MAX_ID, is_id_text


def autocomplete_asks_for(request, model=None, field_name: str | None = None) -> bool:
    """Whether this is the admin's autocomplete asking for choices, for model.field_name when
    they are given (the field the choices are for, not the model they are of)."""
    match = request.resolver_match
    if match is None or match.url_name != "autocomplete":
        return False
    if model is None:
        return True
    return (
        request.GET.get("app_label") == model._meta.app_label
        and request.GET.get("model_name") == model._meta.model_name
        and request.GET.get("field_name") == field_name
    )


class AutocompleteTargetMixin:
    """For a model admin whose rows other forms choose through the autocomplete: a term with a
    NUL character matches nothing. No stored text holds one (the services refuse them), and
    PostgreSQL refuses the character in a statement, which made the autocomplete answer 500;
    the changelist's search form drops such a term before it gets here."""

    def get_search_results(self, request, queryset, search_term):
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class IdAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete, showing a chosen value only when it is written as an id that
    can exist. Django's widget looks the value up as given, so "1.5", "²" or an id past the
    largest answered 500 where the form's own error should show."""

    def __init__(self, field, admin_site, *, placeholder: str = "", **kwargs):
        super().__init__(field, admin_site, **kwargs)
        self.placeholder = placeholder

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-placeholder"] = self.placeholder  # Django's widget always sets it empty
        return attrs

    def optgroups(self, name, value, attr=None):
        ids = [v for v in value if is_id_text(v) and int(v) <= MAX_ID]
        return super().optgroups(name, ids, attr)
