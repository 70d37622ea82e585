"""Change lists and actions that answer a value no column can hold with an error, never a
server error, whatever the page: QBAdminSite (qbsite/admin_site.py) mixes GuardedLists into
every ModelAdmin it registers, so a list added later is guarded without anyone asking.

- The ids of an action (`_selected_action`) are read through the bounded reader first:
  one that is no id of the model (`abc`, `1e2000000`, past bigint) is refused with a
  message and the list, and the action does not run: nothing is written.
- The dates and moments of its forms lie from 1900 to 2199 (a trade at 9999-12-31 made
  its settlement date overflow, one at 0001-01-01 the trading calendar).
- A filter in the address whose value Django or PostgreSQL cannot use
  (`?quantity__gt=99999999999999999999999`, `?executed_at__year=-1`) ends in 400 with the
  reason, the request's transaction left usable (the list runs inside a savepoint).
"""

import logging

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import DataError, models, router, transaction
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils.html import escape
from django.utils.translation import gettext as _

import bounded

log = logging.getLogger(__name__)
# What a value of the request can make Django or PostgreSQL raise while a list is built.
REFUSED = (ValueError, OverflowError, ValidationError, DataError, EmptyResultSet)
INTEGER_PKS = (models.AutoField, models.BigAutoField, models.IntegerField)
BIGINT = 2**63 - 1
FIRST_YEAR, LAST_YEAR = 1900, 2199


def bad_ids(model, values) -> list[str]:
    """The values of `values` that are not a primary key of `model`."""
    pk = model._meta.pk
    found = []
    for value in values:
        try:
            if isinstance(pk, INTEGER_PKS):
                digits = bounded.text(value, max_length=20)
                if not digits.isdigit():
                    raise bounded.OutOfBounds(value)
                bounded.integer(digits, minimum=1, maximum=BIGINT)
            else:
                pk.to_python(bounded.text(value, max_length=255))
        except (bounded.OutOfBounds, ValidationError, TypeError):
            found.append(value)
    return found


def within_years(value) -> None:
    """A form's date or moment between FIRST_YEAR and LAST_YEAR: year 9999 overflows the
    day after it, year 1 the time zones and the calendars."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Enter a date from %(first)s to %(last)s.")
            % {"first": f"{FIRST_YEAR}-01-01", "last": f"{LAST_YEAR}-12-31"},
            code="out_of_range",
        )


class GuardedLists:
    """A ModelAdmin's change list and actions, guarded against values no column can hold;
    its forms' dates kept within years any computation can take."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(db_field, models.DateField):
            field.validators.append(within_years)
        return field

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and ACTION_CHECKBOX_NAME in request.POST:
            refused = bad_ids(self.model, request.POST.getlist(ACTION_CHECKBOX_NAME))
            if refused:
                self.message_user(
                    request,
                    _("Nothing done: %(ids)s is not the id of a row.")
                    % {"ids": bounded.shown(refused[0])},
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.get_full_path())
        # The savepoint is on the database the list reads from: asking the router for the
        # database to write to would count as a write and keep the request off the replica.
        try:
            with transaction.atomic(using=router.db_for_read(self.model)):
                response = super().changelist_view(request, extra_context)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                return response
        except REFUSED as e:
            return self._refused(request, e)

    def _refused(self, request, error):
        log.warning("Refused the list %s: %s", request.get_full_path()[:200], error)
        said = str(error)[:300] or error.__class__.__name__
        return HttpResponseBadRequest(
            escape(_("This list cannot show these filters: %(why)s") % {"why": said}),
            content_type="text/plain; charset=utf-8",
        )


def guarded(admin_class):
    """`admin_class` with GuardedLists mixed in (the same class when it has it)."""
    if issubclass(admin_class, GuardedLists):
        return admin_class
    return type(
        admin_class.__name__,
        (GuardedLists, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
    )
