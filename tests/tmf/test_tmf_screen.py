"""The advisor screen on TMF backends reads the same as on native ones (Pilot)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from advisor_tui.app import AdvisorApp
from advisor_tui.clients import Backends
from advisor_tui.clients.tmf import TmfCustomersClient, TmfFaultsClient
from advisor_tui.config import Settings
from advisor_tui.contract import Backend
from advisor_tui.demo import actions_service_of, create_demo_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.state import MockState
from advisor_tui.session import RunKind, RunMode, Session
from advisor_tui.store.decisions import DecisionStore
from tests.ui.helpers import search, visible_text

PANELS = ("customer", "history", "faults", "actions")
TIMEOUT = 30.0  # generous: a busy 2-core machine can take seconds for a healthy answer


def app_on(state: MockState, protocol: str, store: Path) -> AdvisorApp:
    settings = Settings.model_validate(
        {
            "token": SecretStr("demo-advisor"),
            "backends": {"customers": {"protocol": protocol}, "faults": {"protocol": protocol}},
            "timeouts": {"connect": TIMEOUT, "read": TIMEOUT, "write": TIMEOUT, "pool": TIMEOUT},
            "retry": {"attempts": 2, "initial": 0.01, "max": 0.02, "jitter": 0.0},
        }
    )
    # The demo's backends: the mock plus the real actions service beside it.
    tmf = frozenset({Backend.CUSTOMERS, Backend.FAULTS}) if protocol == "tmf" else frozenset()
    # The actions service's deadline below the app's timeout, but generous too.
    demo = create_demo_app(state, tmf=tmf, upstream_deadline=TIMEOUT / 2)
    if tmf:
        # The actions service reads the same backends the same way the app does.
        upstreams = actions_service_of(demo).upstreams
        assert isinstance(upstreams.customers, TmfCustomersClient)
        assert isinstance(upstreams.faults, TmfFaultsClient)
    transport = httpx.ASGITransport(app=demo)
    backends = Backends.from_settings(settings, transport=transport)
    mode = RunMode(RunKind.TEST, "DEMO (test)")
    session = Session(backends=backends, mode=mode, keymap={}, store=DecisionStore(store))
    return AdvisorApp(session)


async def screen_text(app: AdvisorApp, query: str) -> dict[str, str]:
    async with app.run_test(size=(160, 48)) as pilot:
        await search(pilot, query)
        return {p: visible_text(pilot, p) for p in PANELS}


@pytest.mark.parametrize("query", ["@ballantyne70", "NR2 3HT Whitlock", "L18 1HP Lloyd"])
async def test_the_tmf_screen_shows_the_same_facts_as_the_native_one(
    query: str, tmp_path: Path
) -> None:
    # The mock's clock is the story's, stated in every answer's Date, so "days
    # without service" is counted from the same moment on both screens.
    state = load_state()
    native = await screen_text(app_on(state, "native", tmp_path / "n.sqlite3"), query)
    tmf = await screen_text(app_on(state, "tmf", tmp_path / "t.sqlite3"), query)
    assert tmf == native
    if query == "@ballantyne70":
        assert "ETA moved 3 times (all automatic)" in tmf["faults"]
        assert "Automatic compensation owed" in tmf["actions"]


async def test_a_standard_only_tmf_faults_backend_says_the_eta_history_is_unknown(
    tmp_path: Path,
) -> None:
    state = load_state()
    state.tmf_extensions = False
    faults = (await screen_text(app_on(state, "tmf", tmp_path / "t.sqlite3"), "@ballantyne70"))[
        "faults"
    ]
    assert "ETA history unknown" in faults and "do not quote as firm" in faults
    assert "Latest ETA" in faults
    assert "ETA moved" not in faults
