"""What API callers send: bodies and query parameters, checked into typed values.

Every problem becomes an ApiError: 400 for a body that is not a JSON object,
413 for one too large, 422 with a code per field for values we cannot use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session
from starlette.requests import Request

from channels.message import Identity, InboundMessage
from channels.webform import EMAIL_RE
from desk.actions.tickets.checks import TAG_RE, check_ticket_changes
from desk.models import Channel, Priority, Status
from desk.queries.tickets.queue import SORTS, VIEWS, TicketFilter, filter_from_params
from desk.web.errors import ApiError

MAX_BODY_BYTES = 1024 * 1024
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns
MAX_PAGE = 100_000
MAX_PER_PAGE = 100
MAX_TAGS = 20
LIMITS = {"subject": 300, "text": 50_000, "name": 200, "email": 320}
LIST_PARAMS = ("q", "view", "status", "priority", "team", "assignee", "channel", "tag", "customer",
               "sort", "page", "per_page")
CHOICES: dict[str, tuple[str, ...]] = {
    "view": VIEWS,
    "status": tuple(s.value for s in Status),
    "priority": tuple(p.value for p in Priority),
    "channel": tuple(c.value for c in Channel),
    "sort": tuple(SORTS),
}


def invalid(fields: dict[str, str], reason: str = "invalid input") -> ApiError:
    return ApiError(422, reason, fields)


async def read_body(request: Request) -> bytes:
    """The raw body, refused with 413 past MAX_BODY_BYTES even without a Content-Length."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, "request too large")
        chunks.append(chunk)
    return b"".join(chunks)


def json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "the body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def _text(value: Any, limit: int) -> tuple[str, str | None]:
    """A trimmed string without control characters, or an error code."""
    if not isinstance(value, str):
        return "", "not_a_string"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape
        return "", "invalid_characters"
    if len(value) > limit:  # as the document counts it: before anything is trimmed
        return "", "too_long"
    # NUL and other C0 controls (tab and newlines aside) break storage and display.
    cleaned = "".join(ch for ch in value if ch >= " " or ch in "\t\n\r").strip()
    if not cleaned:
        return "", "required"
    return cleaned, None


