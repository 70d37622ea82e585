"""Imports in the admin (django-import-export), bounded and private. Used by the admin of
every model that imports files (stock metadata here, trades in `trading`).

- Limits: a file over QB_IMPORT_MAX_BYTES, with more than QB_IMPORT_MAX_ROWS rows, or an
  XLSX whose parts unpack to more than QB_IMPORT_MAX_XLSX_BYTES is refused with a message
  on the form, before it is parsed (the XLSX size is read from the zip's directory;
  Python's zip reader stops at the sizes it declares).
- Uploads between the preview and the confirmation: kept under a random name in a private
  folder (QB_IMPORT_DIR); the confirmation form carries that name signed for the user who
  previewed it, so the confirmation can only import that user's upload of that preview.
  Anything else (another name, another user, an old preview, a bad format or resource
  number) is refused with 400. Uploads never confirmed are removed after
  UPLOAD_LIFETIME.
"""

import io
import os
import re
import secrets
import tempfile
import time
import zipfile
from pathlib import Path

import tablib
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ImportForm, SelectableFieldsExportForm
from import_export.results import RowResult
from import_export.tmp_storages import BaseStorage

from adminkit.resources import PREVIEW_ROWS, column_label

UPLOAD_LIFETIME = 3600  # seconds a preview can be confirmed
PREVIEW_ERRORS = 1000  # rows with errors listed on the preview
NAME = re.compile(r"[0-9a-f]{32}")


class ImportLimitError(ValueError):
    """A file the import refuses to read; the message says which limit and by how much."""


