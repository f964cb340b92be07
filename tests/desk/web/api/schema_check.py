"""Just enough JSON Schema to hold real API answers against openapi.json.

Supports what the document uses: $ref, oneOf, type (one or a list), enum,
properties, required, additionalProperties, items, min/max, length.
"""

from __future__ import annotations

from typing import Any

TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "integer": (int,),
    "number": (int, float), "boolean": (bool,), "null": (type(None),),
}


def _is(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, TYPES[name])


def problems(doc: dict[str, Any], schema: dict[str, Any], value: Any, at: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema``; empty when it conforms."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return problems(doc, doc["components"]["schemas"][name], value, at)
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not problems(doc, s, value, at)]
        return [] if len(matching) == 1 else [f"{at}: matches {len(matching)} of oneOf"]
    out: list[str] = []
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(_is(value, t) for t in types):
            return [f"{at}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{at}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        out += [f"{at}: missing {k}" for k in schema.get("required", []) if k not in value]
        for key, item in value.items():
            if key in props:
                out += problems(doc, props[key], item, f"{at}.{key}")
            elif schema.get("additionalProperties") is False:
                out.append(f"{at}: undocumented {key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                out += problems(doc, schema["additionalProperties"], item, f"{at}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            out += problems(doc, schema["items"], item, f"{at}[{i}]")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        out.append(f"{at}: {value} out of range")
    if isinstance(value, str) and not (
        schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))
    ):
        out.append(f"{at}: length {len(value)} out of range")
    return out


def schema_of(path: str, method: str, status: int) -> dict[str, Any]:
    """The JSON schema openapi.json promises for this answer."""
    from desk.web.api.openapi import DOCUMENT

    response = DOCUMENT["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = DOCUMENT["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


def conforms(path: str, method: str, response: Any) -> Any:
    """The answer's JSON, after checking it has the shape openapi.json promises."""
    from desk.web.api.openapi import DOCUMENT

    assert response.status_code != 500, response.text
    body = response.json()
    assert problems(DOCUMENT, schema_of(path, method, response.status_code), body) == [], (
        path, method, body)
    return body
