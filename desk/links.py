"""Signed links that let a customer open their own request without a password."""

from __future__ import annotations

from functools import cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

_SALT = "desk.request-link"


@cache
def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def request_token(secret: str, ticket_id: int, customer_id: int) -> str:
    return _serializer(secret).dumps([ticket_id, customer_id])


def read_request_token(secret: str, token: str) -> tuple[int, int] | None:
    """(ticket_id, customer_id) for a genuine token, None for anything else."""
    try:
        value = _serializer(secret).loads(token)
    except BadSignature:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return value[0], value[1]
    return None


_SUBMISSION_SALT = "desk.form-submission"


@cache
def _submission_serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SUBMISSION_SALT)


def submission_token(secret: str, spool: str, request_id: int) -> str:
    """The token of a stored web-form request's "received" page (it leads to the ticket's):
    the spool's id and the request's there (desk.form_spool)."""
    return _submission_serializer(secret).dumps([spool, request_id])


def read_submission_token(secret: str, token: str) -> tuple[str, int] | None:
    try:
        value = _submission_serializer(secret).loads(token)
    except BadSignature:
        return None
    if (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], int) and not isinstance(value[1], bool)):
        return value[0], value[1]
    return None


def request_link(base_url: str, token: str) -> str:
    """The customer's private page for a request token."""
    return f"{base_url}/requests/{token}"


def request_url(base_url: str, secret: str, ticket_id: int, customer_id: int) -> str:
    return request_link(base_url, request_token(secret, ticket_id, customer_id))


# The customer portal: a sign-in link mailed to an address of the customer's (valid for
# PORTAL_LINK_SECONDS), and the session it opens (a cookie, valid for PORTAL_SESSION_SECONDS).
# Both name the customer and the address, so they end when the address leaves the record.
PORTAL_LINK_SECONDS = 30 * 60
PORTAL_SESSION_SECONDS = 7 * 86400


@cache
def _timed(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt)


def _read_pair(secret: str, salt: str, value: str, max_age: int) -> tuple[int, str] | None:
    try:
        found = _timed(secret, salt).loads(value, max_age=max_age)
    except SignatureExpired:
        raise
    except BadSignature:
        return None
    if (isinstance(found, list) and len(found) == 2 and isinstance(found[0], int)
            and not isinstance(found[0], bool) and isinstance(found[1], str)):
        return found[0], found[1]
    return None


def portal_link_token(secret: str, customer_id: int, address: str) -> str:
    return _timed(secret, "desk.portal-link").dumps([customer_id, address])


def read_portal_link(secret: str, token: str) -> tuple[int, str] | None:
    """(customer_id, address) for a genuine link; None for anything else. Raises
    SignatureExpired for a genuine one past PORTAL_LINK_SECONDS."""
    return _read_pair(secret, "desk.portal-link", token, PORTAL_LINK_SECONDS)


def portal_session(secret: str, customer_id: int, address: str, session_id: int) -> str:
    """The portal cookie: the customer, the address and the server-side sign-in it belongs
    to (desk.models.PortalSession), so signing out ends it for good."""
    return _timed(secret, "desk.portal-session").dumps([customer_id, address, session_id])


def read_portal_session(secret: str, value: str) -> tuple[int, str, int] | None:
    """(customer_id, address, session_id) of a portal cookie still valid; None otherwise."""
    try:
        found = _timed(secret, "desk.portal-session").loads(value, max_age=PORTAL_SESSION_SECONDS)
    except BadSignature:  # SignatureExpired included
        return None
    if (isinstance(found, list) and len(found) == 3 and isinstance(found[1], str)
            and all(isinstance(found[i], int) and not isinstance(found[i], bool) for i in (0, 2))):
        return found[0], found[1], found[2]
    return None
