"""Signed links to a satisfaction survey's answer page: bound to one survey of one ticket,
valid for 30 days, and of no use as any other kind of link (their own salt)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from desk.models.base import aware, now

_SALT = "desk.survey-link"
VALID_SECONDS = 30 * 24 * 3600


class SurveyLinkExpired(Exception):
    """A genuine link, older than VALID_SECONDS."""


@cache
def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def survey_token(secret: str, survey_id: int, ticket_id: int) -> str:
    return _serializer(secret).dumps([survey_id, ticket_id])


def read_survey_token(secret: str, token: str, max_age: int = VALID_SECONDS) -> tuple[int, int] | None:
    """(survey_id, ticket_id) for a genuine, unexpired token; None for anything not signed
    by us as a survey link. Raises SurveyLinkExpired for a genuine one past its time."""
    try:
        value = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise SurveyLinkExpired() from exc
    except BadSignature:
        return None
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        return value[0], value[1]
    return None


def survey_expired(sent_at: datetime | None) -> bool:
    """Answers are taken VALID_SECONDS from the survey's mail, whenever its link was signed."""
    return sent_at is None or now() - aware(sent_at) > timedelta(seconds=VALID_SECONDS)


def survey_link(base_url: str, token: str, rating: int | None = None) -> str:
    """The answer page; with `rating`, that answer pre-selected (nothing is recorded by opening it)."""
    link = f"{base_url}/surveys/{token}"
    return f"{link}?rating={rating}" if rating is not None else link
