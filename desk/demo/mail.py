"""The demo's mail: a push-only mailbox and a handful of real-looking mails fed through
the same intake as IMAP, so a newcomer sees mail tickets (Chinese clients included),
the mailbox accounting and the quarantine without setting up a mail server."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from desk.actions.audit import SYSTEM
from desk.actions.mail.mailboxes import create_mailbox
from desk.actions.mail.quarantine import ingest_with_retry
from desk.actions.mail.stored import store_raw
from desk.db import commit
from desk.models import Mailbox, Team
from desk.settings import Settings

MAILBOX = "support"
ADDRESS = "support@desk.example"
# Shipped with the tests' golden mail: real client quirks, each checked by a test.
GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "email"
MAILS = (
    "001-foxmail-gbk-original-mail-quote.eml",
    "004-netease-163-base64-gb2312-rfc2231-name.eml",
    "005-big5-taiwan-8bit-quote.eml",
    "008-outlook-en-original-message-cp1252.eml",
    "009-apple-mail-inline-image.eml",
    "014-autoreply-exchange-automatic-reply.eml",
    "022-bounce-gmail-dsn.eml",
    "025-malformed-binary-noise.eml",
    "044-outlook-zh-dafu-gb18030-xlsx-attachment.eml",
)


def load_demo_mail(session: Session, settings: Settings) -> int:
    """Add the demo mailbox and ingest the demo mails (once); how many mails were fed."""
    if session.exec(select(Mailbox).where(Mailbox.name == MAILBOX)).first() is not None:
        return 0
    team = session.exec(select(Team).order_by(Team.id)).first()  # type: ignore[arg-type]
    create_mailbox(session, settings, SYSTEM, MAILBOX, ADDRESS, None, None,
                   team_id=team.id if team else None, display_name="Desk Support",
                   acknowledge=False)
    commit(session)
    raws = [(GOLDEN / name).read_bytes() for name in MAILS if (GOLDEN / name).exists()]
    ids = store_raw(session, MAILBOX, raws)
    commit(session)
    ingest_with_retry(session, settings, ids, acknowledge=False)
    return len(ids)
