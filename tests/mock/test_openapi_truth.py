"""What the published OpenAPI document says about each edge, the server does.

The schemathesis run (test_schemathesis.py) finds these by fuzzing; these tests
pin each one down by name, so a regression says which promise broke.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from ulid import ULID

from advisor_tui.contract import Backend, routes
from tests.mock.conftest import ADVISOR

SUPERVISOR = {"Authorization": "Bearer demo-supervisor"}
NOTES = routes.PREFIXES[Backend.CUSTOMERS] + routes.NOTES.format(customer_id="cus-outage")
FOLLOW_UPS = routes.PREFIXES[Backend.CUSTOMERS] + routes.FOLLOW_UPS.format(customer_id="cus-outage")


async def test_405_allow_lists_every_method_the_path_serves(client: httpx.AsyncClient) -> None:
    for path, allowed in (
        (NOTES, "GET, POST"),
        (FOLLOW_UPS, "GET, POST"),
        (routes.ADMIN_PREFIX + routes.ADMIN_FAULTS.format(backend="faults"), "GET, PUT"),
        (routes.PREFIXES[Backend.DECISIONS] + routes.DECISIONS, "GET, POST"),
    ):
        response = await client.request("DELETE", path, headers=ADVISOR)
        assert response.status_code == 405, path
        assert response.headers["allow"] == allowed, path
        assert response.json() == {"detail": "Method Not Allowed"}


async def test_replaying_a_note_or_follow_up_answers_the_documented_200(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    paths = app.openapi()["paths"]
    note = {"id": str(ULID()), "author": "adv-sam-carter", "text": "Called back."}
    follow_up = {
        "id": str(ULID()),
        "owner": "Sam Carter",
        "due_at": "2025-06-13T09:00:00Z",
        "channel": "phone",
        "created_by": "adv-sam-carter",
    }
    for path, body in ((NOTES, note), (FOLLOW_UPS, follow_up)):
        first = await client.post(path, json=body, headers=ADVISOR)
        again = await client.post(path, json=body, headers=ADVISOR)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        documented = paths[path.replace("cus-outage", "{customer_id}")]["post"]["responses"]
        assert {"200", "201"} <= set(documented)


async def test_an_empty_cursor_means_the_first_page(client: httpx.AsyncClient) -> None:
    history = routes.PREFIXES[Backend.CUSTOMERS] + routes.HISTORY.format(customer_id="cus-outage")
    decisions = routes.PREFIXES[Backend.DECISIONS] + routes.DECISIONS
    for path in (history, decisions):
        first = await client.get(path, headers=SUPERVISOR)
        empty = await client.get(path, params={"cursor": ""}, headers=SUPERVISOR)
        assert first.status_code == empty.status_code == 200, (path, empty.text)
        assert empty.json() == first.json()


async def test_a_number_is_not_a_date_time(client: httpx.AsyncClient) -> None:
    stats = routes.PREFIXES[Backend.DECISIONS] + routes.STATS
    refused = await client.get(stats, params={"until": "0.5"}, headers=SUPERVISOR)
    assert refused.status_code == 422
    assert "not a number" in refused.json()["detail"]
    ok = await client.get(stats, params={"until": "2025-06-12T10:00:00Z"}, headers=SUPERVISOR)
    assert ok.status_code == 200


async def test_path_and_query_strings_are_bounded(client: httpx.AsyncClient) -> None:
    too_long = "c" * 101
    for path in (
        routes.PREFIXES[Backend.CUSTOMERS] + routes.PROFILE.format(customer_id=too_long),
        routes.PREFIXES[Backend.CUSTOMERS] + routes.SEARCH + "?q=" + "x" * 501,
    ):
        response = await client.get(path, headers=ADVISOR)
        assert response.status_code == 422, path
        assert "at most" in response.json()["detail"]