def upload_dir() -> Path:
    folder = Path(settings.QB_IMPORT_DIR or Path(tempfile.gettempdir()) / "qb-imports")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def remove_stale_uploads(now: float | None = None) -> int:
    """Delete uploads older than UPLOAD_LIFETIME; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in upload_dir().iterdir():
        try:
            if NAME.fullmatch(path.name) and now - path.stat().st_mtime > UPLOAD_LIFETIME:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker removed it first
            continue
    return removed


class PrivateUploadStorage(BaseStorage):
    """An upload under a random name in `upload_dir()`, readable by this process only."""

    def _path(self) -> Path:
        if not self.name or not NAME.fullmatch(self.name):
            raise ValueError("not an upload name")
        return upload_dir() / self.name

    def save(self, data):
        remove_stale_uploads()
        self.name = secrets.token_hex(16)
        descriptor = os.open(self._path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)

    def read(self):
        with open(self._path(), self.read_mode, encoding=self.encoding) as file:
            return file.read()

    def remove(self):
        self._path().unlink(missing_ok=True)


def _check_rows(count: int) -> None:
    if count > settings.QB_IMPORT_MAX_ROWS:
        raise ImportLimitError(
            _("The file has more than %(limit)s rows; split it into files of at most that many.")
            % {"limit": f"{settings.QB_IMPORT_MAX_ROWS:,}"}
        )


class LimitedCSV(base_formats.CSV):
    def create_dataset(self, in_stream):
        dataset = super().create_dataset(in_stream)
        _check_rows(len(dataset))
        return dataset


class LimitedXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        import openpyxl

        try:
            parts = zipfile.ZipFile(io.BytesIO(in_stream)).infolist()
        except zipfile.BadZipFile as e:
            raise ImportLimitError(_("The file is not an XLSX workbook.")) from e
        expanded = sum(part.file_size for part in parts)
        if expanded > settings.QB_IMPORT_MAX_XLSX_BYTES:
            raise ImportLimitError(
                _(
                    "The workbook unpacks to %(size)s MB, more than the %(limit)s MB an "
                    "import may hold; save the sheet as CSV or split it."
                )
                % {
                    "size": f"{expanded / 2**20:,.0f}",
                    "limit": f"{settings.QB_IMPORT_MAX_XLSX_BYTES / 2**20:,.0f}",
                }
            )
        sheet = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        rows = sheet.active.iter_rows(values_only=True)
        dataset = tablib.Dataset()
        dataset.headers = list(next(rows, ()))
        for row in rows:
            if not any(value is not None for value in row):
                continue  # Excel keeps formatted empty rows; they are not data
            dataset.append(row)
            _check_rows(len(dataset))
        return dataset


class LimitedImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.QB_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; an import may be at most %(limit)s MB.")
                % {
                    "size": f"{upload.size / 2**20:,.1f}",
                    "limit": f"{settings.QB_IMPORT_MAX_BYTES / 2**20:,.1f}",
                }
            )
        return upload


def _summary(result) -> str:
    totals = result.totals
    text = ngettext(
        "%(rows)s row: %(new)s new, %(updated)s changed, %(skipped)s unchanged, "
        "%(invalid)s with errors.",
        "%(rows)s rows: %(new)s new, %(updated)s changed, %(skipped)s unchanged, "
        "%(invalid)s with errors.",
        result.total_rows,
    ) % {
        "rows": f"{result.total_rows:,}",
        "new": f"{totals[RowResult.IMPORT_TYPE_NEW]:,}",
        "updated": f"{totals[RowResult.IMPORT_TYPE_UPDATE]:,}",
        "skipped": f"{totals[RowResult.IMPORT_TYPE_SKIP]:,}",
        "invalid": f"{totals[RowResult.IMPORT_TYPE_INVALID]:,}",
    }
    if result.total_rows > PREVIEW_ROWS and not result.invalid_rows:
        text += " " + _("The first %(n)s are listed below.") % {"n": PREVIEW_ROWS}
    if len(result.invalid_rows) > PREVIEW_ERRORS:
        text += " " + _("The first %(n)s rows with errors are listed below.") % {
            "n": f"{PREVIEW_ERRORS:,}"
        }
    return text


def _why(result) -> str:
    """The first problem of a result, in a line."""
    if result.base_errors:
        return str(result.base_errors[0].error)
    for line, errors in result.row_errors():
        return _("row %(row)s: %(error)s") % {"row": line, "error": errors[0].error}
    row = result.invalid_rows[0]
    return _("row %(row)s: %(error)s") % {
        "row": row.number,
        "error": " ".join(row.error.messages),
    }


class ExportForm(SelectableFieldsExportForm):
    """The export page's form, with the script that makes its "Select all" box work under
    the Content-Security-Policy, and each column named as the model names it, in the
    page's language, with the file's column name beside it: "Executed at (executed_at)"."""

    @property
    def media(self):
        return super().media + forms.Media(js=["marketdata/export_select_all.js"])

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        if field is None:
            return super()._get_field_label(resource, field_name)
        return column_label(resource, field)


def _signer(user) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"qb.import.{user.pk}")


class SignedConfirmImportForm(ConfirmImportForm):
    """The confirmation of one preview: the upload's name signed for its user, and the
    format and resource numbers of that preview."""

    def __init__(self, *args, user, formats: int, resources: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.formats, self.resources = user, formats, resources

    def clean_import_file_name(self):
        try:
            name = _signer(self.user).unsign(
                self.cleaned_data["import_file_name"], max_age=UPLOAD_LIFETIME
            )
        except signing.SignatureExpired as e:
            raise forms.ValidationError(
                _("This preview is older than an hour; upload the file again.")
            ) from e
        except signing.BadSignature as e:
            raise forms.ValidationError(_("This is not a preview of yours.")) from e
        if not NAME.fullmatch(name) or not (upload_dir() / name).is_file():
            raise forms.ValidationError(_("This preview was imported or has expired."))
        return name

    @staticmethod
    def _index(value, count):
        if not re.fullmatch(r"[0-9]{1,3}", value or "") or int(value) >= count:
            raise forms.ValidationError(_("Not one of the choices."))
        return value

    def clean_format(self):
        return self._index(self.cleaned_data["format"], self.formats)

    def clean_resource(self):
        value = self.cleaned_data.get("resource") or "0"
        return self._index(value, self.resources)


class SheetAdminMixin:
    """Mixed into the ImportExportModelAdmin of a model kept in spreadsheets: the limits and
    the private uploads above; a preview that says what the file holds and lists its first
    rows and errors; a confirmation that imports every row or none; CSV and XLSX only; an
    export page that works under the Content-Security-Policy and answers bad filters as
    the list does."""

    import_form_class = LimitedImportForm
    confirm_form_class = SignedConfirmImportForm
    export_form_class = ExportForm
    tmp_storage_class = PrivateUploadStorage
    import_formats = [LimitedCSV, LimitedXLSX]
    export_formats = [base_formats.CSV, base_formats.XLSX]

    def write_to_tmp_storage(self, import_file, input_format):
        storage = self.get_tmp_storage_class()(
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
        )
        storage.save(b"".join(import_file.chunks()))
        return storage

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportLimitError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_confirm_form_kwargs(self, request, import_form=None):
        return super().get_confirm_form_kwargs(request, import_form) | {
            "user": request.user,
            "formats": len(self.get_import_formats()),
            "resources": len(self.get_import_resource_classes(request)),
        }

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if initial:
            initial["import_file_name"] = _signer(request.user).sign(initial["import_file_name"])
        return initial

    def export_action(self, request):
        # The export reads the list's filters from the address; one the list does not know
        # is the list's "incorrect parameters" page, not a server error.
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            changelist = reverse(
                "admin:{}_{}_changelist".format(*self.get_model_info()),
                current_app=self.admin_site.name,
            )
            return redirect(f"{changelist}?{ERROR_FLAG}=1")

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = getattr(response, "context_data", {}).get("result")
        if result is not None and not result.has_errors():
            # A file with bad rows is a warning: nothing of it can be imported as it is.
            say = messages.warning if result.has_validation_errors() else messages.info
            say(request, _summary(result))
            # The page shows the first rows and errors; the counts above cover them all.
            result.rows = result.rows[:PREVIEW_ROWS]
            result.invalid_rows = result.invalid_rows[:PREVIEW_ERRORS]
        return response

    def get_import_data_kwargs(self, **kwargs):
        # A confirmation whose rows no longer pass (the table changed since the preview)
        # writes nothing.
        return super().get_import_data_kwargs(**kwargs) | {"rollback_on_validation_errors": True}

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, _("Nothing was imported: %(why)s") % {"why": _why(result)})
            return redirect(
                reverse(
                    "admin:{}_{}_import".format(*self.get_model_info()),
                    current_app=self.admin_site.name,
                )
            )
        return super().process_result(result, request)

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        if not form.is_valid():
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            return HttpResponseBadRequest(
                _("Nothing was imported: %(problems)s") % {"problems": problems},
                content_type="text/plain; charset=utf-8",
            )
        return super().process_import(request, **kwargs)
