"""Building the MIME message of one outbound mail: a pure function of plain data.

Headers are written the way mail clients thread and display them: From is the
mailbox with its display name, Reply-To the mailbox address (so answers come back
to a mailbox the desk reads even when the SMTP login is another address), the
subject carries "[#N]" once, In-Reply-To/References chain to the customer's mail.
SMTPUTF8 is not assumed: non-ASCII headers are RFC 2047 encoded words and
non-ASCII attachment names RFC 2231 parameters, which every client decodes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from channels.message import OutboundMessage

# Long threads would grow References without end; clients need the root and the
# latest few (RFC 5322 3.6.4 allows trimming the middle), and some servers refuse
# header lines over a few kilobytes.
MAX_REFERENCES = 20
# No SMTPUTF8 (encoded words for every non-ASCII header) and 7-bit bodies (quoted-printable
# or base64, whichever is shorter), so no server needs 8BITMIME to relay it intact.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")
_REPLY_PREFIX = re.compile(r"(?:\s*(?:re|fwd?|aw|wg|sv|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)


@dataclass(frozen=True)
class Sender:
    """The mailbox a mail leaves from."""

    address: str
    display_name: str = ""


def cap_references(ids: Sequence[str], limit: int = MAX_REFERENCES) -> list[str]:
    """The first Message-ID (the thread's root) and the latest ones, without repeats."""
    unique = list(dict.fromkeys(i for i in ids if i))
    if len(unique) <= limit:
        return unique
    return [unique[0], *unique[-(limit - 1):]]


def tagged_subject(subject: str, ticket_id: int) -> str:
    """The subject with "[#N]" in it, added (after any "Re:") only when it is not there."""
    if f"[#{ticket_id}]" in subject:
        return subject
    prefix = _REPLY_PREFIX.match(subject)
    cut = prefix.end() if prefix else 0
    return f"{subject[:cut]}[#{ticket_id}] {subject[cut:]}".strip()


def _address(address: str, name: str = "") -> Address:
    return Address(display_name=name, addr_spec=address)


def compose(
    outbound: OutboundMessage, ticket_id: int, sender: Sender, *, date: datetime,
    to_name: str = "", automatic: bool = False,
) -> EmailMessage:
    """The message ready for SMTP. `automatic`: an acknowledgement or notification, which
    says so (Auto-Submitted) so that other systems' auto-replies do not answer it."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = _address(sender.address, sender.display_name)
    message["Reply-To"] = _address(sender.address, sender.display_name)
    message["To"] = _address(outbound.to_address, to_name)
    message["Subject"] = tagged_subject(outbound.subject, ticket_id)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = outbound.message_id
    if outbound.in_reply_to:
        message["In-Reply-To"] = outbound.in_reply_to
    references = cap_references([*outbound.references, outbound.in_reply_to])
    if references:
        message["References"] = " ".join(references)
    if automatic:
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
    message.set_content(outbound.text)
    for attachment in outbound.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        if not subtype or maintype == "multipart":
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                               filename=attachment.filename)
    return message
