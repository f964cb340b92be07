"""Mail from the desk's own addresses never counts as a person's request."""

from __future__ import annotations

from channels.email.filters.detect_own_address import detect_own_address
from channels.message import EmailPart, Identity, InboundMessage


def _mail(sender: str, classification: str = "normal") -> InboundMessage:
    return InboundMessage(channel="email", sender=Identity("email", sender, ""), subject="Hi",
                          text="x", email=EmailPart(classification=classification))  # type: ignore[arg-type]


def test_mail_from_our_address_is_automatic_whatever_its_case() -> None:
    check = detect_own_address({"support@desk.test"})
    result = check(_mail("Support@Desk.Test"))
    assert isinstance(result, InboundMessage) and result.email.classification == "autoreply"


def test_other_senders_and_bounces_are_left_alone() -> None:
    check = detect_own_address({"support@desk.test"})
    assert check(_mail("ada@example.com")) == _mail("ada@example.com")
    assert check(_mail("support@desk.test", "bounce")) == _mail("support@desk.test", "bounce")
