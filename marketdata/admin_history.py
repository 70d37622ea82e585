"""The history pages of audited models (django-simple-history), for both wings' admins."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose "revert" needs the change permission.

    The library's page of one past version saves a POSTed form after checking only the
    view permission, so a viewer could change a row by posting that page back. Viewing a
    past version stays open to viewers; saving one is a change like any other.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