def whole_number(raw: str, high: int) -> int | None:
    """A query parameter from 1 to `high`, or None when it is anything else."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not 1 <= int(raw) <= high:
        return None
    return int(raw)


def paging(params: Mapping[str, str], errors: dict[str, str], default: int,
           most: int) -> tuple[int, int | None]:
    """(limit, cursor) of a cursor-paged list; problems go into `errors` as 422 reasons."""
    limit = whole_number(params.get("limit", str(default)), most)
    if limit is None:
        errors["limit"] = "out_of_range"
    cursor = whole_number(params["cursor"], MAX_ID) if "cursor" in params else None
    if "cursor" in params and cursor is None:
        errors["cursor"] = "invalid_cursor"
    return limit or default, cursor


def page_numbers(params: Mapping[str, str], errors: dict[str, str], pages: int) -> tuple[int, int]:
    """(page, per_page) of a page-numbered list; problems go into `errors` as 422 reasons."""
    page = whole_number(params.get("page", "1"), pages)
    per_page = whole_number(params.get("per_page", "50"), MAX_PER_PAGE)
    if page is None:
        errors["page"] = "out_of_range"
    if per_page is None:
        errors["per_page"] = "out_of_range"
    return page or 1, per_page or 50


def _int_param(raw: str, low: int, high: int) -> int | None:
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        return None
    return int(raw)


def _list_param_error(name: str, raw: str) -> str | None:
    if name == "q":  # any text: desk.search_words reads only its words
        return None
    if name in CHOICES:
        return None if raw in CHOICES[name] else "invalid_choice"
    if name in ("team", "assignee"):
        return None if _int_param(raw, 1, MAX_ID) else "invalid_id"
    if name == "page":
        return None if _int_param(raw, 1, MAX_PAGE) else "out_of_range"
    if name == "per_page":
        return None if _int_param(raw, 1, MAX_PER_PAGE) else "out_of_range"
    if name == "tag":
        return None if TAG_RE.fullmatch(raw.lower()) else "invalid_tag"
    if name == "customer":
        if "@" in raw:
            ok = raw.isprintable() and len(raw) <= LIMITS["email"]
            return None if ok else "invalid_customer"
        return None if _int_param(raw, 1, MAX_ID) else "invalid_customer"
    return "unknown_parameter"


def ticket_filter(params: Mapping[str, str]) -> TicketFilter:
    """The queue filter for GET /tickets; unknown or unusable parameters are 422."""
    errors = {name: error for name, raw in params.items()
              if (error := _list_param_error(name, raw)) is not None}
    if errors:
        raise invalid(errors, "invalid query parameters")
    result = filter_from_params(params)
    result.per_page = int(params.get("per_page") or result.per_page)
    return result


@dataclass
class NewTicket:
    inbound: InboundMessage
    changes: dict[str, Any] = field(default_factory=dict)
    tags: list[str] | None = None


def _tags_error(body: dict[str, Any]) -> str | None:
    if "tags" not in body:
        return None
    tags = body["tags"]
    # As the document says: each tag as it will be stored, no blanks to be dropped quietly.
    if not isinstance(tags, list) or not all(isinstance(t, str) and TAG_RE.match(t) for t in tags):
        return "invalid_tags"
    return "too_many" if len(tags) > MAX_TAGS else None


def _customer(value: Any, errors: dict[str, str]) -> tuple[str, str]:
    if not isinstance(value, dict):
        errors["customer"] = "required" if value is None else "not_an_object"
        return "", ""
    for key in value.keys() - {"email", "name"}:
        errors[f"customer.{key}"] = "unknown_field"
    email, error = _text(value.get("email"), LIMITS["email"])
    if error is None and not EMAIL_RE.match(email):
        error = "invalid_email"
    if error:
        errors["customer.email"] = "required" if value.get("email") is None else error
    raw_name = value.get("name")
    name, error = _text("" if raw_name is None else raw_name, LIMITS["name"])
    if error and error != "required":  # a name is optional: the address stands in for it
        errors["customer.name"] = error
    return email.lower(), name


def new_ticket(session: Session, body: dict[str, Any]) -> NewTicket:
    """POST /tickets: the customer's request as the API channel's InboundMessage."""
    errors = {key: "unknown_field" for key in body.keys() - {
        "customer", "subject", "text", "priority", "tags", "fields"}}
    email, name = _customer(body.get("customer"), errors)
    values: dict[str, str] = {}
    for key in ("subject", "text"):
        values[key], error = _text(body.get(key), LIMITS[key])
        if error:
            errors[key] = "required" if body.get(key) is None else error
    if tag_error := _tags_error(body):
        errors["tags"] = tag_error
    checked = check_ticket_changes(
        session, {k: body[k] for k in ("priority", "tags", "fields") if k in body and k not in errors})
    errors.update(checked.errors)
    if errors:
        raise invalid(errors)
    inbound = InboundMessage(channel=Channel.api.value, sender=Identity("email", email, name),
                             subject=values["subject"], text=values["text"])
    return NewTicket(inbound, checked.fields, checked.tags)


def ticket_changes(
    session: Session, body: dict[str, Any]
) -> tuple[dict[str, Any], list[str] | None]:
    """PATCH /tickets/{number}: checked field changes and the new tag list (None: unchanged)."""
    errors: dict[str, str] = {}
    raw = dict(body)
    if "subject" in raw:
        raw["subject"], error = _text(raw["subject"], LIMITS["subject"])
        if error:
            errors["subject"] = error
            del raw["subject"]
    if tag_error := _tags_error(raw):
        errors["tags"] = tag_error
        del raw["tags"]
    checked = check_ticket_changes(session, raw)
    errors.update(checked.errors)
    if errors:
        raise invalid(errors)
    return checked.fields, checked.tags


@dataclass(frozen=True)
class NewReply:
    text: str
    internal: bool


def new_reply(body: dict[str, Any]) -> NewReply:
    """POST /tickets/{number}/replies: the text and whether it is an internal note."""
    errors = {key: "unknown_field" for key in body.keys() - {"text", "internal"}}
    text, error = _text(body.get("text"), LIMITS["text"])
    if error:
        errors["text"] = "required" if body.get("text") is None else error
    internal = body.get("internal", False)
    if not isinstance(internal, bool):
        errors["internal"] = "not_a_boolean"
    if errors:
        raise invalid(errors)
    return NewReply(text, internal)
