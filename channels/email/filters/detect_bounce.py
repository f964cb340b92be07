"""Bounces: delivery status notifications about mail we sent."""

from __future__ import annotations

import re
from dataclasses import replace

from channels.email.classify import Drop, classified, email_part
from channels.message import DeliveryReport, InboundMessage

_DAEMONS = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
_SUBJECTS = re.compile(
    r"undeliver|delivery (?:status notification|has failed|failure)|returned mail|mail delivery failed"
    r"|failure notice|退信|未送达|无法送达|投递失败|系统退信|無法傳遞",
    re.IGNORECASE,
)


def detect_bounce(message: InboundMessage) -> InboundMessage | Drop:
    """Classify `message` as a bounce when it is a DSN or looks like one from a mailer daemon.

    A non-standard bounce (no multipart/report) gets a DeliveryReport naming
    the X-Failed-Recipients, so ingest can mark the outbound message failed.
    """
    part = email_part(message)
    headers = part.headers
    is_report = "report-type=delivery-status" in headers.get("content-type", "").lower().replace('"', "")
    from_daemon = bool(_DAEMONS.match(message.sender.value)) or headers.get("return-path", "").strip() == "<>"
    if not is_report and not (from_daemon and (_SUBJECTS.search(message.subject) or _failed(message))):
        return message
    report = part.delivery_report or DeliveryReport(recipients=_failed(message), action="failed")
    if not report.recipients and _failed(message):
        report = replace(report, recipients=_failed(message))
    return classified(message, "bounce", report)


def _failed(message: InboundMessage) -> tuple[str, ...]:
    value = email_part(message).headers.get("x-failed-recipients", "")
    return tuple(address.strip() for address in value.split(",") if "@" in address)
