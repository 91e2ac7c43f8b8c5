"""Fixtures for the mock backends: seed state at a fixed moment, the app, a client.

``NOW`` is the seed scenarios' anchor, where the mock's clock is pinned, so
times in assertions read exactly as written in the scenario files.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from advisor_tui.demo import create_demo_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.state import MockState

NOW = datetime(2025, 6, 12, 10, 0, tzinfo=UTC)
ADVISOR = {"Authorization": "Bearer demo-advisor"}
UPSTREAM_DEADLINE = 60.0
"""The actions service's deadline for its backends in these tests: the demo's 3 s
suits a person's machine, but in process on a busy CI machine (load ~6 on 2
cores) a healthy profile call once took longer and the actions answer was a 504.
No test here makes an upstream of the actions service hang."""


@pytest.fixture
def state() -> MockState:
    return load_state()


@pytest.fixture
def app(state: MockState) -> FastAPI:
    return create_demo_app(state, upstream_deadline=UPSTREAM_DEADLINE)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client
