"""A run's differences on its page, a page at a time, and their statuses set in bulk.

A report of 20,000 orders can give as many differences: the run's page shows PER_PAGE of
them (Django's Paginator, `?p=`), so that it stays small and fast whatever the report held,
and posts no more fields than Django takes (DATA_UPLOAD_MAX_NUMBER_FIELDS). What applies to
many differences at once (every `missing_in_backoffice` of the run explained, say) is one
post of MarkDifferencesForm, whatever their number."""

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from trading.models import DifferenceKind, DifferenceStatus, ReconciliationDifference

PER_PAGE = 100
NOTE_LENGTH = 2000


def page_of(run, number):
    """The page `number` (any text: a bad one is the first or last page) of `run`'s
    differences."""
    differences = run.differences.order_by("id")
    return Paginator(differences, PER_PAGE).get_page(number)


class PagedDifferenceFormSet(BaseInlineFormSet):
    """The inline of one page of a run's differences (`page_number`, set per request)."""

    page_number = 1

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            ids = [d.pk for d in page_of(self.instance, self.page_number).object_list]
            self._queryset = (
                super().get_queryset().filter(pk__in=ids).select_related("run").order_by("id")
            )
        return self._queryset


class PagedInline(admin.TabularInline):
    """An inline of differences shown a page at a time (the page from `?p=`)."""

    formset = PagedDifferenceFormSet

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        number = request.GET.get("p", "1")
        return type(formset.__name__, (formset,), {"page_number": number[:10]})


class MarkDifferencesForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[("", _("every kind")), *DifferenceKind.choices],
        required=False,
    )
    current = forms.ChoiceField(
        label=_("now"),
        choices=[("", _("any status")), *DifferenceStatus.choices],
        required=False,
        initial=DifferenceStatus.OPEN,
    )
    status = forms.ChoiceField(label=_("mark as"), choices=DifferenceStatus.choices)
    note = forms.CharField(
        label=_("note"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"size": 40}),
    )

    def clean_note(self):
        note = self.cleaned_data["note"]
        if "\x00" in note:
            raise forms.ValidationError(_("The note holds a NUL character."))
        return note


def mark(run, *, kind: str, current: str, status: str, note: str, user) -> int:
    """Set the status (and, when given, the note) of `run`'s differences of `kind` (every
    kind when empty) whose status is `current` (any when empty); with history. Returns how
    many were marked."""
    chosen = run.differences.order_by("id")
    if kind:
        chosen = chosen.filter(kind=kind)
    if current:
        chosen = chosen.filter(status=current)
    with transaction.atomic():
        changed = list(chosen.select_for_update())
        for difference in changed:
            difference.status = status
            if note:
                difference.note = note
        # One UPDATE for them all (bulk_update writes a CASE per row: a minute for 20,000),
        # then their history in bulk.
        values = {"status": status, **({"note": note} if note else {})}
        ReconciliationDifference.objects.filter(pk__in=[d.pk for d in changed]).update(**values)
        ReconciliationDifference.history.bulk_history_create(
            changed, batch_size=1000, update=True, default_user=user
        )
    return len(changed)
