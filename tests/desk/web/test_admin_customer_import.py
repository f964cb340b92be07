"""The admin's customer import: upload, preview with the mapping, import, errors to download."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import Customer, User
from tests.conftest import csrf_of, sign_in

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "customers"
PAGE = "/admin/customers/import"


@pytest.fixture
def admin(client: TestClient, make_user: Callable[..., User]) -> TestClient:
    return sign_in(client, make_user("admin"))


def _upload(client: TestClient, data: bytes, name: str = "customers.csv") -> str:
    """Uploads a file; returns the preview page's path."""
    answer = client.post(PAGE, data={"csrf_token": csrf_of(client, PAGE)},
                         files={"file": (name, data, "text/csv")}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    location: str = answer.headers["location"]
    return location


def _customers(db: Database) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(Customer)).one()


def test_admin_previews_a_gbk_file_from_excel_then_imports_it(admin: TestClient, db: Database) -> None:
    preview_path = _upload(admin, (FIXTURES / "excel_gbk.csv").read_bytes())
    preview = admin.get(preview_path)

    assert preview.status_code == 200
    assert "gb18030" in preview.text and "王小明" in preview.text
    assert preview.text.count('data-outcome="created"') == 2
    assert '<option value="tier" selected>' in preview.text  # 等级 is the tier
    assert _customers(db) == 0  # a preview saves nothing

    token = csrf_of(admin, PAGE)
    done = admin.post(preview_path, data={"csrf_token": token, "step": "import", "map-0": "name",
                                          "map-1": "email", "map-2": "phone", "map-3": "organization",
                                          "map-4": "tier", "map-5": "tags"})
    assert done.status_code == 200
    assert 'data-counts="2 0 0 0"' in done.text
    assert _customers(db) == 2


def test_changing_the_mapping_on_the_preview_ignores_a_column(admin: TestClient, db: Database) -> None:
    preview_path = _upload(admin, b"Name,Email,Company\nAnn,ann@example.com,Acme\n")
    form = {"csrf_token": csrf_of(admin, PAGE), "map-0": "name", "map-1": "email", "map-2": ""}

    again = admin.post(preview_path, data={**form, "step": "preview"})
    assert '<option value="organization" selected>' not in again.text
    admin.post(preview_path, data={**form, "step": "import"})

    with db.session() as s:
        ann = s.exec(select(Customer)).one()
    assert ann.name == "Ann" and ann.organization_id is None


def test_bad_lines_are_shown_with_their_errors_and_can_be_downloaded(admin: TestClient) -> None:
    preview_path = _upload(admin, (FIXTURES / "bad_rows.csv").read_bytes())
    preview = admin.get(preview_path)
    assert 'data-line="4" data-outcome="error"' in preview.text
    assert "not-a-phone is not a valid phone number." in preview.text

    form = {"csrf_token": csrf_of(admin, PAGE), "step": "import",
            **{f"map-{i}": t for i, t in enumerate(["name", "email", "phone", "organization", "tier",
                                                    "tags"])}}
    done = admin.post(preview_path, data=form)
    assert 'data-counts="2 0 0 3"' in done.text and 'data-error-line="7"' in done.text

    download = admin.get(f"{preview_path}/errors.csv")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [r[-2] for r in rows[1:]] == ["3", "4", "7"]
    assert rows[1][0] == "Grace Hopper"


def test_a_file_in_no_known_encoding_is_refused_on_upload(admin: TestClient) -> None:
    answer = admin.post(PAGE, data={"csrf_token": csrf_of(admin, PAGE)},
                        files={"file": ("x.csv", b"name,email\n\x80\x80\xff\n", "text/csv")})
    assert answer.status_code == 400
    assert "neither UTF-8, GBK/GB18030 nor Big5" in answer.text


def test_a_50_mb_file_is_accepted_and_a_bigger_one_refused(admin: TestClient) -> None:
    line = "Ann,ann{}@example.com," + "x" * 1000 + "\n"
    body = "name,email,notes\n" + "".join(line.format(i) for i in range(48_000))
    data = body.encode()
    while len(data) < 50 * 1024 * 1024:
        data += f"Bo,bo{len(data)}@example.com,".encode() + b"y" * 100_000 + b"\n"
    data = data[:50 * 1024 * 1024 - 1] + b"\n"

    preview = admin.get(_upload(admin, data))
    assert preview.status_code == 200 and '<tr data-line="20" data-outcome="created">' in preview.text

    refused = admin.post(PAGE, data={"csrf_token": csrf_of(admin, PAGE)},
                         files={"file": ("big.csv", data + b"\n", "text/csv")})
    assert refused.status_code == 413 and "larger than 50 MB" in refused.text


def test_only_admins_reach_the_page_and_only_the_uploader_their_file(
        client: TestClient, make_user: Callable[..., User]) -> None:
    sign_in(client, make_user("agent"))
    assert client.get(PAGE).status_code == 403
    sign_in(client, make_user("admin"))
    preview_path = _upload(client, b"name,email\nAnn,ann@example.com\n")

    sign_in(client, make_user("admin"))
    assert client.get(preview_path).status_code == 404
    assert client.get(f"{preview_path}/errors.csv").status_code == 404
    assert client.get(f"{PAGE}/..%2F..%2Fdesk.db").status_code == 404
