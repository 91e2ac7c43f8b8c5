"""Every string and list the mock publishes has a maximum length.

A contract field without one lets either side send a value the other must hold
in memory whole (a 50 MB note was once accepted). The walk covers the published
OpenAPI document, so a field added later without a bound fails here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from ulid import ULID

from advisor_tui.contract import Backend, NoteCreate, routes
from advisor_tui.contract._base import PROSE_MAX
from advisor_tui.contract.common import FAULT_DELAY_MAX_MS
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.app import MAX_BODY_BYTES
from advisor_tui.mock.openapi import ERROR_REF
from advisor_tui.mock.state import MockState
from tests.mock.conftest import ADVISOR

# Strings whose length their format already fixes.
_FIXED_FORMATS = {"date-time", "date"}


def _unbounded(schema: Any, where: str) -> Iterator[str]:
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _unbounded(item, f"{where}[{index}]")
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if kind == "string" and "enum" not in schema and "const" not in schema:
        if "maxLength" not in schema and schema.get("format") not in _FIXED_FORMATS:
            yield f"{where}: string without maxLength"
    if kind == "array" and "maxItems" not in schema:
        yield f"{where}: array without maxItems"
    if kind == "object" and schema.get("additionalProperties") and "maxProperties" not in schema:
        yield f"{where}: map without maxProperties"
    for key, value in schema.items():
        if key != "enum":
            yield from _unbounded(value, f"{where}.{key}")


def test_every_published_string_and_list_is_bounded(state: MockState) -> None:
    document = create_demo_app(state).openapi()
    problems = list(_unbounded(document["components"]["schemas"], "schemas"))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                # Authorization is a credential, not contract data; the HTTP
                # server's header size limit bounds it.
                if parameter["name"].lower() != "authorization":
                    where = f"{method} {path} {parameter['in']} {parameter['name']}"
                    problems += _unbounded(parameter["schema"], where)
    assert not problems, "\n".join(problems)


def test_errors_are_documented_as_the_error_body_sent(state: MockState) -> None:
    document = create_demo_app(state).openapi()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == ERROR_REF, f"{method} {path} {code}"
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= set(operation["responses"]), f"{method} {path}"


def test_bounds_are_enforced_not_only_published() -> None:
    schema = NoteCreate.model_json_schema()
    assert schema["properties"]["text"]["maxLength"] == PROSE_MAX
    assert schema["properties"]["id"]["pattern"]
    with pytest.raises(ValidationError, match="at most 10000 characters"):
        NoteCreate(id=str(ULID()), author="adv-sam-carter", text="x" * (PROSE_MAX + 1))
    with pytest.raises(ValidationError, match="should match pattern"):
        NoteCreate(id="0" * 25 + "U", author="adv-sam-carter", text="hello")


async def test_over_long_note_is_refused_by_the_mock(client: httpx.AsyncClient) -> None:
    path = routes.PREFIXES[Backend.CUSTOMERS] + routes.NOTES.format(customer_id="cus-outage")
    body = {"id": str(ULID()), "author": "adv-sam-carter", "text": "x" * (PROSE_MAX + 1)}
    response = await client.post(path, json=body, headers=ADVISOR)
    assert response.status_code == 422
    assert "at most" in response.json()["detail"]


async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client: httpx.AsyncClient,
) -> None:
    path = routes.PREFIXES[Backend.CUSTOMERS] + routes.NOTES.format(customer_id="cus-outage")
    body = {"id": str(ULID()), "author": "adv-sam-carter", "text": "x" * (50 * 1024 * 1024)}
    response = await client.post(path, json=body, headers=ADVISOR)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]

    async def streamed() -> AsyncIterator[bytes]:
        # No Content-Length: the limit must hold while the body arrives.
        for _ in range(3):
            yield b" " * MAX_BODY_BYTES

    headers = ADVISOR | {"content-type": "application/json"}
    response = await client.post(path, content=streamed(), headers=headers)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


async def test_fault_settings_are_strict_and_bounded(client: httpx.AsyncClient) -> None:
    path = routes.ADMIN_PREFIX + routes.ADMIN_FAULTS.format(backend="faults")
    for bad in ({"wrong_schema": 0}, {"hang": "yes"}, {"latency_ms": FAULT_DELAY_MAX_MS + 1}):
        response = await client.put(path, json=bad)
        assert response.status_code == 422, bad
    response = await client.put(path, json={"latency_ms": 5, "error_rate": 0})
    assert response.status_code == 200
    assert response.json()["latency_ms"] == 5
    await client.put(path, json={})
