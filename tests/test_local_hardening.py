"""What other users of the server's machine, and clients next to it, cannot do: make
gunicorn believe a request came over HTTPS, or lend the import an upload folder of theirs."""

import os
import runpy
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from gunicorn.config import Config
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader

from adminkit import imports
from marketdata.models import StockMetadata
from trading.models import Trade

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
IMPORT = reverse("admin:trading_trade_import")
CONFIRM = reverse("admin:trading_trade_process_import")
FILL = (
    "executed_at,symbol,side,quantity,price,commission,tax,strategy,broker_order_id\n"
    "2024-03-04 10:00:00,005930,BUY,10,72000,108,0,momentum,0000000001\n"
)


def gunicorn_scheme(monkeypatch, *, proxy: str, allowed: str | None = None) -> tuple:
    """gunicorn.conf.py read with SECURE_PROXY_SSL_HEADER=`proxy` (and FORWARDED_ALLOW_IPS),
    and the scheme gunicorn gives a request from 127.0.0.1 that says X-Forwarded-Proto:
    https."""
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", proxy)
    if allowed is None:
        monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    else:
        monkeypatch.setenv("FORWARDED_ALLOW_IPS", allowed)
    conf = runpy.run_path(str(CONF))
    config = Config()
    config.set("forwarded_allow_ips", conf["forwarded_allow_ips"])
    raw = b"GET /admin/ HTTP/1.1\r\nHost: qb\r\nX-Forwarded-Proto: https\r\n\r\n"
    request = Request(config, IterUnreader([raw]), ("127.0.0.1", 50000), 1)
    return conf["forwarded_allow_ips"], request.scheme


def test_without_a_proxy_gunicorn_believes_no_client_s_forwarded_proto(monkeypatch):
    assert gunicorn_scheme(monkeypatch, proxy="false") == ("", "http")


def test_behind_a_proxy_gunicorn_believes_the_proxy_on_this_host(monkeypatch):
    assert gunicorn_scheme(monkeypatch, proxy="true") == ("127.0.0.1,::1", "https")


def test_behind_a_proxy_elsewhere_gunicorn_believes_only_its_address(monkeypatch):
    assert gunicorn_scheme(monkeypatch, proxy="true", allowed="10.0.0.5") == ("10.0.0.5", "http")


@pytest.fixture
def folder(settings, tmp_path):
    path = tmp_path / "uploads"
    settings.QB_IMPORT_DIR = str(path)
    StockMetadata.objects.create(symbol="005930", name="삼성전자", market="KOSPI")
    return path


def preview(client):
    return client.post(
        IMPORT,
        {"import_file": SimpleUploadedFile("t.csv", FILL.encode()), "format": "0", "resource": "0"},
        follow=True,
    )


def said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_an_import_folder_open_to_other_users_is_refused(admin_client, folder):
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    response = preview(admin_client)
    assert said(response) == [
        f"The import folder {folder} is open to other users (mode 0o777); imports are off "
        "until it is closed to them (chmod 700)."
    ]
    assert list(folder.iterdir()) == []
    with pytest.raises(imports.ImportFolderError):
        imports.upload_dir()


@pytest.mark.django_db
def test_an_import_folder_of_another_user_is_refused(admin_client, folder, settings):
    if os.geteuid() == 0:
        folder.mkdir(mode=0o700)
        os.chown(folder, 65534, 65534)  # nobody's
        theirs = folder
    else:
        theirs = Path("/")  # root's
        settings.QB_IMPORT_DIR = "/"
    response = preview(admin_client)
    assert said(response) == [
        f"The import folder {theirs} belongs to another user; imports are off until "
        "QB_IMPORT_DIR names a folder of this server's own."
    ]
    assert Trade.objects.count() == 0


@pytest.mark.django_db
def test_an_import_folder_linked_by_another_user_is_refused(folder, tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    folder.symlink_to(real)
    imports.upload_dir()  # a link of the server's own is followed
    if os.geteuid() == 0:
        os.lchown(folder, 65534, 65534)
        with pytest.raises(imports.ImportFolderError, match="is a link another user made"):
            imports.upload_dir()


@pytest.mark.django_db
def test_an_upload_swapped_for_a_link_before_the_confirmation_is_not_read(
    admin_client, folder, tmp_path
):
    secret = tmp_path / "secret_key"
    secret.write_text("id,account\nnot-for-you,MAIN\n")
    response = admin_client.post(
        IMPORT,
        {"import_file": SimpleUploadedFile("t.csv", FILL.encode()), "format": "0", "resource": "0"},
    )
    confirmation = dict(response.context["confirm_form"].initial)
    [upload] = folder.iterdir()
    upload.unlink()
    upload.symlink_to(secret)
    refused = admin_client.post(CONFIRM, confirmation)
    assert refused.status_code == 400
    assert "not-for-you" not in refused.content.decode()
    assert Trade.objects.count() == 0
    storage = imports.PrivateUploadStorage(name=upload.name, read_mode="r", encoding="utf-8")
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        storage.read()
