"""The account scope, proved for every model of an account and every admin entry point:
the models are found with apps.get_models() and the pages with the URL resolver, so a model
or a page added later is covered without being named here.

Rows are made in two accounts, MAIN and HIDDENACC; a one-account viewer and a one-account
operator (an operator's permissions, and deletes, without "see every account") are listed
on MAIN. They see MAIN's rows only (lists, filters' choices, exports, autocomplete, the
front page, health); HIDDENACC's pages answer exactly as a missing row's (404); what they
post to HIDDENACC's rows writes nothing."""

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.db import DatabaseError, models, transaction
from django.forms import MultiWidget
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from marketdata.models import StockMetadata
from qbsite import dashboard, health
from tests import factories
from trading import access
from trading.admin.access import AccountScoped
from trading.models import Account

pytestmark = pytest.mark.django_db
MARKERS = ("HIDDENACC", "98765432-99", "HIDDEN-")  # what nothing may show of HIDDENACC
OK_CODES = (200, 302, 400, 403, 404, 405)


def account_models(*, stored=False):
    """Every model whose rows belong to an account, the accounts themselves included;
    `stored`: only those whose rows a test can write (no views) and that are no history
    records (those come from saving the rows)."""
    found = [m for m in apps.get_models() if access.account_field(m) is not None]
    if stored:
        found = [m for m in found if m._meta.managed and not hasattr(m, "instance_type")]
    return found


def registered():
    """(model, its admin) of every model of an account that the admin shows."""
    return [(m, a) for m, a in admin.site._registry.items() if m in account_models()]


# Rows of the models known today, as their factories make them; any other model (added
# later) gets a row made from its fields by `generic_row`.
def _trade(account, mark):
    return factories.trade(account=account, broker_order_id=f"{mark}-ORDER-1", strategy=f"{mark}-S")


def _run(account, mark):
    run = factories.run(account=account, status="differences", difference_count=1)
    run.save()
    run.differences.create(kind="quantity", broker_order_id=f"{mark}-ORDER-1", symbol="005930")
    return run


KNOWN = {
    "trade": _trade,
    "position": lambda account, mark: factories.position(account=account),
    "commissionschedule": lambda account, mark: factories.schedule(account=account),
    "reconciliationrun": _run,
    "riskmetric": lambda account, mark: factories.risk(account=account),
}


def _candidates(field, mark, n):
    """Values to try for a required field without a default, most likely first."""
    if field.choices:
        return [value for value, _ in field.flatchoices]
    if isinstance(field, models.DecimalField):
        return [Decimal(1), Decimal(0), Decimal(-1)]
    if isinstance(field, models.BooleanField):
        return [False]
    if isinstance(field, (models.IntegerField, models.FloatField)):
        return [1, 0]
    if isinstance(field, models.DateTimeField):
        return [timezone.now()]
    if isinstance(field, models.DateField):
        return [dt.date(2026, 3, 3)]
    if isinstance(field, models.DurationField):
        return [dt.timedelta(days=1)]
    if isinstance(field, models.UUIDField):
        return [uuid.uuid4()]
    if isinstance(field, models.JSONField):
        return [{}]
    if field.get_internal_type() == "ArrayField":
        return [[]]
    if field.name == "symbol":
        return ["005930"]
    text = f"{mark}-{n}"
    return [text[: field.max_length] if field.max_length else text]


def generic_row(model, account, mark, n=1):
    """A saved row of `model` in `account` from its fields alone: each required field gets a
    plain value of its type (each choice, and 1, 0 and -1 for amounts, tried in turn until
    the table's constraints take the row)."""
    fixed, varied = {}, []
    for field in model._meta.concrete_fields:
        if field.auto_created or field.has_default() or field.null:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.is_relation:
            related = field.related_model
            fixed[field.name] = (
                account if related is Account else make_row(related, account, mark, n + 1)
            )
        elif field.blank and isinstance(field, models.CharField):
            continue
        else:
            varied.append((field, _candidates(field, mark, n)))
    tries = max((len(values) for _, values in varied), default=1)
    last = None
    for attempt in range(tries):
        values = {f.attname: vs[min(attempt, len(vs) - 1)] for f, vs in varied}
        row = model(**fixed, **values)
        try:
            with transaction.atomic():
                row.save()
            return row
        except DatabaseError as e:
            last = e
    raise AssertionError(f"cannot make a row of {model._meta.label} from its fields: {last}")


def make_row(model, account, mark, n=1):
    maker = KNOWN.get(model._meta.model_name)
    if maker is None:
        return generic_row(model, account, mark, n)
    row = maker(account, mark)
    row.save()
    return row


