"""Fixtures for the TMF adapters against the mock's TMF profile (in-process ASGI)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from advisor_tui.clients import Backends, CustomersClient, FaultsClient
from advisor_tui.config import Protocol, RetrySettings, Settings, TimeoutSettings
from advisor_tui.contract import Backend, FaultSpec
from advisor_tui.mock.app import create_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.state import MockState

NOW = datetime(2025, 6, 12, 10, 0, tzinfo=UTC)
FAST_RETRY = RetrySettings(attempts=3, initial=0.01, max=0.02, jitter=0.0, total=5)


class RecordingTransport(httpx.AsyncBaseTransport):
    """The mock's real answers, with every request kept and an optional rewrite of
    JSON bodies (to add fields another vendor might send)."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, rewrite: Callable[[Any], Any] | None = None
    ) -> None:
        self.inner = inner
        self.rewrite = rewrite
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = await self.inner.handle_async_request(request)
        if self.rewrite is None or not response.is_success:
            return response
        body = await response.aread()
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        rewritten = json.dumps(self.rewrite(json.loads(body))).encode()
        return httpx.Response(response.status_code, headers=headers, content=rewritten)


@pytest.fixture
def state() -> MockState:
    state = load_state()  # pinned to the story: NOW
    state.faults = {b: FaultSpec() for b in Backend}
    return state


@pytest.fixture
def transport(state: MockState) -> RecordingTransport:
    return RecordingTransport(httpx.ASGITransport(app=create_app(state)))


def settings(protocol: Protocol, timeouts: TimeoutSettings | None = None) -> Settings:
    chosen = {"protocol": protocol.value}
    return Settings(
        backends={"customers": chosen, "faults": chosen},  # type: ignore[arg-type]
        retry=FAST_RETRY,
        timeouts=timeouts or TimeoutSettings(),
    )


@pytest.fixture
async def native(transport: RecordingTransport) -> AsyncIterator[Backends]:
    async with Backends.from_settings(settings(Protocol.NATIVE), transport) as bundle:
        yield bundle


@pytest.fixture
async def tmf(transport: RecordingTransport) -> AsyncIterator[Backends]:
    async with Backends.from_settings(settings(Protocol.TMF), transport) as bundle:
        yield bundle


def faults_client(backends: Backends) -> FaultsClient:
    return backends.faults


def customers_client(backends: Backends) -> CustomersClient:
    return backends.customers
