"""The admin's search as its autocomplete (select2) uses it: the autocomplete asks a model admin
for choices through its queryset and its search, and these let an admin tell that request from
its own pages and refuse what its changelist's search form would refuse."""


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
