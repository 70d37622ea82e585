"""The tax picture of one account and year as an admin page, with its XLSX download
(trading/tax). Staff who may view the account (its scope) and its trades see it."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import access
from trading.tax import METHODS, NoSession, tax_report
from trading.tax.sheet import workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(text: str | None) -> int:
    if text is None:
        return timezone.localtime().year - 1
    if not text.isdigit() or not 1990 <= int(text) <= 2200:
        raise Http404(f"{text!r} is not a year")
    return int(text)


def tax_view(model_admin, request, object_id):
    if not request.user.has_perm("trading.view_trade"):
        raise PermissionDenied
    if not str(object_id).isdigit():
        raise Http404("not an account id")
    account = access.visible_accounts(request.user).filter(pk=int(object_id)).first()
    if account is None:
        raise Http404("no such account")
    year = _year(request.GET.get("year"))
    method = request.GET.get("method", "moving_average")
    if method not in METHODS:
        method = "moving_average"
    try:
        report = tax_report(account, year, method=method)
    except NoSession as e:
        raise Http404(str(e)) from e
    if request.GET.get("format") == "xlsx":
        return HttpResponse(
            workbook(report),
            content_type=XLSX,
            headers={
                "Content-Disposition": f'attachment; filename="tax_{account.code}_{year}.xlsx"'
            },
        )
    this_year = dt.date.today().year
    return TemplateResponse(
        request,
        "admin/trading/tax_report.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": _("Tax picture of %(account)s, %(year)s")
            % {"account": account.code, "year": year},
            "account": account,
            "report": report,
            "year": year,
            "method": method,
            "years": range(this_year, this_year - 6, -1),
        },
    )
