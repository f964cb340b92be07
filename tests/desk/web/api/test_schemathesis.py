"""The API keeps the promises of its OpenAPI document: schemathesis generates requests from
openapi.json (valid ones and ones that break it) against the real app, bounded so the suite
stays quick. Checked: no 5xx, status codes and content types the document lists, responses
that match their schemas, and every request that breaks the document refused with a 4xx.
Not checked: that every schema-valid request succeeds, because a request can be well formed
and still name an article, team or customer that does not exist (a 4xx with the field named
is the right answer, and no schema can say which ids exist)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.applications import Starlette

from desk.web.api.openapi import DOCUMENT

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection)

schema = schemathesis.openapi.from_dict(DOCUMENT)


@pytest.fixture
def api(app_factory, make_user, auth) -> tuple[Starlette, dict[str, str]]:  # type: ignore[no-untyped-def]
    return app_factory(), auth(make_user("admin", email="st-admin@desk.test"))


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_document_says(
    case: schemathesis.Case, api: tuple[Starlette, dict[str, str]],
) -> None:
    app, headers = api
    response = case.call(app=app, headers=headers)
    case.validate_response(response, checks=list(CHECKS))