def in_account(model, account_id):
    field = access.account_field(model)
    return model._default_manager.filter(**{f"{field}": account_id})


@pytest.fixture
def desk():
    """MAIN and HIDDENACC with a row (and a second version of it) of every model of an
    account; people limited to MAIN."""
    StockMetadata.objects.create(symbol="005930", name="삼성전자", market="KOSPI")
    factories.bar().save()
    accounts = {
        "MAIN": factories.account("MAIN", number="12345678-01"),
        "HIDDENACC": factories.account("HIDDENACC", number="98765432-99"),
    }
    rows = {}
    for code, account in accounts.items():
        mark = "MAIN" if code == "MAIN" else "HIDDEN"
        rows[code] = {"account": account}
        for model in account_models(stored=True):
            if model is Account:
                continue
            existing = in_account(model, account.pk).first()
            row = existing or make_row(model, account, mark)
            if hasattr(row, "history"):
                row.save()  # a second version
            rows[code][model._meta.model_name] = row
        for model in account_models():
            if not model._meta.managed:  # a view: its rows come from the tables above
                rows[code][model._meta.model_name] = in_account(model, account.pk).first()
    viewer = User.objects.create_user("desk-viewer", password="a-long-pass-phrase", is_staff=True)
    viewer.groups.add(Group.objects.get(name="account_viewer"))
    operator = User.objects.create_user("desk-operator", password="a-long-pass-phrase")
    operator.is_staff = True
    operator.save()
    wide = Group.objects.get(name="operator").permissions.exclude(codename="view_all_accounts")
    deletes = Permission.objects.filter(
        codename__in=[f"delete_{m._meta.model_name}" for m in account_models()]
    )
    operator.user_permissions.add(*wide, *deletes)
    for user in (viewer, operator):
        accounts["MAIN"].visible_to.add(user)
    return {"rows": rows, "people": {"viewer": viewer, "operator": operator}}


@pytest.fixture(params=["viewer", "operator"])
def person(request, desk, client):
    user = desk["people"][request.param]
    client.force_login(user)
    return user


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def leaks(text: str) -> list[str]:
    return [m for m in MARKERS if m in text]


def snapshot():
    """Every stored row of every model of an account, history records included."""
    return {
        m._meta.label: sorted(map(repr, m._base_manager.values_list()))
        for m in account_models()
        if m._meta.managed
    }


# The admin's entry points, from the URL resolver.


def admin_patterns():
    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p

    return [(route, p) for route, p in walk(get_resolver().url_patterns, "/") if p.name]


def parameters(pattern) -> list[str]:
    """The names of a pattern's parameters in order ("" for an unnamed group)."""
    converters = list(getattr(pattern.pattern, "converters", {}))
    if converters:
        return converters
    regex = pattern.pattern.regex
    names = {i: n for n, i in regex.groupindex.items()}
    return [names.get(i, "") for i in range(1, regex.groups + 1)]


def row_urls(model, row, *, missing: bool):
    """Every admin URL of `model` that names a row, for `row` (or for a row that does not
    exist): its page, history, versions, delete page and custom views."""
    opts = model._meta
    prefix = f"/admin/{opts.app_label}/{opts.model_name}/"
    pk = row.pk
    version = row.history.earliest().history_id if hasattr(row, "history") else 1
    if missing:
        if isinstance(pk, uuid.UUID):
            pk = uuid.uuid4()
        else:
            pk = pk + 100_000 if isinstance(pk, int) else f"{pk}-missing"
        version += 100_000
    found = {}
    for route, pattern in admin_patterns():
        names = parameters(pattern)
        if not route.replace("^", "").startswith(prefix) or not names:
            continue
        values = [version if "version" in n or i == 1 else pk for i, n in enumerate(names)]
        if any(n and n != "object_id" and "version" not in n for n in names) or not all(names):
            url = reverse(f"admin:{pattern.name}", args=values)
        else:
            url = reverse(f"admin:{pattern.name}", kwargs=dict(zip(names, values, strict=True)))
        found[pattern.name] = url
    return found


def list_urls():
    """Every admin URL without a parameter, and the chart's data with one."""
    urls = []
    for route, _pattern in admin_patterns():
        route = route.replace("^", "").replace("$", "")
        if route.startswith("/admin/") and "<" not in route and "(" not in route:
            urls.append(route)
    day = timezone.localdate()
    chart = f"symbol=005930&interval=1d&start=2024-01-01&end={day + dt.timedelta(days=1)}"
    urls.append(reverse("admin:marketdata_chart_data") + "?" + chart)
    urls.append(reverse("admin:marketdata_chart") + "?" + chart)
    return sorted(set(urls) - {"/admin/logout/"})


