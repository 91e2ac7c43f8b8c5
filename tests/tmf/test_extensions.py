"""Every extension the mock's TMF profile uses is documented by a schema shipped in the
package, named by the ``@schemaLocation`` it sends."""

from __future__ import annotations

import json
from typing import Any

import httpx

from advisor_tui.tmf import base
from advisor_tui.tmf.extensions import EXTENSIONS, schema_location, schema_text
from tests.tmf.conftest import RecordingTransport


def test_each_extension_ships_a_schema_naming_its_type() -> None:
    for name in EXTENSIONS:
        schema = json.loads(schema_text(name))
        assert schema["$id"] == schema_location(name)
        assert schema["properties"]["@type"]["const"] == name
        assert schema["properties"]["@baseType"]["const"]


def _typed(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if "@schemaLocation" in node:
            found.append(node)
        for value in node.values():
            found += _typed(value)
    elif isinstance(node, list):
        for value in node:
            found += _typed(value)
    return found


async def test_every_schema_location_the_mock_sends_is_a_shipped_schema(
    transport: RecordingTransport,
) -> None:
    seen: set[str] = set()
    async with httpx.AsyncClient(transport=transport, base_url="http://m") as http:
        for url in (
            "/faults" + base.TROUBLE_TICKET,
            "/customers" + base.CUSTOMER,
            "/customers" + base.PRODUCT,
        ):
            for node in _typed((await http.get(url)).json()):
                assert node["@schemaLocation"] == schema_location(node["@type"])
                seen.add(node["@type"])
    assert seen == set(EXTENSIONS)
