"""Fixtures for Pilot tests: the real app on the real mock backends, in-process.

The clients talk to the FastAPI mock through ``httpx.ASGITransport``: real
HTTP semantics, real JSON, real fault injection, no sockets and no sleeps.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from advisor_tui.app import AdvisorApp
from advisor_tui.clients import Backends, http_timeout
from advisor_tui.config import Settings
from advisor_tui.contract import Backend, FaultSpec
from advisor_tui.demo import actions_service_of, create_demo_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.state import MockState
from advisor_tui.session import RunKind, RunMode, Session
from advisor_tui.store.decisions import DecisionStore

MODE = RunMode(RunKind.TEST, "DEMO: mock backends (test)")


# Timeouts long enough that a healthy in-process backend never trips them on a
# busy 2-core CI machine; a test of a hung backend names it (``hanging=``), and
# only that backend's client gets the short HANG_TIMEOUT.
TIMEOUT = 30.0
# How long the demo's actions service waits for its backends (the demo's own 3 s
# is for a person's machine): in process, on a busy CI machine, a healthy
# profile call took over 3 s and the actions answer failed. Below TIMEOUT, as
# in a deployment, so a hung backend still gives a partial answer.
SERVICE_DEADLINE = TIMEOUT / 2
HANG_TIMEOUT = 2.0
# With a backend hanging, how long the actions service waits for its backends
# before answering without what is missing: long enough for the healthy ones on
# a busy machine, well below the app's TIMEOUT for the actions service itself.
HANG_SERVICE_DEADLINE = 5.0


def quick_settings(token: str = "demo-advisor", timeout: float = TIMEOUT) -> Settings:
    # One quick retry keeps fault tests fast; the policy itself is tested with
    # the clients.
    return Settings.model_validate(
        {
            "token": SecretStr(token),
            # A busy machine must not turn a light yellow in a snapshot.
            "slow_ms": 600_000,
            "timeouts": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout},
            "retry": {
                "attempts": 2,
                "initial": 0.01,
                "max": 0.02,
                "jitter": 0.0,
                "total": 4 * timeout,
            },
        }
    )


@pytest.fixture
def mock_state() -> MockState:
    # As the demo runs it: pinned to the seed story's own week (Thu 12 Jun 2025).
    return load_state()


AppFactory = Callable[..., AdvisorApp]


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "decisions.sqlite3"


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    """Where the app's safety net writes tracebacks during a test."""
    return tmp_path / "log" / "advisor-tui.log"


@pytest.fixture
def make_app(mock_state: MockState, store_path: Path, log_path: Path) -> AppFactory:
    mock = create_demo_app(mock_state)

    def make(
        token: str = "demo-advisor",
        keymap: dict[str, str] | None = None,
        timeout: float = TIMEOUT,
        hanging: Backend | None = None,
    ) -> AdvisorApp:
        # The actions service's deadline for its backends sits below the app's own
        # timeout, as in a deployment, so a hung faults backend gives a partial answer.
        actions_service_of(mock).deadline = (
            timeout / 2 if hanging is None else min(timeout / 2, HANG_SERVICE_DEADLINE)
        )
        transport = httpx.ASGITransport(app=mock)
        backends = Backends.from_settings(quick_settings(token, timeout), transport=transport)
        if hanging is not None:
            # Only the hung backend's client gives up quickly: a short timeout on
            # every client could trip a healthy backend on a busy machine.
            short = quick_settings(token, min(timeout, HANG_TIMEOUT))
            backends.client(hanging).timeout = http_timeout(short)
        session = Session(
            backends=backends, mode=MODE, keymap=keymap or {}, store=DecisionStore(store_path)
        )
        return AdvisorApp(session, log_path=log_path)

    return make


def break_backend(state: MockState, backend: Backend, **fault: object) -> None:
    state.faults[backend] = FaultSpec.model_validate(fault)


def heal(state: MockState, backend: Backend) -> None:
    state.faults[backend] = FaultSpec()
