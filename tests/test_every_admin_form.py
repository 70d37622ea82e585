"""Every POST form of every admin page, found from the URL resolver and the pages, given
absurd values in each field and hostile files in each file field: never a server error;
and when every field is absurd at once, nothing written to any table. A page added later
is walked without anyone listing it here."""

import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tests.form_walk import ABSURD, hostile_files, post_forms, row_counts
from tests.test_every_admin_url import admin_paths, default_objects

ANSWERS = (200, 302, 400, 403, 404, 405)
FORM_ENCODED = "application/x-www-form-urlencoded"


def walked_forms(client):
    """(page, form) of every POST form the admin's pages show a superuser."""
    factories.bar().save()
    objects = default_objects()
    difference = factories.difference(run=objects["reconciliationrun"])
    difference.save()
    found, seen = [], set()
    for page in admin_paths(objects):
        if re.search(r"/logout/|/delete/", page):
            continue
        response = client.get(page)
        if response.status_code == 405:
            found.append((page, None))  # a POST-only view: posted with absurd names
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in post_forms(page, response.content.decode()):
            key = (form.action, tuple(sorted(form.fields)))
            if key not in seen:
                seen.add(key)
                found.append((page, form))
    return found


@pytest.fixture
def forms(admin_client):
    return walked_forms(admin_client)


@pytest.mark.django_db
def test_the_walk_finds_the_forms_uploads_and_actions_of_every_kind(forms):
    actions = {f.action for _p, f in forms if f is not None}
    assert "http://testserver/admin/trading/trade/add/" in actions or any(
        a.endswith("/admin/trading/trade/add/") for a in actions
    )
    assert any(a.endswith("/admin/trading/reconciliationrun/reconcile/") for a in actions)
    assert any(re.search(r"/reconciliationrun/\d+/mark/$", a) for a in actions)
    assert any(a.endswith("/admin/trading/trade/import/") for a in actions)
    assert any(a.endswith("/admin/trading/trade/") for a in actions)  # its actions
    assert sum(len(f.files()) for _p, f in forms if f is not None) >= 2
    assert len(forms) > 30


def wrongly_encoded(data: dict) -> bytes:
    """`data` as a form posts it, every value bytes that are not UTF-8 (Latin-1 é, 0xff)."""
    return "&".join(f"{quote(k)}=%E9%FF%FE" for k in data).encode()


def failures_of(client, forms, post_one):
    failures = []
    for page, form in forms:
        for target, data, what in post_one(page, form):
            if isinstance(data, bytes):
                response = client.post(target, data, content_type=FORM_ENCODED)
            else:
                response = client.post(target, data)
            if response.status_code not in ANSWERS:
                failures.append((target, what, response.status_code))
    return failures


# Without a test transaction: a database error in one request must not spoil the next.
@pytest.mark.django_db(transaction=True)
def test_an_absurd_value_in_any_field_of_any_form_never_gives_a_server_error(admin_client):
    admin_client.raise_request_exception = False
    forms = walked_forms(admin_client)

    def posts(page, form):
        if form is None:
            for value in ABSURD:
                yield page, {"id": value, "pk": value, "date": value}, f"* = {value[:20]!r}"
            return
        base = form.baseline()
        for name in form.inputs():
            for value in ABSURD:
                yield form.action, base | {name: value}, f"{name} = {value[:20]!r}"
        yield form.action, wrongly_encoded(dict.fromkeys(form.inputs())), "not UTF-8"

    assert failures_of(admin_client, forms, posts) == []


@pytest.mark.django_db(transaction=True)
def test_a_hostile_file_in_any_upload_never_gives_a_server_error_or_a_write(admin_client):
    admin_client.raise_request_exception = False
    forms = [(p, f) for p, f in walked_forms(admin_client) if f is not None and f.files()]
    files = hostile_files()
    before = row_counts()

    def posts(page, form):
        base = form.baseline()
        for field in form.files():
            for name, content in files:
                yield form.action, base | {field: SimpleUploadedFile(name, content)}, name

    assert failures_of(admin_client, forms, posts) == []
    assert row_counts() == before


@pytest.mark.django_db(transaction=True)
def test_every_field_absurd_at_once_writes_nothing_anywhere(admin_client):
    admin_client.raise_request_exception = False
    forms = [f for _p, f in walked_forms(admin_client) if f is not None]
    failures, written = [], []
    for form in forms:
        token = form.baseline().get("csrfmiddlewaretoken", "")
        for value in ABSURD:
            before = row_counts()
            data = dict.fromkeys(form.inputs(), value) | {"csrfmiddlewaretoken": token}
            response = admin_client.post(form.action, data)
            if response.status_code not in ANSWERS:
                failures.append((form.action, value[:20], response.status_code))
            after = row_counts()
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            if changed:
                written.append((form.action, value[:20], changed))
    assert failures == []
    assert written == []
