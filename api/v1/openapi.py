"""What the generated OpenAPI document states beyond the pydantic models: the input guard.

``core.textguard.InputGuardMiddleware`` refuses control characters in every path parameter, query
parameter and JSON string of ``/api/`` (422 ``invalid``) before ninja sees the request. So that the
document says so, every *input* string without a pattern, an enum or a format gets
``core.textguard.TEXT_PATTERN`` here: request parameters, and the component schemas that request
bodies reference (transitively). Response schemas are left alone.
"""

from __future__ import annotations

from core.textguard import TEXT_PATTERN

REF_PREFIX = "#/components/schemas/"


def _guard(schema, components: dict, seen: set[str]) -> None:
    if isinstance(schema, list):
        for item in schema:
            _guard(item, components, seen)
        return
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(REF_PREFIX):
        name = ref[len(REF_PREFIX) :]
        if name not in seen and name in components:
            seen.add(name)
            _guard(components[name], components, seen)
        return
    if schema.get("type") == "string" and not {"pattern", "enum", "const", "format"} & schema.keys():
        schema["pattern"] = TEXT_PATTERN
    for key in ("properties", "patternProperties", "$defs"):
        for value in (schema.get(key) or {}).values():
            _guard(value, components, seen)
    for key in ("items", "additionalProperties", "not", "contains", "propertyNames"):
        if isinstance(schema.get(key), dict):
            _guard(schema[key], components, seen)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        _guard(schema.get(key) or [], components, seen)


def state_input_guard(document: dict) -> dict:
    components = document.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                _guard(parameter.get("schema"), components, seen)
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                _guard(media.get("schema"), components, seen)
    return document
