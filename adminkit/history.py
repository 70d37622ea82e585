"""The history pages of audited models (django-simple-history), for both wings' admins."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from adminkit import history_values


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose "revert" needs the change permission, and whose pages answer
    a malformed object or version id with a 404.

    The library's page of one past version saves a POSTed form after checking only the
    view permission, so a viewer could change a row by posting that page back. Viewing a
    past version stays open to viewers; saving one is a change like any other.

    The library looks a malformed id up as it is (`<not-a-uuid>/history/`) and fails with a
    server error, which the front page would count among the day's errors.

    Values on the page read as in the lists (adminkit/history_values.py); the site's
    `simple_history/object_history_list.html` shows the columns prepared here.
    """

    def _check_id(self, object_id):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError as e:
            raise Http404(f"{object_id!r} is not a {self.model._meta.verbose_name} id") from e

    def history_view(self, request, object_id, extra_context=None):
        self._check_id(object_id)
        columns = [
            history_values.heading(self.model, name)
            for name in self.get_history_list_display(request)
        ]
        context = {"history_columns": columns} | (extra_context or {})
        return super().history_view(request, object_id, context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_id(object_id)
        if not str(version_id).isdigit():
            raise Http404(f"{version_id!r} is not a version")
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return history_values.ShownChanges(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        columns = self.get_history_list_display(request)
        for record in historical_records:
            record.shown_columns = [
                history_values.column(self.model, record, name) for name in columns
            ]
