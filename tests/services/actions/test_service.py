"""The actions service over HTTP, reading the mock's stand-in data through the clients.

The standalone service (``services.actions.app.create_app``) is run in process
against the mock over ``httpx.ASGITransport``: real routes, real JSON, real fault
injection on the upstream backends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from advisor_tui.clients import ActionsClient, BackendUnavailable, NotFound
from advisor_tui.contract import (
    ActionKind,
    Backend,
    ErrorBody,
    FaultSpec,
    Health,
    NextActions,
    routes,
)
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.app import create_app as create_mock_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.state import MockState
from advisor_tui.services.actions.app import create_app
from advisor_tui.services.actions.service import ActionsService, ClientOptions, Upstreams
from advisor_tui.services.actions.situation import COMPLAINTS_LOOKBACK, HISTORY_LOOKBACK

NOW = datetime(2025, 6, 12, 10, 0, tzinfo=UTC)
BASE = "http://upstream.invalid"
ADVISOR = {"Authorization": "Bearer demo-advisor"}


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests to the mock and keeps them, to see what the service asked for."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def state() -> MockState:
    return load_state()


@pytest.fixture
def recorder(state: MockState) -> Recorder:
    return Recorder(httpx.ASGITransport(app=create_mock_app(state)))


@pytest.fixture
def service_app(state: MockState, recorder: Recorder) -> FastAPI:
    upstreams = Upstreams(
        customers_url=BASE + routes.PREFIXES[Backend.CUSTOMERS],
        faults_url=BASE + routes.PREFIXES[Backend.FAULTS],
        identity_url=BASE + routes.PREFIXES[Backend.IDENTITY],
        options=ClientOptions(transport=recorder),
    )
    service = ActionsService(upstreams=upstreams, clock=state.clock, deadline=5.0)
    return create_app(service)


@pytest.fixture
async def client(service_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=service_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://actions") as client:
        yield client


def actions_url(customer_id: str) -> str:
    return routes.NEXT_ACTIONS.format(customer_id=customer_id)


async def test_every_seed_customer_gets_what_the_demo_shows(
    state: MockState, client: httpx.AsyncClient
) -> None:
    demo = httpx.ASGITransport(app=create_demo_app(state))
    async with ActionsClient(BASE + "/actions", token="demo-advisor", transport=demo) as shown:
        for customer_id in sorted(state.customers):
            response = await client.get(actions_url(customer_id), headers=ADVISOR)
            assert response.status_code == 200, (customer_id, response.text)
            served = NextActions.model_validate(response.json())
            expected = await shown.next_actions(customer_id)
            assert served.actions == expected.actions, customer_id
            assert served.coaching == expected.coaching
            assert served.facts_missing == []


async def test_the_seed_stories_hold(client: httpx.AsyncClient) -> None:
    async def kinds(customer_id: str) -> set[ActionKind]:
        response = await client.get(actions_url(customer_id))
        return {a.kind for a in NextActions.model_validate(response.json()).actions}

    outage = await kinds("cus-outage")
    assert {ActionKind.HONEST_ETA, ActionKind.AUTOMATIC_COMPENSATION} <= outage
    assert ActionKind.RETENTION_OFFER not in outage
    # Seed 001: the process said unrecoverable, so the step is escalated; the
    # outcome comes from the profile the customers backend serves.
    assert ActionKind.ESCALATE_STEP in await kinds("cus-callsign")
    assert ActionKind.RETENTION_OFFER in await kinds("cus-pricerise")


async def test_the_caller_names_the_default_follow_up_owner(client: httpx.AsyncClient) -> None:
    async def owner(headers: dict[str, str]) -> object:
        # The outage customer has no named owner, so the caller is the default.
        response = await client.get(actions_url("cus-outage"), headers=headers)
        actions = NextActions.model_validate(response.json()).actions
        follow = next(a for a in actions if a.kind is ActionKind.FOLLOW_UP)
        param = follow.parameter("owner")
        return param.value if param else None

    assert await owner(ADVISOR) == "Sam Carter"  # from the identity backend, as the caller
    assert await owner({}) == ""
    assert await owner({"Authorization": "Bearer nobody"}) == ""


async def test_the_service_never_reads_a_whole_history(
    client: httpx.AsyncClient, recorder: Recorder
) -> None:
    response = await client.get(actions_url("cus-bighistory"))
    assert response.status_code == 200
    history = [r for r in recorder.requests if r.url.path.endswith("/history")]
    # One short page of the newest events, and one of the newest complaints (which
    # may be older than that page): never a cursor, never the rest.
    asked = {r.url.params.get("channel", ""): r.url.params["limit"] for r in history}
    assert asked == {"": str(HISTORY_LOOKBACK), "complaint": str(COMPLAINTS_LOOKBACK)}
    assert all("cursor" not in r.url.params for r in history)


async def test_faults_down_gives_a_partial_answer_that_says_so(
    state: MockState, client: httpx.AsyncClient
) -> None:
    state.faults[Backend.FAULTS] = FaultSpec(error_rate=1.0)
    response = await client.get(actions_url("cus-outage"))
    assert response.status_code == 200
    partial = NextActions.model_validate(response.json())
    assert partial.facts_missing == ["faults"]
    kinds = {a.kind for a in partial.actions}
    # No amount without the facts it rests on: no compensation, no goodwill, no
    # ETA, and no offer either (a working service cannot be shown).
    for absent in (
        ActionKind.AUTOMATIC_COMPENSATION,
        ActionKind.GOODWILL_CREDIT,
        ActionKind.HONEST_ETA,
        ActionKind.RETENTION_OFFER,
    ):
        assert absent not in kinds
    assert ActionKind.FOLLOW_UP in kinds


async def test_a_hung_faults_backend_is_cut_off_at_the_deadline(
    state: MockState, service_app: FastAPI
) -> None:
    state.faults[Backend.FAULTS] = FaultSpec(hang=True)
    service: ActionsService = service_app.state.actions_service
    # Short enough to keep the test quick, long enough that the healthy customers
    # and history calls are never cut off too on a busy CI machine (0.3 s could).
    service.deadline = 3.0
    transport = httpx.ASGITransport(app=service_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://actions") as client:
        response = await client.get(actions_url("cus-outage"))
    assert response.status_code == 200
    assert NextActions.model_validate(response.json()).facts_missing == ["faults"]


async def test_customers_down_is_a_clear_upstream_error(
    state: MockState, client: httpx.AsyncClient
) -> None:
    # Down: worth asking again (503, Retry-After). Answering off the contract: not
    # (502; the clients do not retry it, so the error shows at once).
    state.faults[Backend.CUSTOMERS] = FaultSpec(error_rate=1.0)
    response = await client.get(actions_url("cus-outage"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    detail = ErrorBody.model_validate(response.json()).detail
    assert detail.startswith("customers backend: ")
    state.faults[Backend.CUSTOMERS] = FaultSpec(wrong_schema=True)
    response = await client.get(actions_url("cus-outage"))
    assert response.status_code == 502
    assert "Retry-After" not in response.headers
    assert ErrorBody.model_validate(response.json()).detail.startswith("customers backend: ")


async def test_the_app_reads_an_upstream_failure_as_the_actions_backend_down(
    state: MockState, service_app: FastAPI
) -> None:
    state.faults[Backend.CUSTOMERS] = FaultSpec(malformed_json=True)
    transport = httpx.ASGITransport(app=service_app)
    async with ActionsClient("http://actions", transport=transport) as actions:
        with pytest.raises(BackendUnavailable, match="customers backend"):
            await actions.next_actions("cus-outage")
        with pytest.raises(NotFound):
            state.faults[Backend.CUSTOMERS] = FaultSpec()
            await actions.next_actions("cus-nobody")


async def test_health_reason_codes_and_openapi(client: httpx.AsyncClient) -> None:
    health = Health.model_validate((await client.get(routes.HEALTH)).json())
    assert health.backend is Backend.ACTIONS and health.ok
    assert (await client.get(routes.REASON_CODES)).status_code == 200
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {routes.HEALTH, routes.NEXT_ACTIONS, routes.REASON_CODES} <= set(paths)
    bad = await client.get(actions_url("x" * 5000))
    assert bad.status_code in {404, 422}
    assert "detail" in bad.json()


async def test_on_tm_forum_backends_the_actions_are_the_same(
    state: MockState, client: httpx.AsyncClient
) -> None:
    """The service reads through the app's clients, so TMF adapters work unchanged."""
    transport = httpx.ASGITransport(app=create_mock_app(state))
    upstreams = Upstreams(
        customers_url=BASE + routes.PREFIXES[Backend.CUSTOMERS],
        faults_url=BASE + routes.PREFIXES[Backend.FAULTS],
        identity_url=None,
        options=ClientOptions(transport=transport),
        tmf=frozenset(Backend),
    )
    tmf = ActionsService(upstreams=upstreams, clock=state.clock)
    try:
        for customer_id in ("cus-outage", "cus-callsign", "cus-pricerise"):
            native = NextActions.model_validate((await client.get(actions_url(customer_id))).json())
            assert (await tmf.next_actions(customer_id)).actions == native.actions, customer_id
    finally:
        await tmf.aclose()
