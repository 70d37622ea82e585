"""Import and export in the admin (django-import-export): the base every resource of the
back office uses, and stock metadata's own."""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import signals
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.text import capfirst
from import_export import fields, resources, widgets
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import RowResult
from simple_history.utils import bulk_update_with_history

from adminkit import batch_validation, sheet_cells
from adminkit.history_baseline import bulk_create_with_history
from adminkit.preview_diff import ShownDiff

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The preview lists the first rows with their changes; the counts cover every row.


PREVIEW_ROWS = 100


def _needs_quote(text: str) -> bool:
    # Quotes already in front count too, so that quoting can always be undone.
    return text.lstrip("'").startswith(FORMULA_STARTS)


def formula_safe(value):
    """Text that a spreadsheet would run as a formula, behind a quote (OWASP)."""
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def formula_unquoted(value):
    """The text `formula_safe` quoted, as it was; any other value as it is."""
    if isinstance(value, str) and value.startswith("'") and _needs_quote(value[1:]):
        return value[1:]
    return value


class BulkInstanceLoader(ModelInstanceLoader):
    """The stored rows a file names, read in one query before its rows are imported.

    A row's key is the values of the resource's import id fields, as the model's fields
    read them (a UUID column compares as a UUID, however the file spells it). The query
    asks for every value of each key field at once, which covers the keys wanted.
    """

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        model = resource._meta.model
        self.fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        self.model_fields = [model._meta.get_field(f.attribute) for f in self.fields]
        keys = {key for row in dataset.dict if (key := self.key(row)) is not None}
        self.instances = {}
        if keys:
            wanted = {
                f"{field.attname}__in": {key[n] for key in keys}
                for n, field in enumerate(self.model_fields)
            }
            for instance in self.get_queryset().filter(**wanted):
                self.instances[tuple(getattr(instance, f.attname) for f in self.model_fields)] = (
                    instance
                )

    def key(self, row):
        if any(row.get(field.column_name) in (None, "") for field in self.fields):
            return None  # a new row (a default such as a fresh UUID is no key)
        try:
            key = tuple(
                model_field.to_python(field.clean(row))
                for field, model_field in zip(self.fields, self.model_fields, strict=True)
            )
        except (KeyError, ValueError, ValidationError):
            return None  # the row's own validation says what is wrong
        return key

    def get_instance(self, row):
        key = self.key(row)
        return None if key is None else self.instances.get(key)


def column_label(resource, field) -> str:
    """A column as the model names it, in the page's language, with the file's name for it
    beside: "Executed at (executed_at)"; the file's name alone for a column the model does
    not have. `resource` is a resource class or instance."""
    try:
        name = resource._meta.model._meta.get_field(field.attribute).verbose_name
    except (FieldDoesNotExist, TypeError):
        return field.column_name
    return f"{capfirst(name)} ({field.column_name})"


