"""Loading bars from the admin (/admin/marketdata/load/upload/): upload a CSV file or a
workbook, see how it was read and what it would do (marketdata/loader/preview.py),
correct the mapping, symbol or interval and preview again, save the layout under a name,
confirm. Confirming runs the same load as load_marketdata, recorded with the staff user;
its page undoes it. Operators only (marketdata.load_bars); the upload waits between
previews in a folder of its own, named by a random token kept in the session."""

import re
import secrets
import shutil
import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from display import numbers
from marketdata.loader import loading, preview
from marketdata.models import BarLayout, Interval

LOAD = "marketdata.load_bars"
SESSION_KEY = "qb_bar_upload"
_SAFE_NAME = re.compile(r"[^\w.\-]")


def spool_root() -> Path:
    return Path(tempfile.gettempdir()) / "qb-bar-uploads"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("file"), required=False, help_text=_("CSV (.csv, .txt) or Excel workbook (.xlsx)")
    )
    symbol = forms.CharField(
        label=_("symbol"), required=False, max_length=20, help_text=_("else the file's name")
    )
    interval = forms.ChoiceField(
        label=_("interval"),
        required=False,
        choices=[("", _("from the times")), *Interval.choices],
    )
    maps = forms.CharField(
        label=_("columns"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
        help_text=_("one ROLE=HEADER[*FACTOR] a line, such as close=Price or volume=Qty*1000"),
    )
    date_format = forms.CharField(
        label=_("date form"), required=False, max_length=40, help_text=_("such as %b %d, %Y")
    )
    sheet = forms.CharField(label=_("sheet"), required=False, max_length=100)
    layout = forms.ChoiceField(label=_("saved layout"), required=False)
    save_layout = forms.CharField(label=_("save the layout as"), required=False, max_length=60)
    skip_invalid = forms.BooleanField(
        label=_("load the valid rows, set aside the others"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["layout"].choices = [
            ("", "-"),
            *((name, name) for name in BarLayout.objects.values_list("name", flat=True)),
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and upload.size > settings.QB_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; an import may be at most %(limit)s MB.")
                % {
                    "size": f"{upload.size / 2**20:,.1f}",
                    "limit": f"{settings.QB_IMPORT_MAX_BYTES / 2**20:,.1f}",
                }
            )
        return upload

    def options(self) -> loading.Options:
        data = self.cleaned_data
        return loading.Options(
            symbol=data["symbol"].strip() or None,
            interval=data["interval"] or None,
            maps=[line.strip() for line in data["maps"].splitlines() if line.strip()] or None,
            date_format=data["date_format"].strip() or None,
            sheet=data["sheet"].strip() or None,
            layout=data["layout"] or None,
            save_layout=data["save_layout"].strip() or None,
            skip_invalid=data["skip_invalid"],
        )


def _keep(request, upload) -> Path:
    """Keep the upload under its own name (the name may give the symbol) in a new folder."""
    _discard(request)
    token = secrets.token_urlsafe(16)
    folder = spool_root() / token
    folder.mkdir(parents=True)
    name = _SAFE_NAME.sub("_", Path(upload.name).name)[-100:] or "upload.csv"
    path = folder / name
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    request.session[SESSION_KEY] = {"token": token, "name": name}
    return path


def _kept(request) -> Path | None:
    kept = request.session.get(SESSION_KEY)
    if not kept:
        return None
    path = spool_root() / kept["token"] / kept["name"]
    return path if path.is_file() else None


def _discard(request) -> None:
    kept = request.session.pop(SESSION_KEY, None)
    if kept:
        shutil.rmtree(spool_root() / kept["token"], ignore_errors=True)


def upload_view(request, model_admin):
    if not request.user.has_perm(LOAD):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Load bars from a file"),
    }
    if request.method != "POST":
        _discard(request)
        return TemplateResponse(
            request, "admin/marketdata/load/upload.html", {**context, "form": UploadForm()}
        )
    form = UploadForm(request.POST, request.FILES)
    context["form"] = form
    if form.is_valid():
        upload = form.cleaned_data["file"]
        path = _keep(request, upload) if upload else _kept(request)
        if path is None:
            form.add_error("file", _("Choose a file to load."))
        elif request.POST.get("confirm") == "yes":
            return _confirm(request, model_admin, form, path, context)
        else:
            context["preview"] = preview.preview(str(path), form.options(), user=request.user)
    context["kept"] = _kept(request)
    return TemplateResponse(request, "admin/marketdata/load/upload.html", context)


def _confirm(request, model_admin, form, path, context):
    try:
        with transaction.atomic():
            (result,) = loading.load([str(path)], form.options(), user=request.user)
    except (loading.LoadError, DatabaseError) as e:
        errors = e.errors if isinstance(e, loading.LoadError) else [str(e)]
        context["preview"] = preview.Preview(errors=errors)
        context["kept"] = path
        return TemplateResponse(request, "admin/marketdata/load/upload.html", context)
    _discard(request)
    model_admin.message_user(
        request,
        _("Loaded %(file)s: inserted %(inserted)s, updated %(updated)s, unchanged %(unchanged)s.")
        % {
            "file": path.name,
            "inserted": numbers.quantity(result.inserted),
            "updated": numbers.quantity(result.updated),
            "unchanged": numbers.quantity(result.unchanged),
        },
        messages.SUCCESS,
    )
    return redirect(reverse("admin:marketdata_load_change", args=[result.load_id]))
