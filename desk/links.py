"""Signed links that let a customer open their own request without a password."""

from __future__ import annotations

from functools import cache

from itsdangerous import BadSignature, URLSafeSerializer

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


def request_link(base_url: str, token: str) -> str:
    """The customer's private page for a request token."""
    return f"{base_url}/requests/{token}"


def request_url(base_url: str, secret: str, ticket_id: int, customer_id: int) -> str:
    return request_link(base_url, request_token(secret, ticket_id, customer_id))
