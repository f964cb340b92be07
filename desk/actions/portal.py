"""The customer portal's sign-in link: asked for with an address, mailed by a job (the
`send_portal_link` job derives the link when it sends, so it is never stored) to a customer
who has requests; the same answer whether or not the address is known."""

from __future__ import annotations

from sqlmodel import Session

from desk.actions.audit import SYSTEM, record
from desk.actions.jobs import enqueue
from desk.db import commit
from desk.i18n import gettext_for
from desk.links import PORTAL_LINK_SECONDS, portal_link_token
from desk.queries.portal import customer_of_address, has_requests, portal_customer

JOB = "send_portal_link"


def ask_for_portal_link(session: Session, address: str) -> bool:
    """Queue the sign-in mail when ``address`` is a customer's who has requests; True then.
    Commits. The caller answers the same either way."""
    address = address.strip().lower()
    customer = customer_of_address(session, address)
    if customer is None or customer.id is None or not has_requests(session, customer.id):
        return False
    enqueue(session, JOB, customer_id=customer.id, address=address)
    record(session, SYSTEM, "customer", customer.id, "portal_link_sent", {"address": [None, address]})
    commit(session)
    return True


def portal_link_mail(session: Session, secret: str, base_url: str, customer_id: int,
                     address: str) -> tuple[str, str, str] | None:
    """(to, subject, text) of the sign-in mail, in the customer's language; None when the
    address is no longer theirs."""
    customer = portal_customer(session, customer_id, address)
    if customer is None or customer.id is None:
        return None

    def t(message: str) -> str:
        return gettext_for(customer.locale, message)

    link = f"{base_url.rstrip('/')}/portal/enter/{portal_link_token(secret, customer.id, address)}"
    text = "\n\n".join([
        t("Hello %(name)s,") % {"name": customer.name or address},
        t("Open this link to see all your requests, follow them and answer:"),
        link,
        t("The link works for %(minutes)s minutes. If you did not ask for it, ignore this mail.")
        % {"minutes": PORTAL_LINK_SECONDS // 60},
    ]) + "\n"
    return address, t("Your requests: sign-in link"), text
