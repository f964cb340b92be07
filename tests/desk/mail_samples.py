"""Mails the tests build where no golden mail says it as plainly."""

from __future__ import annotations

from email.message import EmailMessage

from desk.attachment_store import INLINE_MAX


def file_attachment_mail() -> bytes:
    """A mail whose attachment is kept as a file (larger than INLINE_MAX): what a broken
    attachments folder refuses."""
    msg = EmailMessage()
    msg["From"] = "Li Wei <li.wei@example.com>"
    msg["To"] = "support@desk.test"
    msg["Subject"] = "Scanned contract"
    msg["Message-ID"] = "<scan-1@example.com>"
    msg.set_content("The signed contract is attached.")
    msg.add_attachment(b"%PDF-1.4 contract" + b" " * INLINE_MAX, maintype="application",
                       subtype="pdf", filename="contract.pdf")
    return msg.as_bytes()
