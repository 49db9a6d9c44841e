"""Make the stock admin write through services, so its saves obey the same rules as the API."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.http import HttpResponseRedirect


class _DryRun(Exception):
    pass


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
            changed = {name: data[name] for name in form.changed_data if name in data}
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