def test_the_walk_finds_the_models_and_their_pages(desk):
    names = {m._meta.model_name for m in account_models(stored=True)}
    assert {"trade", "position", "commissionschedule", "reconciliationrun", "riskmetric"} <= names
    assert {"reconciliationdifference", "tradechange", "account"} <= names
    assert all(not hasattr(m, "instance_type") for m in account_models(stored=True))
    hidden = desk["rows"]["HIDDENACC"]["trade"]
    urls = row_urls(type(hidden), hidden, missing=False)
    assert set(urls) == {
        "trading_trade_change",
        "trading_trade_delete",
        "trading_trade_history",
        "trading_trade_simple_history",
    }
    run = desk["rows"]["HIDDENACC"]["reconciliationrun"]
    assert "trading_reconciliationrun_create_missing" in row_urls(type(run), run, missing=False)
    for model in account_models(stored=True):
        for code in ("MAIN", "HIDDENACC"):
            account = desk["rows"][code]["account"]
            assert in_account(model, account.pk).exists(), (model, code)


def test_every_admin_of_rows_of_an_account_is_account_scoped():
    unscoped = [m._meta.label for m, a in registered() if not isinstance(a, AccountScoped)]
    assert unscoped == []


def test_every_list_holds_only_the_person_s_account(client, desk, person):
    main = desk["rows"]["MAIN"]["account"].pk
    for model, model_admin in registered():
        request = RequestFactory().get("/")
        request.user = person
        if not model_admin.has_view_permission(request):
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            assert client.get(url, follow=True).status_code == 403, model
            continue
        shown = model_admin.get_queryset(request)
        every = model._default_manager.all()
        assert every.exclude(pk__in=shown.values("pk")).exists(), model  # the other's exist
        assert {access.account_of(row) for row in shown} == {main}, model
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page = client.get(url, follow=True)  # a list may first choose one account
        assert page.status_code == 200, url
        assert {access.account_of(r) for r in page.context["cl"].result_list} == {main}, url


def test_no_page_shows_anything_of_the_other_account(client, desk, person):
    shown = {}
    for url in list_urls():
        response = client.get(url)
        assert response.status_code in OK_CODES, url
        if found := leaks(body(response)):
            shown[url] = found
    for model, _ in registered():
        row = desk["rows"]["HIDDENACC"].get(model._meta.model_name)
        for url in row_urls(model, row, missing=False).values() if row else ():
            response = client.get(url)
            if found := leaks(body(response)):
                shown[url] = found
    assert shown == {}


def test_the_other_account_s_rows_answer_exactly_as_missing_ones(client, desk, person):
    answers = {}
    for model, _ in registered():
        row = desk["rows"]["HIDDENACC"][model._meta.model_name]
        if row is None:
            continue  # a view with no row of this account
        hidden = row_urls(model, row, missing=False)
        missing = row_urls(model, row, missing=True)
        for name, url in hidden.items():
            answers[name] = (client.get(url).status_code, client.get(missing[name]).status_code)
    assert {name: codes for name, codes in answers.items() if codes[0] != codes[1]} == {}
    opened = {n: c for n, c in answers.items() if c[0] not in (403, 404)}
    assert opened == {}
    for name in ("trading_trade_change", "trading_trade_history", "trading_trade_simple_history"):
        assert answers[name] == (404, 404)


def test_the_person_s_own_rows_open(client, desk, person):
    opened = {}
    request = RequestFactory().get("/")
    request.user = person
    for model, model_admin in registered():
        if not model_admin.has_view_permission(request):
            continue
        row = desk["rows"]["MAIN"][model._meta.model_name]
        if row is None:
            continue
        for name, url in row_urls(model, row, missing=False).items():
            if name.endswith(("_change", "_history")) or "simple_history" in name:
                opened[name] = client.get(url).status_code
    assert set(opened.values()) == {200}, opened


def form_data(model_admin, row, account):
    """What the row's page would post, with `account` in its account field."""
    request = RequestFactory().get("/")
    request.user = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "root-for-forms"
    )
    form = model_admin.get_form(request, row)(instance=row)
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            parts = field.widget.decompress(value)
            data |= {f"{name}_{i}": "" if p is None else str(p) for i, p in enumerate(parts)}
        elif isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    if "account" in form.fields:
        data["account"] = str(account.pk)
    return data


