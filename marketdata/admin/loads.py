"""The loads of market data in the admin: what each file brought, its series and the bars
it replaced, and the action that undoes loads, with a preview. Read-only otherwise: loads
are made by load_marketdata, never by hand."""

from pathlib import PurePath

from django.contrib import admin, messages
from django.db.models import Count, Min
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from display import numbers, times
from display.lists import FiguresAdmin, clipped, column
from marketdata.loader import history as load_history
from marketdata.loader import undo
from marketdata.models import Load, LoadSeries

CHANGES_SHOWN = 100


class UndoneFilter(admin.SimpleListFilter):
    title = _("undone")
    parameter_name = "undone"

    def lookups(self, request, model_admin):
        return [("no", _("no")), ("yes", _("yes"))]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(undone_at__isnull=self.value() == "no")
        return queryset


class LoadSeriesInline(admin.TabularInline):
    model = LoadSeries
    fields = ("symbol", "interval_type", "first", "last", "inserted", "updated")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def count(name, label):
    return column(name, label, numbers.quantity)


@admin.register(Load)
class LoadAdmin(FiguresAdmin, admin.ModelAdmin):
    list_display = (
        "number",
        "started",
        "file_name",
        "format",
        "interval",
        "symbols",
        count("rows", _("rows")),
        count("inserted", _("inserted")),
        count("updated", _("updated")),
        count("unchanged", _("unchanged")),
        "set_aside",
        "ran_by",
        "way",
        "undone",
    )
    list_display_links = ("number", "started")
    list_filter = (UndoneFilter, "format", "interval", "way")
    search_fields = ("file", "sha256", "series__symbol")
    inlines = [LoadSeriesInline]
    actions = ["undo_selected"]
    change_form_template = "admin/marketdata/load/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(symbol_count=Count("series__symbol", distinct=True))
            .annotate(first_symbol=Min("series__symbol"))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_undo_permission(self, request):
        return request.user.has_perm("marketdata.undo_load")

    @admin.display(description=_("load"), ordering="id")
    def number(self, load):
        return f"#{load.pk}"

    @admin.display(description=_("started at"), ordering="started_at")
    def started(self, load):
        return times.moment(load.started_at, seconds=True)

    @admin.display(description=_("file"), ordering="file")
    def file_name(self, load):
        """The file's name; its whole path on hover and on the load's page."""
        return clipped(PurePath(load.file).name, whole=load.file)

    @admin.display(description=_("symbols"))
    def symbols(self, load):
        if load.symbol_count > 1:
            return _("%(first)s and %(more)s more") % {
                "first": load.first_symbol,
                "more": numbers.quantity(load.symbol_count - 1),
            }
        return load.first_symbol or "-"

    @admin.display(description=_("skipped, rejected, repaired"))
    def set_aside(self, load):
        """The rows a load did not take as they came, where there are any: most loads have
        none, so four columns of zeros would only widen the list."""
        counts = [
            (_("skipped"), load.skipped),
            (_("rejected"), load.rejected),
            (_("repaired"), load.repaired),
            (_("phantoms kept out"), load.phantoms),
        ]
        said = [f"{label} {numbers.quantity(n)}" for label, n in counts if n]
        return " · ".join(said) or "-"

    @admin.display(description=_("ran by"))
    def ran_by(self, load):
        return load.ran_by

    @admin.display(description=_("undone"), ordering="undone_at")
    def undone(self, load):
        if load.undone_at is None:
            return "-"
        return f"{times.moment(load.undone_at)} ({load.undone_by})"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        load = self.get_object(request, object_id)
        extra = {}
        if load is not None:
            extra = {
                "changes": load_history.changes(load, CHANGES_SHOWN),
                "changes_total": load.updated,
                "changes_shown": min(load.updated, CHANGES_SHOWN),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    @admin.action(description=_("Undo selected loads"), permissions=["undo"])
    def undo_selected(self, request, queryset):
        loads = list(queryset.order_by("-pk"))
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/marketdata/load/undo_confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "title": _("Undo loads"),
                    "plans": [undo.preview(load) for load in loads],
                    "loads": loads,
                },
            )
        # Newest first: a later load over the same bars must go before an earlier one.
        for load in loads:
            try:
                plan = undo.undo(load.pk, user=request.user)
            except undo.UndoError as e:
                self.message_user(request, str(e), messages.ERROR)
            else:
                self.message_user(
                    request, _("Undone: %(load)s.") % {"load": plan.describe()}, messages.SUCCESS
                )
        return None
