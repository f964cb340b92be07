"""The customer portal's sign-in link: asked for with an address, mailed by a job (the
`send_portal_link` job derives the link when it sends, so it is never stored) to a customer
who has requests; the same answer whether or not the address is known.

A link signs in once: signing in stores the SHA-256 of its token on the sign-in it opens
(`PortalSession.link_hash`, unique), so a link read from a mailbox, a proxy's log or a
browser's history later opens nothing. Signing out ends that sign-in on the server."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from desk.actions.audit import SYSTEM, Actor, record
from desk.actions.jobs import enqueue
from desk.db import commit
from desk.i18n import gettext_for
from desk.links import PORTAL_LINK_SECONDS, portal_link_token
from desk.models import PortalSession
from desk.models.base import now
from desk.queries.portal import customer_of_address, has_requests, link_hash, portal_customer

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


def open_portal_session(session: Session, actor: Actor, token: str) -> int | None:
    """The id of the sign-in the link ``token`` opens for the customer ``actor``; None when
    the link signed in once already (two submissions at once: one wins). Audited; commits."""
    assert actor.type == "customer" and actor.id is not None
    row = PortalSession(customer_id=actor.id, link_hash=link_hash(token))
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    assert row.id is not None
    record(session, actor, "customer", actor.id, "portal_signed_in", {})
    commit(session)
    return row.id


def end_portal_session(session: Session, session_id: int) -> None:
    """The portal sign-in ends: its cookie is refused from now on. Commits."""
    session.execute(update(PortalSession).where(
        col(PortalSession.id) == session_id, col(PortalSession.ended_at).is_(None))
        .values(ended_at=now()))
    commit(session)
