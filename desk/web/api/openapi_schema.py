"""Building blocks of the OpenAPI document (`desk.web.api.openapi` and its parts)."""

from __future__ import annotations

from typing import Any

from desk.web.api.inputs import CHOICES, MAX_ID

JSON = dict[str, Any]
DATE_TIME = {"type": "string", "format": "date-time"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
def ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: JSON) -> JSON:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def obj(properties: JSON, required: tuple[str, ...] | None = None) -> JSON:
    """An object schema; every property is required unless ``required`` says otherwise."""
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": list(properties if required is None else required)}


def text(limit: int, **extra: Any) -> JSON:
    return {"type": "string", "minLength": 1, "maxLength": limit, **extra}


def enum(name: str) -> JSON:
    return {"type": "string", "enum": list(CHOICES[name])}


def error(description: str, schema: str = "Error") -> JSON:
    return {"description": description,
            "content": {"application/json": {"schema": ref(schema)}}}


def answers(ok: int, description: str, schema: str, *errors: int) -> JSON:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
             413: "TooLarge", 422: "Invalid"}
    out: JSON = {str(ok): {"description": description,
                           "content": {"application/json": {"schema": ref(schema)}}}}
    for status in (401, *errors):
        out[str(status)] = {"$ref": f"#/components/responses/{names[status]}"}
    out["default"] = {"$ref": "#/components/responses/Other"}
    return out


def query(name: str, schema: JSON, description: str) -> JSON:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def body(schema: str) -> JSON:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


WRITE_ERRORS = (400, 413, 422)
