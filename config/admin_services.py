"""Make the stock admin write through services, so its saves obey the same rules as the API."""

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.http import HttpResponseRedirect


class _DryRun(Exception):
    pass


ROW_VERSION_FIELD = "_row_version"


def row_version(obj) -> str:
    """The version of a stored row a form was opened on: its last modification time."""
    modified_at = getattr(obj, "modified_at", None)
    return modified_at.isoformat() if modified_at else ""


def _stale_message(current) -> str:
    last = current.history.first() if hasattr(current, "history") else None
    who = getattr(getattr(last, "history_user", None), "username", None) or "someone else"
    when = current.modified_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"This {current._meta.verbose_name} was changed by {who} at {when}, after you opened it. "
        "Your changes were not saved, so theirs are not overwritten: reload the page to see "
        "the current version, then apply your changes again."
    )


def _differs(stored, name: str, value) -> bool:
    try:
        field = stored._meta.get_field(name)
    except FieldDoesNotExist:  # a form-only field: let the service decide
        return True
    if field.many_to_many:
        return {obj.pk for obj in value} != set(getattr(stored, name).values_list("pk", flat=True))
    if field.is_relation:
        return getattr(value, "pk", value) != getattr(stored, field.attname)
    return value != getattr(stored, field.attname)


class ServiceAdminMixin:
    """ModelAdmin mixin: saves call create_object / update_object (services) instead of obj.save().

    The service is first tried inside the form's clean() in a transaction that is
    rolled back, so a rule it enforces shows as an error on the form with the
    annotator's input kept; then save_model runs it for real. Many-to-many
    fields go to the service too, so save_related does not write them again.
    """

    def create_object(self, request, data):  # pragma: no cover - each admin defines it
        raise NotImplementedError

    def update_object(self, request, obj, data):  # pragma: no cover - each admin defines it
        raise NotImplementedError

    def _write(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.cleaned_data if name in form.fields}
        if change:
            # Compared with the stored row, not the form's initial values: a form opened on an
            # old version (reverting from the history) differs from the row, not from itself.
            changed = {name: value for name, value in data.items() if _differs(obj, name, value)}
            return self.update_object(request, obj, changed) if changed else obj
        return self.create_object(request, data)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceCheckedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if self._errors:
                    return cleaned
                original = self.instance if change else None
                if change:
                    # The service must see the stored row, not the form's half-applied copy.
                    original = type(self.instance)._default_manager.get(pk=self.instance.pk)
                    opened_on = self.data.get(ROW_VERSION_FIELD)
                    if opened_on and opened_on != row_version(original):
                        raise ValidationError(_stale_message(original), code="stale")
                try:
                    with transaction.atomic():
                        model_admin._write(request, original, self, change)
                        raise _DryRun
                except _DryRun:
                    pass
                except ValidationError as error:
                    if hasattr(error, "error_dict"):
                        for field, errors in error.error_dict.items():
                            self.add_error(field if field in self.fields else None, errors)
                    else:
                        self.add_error(None, error)
                return cleaned

        return ServiceCheckedForm

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["row_version"] = row_version(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        original = type(obj)._default_manager.get(pk=obj.pk) if change else None
        saved = self._write(request, original, form, change)
        # The admin keeps using `obj` after saving (messages, redirects): point it at the row.
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ProtectedError as error:
            names = sorted({str(obj._meta.verbose_name_plural) for obj in error.protected_objects})
            self.message_user(
                request,
                f"Not deleted: {', '.join(names)} still refer to it. Reassign or remove them first.",
                level=messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