def test_what_is_posted_to_the_other_account_s_rows_writes_nothing(client, desk, person):
    before = snapshot()
    main = desk["rows"]["MAIN"]["account"]
    for model, model_admin in registered():
        row = desk["rows"]["HIDDENACC"][model._meta.model_name]
        if row is None:
            continue
        data = form_data(model_admin, row, main)
        for url in row_urls(model, row, missing=False).values():
            posted = client.post(url, data | {"post": "yes", "_change_history": "1"})
            assert posted.status_code in (403, 404), url
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        request = RequestFactory().get(changelist)
        request.user = person
        for action in model_admin.get_actions(request):
            client.post(
                changelist,
                {"action": action, "_selected_action": [str(row.pk)], "post": "yes", "index": 0},
            )
    assert snapshot() == before


def test_exports_hold_only_the_person_s_account(client, desk, person):
    exported = {}
    for model, model_admin in registered():
        if not hasattr(model_admin, "get_export_resource_classes"):
            continue
        request = RequestFactory().get("/")
        request.user = person
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
        if not model_admin.has_export_permission(request):
            assert client.get(url).status_code == 403, url
            continue
        [resource] = model_admin.get_export_resource_classes(request)
        prefix = resource.__name__.lower()
        columns = {f"{prefix}_{name}": "on" for name in resource().fields}
        response = client.post(url, {"format": "0", "resource": "0", **columns})
        assert response.status_code == 200, url
        exported[url] = body(response)
    assert exported, "no export found"
    assert {url: leaks(text) for url, text in exported.items() if leaks(text)} == {}


def test_autocomplete_offers_only_the_person_s_rows(client, desk, person):
    offered = {}
    for model, _ in admin.site._registry.items():
        for field in model._meta.get_fields():
            remote = getattr(field, "related_model", None)
            if not (field.many_to_one and field.concrete) or remote not in account_models():
                continue
            if (
                not admin.site._registry.get(remote)
                or not admin.site._registry[remote].search_fields
            ):
                continue
            query = {
                "app_label": model._meta.app_label,
                "model_name": model._meta.model_name,
                "field_name": field.name,
                "term": "",
            }
            response = client.get("/admin/autocomplete/", query)
            if response.status_code == 200:
                offered[(model._meta.model_name, field.name)] = response.json()["results"]
    assert offered
    for key, results in offered.items():
        assert all(not leaks(r["text"]) for r in results), key


def test_the_filters_offer_only_choices_of_the_person_s_account(client, desk, person):
    for model, _model_admin in registered():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url, follow=True)
        if response.status_code != 200:
            continue
        for spec in response.context["cl"].filter_specs:
            choices = [str(c.get("display", "")) for c in spec.choices(response.context["cl"])]
            assert not any(leaks(c) for c in choices), (url, spec.title)


def test_the_front_page_and_health_count_only_the_person_s_account(desk, person):
    main = desk["rows"]["MAIN"]["account"]
    figures = dashboard.figures(person)
    assert [a["account"].code for a in figures["accounts"]] == ["MAIN"]
    assert (
        figures["trades_today"] == in_account(apps.get_model("trading", "Trade"), main.pk).count()
    )
    held = in_account(apps.get_model("trading", "Position"), main.pk).filter(quantity__gt=0)
    assert figures["open_positions"] == held.count() == 1
    checks = {c.name: c for c in health.run(user=person)}
    assert checks["positions"].details["open"] == 1
    assert "tables" not in checks
    assert ("logs" in checks) == person.has_perm("trading.view_systemlog")
    everyone = {c.name: c for c in health.run()}
    assert everyone["positions"].details["open"] == 2


def test_the_scope_reads_every_account_for_those_who_see_them_all(desk, admin_user):
    for model in account_models(stored=True):
        every = model._default_manager.all()
        assert access.scope(every, admin_user).count() == every.count()


def test_a_row_of_no_account_is_only_for_those_who_see_every_account(desk, person, admin_user):
    together = factories.risk()
    together.save()
    RiskMetric = type(together)
    assert not access.scope(RiskMetric.objects.filter(pk=together.pk), person).exists()
    assert access.scope(RiskMetric.objects.filter(pk=together.pk), admin_user).exists()


def test_the_way_to_an_account_is_found_for_any_model():
    lookups = {m._meta.model_name: access.account_field(m) for m in account_models(stored=True)}
    assert lookups["account"] == "pk"
    assert lookups["trade"] == "account"
    assert lookups["reconciliationdifference"] == "run__account"
    assert re.fullmatch(r"\w+", lookups["commissionschedule"])
