"""openapi.json describes every route, holds together, and matches what the API answers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.endpoints import HTTPEndpoint
from starlette.routing import Route
from starlette.testclient import TestClient

from channels.message import InboundAttachment
from desk.models import User
from desk.web.api import routes
from desk.web.api.openapi import DOCUMENT

from .schema_check import problems, schema_of

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TICKETS = "/api/v1/tickets"


def route_operations() -> Iterator[tuple[str, str]]:
    """(OpenAPI path, method) for every route and method the API serves."""
    for route in routes:
        assert isinstance(route, Route), route
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        endpoint = route.endpoint
        if isinstance(endpoint, type) and issubclass(endpoint, HTTPEndpoint):
            methods = {m for m in METHODS if m != "head" and hasattr(endpoint, m)}
        else:
            methods = {m.lower() for m in route.methods or ()} - {"head"}
        for method in sorted(methods):
            yield path, method


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOCUMENT["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_every_route_is_documented_and_nothing_else() -> None:
    served = set(route_operations())
    documented = {(path, method) for path, method, _ in operations()}
    assert served, "no routes found"
    assert served - documented == set(), "undocumented endpoints"
    assert documented - served == set(), "documented endpoints that do not exist"


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_the_document_holds_together() -> None:
    assert DOCUMENT["openapi"].startswith("3.1.")
    assert DOCUMENT["info"]["title"] and DOCUMENT["info"]["version"]
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    for requirement in DOCUMENT["security"]:
        assert set(requirement) <= set(schemes)
    for ref in refs(DOCUMENT):
        section, name = ref.removeprefix("#/components/").split("/")
        assert name in DOCUMENT["components"][section], f"dangling {ref}"
    ids = [op["operationId"] for _, _, op in operations()]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    for path, method, op in operations():
        assert op["responses"] and op["summary"], (path, method)
        for status, response in op["responses"].items():
            assert status == "default" or re.fullmatch(r"[1-5]\d\d", status)
            assert "$ref" in response or response["description"]
        params = DOCUMENT["paths"][path].get("parameters", []) + op.get("parameters", [])
        in_path = {p["name"] for p in params if p["in"] == "path"}
        assert in_path == set(re.findall(r"\{(\w+)\}", path)), (path, method)
        for param in params:
            assert param["in"] in ("path", "query", "header", "cookie") and "schema" in param
            assert param["in"] != "path" or param["required"] is True
        if method in ("post", "patch", "put"):
            assert "application/json" in op["requestBody"]["content"], (path, method)
        if path != "/openapi.json":
            assert "401" in op["responses"], (path, method)
            assert op.get("security", DOCUMENT["security"]) == [{"bearerAuth": []}]


def test_every_query_parameter_the_list_accepts_is_documented() -> None:
    from desk.web.api.inputs import LIST_PARAMS

    listed = {p["name"] for p in DOCUMENT["paths"]["/tickets"]["get"]["parameters"]}
    assert listed == set(LIST_PARAMS)


def test_the_document_is_served_as_json(client: TestClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == DOCUMENT


@pytest.fixture
def headers(make_user: Callable[..., User], auth: Callable[[User], dict[str, str]],
            join_team: Callable[[User | None, str], int]) -> dict[str, str]:
    user = make_user("agent")
    join_team(user, "Support")
    return auth(user)


def test_real_answers_match_their_schemas(
    client: TestClient, headers: dict[str, str], make_ticket: Callable[..., int],
    join_team: Callable[[User | None, str], int], make_user: Callable[..., User],
) -> None:
    mailed = make_ticket(html="<p>Hi</p>", assignee_id=make_user("agent").id,
                         attachments=(InboundAttachment("a.pdf", "application/pdf", b"%PDF"),))
    new = {"customer": {"email": "eve@example.com"}, "subject": "Hi", "text": "Hello",
           "tags": ["x"]}
    created = client.post(TICKETS, json=new, headers=headers)
    number = created.json()["number"]
    client.patch(f"{TICKETS}/{number}", json={"team_id": join_team(None, "Support")},
                 headers=headers)
    reply = client.post(f"{TICKETS}/{number}/replies", json={"text": "Yes?"}, headers=headers)
    answers = [
        ("/tickets", "post", created),
        ("/tickets", "get", client.get(TICKETS, headers=headers)),
        ("/tickets/{number}", "get", client.get(f"{TICKETS}/{number}", headers=headers)),
        ("/tickets/{number}", "get", client.get(f"{TICKETS}/{mailed}", headers=headers)),
        ("/tickets/{number}", "patch",
         client.patch(f"{TICKETS}/{number}", json={"status": "open"}, headers=headers)),
        ("/tickets/{number}/replies", "post", reply),
        ("/tickets", "get", client.get(TICKETS, params={"page": "x"}, headers=headers)),
        ("/tickets", "post", client.post(TICKETS, content=b"[]", headers=headers)),
        ("/tickets", "get", client.get(TICKETS)),
        ("/tickets/{number}", "get", client.get(f"{TICKETS}/999", headers=headers)),
        ("/tickets/{number}", "patch",
         client.patch(f"{TICKETS}/{number}", json={"status": 1}, headers=headers)),
    ]
    for path, method, response in answers:
        assert response.status_code != 500, response.text
        schema = schema_of(path, method, response.status_code)
        assert problems(DOCUMENT, schema, response.json()) == [], (path, method)
    detail = client.get(f"{TICKETS}/{number}", headers=headers).json()
    assert detail["team"] is not None and len(detail["messages"]) == 2
    mail = client.get(f"{TICKETS}/{mailed}", headers=headers).json()
    assert mail["assignee"] is not None and mail["messages"][0]["attachments"]


def test_the_checker_catches_a_drifting_answer() -> None:
    ticket_page = {"$ref": "#/components/schemas/TicketPage"}
    assert problems(DOCUMENT, ticket_page, {"tickets": [], "page": 1, "per_page": 50,
                                            "total": 0, "has_next": False}) == []
    assert problems(DOCUMENT, ticket_page, {"tickets": [{"number": 1}], "page": 1,
                                            "per_page": 50, "total": "1", "has_next": False,
                                            "extra": True})
