"""``advisor_tui.testing`` and its pytest plugin: what a user's own tests get.

These tests use the plugin's fixtures as a user would (``advisor_mock``,
``advisor_mock_factory``, the marker), and the context manager directly.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from advisor_tui.clients import BackendUnavailable, NotFound
from advisor_tui.contract import Backend, FaultSpec, Role, routes
from advisor_tui.testing import MockBackends, mock_backends


def test_the_plugin_costs_nothing_until_used() -> None:
    # Registered in every pytest run that has the package installed: importing
    # it must not pull in the app, the mock or FastAPI.
    probe = (
        "import sys, advisor_tui.pytest_plugin; "
        "heavy = [m for m in ('fastapi', 'httpx', 'advisor_tui.mock', 'advisor_tui.clients') "
        "if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_call_against_real_backends_never_loads_the_mock() -> None:
    # The embedded mock (FastAPI, the actions service) is loaded only when used.
    probe = (
        "import sys, advisor_tui.cli; advisor_tui.cli.build_parser(); "
        "import advisor_tui.scripting.call; "
        "print([m for m in ('fastapi', 'advisor_tui.testing', 'textual') if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_the_plugin_is_an_installed_entry_point() -> None:
    from importlib.metadata import entry_points

    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins.get("advisor_tui") == "advisor_tui.pytest_plugin"


def test_default_mock_is_in_process_seeded_and_healthy(advisor_mock: MockBackends) -> None:
    assert advisor_mock.in_process
    assert all(spec == FaultSpec() for spec in advisor_mock.faults().values())
    assert set(advisor_mock.urls) == set(Backend)
    with pytest.raises(RuntimeError):
        advisor_mock.env()  # no URL another process could use
    me = asyncio.run(advisor_mock.backends.identity.me())
    assert me == advisor_mock.advisor(Role.ADVISOR)


@pytest.mark.advisor_mock(faults=["customers=errors", "all=hang"], loopback=True)
def test_marker_takes_flag_form_faults_and_loopback(advisor_mock: MockBackends) -> None:
    assert not advisor_mock.in_process
    faults = advisor_mock.faults()
    assert faults[Backend.CUSTOMERS].error_rate == 1.0
    assert all(spec.hang for spec in faults.values())
    # Switched off from outside, as a developer would with curl: the same state.
    for backend in Backend:
        url = advisor_mock.base_url + routes.ADMIN_PREFIX + f"/faults/{backend.value}"
        httpx.put(url, json={}, timeout=10).raise_for_status()
    assert asyncio.run(advisor_mock.backends.faults.status("cus-outage")).customer_id


def test_fault_block_restores_what_was_there(advisor_mock: MockBackends) -> None:
    quick = advisor_mock.settings(retry={"attempts": 1})
    advisor_mock.set_fault("faults", latency_ms=5)

    async def check() -> None:
        async with advisor_mock.connect(settings=quick) as backends:
            with advisor_mock.fault("all", error_rate=1.0):
                with pytest.raises(BackendUnavailable):
                    await backends.identity.me()
            await backends.identity.me()

    asyncio.run(check())
    assert advisor_mock.faults()[Backend.FAULTS].latency_ms == 5
    assert advisor_mock.faults()[Backend.IDENTITY] == FaultSpec()


def test_own_scenarios_without_the_seed(
    advisor_mock_factory: Callable[..., MockBackends], tmp_path: Path
) -> None:
    seed = Path(__file__).parents[2] / "advisor_tui" / "mock" / "scenarios"
    advisors = json.loads((seed / "advisors.json").read_text())
    lead = next(a for a in advisors["advisors"] if a["advisor"]["role"] == "team_lead")
    mine = {"anchor": advisors["anchor"], "advisors": [dict(lead, token="my-lead-token")]}
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(mine))
    mock = advisor_mock_factory(path, seed_scenarios=False, role=Role.TEAM_LEAD)
    # No demo tokens in these scenarios: the mock signs in with the file's own.
    assert mock.token() == "my-lead-token"
    with pytest.raises(LookupError):
        mock.token(Role.SUPERVISOR)
    with pytest.raises(NotFound):
        asyncio.run(mock.backends.customers.profile("cus-outage"))


def test_context_manager_outside_pytest_fixtures() -> None:
    async def use() -> str:
        async with mock_backends(loopback=True, role=Role.SUPERVISOR) as mock:
            me = await mock.backends.identity.me()
            url = mock.base_url
        # Stopped on exit: the port no longer answers.
        with pytest.raises(httpx.TransportError):
            httpx.get(url + routes.PREFIXES[Backend.IDENTITY] + routes.HEALTH, timeout=5)
        return me.role.value

    assert asyncio.run(use()) == "supervisor"
