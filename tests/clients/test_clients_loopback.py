"""The clients over a real socket: the mock on loopback (uvicorn in a thread), where
httpx's own connect/read timeouts apply and a closed port is a real connect error.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from advisor_tui.clients import Backends, BackendTimeout, BackendUnavailable, HealthState
from advisor_tui.config import RetrySettings, Settings, TimeoutSettings
from advisor_tui.contract import Backend, FaultSpec
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.server import BackgroundServer
from advisor_tui.mock.state import MockState

FAST_RETRY = RetrySettings(attempts=2, initial=0.01, max=0.02, jitter=0.0, total=5)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[MockState, str]]:
    state = load_state(include_seed=True, seed=2)
    with BackgroundServer(create_demo_app(state)) as server:
        yield state, server.base_url


def settings(state: MockState, timeouts: TimeoutSettings | None = None) -> Settings:
    token = next(iter(state.advisors))
    return Settings(
        token=SecretStr(token), retry=FAST_RETRY, timeouts=timeouts or TimeoutSettings()
    )


async def test_every_backend_answers_over_loopback(served: tuple[MockState, str]) -> None:
    state, base_url = served
    state.faults = {b: FaultSpec() for b in Backend}
    async with Backends.from_settings(settings(state), base_url=base_url) as backends:
        for client in backends:
            assert (await client.health()).backend is client.backend
        advisor = await backends.identity.me()
        assert advisor == next(iter(state.advisors.values()))
        customer = next(iter(state.customers))
        assert (await backends.customers.profile(customer)).id == customer
        await backends.actions.reason_codes()
        await backends.decisions.list(limit=3)
        assert all(h.state is not HealthState.DOWN for h in backends.health().values())


async def test_a_hang_over_loopback_is_a_timeout(served: tuple[MockState, str]) -> None:
    state, base_url = served
    state.faults = {b: FaultSpec() for b in Backend}
    state.faults[Backend.FAULTS] = FaultSpec(hang=True)
    timeouts = TimeoutSettings(connect=0.5, read=0.3, write=0.5, pool=0.5)
    try:
        async with Backends.from_settings(
            settings(state, timeouts=timeouts), base_url=base_url
        ) as backends:
            with pytest.raises(BackendTimeout):
                await backends.faults.incidents()
            assert backends.faults.last_call.state is HealthState.DOWN
    finally:
        state.faults[Backend.FAULTS] = FaultSpec()


async def test_a_closed_port_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port now: every connect is refused.
    async with Backends.from_settings(
        Settings(retry=FAST_RETRY), base_url=f"http://127.0.0.1:{port}"
    ) as backends:
        with pytest.raises(BackendUnavailable, match="ConnectError"):
            await backends.identity.health()
        assert backends.identity.last_call.reason == "down"
