import stat
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run(path):
    out = StringIO()
    call_command("create_local_admin", password_file=path, stdout=out)
    return out.getvalue()


def test_it_creates_a_superuser_whose_generated_password_is_kept_and_never_printed(tmp_path):
    path = tmp_path / "admin-password"

    first = run(path)

    password = path.read_text().strip()
    assert len(password) >= 16
    assert (
        first == f"Created superuser 'admin'; its password is in {path} (readable by you only).\n"
    )
    assert password not in first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    user = User.objects.get(username="admin")
    assert user.is_superuser and user.is_staff and user.check_password(password)

    second = run(path)

    assert second == f"Staff login: admin (its password is in {path}).\n"
    assert password not in second
    assert User.objects.get(username="admin").check_password(password)


def test_two_checkouts_get_different_passwords(tmp_path):
    run(tmp_path / "one")
    User.objects.all().delete()
    run(tmp_path / "two")
    assert (tmp_path / "one").read_text() != (tmp_path / "two").read_text()


def test_an_existing_user_without_the_file_is_told_how_to_reset(tmp_path):
    User.objects.create_superuser("admin", password="chosen-by-hand-1")
    assert run(tmp_path / "missing") == (
        "Staff login: admin (reset its password with `manage.py changepassword admin`).\n"
    )


def test_a_password_file_left_readable_by_others_is_made_private_again(tmp_path):
    path = tmp_path / "admin-password"
    path.write_text("old\n")
    path.chmod(0o644)
    run(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert User.objects.get(username="admin").check_password(path.read_text().strip())
