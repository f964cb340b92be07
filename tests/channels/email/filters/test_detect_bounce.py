from __future__ import annotations

from channels.email.filters.detect_bounce import detect_bounce
from channels.message import DeliveryReport, EmailPart, Identity, InboundMessage

DSN_TYPE = 'multipart/report; report-type="delivery-status"; boundary="b"'


def _mail(sender: str, subject: str, report: DeliveryReport | None = None, **headers: str) -> InboundMessage:
    return InboundMessage("email", Identity("email", sender, ""), subject, "text",
                          email=EmailPart(headers=headers, delivery_report=report))


def test_a_delivery_status_report_is_a_bounce_and_keeps_its_report() -> None:
    report = DeliveryReport("<desk.9.1@desk.test>", ("gone@example.org",), "failed", "5.1.1")
    mail = _mail("postmaster@x.test", "Undeliverable: hi", report, **{"content-type": DSN_TYPE})
    result = detect_bounce(mail)
    assert isinstance(result, InboundMessage)
    assert result.email.classification == "bounce"
    assert result.email.delivery_report == report


def test_a_mailer_daemon_failure_notice_without_a_report_names_the_failed_recipients() -> None:
    mail = _mail("MAILER-DAEMON@old.test", "failure notice", **{"x-failed-recipients": "a@x.test, b@x.test"})
    result = detect_bounce(mail)
    assert isinstance(result, InboundMessage) and result.email.classification == "bounce"
    assert result.email.delivery_report == DeliveryReport(recipients=("a@x.test", "b@x.test"), action="failed")  # noqa: E501


def test_chinese_bounce_subjects_from_a_daemon_are_bounces() -> None:
    result = detect_bounce(_mail("postmaster@163.test", "系统退信", **{"return-path": "<>"}))
    assert isinstance(result, InboundMessage) and result.email.classification == "bounce"


def test_a_customer_writing_about_undelivered_mail_is_not_a_bounce() -> None:
    mail = _mail("anna@globex.test", "Undelivered mail from your system?")
    assert detect_bounce(mail) is mail
