"""What weaker roles must not be able to do: change rows through a history page, raise
their own rights, manage users."""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse
from simple_history.models import registered_models

from adminkit.history import HistoryAdmin
from tests import factories
from trading.models import SystemLog

pytestmark = pytest.mark.django_db

HISTORY = {
    "trade": (factories.trade, "strategy", "changed"),
    "position": (factories.position, "quantity", "99"),
    "stockmetadata": (factories.stock, "name", "changed"),
}


def member(role, name=None):
    user = User.objects.create_user(name or f"{role}-user", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def form_data(form):
    """What a browser would post back for an admin form, values unchanged."""
    data = {}
    for field in form:
        value, widget = field.value(), field.field.widget
        if isinstance(widget, forms.MultiWidget):
            for n, part in enumerate(widget.decompress(value)):
                data[f"{field.html_name}_{n}"] = "" if part is None else part
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[field.html_name] = "on"
        elif value is not None:
            data[field.html_name] = value
    return data


def history_page(model_name, obj):
    record = obj.history.latest()
    app = obj._meta.app_label
    return reverse(f"admin:{app}_{model_name}_simple_history", args=[obj.pk, record.pk])


def test_every_model_with_history_has_the_guarded_history_admin():
    audited = [m for m in registered_models.values() if m in admin.site._registry]
    assert {m._meta.model_name for m in audited} >= set(HISTORY)
    for model in audited:
        assert isinstance(admin.site._registry[model], HistoryAdmin), model


@pytest.mark.parametrize("model_name", list(HISTORY))
def test_a_viewer_cannot_change_a_row_by_posting_its_history_page(client, model_name):
    make, field, value = HISTORY[model_name]
    obj = make()
    obj.save()
    client.force_login(member("viewer"))
    page = client.get(history_page(model_name, obj))
    assert page.status_code == 200  # viewing a past version is allowed
    data = form_data(page.context["adminform"].form) | {field: value}

    response = client.post(history_page(model_name, obj), data)

    assert response.status_code == 403
    stored = type(obj).objects.get(pk=obj.pk)
    assert str(getattr(stored, field)) != value
    assert obj.history.count() == 1


@pytest.mark.parametrize("model_name", list(HISTORY))
def test_an_operator_can_still_revert_through_the_history_page(client, model_name):
    make, field, value = HISTORY[model_name]
    obj = make()
    obj.save()
    operator = member("operator")
    client.force_login(operator)
    page = client.get(history_page(model_name, obj))
    data = form_data(page.context["adminform"].form) | {field: value}

    response = client.post(history_page(model_name, obj), data)

    assert response.status_code == 302
    assert str(getattr(type(obj).objects.get(pk=obj.pk), field)) == value
    assert obj.history.latest().history_user == operator


def test_an_admin_member_cannot_make_itself_superuser(client):
    user = member("admin")
    client.force_login(user)
    url = reverse("admin:auth_user_change", args=[user.pk])

    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {
            "username": user.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_superuser
    log = factories.log()
    log.save()
    assert (
        client.post(
            reverse("admin:trading_systemlog_delete", args=[log.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert SystemLog.objects.filter(pk=log.pk).exists()


def test_the_admin_group_holds_no_rights_over_users_groups_or_permissions():
    held = Group.objects.get(name="admin").permissions.values_list(
        "content_type__app_label", flat=True
    )
    assert {"auth", "contenttypes", "sessions"}.isdisjoint(held)
    assert {"marketdata", "trading", "axes"} <= set(held)


@pytest.mark.parametrize(
    "name", ["admin:auth_user_changelist", "admin:auth_group_changelist", "admin:auth_user_add"]
)
def test_user_pages_refuse_everyone_but_superusers_even_with_granted_permissions(
    client, admin_client, name
):
    user = member("admin")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="auth"))
    client.force_login(user)

    assert client.get(reverse(name)).status_code == 403
    assert admin_client.get(reverse(name)).status_code == 200


def test_a_superuser_still_manages_users(admin_client):
    user = member("viewer")
    response = admin_client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {
            "username": user.username,
            "is_active": "on",
            "is_staff": "on",
            "groups": [Group.objects.get(name="operator").pk],
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    assert list(user.groups.values_list("name", flat=True)) == ["operator"]