class SheetResource(resources.ModelResource):
    """Rows of a spreadsheet file, in and out.

    Export: text a spreadsheet would run as a formula goes out behind a quote, and comes
    back without it on import.
    Import (the preview too): each row is read and its fields checked in Python; then the
    model's constraints are checked for every row at once (adminkit/batch_validation.py),
    existing rows are looked up in one query, and new and changed rows are written with a
    bulk INSERT and UPDATE, history included. A file of 10,000 rows costs a few queries,
    not ten a row. A row whose values equal the stored ones is unchanged (skipped); the
    changes of the first PREVIEW_ROWS rows are kept for the preview.

    Files repeat values (a symbol, a side, a strategy, a commission in every row), so each
    distinct cell of a column is read by its widget once an import, and each distinct value
    of a model field checked by the field once (`clean_cell`, `validate_instance`): widgets
    must read only their cell (the project's all do), and a field's checks only its value.
    Errors are those of the widget or the field, for every row that holds the value.
    """

    WIDGETS_MAP = resources.ModelResource.WIDGETS_MAP | {
        "DateTimeField": sheet_cells.DateTimeWidget,
        "DecimalField": sheet_cells.DecimalWidget,
    }

    class Meta:
        use_bulk = True
        batch_size = None  # one check and one write, after every row is read
        instance_loader_class = BulkInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        # No copy and no diff of every row: unchanged rows are found from `_stored`, and
        # only the rows the preview shows get a diff.
        skip_diff = True

    # Model fields a resource has checked itself (against rows it read in bulk), left out of
    # full_clean(): a foreign key's check there is a query a row.
    checked_before_clean = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._user = None
        self._import_fields = None
        self._results = {}  # row number -> its RowResult
        self._pending = {}  # id(instance waiting to be written) -> (row number, row)
        self._current = None  # the instance of the row being imported
        self._stored = None  # its values as stored, when it exists
        self._diff = None
        self._cells = {}  # (column, cell) -> its widget's value, or the exception it raised
        self._checked = {}  # (field, value) -> the value as the field cleans it, or its errors
        self._checked_fields = None
        self._import_plan = None
        self._blank = None  # a new instance as Model() makes it, copied for each new row
        self._called_defaults = []

    def get_row_result_class(self):
        return sheet_cells.NamedLaterRowResult

    def init_instance(self, row=None):
        # Model() sets each field's default, a trade's 23 of them, each row the same but for
        # callable ones (a new UUID): a copy of a first new instance, with those called
        # again, is the same instance for a tenth of the cost. A model with init signals
        # (none of ours) is made the usual way.
        model = self._meta.model
        if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
            return super().init_instance(row)
        if self._blank is None:
            self._blank = super().init_instance(row)
            self._called_defaults = [
                f for f in model._meta.concrete_fields if f.has_default() and callable(f.default)
            ]
        instance = model.__new__(model)
        instance.__dict__.update(self._blank.__dict__)
        instance._state = ModelState()
        for field in self._called_defaults:
            setattr(instance, field.attname, field.get_default())
        return instance

    def get_import_fields(self):
        # Asked several times a row; the answer does not change during an import.
        if self._import_fields is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def import_data(self, *args, **kwargs):
        result = super().import_data(*args, **kwargs)
        # The preview's columns named as the export page names them (diff_headers stay the
        # file's names: the rows' values are looked up by them).
        result.diff_labels = [column_label(self, field) for field in self.get_import_fields()]
        return result

    def export_field(self, field, instance, **kwargs):
        return formula_safe(super().export_field(field, instance, **kwargs))

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._user = kwargs.get("user")
        self._cells, self._checked = {}, {}
        for field in self.fields.values():
            if isinstance(field.widget, sheet_cells.DateTimeWidget):
                field.widget.zone = timezone.get_current_timezone()

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        for key, value in row.items():
            if isinstance(value, str) and value[:1] == "'":
                row[key] = formula_unquoted(value)

    def clean_cell(self, field, row):
        """`field.clean(row)`: the cell read by the field's widget, once for each distinct
        cell of the column in this import, and the field's default for an empty one."""
        column = field.column_name
        value = row[column] if column in row else field.clean(row)
        # The type too: 1, 1.0 and True are equal keys, but not equal cells.
        key = (column, value.__class__, value)
        try:
            found = self._cells[key]
        except (KeyError, TypeError):
            found = sheet_cells.once(self._cells, key, Exception, field.widget.clean, value, row)
        if isinstance(found, Exception):
            raise found.with_traceback(None)
        if found in field.empty_values and field.default != fields.NOT_PROVIDED:
            return field.default() if callable(field.default) else field.default
        return found

    def _fields_to_import(self):
        """(field, attribute path) of the fields a row sets: django-import-export's
        import_instance skips many-to-many fields, Field.save read-only ones."""
        if self._import_plan is None:
            self._import_plan = [
                (field, field.attribute.split("__"))
                for field in self.get_import_fields()
                if field.attribute
                and not field.readonly
                and not isinstance(field.widget, widgets.ManyToManyWidget)
            ]
        return self._import_plan

    def import_instance(self, instance, row, **kwargs):
        # django-import-export's import_instance, import_field and Field.save, with each
        # cell read through `clean_cell`.
        errors = {}
        for field, (*path, name) in self._fields_to_import():
            if field.column_name not in row:
                continue
            try:
                value = self.clean_cell(field, row)
            except ValueError as e:
                errors[field.attribute] = ValidationError(force_str(e), code="invalid")
                continue
            if value is not None or field.saves_null_values:
                target = instance
                for attr in path:
                    target = getattr(target, attr, None)
                setattr(target, name, value)
        if errors:
            raise ValidationError(errors)

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        self._current = instance
        self._stored = (
            None
            if new
            else {f.attribute: getattr(instance, f.attribute) for f in self.get_import_fields()}
        )
        self._diff = (
            ShownDiff(self, instance, new) if kwargs["row_number"] <= PREVIEW_ROWS else None
        )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not self._meta.skip_unchanged or import_validation_errors or self._stored is None:
            return False
        opts = instance._meta
        try:
            # As the model reads them: a file's "72000" is the stored Decimal 72000.00.
            return all(
                opts.get_field(name).to_python(getattr(instance, name)) == value
                for name, value in self._stored.items()
            )
        except ValidationError:
            return False  # the row's validation says why

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if self._diff is not None:
            self._diff.compare_with(self, self._current)
            row_result.diff = self._diff.as_html()

    def _fields_to_check(self, instance):
        if self._checked_fields is None:
            self._checked_fields = [
                (f.name, f.attname, f.blank, f.empty_values, f)
                for f in instance._meta.fields
                if f.name not in self.checked_before_clean and not f.generated
            ]
        return self._checked_fields

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The fields only: constraints and unique keys are checked for all rows together.
        # As `instance.full_clean(exclude, validate_unique=False, validate_constraints=False)`
        # (Model.clean_fields, then Model.clean), each distinct value of a field checked once.
        errors = dict(import_validation_errors or {})
        found = {}
        checked_values = self._checked
        for name, attname, blank, empty_values, field in self._fields_to_check(instance):
            if name in errors:
                continue
            raw = getattr(instance, attname)
            if blank and raw in empty_values:
                continue
            key = (attname, raw.__class__, raw)
            try:
                checked = checked_values[key]
            except (KeyError, TypeError):
                checked = sheet_cells.once(
                    checked_values, key, ValidationError, field.clean, raw, instance
                )
            if isinstance(checked, ValidationError):
                found[name] = checked.error_list
            else:
                setattr(instance, attname, checked)
        if found:
            errors = ValidationError(found).update_error_dict(errors)
        try:
            instance.clean()
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        self._results[kwargs["row_number"]] = row_result
        return row_result

    def save_instance(self, instance, is_create, row, **kwargs):
        super().save_instance(instance, is_create, row, **kwargs)
        self._pending[id(instance)] = (kwargs["row_number"], row)

    def check_pending(self, result):
        """Check every row waiting to be written against the model's constraints; rows
        that break one become invalid rows of the result and are not written."""
        waiting = [*self.create_instances, *self.update_instances]
        if not waiting:
            return
        numbers = [self._pending[id(i)][0] for i in waiting]
        broken = batch_validation.violations(self._meta.model, waiting, numbers=numbers)
        for position, error in sorted(broken.items()):
            number, row = self._pending[id(waiting[position])]
            row_result = self._results[number]
            result.totals[row_result.import_type] -= 1
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = error
            result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
            result.append_invalid_row(number, row, error)
        if broken:
            rejected = {id(waiting[position]) for position in broken}
            for instances in (self.create_instances, self.update_instances):
                instances[:] = [i for i in instances if id(i) not in rejected]

    def _write(self, instances, write, *, dry_run, raise_errors, result):
        """Check the rows waiting, then write `instances` with `write`, except in a preview
        (dry run), which writes nothing. A savepoint keeps the import's transaction usable
        when the database refuses the rows."""
        self.check_pending(result)
        try:
            if instances and not dry_run:
                with transaction.atomic():
                    write(instances)
        except Exception as e:
            self.handle_import_error(result, e, raise_errors)
        finally:
            instances.clear()

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        def write(rows):
            bulk_create_with_history(
                rows, self._meta.model, batch_size=batch_size, default_user=self._user
            )

        self._write(
            self.create_instances, write, dry_run=dry_run, raise_errors=raise_errors, result=result
        )

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        def write(rows):
            bulk_update_with_history(
                rows,
                self._meta.model,
                self.get_bulk_update_fields(),
                batch_size=batch_size,
                default_user=self._user,
            )

        self._write(
            self.update_instances, write, dry_run=dry_run, raise_errors=raise_errors, result=result
        )
