"""The Chinese catalog: complete, compiled, in step with the code, and what users see.

When one of the catalog tests fails, run scripts/i18n.sh, translate the entries it
names in desk/locale/zh_CN/LC_MESSAGES/desk.po, and run the script again."""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.testclient import TestClient

from desk import ROOT
from desk.i18n import DOMAIN, LOCALE_DIR, from_accept_language, gettext_for, normalise
from desk.models import User
from tests.conftest import PASSWORD, sign_in

POT = LOCALE_DIR / f"{DOMAIN}.pot"
PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"
# The same keywords and folders as scripts/i18n.sh.
KEYWORDS = {"_": None, "gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale="zh_CN")


def _zh(message: str) -> str:
    return gettext_for("zh_CN", message)


def _not_hidden(dirpath: str) -> bool:
    return not os.path.basename(dirpath).startswith(".")


def _extracted() -> dict[str, str]:
    """Each msgid marked in the sources today, with where it was first found."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=_not_hidden,
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_every_string_has_a_chinese_translation() -> None:
    po = _read_po(PO)
    missing = []
    for template_message in _read_po(POT):
        if not template_message.id:
            continue
        message = po.get(template_message.id)
        if message is None or not message.string or message.fuzzy:
            missing.append(template_message.id)
    assert not missing, f"no (or only a fuzzy) Chinese translation in {PO.name}: {missing}"


def test_shipped_mo_is_compiled_from_the_current_po() -> None:
    buffer = BytesIO()
    write_mo(buffer, _read_po(PO))
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    shipped = gettext.translation(DOMAIN, LOCALE_DIR, languages=["zh_CN"])
    # gettext keeps what a .mo holds in _catalog, msgid -> msgstr, header included.
    fresh_entries: dict[object, str] = fresh._catalog  # type: ignore[attr-defined]
    shipped_entries: dict[object, str] = shipped._catalog  # type: ignore[attr-defined]
    stale = sorted(str(key) for key in fresh_entries.keys() | shipped_entries.keys()
                   if fresh_entries.get(key) != shipped_entries.get(key))
    assert not stale, f"desk.mo differs from desk.po (run scripts/i18n.sh) for: {stale}"


def test_translations_keep_the_placeholders_of_the_english() -> None:
    for message in _read_po(PO):
        if not message.id or not message.string:
            continue
        msgid, msgstr = str(message.id), str(message.string)
        assert set(PLACEHOLDER.findall(msgstr)) == set(PLACEHOLDER.findall(msgid)), msgid
        # Mail templates always %-format, so a stray "%" would break the mail.
        values = {name: "x" for name in PLACEHOLDER.findall(msgid)}
        msgstr % values  # noqa: B018


def test_catalog_template_holds_every_string_marked_in_the_code() -> None:
    known = {message.id for message in _read_po(POT) if message.id}
    missing = {msgid: where for msgid, where in _extracted().items() if msgid not in known}
    assert not missing, f"marked but not in desk.pot (run scripts/i18n.sh): {missing}"


def test_extraction_reads_partials_and_mail_and_python_markers() -> None:
    found = _extracted()
    assert found["Reply"].startswith("templates/_partials/")
    assert found["Hello %(name)s,"].startswith("templates/email/")
    assert found["Wrong email or password."].startswith("desk/web/")
    assert found["All open"].startswith("desk/web/labels.py")


@pytest.mark.parametrize("header, locale", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"), ("zh-Hans", "zh_CN"), ("en-GB,zh;q=0.5", "en"),
    ("fr-FR,zh-CN;q=0.7", "zh_CN"), ("de-DE", "en"), (None, "en"),
])
def test_accept_language_picks_a_shipped_locale(header: str | None, locale: str) -> None:
    assert from_accept_language(header) == locale
    assert normalise(locale) == locale


def test_public_form_is_chinese_for_a_chinese_browser(client: TestClient) -> None:
    page = client.get("/requests/new", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert _zh("Contact support") != "Contact support"
    assert f"<h1>{_zh('Contact support')}</h1>" in page.text
    for field, label in (("name", "Your name"), ("email", "Email"), ("subject", "Subject"),
                         ("message", "Message")):
        assert _zh(label) != label
        assert f'<label for="{field}">{_zh(label)}</label>' in page.text
    assert "Contact support" not in page.text and "Your name" not in page.text


def test_agent_with_chinese_locale_sees_a_chinese_queue(
    client: TestClient, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user(locale="zh_CN"))
    page = client.get("/agent/?view=all_open")
    assert page.status_code == 200
    assert _zh("All open") != "All open"
    assert f"<span>{_zh('All open')}</span>" in page.text
    assert _zh("No tickets here.") in page.text
    assert "All open" not in page.text and "Sign out" not in page.text


def test_error_details_from_python_are_translated(client: TestClient) -> None:
    chinese = {"Accept-Language": "zh-CN"}
    page = client.get("/requests/not-a-token", headers=chinese)
    assert page.status_code == 404
    assert _zh("This link is not valid.") in page.text
    assert "This link is not valid." not in page.text

    form = client.get("/agent/login", headers=chinese).text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    refused = client.post("/agent/login", headers=chinese, data={
        "email": "nobody@desk.test", "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 400
    assert _zh("Wrong email or password.") in refused.text
