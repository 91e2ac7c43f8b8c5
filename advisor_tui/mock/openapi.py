"""Make the mock's published OpenAPI document say what the server really answers.

FastAPI documents every 422 as its own ``HTTPValidationError`` (a list of
problems), but the mock answers every error, 422 included, with the contract's
``ErrorBody`` (one string). It also leaves out the answers the framework gives
before a handler runs: 400 for a body that cannot be read at all (not UTF-8)
and 413 for one over the size limit. ``truthful_errors`` rewrites the document
once, when it is first built, so a generated client or a fuzzer checking
responses against it finds them documented.
"""

from __future__ import annotations

from typing import Any

from advisor_tui.contract import ErrorBody

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}

_FRAMEWORK_SCHEMAS = ("HTTPValidationError", "ValidationError")
_BODY_ERRORS = {
    "400": "The body could not be read at all (for example, not UTF-8).",
    "413": "The body is larger than the server accepts.",
}
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def truthful_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``document`` in place (and return it): 422 as ErrorBody, 400/413 on bodies."""
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
    for path_item in document.get("paths", {}).values():
        for method in _METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = _error_response(
                    "The request is well-formed but not valid: the detail names each "
                    "problem, field by field."
                )
            if "requestBody" in operation:
                for code, description in _BODY_ERRORS.items():
                    responses.setdefault(code, _error_response(description))
    for name in _FRAMEWORK_SCHEMAS:
        schemas.pop(name, None)
    return document
