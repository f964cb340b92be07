"""The customer's answer: checked, recorded (the last one counts until the link expires),
and announced as SurveyAnswered; and the customer's "no more surveys"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.actions.jobs import publish
from desk.actions.surveys.eligibility import OPT_OUT_TAG
from desk.db import committed
from desk.events import SurveyAnswered
from desk.models import RATINGS, Customer, CustomerTag, Survey, SurveyStatus
from desk.models.base import now

# Longer comments are refused with the form kept; shorter ones (a 100 KB complaint too)
# are stored as typed, as text.
MAX_COMMENT = 128 * 1024
# Control characters other than tab and line breaks, and NULs: never stored.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


@dataclass(frozen=True)
class Answer:
    rating: int
    comment: str


def check_answer(rating_text: str, comment: str, ratings: tuple[int, ...] = RATINGS
                 ) -> tuple[Answer | None, dict[str, str]]:
    """The answer, or the errors by field ("rating": "scale", "comment": "too_long");
    `ratings`: the answers the scale offers."""
    errors: dict[str, str] = {}
    rating = int(rating_text) if rating_text.strip().isdigit() and len(rating_text) < 3 else 0
    if rating not in ratings:
        errors["rating"] = "scale"
    comment = _CONTROL.sub("", comment.replace("\r\n", "\n")).strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = "too_long"
    return (None if errors else Answer(rating, comment)), errors


def record_answer(session: Session, survey: Survey, answer: Answer) -> SurveyAnswered:
    """Record (or replace) the answer in the caller's transaction. The survey must be one
    that was sent; the caller commits."""
    assert survey.id is not None
    previous = survey.rating
    survey.rating = answer.rating
    survey.comment = answer.comment
    survey.answered_at = now()
    survey.answers += 1
    survey.status = SurveyStatus.answered
    session.add(survey)
    event = SurveyAnswered(survey.id, survey.ticket_id, answer.rating, previous)
    publish(session, [event])
    return event


def opt_out_of_surveys(session: Session, customer: Customer) -> bool:
    """The customer asked for no more surveys: their record gets the opt-out tag (agents
    see it and may take it off). False when it was there already."""
    assert customer.id is not None
    if session.get(CustomerTag, (customer.id, OPT_OUT_TAG)) is not None:
        return False
    session.add(CustomerTag(customer_id=customer.id, tag=OPT_OUT_TAG))
    record(session, Actor.of_customer(customer), "customer", customer.id, "updated",
           {"tags": [None, OPT_OUT_TAG]})
    return True


def submit_answer(session: Session, survey_id: int, answer: Answer) -> SurveyAnswered | None:
    """The answer page's POST: the survey's answer recorded and committed (None: no survey)."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        return None
    with committed(session):
        return record_answer(session, survey, answer)


def stop_surveys(session: Session, customer_id: int) -> bool:
    """The survey page's "no more surveys", committed."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return False
    with committed(session):
        return opt_out_of_surveys(session, customer)
