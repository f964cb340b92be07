"""Where attachments' bytes are kept: small ones in the database, large ones in files; either
way an agent downloads exactly what the customer sent, and deleting the row deletes the bytes."""

from __future__ import annotations

import os
import re

from sqlalchemy import delete, func, select
from starlette.testclient import TestClient

from channels.message import Identity, InboundAttachment, InboundMessage
from desk.actions.ingest.one import ingest_message
from desk.attachment_store import INLINE_MAX, attachment_files, read_attachment
from desk.db import Database, commit
from desk.models import Attachment
from desk.models.tables import ATTACHMENT_BYTES, ATTACHMENTS
from desk.settings import Settings

SMALL = os.urandom(INLINE_MAX)  # the largest kept in the database
LARGE = os.urandom(INLINE_MAX + 1)


def _files(settings: Settings) -> list[str]:
    root = settings.attachments_dir
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _ticket(db: Database, settings: Settings) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "mei@example.com", "Mei"), "扫描件", "见附件。",
            attachments=(InboundAttachment("合同 第1页.pdf", "application/pdf", SMALL),
                         InboundAttachment("合同 全部.pdf", "application/pdf", LARGE))))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def test_small_bytes_go_to_the_database_large_ones_to_a_file_and_both_download_whole(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    number = _ticket(db, settings)
    with db.session() as s:
        small, large = s.exec(select(Attachment).order_by(Attachment.id)).scalars().all()  # type: ignore[call-overload]
        assert (small.storage_key, small.size) == ("", INLINE_MAX)
        assert large.storage_key and large.size == INLINE_MAX + 1
        assert read_attachment(s, settings.attachments_dir, small) == SMALL
        assert read_attachment(s, settings.attachments_dir, large) == LARGE
        assert attachment_files(settings.attachments_dir, [small, large]) == [
            settings.attachments_dir / large.storage_key[:2] / large.storage_key]
    assert _files(settings) == [large.storage_key]  # one file: the large one's

    page = agent_client.get(f"/agent/tickets/{number}").text
    links = dict((name, int(i)) for i, name in
                 re.findall(r'href="/agent/attachments/(\d+)" download>([^<]+)<', page))
    assert set(links) == {"合同 第1页.pdf", "合同 全部.pdf"}
    got_small = agent_client.get(f"/agent/attachments/{links['合同 第1页.pdf']}")
    got_large = agent_client.get(f"/agent/attachments/{links['合同 全部.pdf']}")
    assert got_small.status_code == got_large.status_code == 200
    assert got_small.content == SMALL and got_large.content == LARGE
    # The same headers whichever place the bytes came from: the real name, a download.
    assert got_small.headers["content-disposition"] == \
        "attachment; filename*=utf-8''%E5%90%88%E5%90%8C%20%E7%AC%AC1%E9%A1%B5.pdf"
    assert got_large.headers["content-disposition"].startswith("attachment; filename*=utf-8''")
    for response in (got_small, got_large):
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["x-content-type-options"] == "nosniff"
    preview = agent_client.get(f"/agent/attachments/{links['合同 第1页.pdf']}/preview")
    assert preview.status_code == 200 and preview.content == SMALL
    assert preview.headers["content-disposition"].startswith("inline;")


def test_deleting_an_attachment_row_deletes_its_bytes(db: Database, settings: Settings) -> None:
    _ticket(db, settings)
    with db.session() as s:
        assert s.connection().execute(select(func.count()).select_from(ATTACHMENT_BYTES)).scalar() == 1
        s.connection().execute(delete(ATTACHMENTS))
        commit(s)
        assert s.connection().execute(select(func.count()).select_from(ATTACHMENT_BYTES)).scalar() == 0


def test_missing_bytes_answer_404_not_a_server_error(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    _ticket(db, settings)
    with db.session() as s:
        small_id = s.connection().execute(
            select(ATTACHMENTS.c.id).where(ATTACHMENTS.c.storage_key == "")).scalar_one()
        s.connection().execute(delete(ATTACHMENT_BYTES))
        commit(s)
    assert agent_client.get(f"/agent/attachments/{small_id}").status_code == 404
