"""Testing your own code against the Advisor TUI mock backends: a file to copy.

The ``advisor_mock`` fixture comes with the package (a pytest plugin, nothing
to configure). Each test gets fresh mock backends: the seed scenarios (the
README's demo customers) plus any scenario files you give, healthy unless
you ask for faults, signed in as the demo advisor.

    pytest examples/test_with_mock.py
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from advisor_tui.clients import BackendTimeout, BackendUnavailable, Forbidden
from advisor_tui.contract import Backend, Role
from advisor_tui.testing import MockBackends


def test_search_and_fault_status(advisor_mock: MockBackends) -> None:
    async def check() -> None:
        backends = advisor_mock.backends  # configured for this mock; nothing to close
        found = await backends.customers.search("@ballantyne70")
        status = await backends.faults.status(found.matches[0].id)
        assert status.faults[0].eta_moves == 3

    asyncio.run(check())


def test_switch_a_fault_on_mid_test(advisor_mock: MockBackends) -> None:
    # Settings like the app's, with short timeouts and no retries so faults show at once.
    quick = advisor_mock.settings(
        timeouts={"connect": 0.2, "read": 0.3, "write": 0.3, "pool": 0.2},
        retry={"attempts": 1},
    )

    async def check() -> None:
        async with advisor_mock.connect(settings=quick) as backends:
            await backends.faults.status("cus-outage")
            advisor_mock.set_fault("faults", error_rate=1.0)  # from the next call on
            with pytest.raises(BackendUnavailable):
                await backends.faults.status("cus-outage")
            with advisor_mock.fault("faults", hang=True):  # for this block only
                with pytest.raises(BackendTimeout):
                    await backends.faults.status("cus-outage")
            advisor_mock.clear_faults()
            await backends.faults.status("cus-outage")

    asyncio.run(check())


@pytest.mark.advisor_mock(faults={"customers": {"latency_ms": 100}}, role=Role.SUPERVISOR)
def test_faults_and_role_from_the_marker(advisor_mock: MockBackends) -> None:
    assert advisor_mock.faults()[Backend.CUSTOMERS].latency_ms == 100
    me = asyncio.run(advisor_mock.backends.identity.me())
    assert me.role is Role.SUPERVISOR
    # Another role on the same mock: a second Backends, closed when done.

    async def as_advisor() -> None:
        async with advisor_mock.connect(Role.ADVISOR) as backends:
            with pytest.raises(Forbidden):
                await backends.decisions.stats()

    asyncio.run(as_advisor())


CUSTOMER = {
    "profile": {
        "id": "cus-mine",
        "account_number": "1234 5678 90",
        "name": "Ada Example",
        "segment": "consumer",
        "postcode": "AB1 2CD",
        "address": ["1 Example Street", "AB1 2CD"],
        "phones": [],
        "emails": ["ada@example.com"],
        "social_handles": [],
        "products": [
            {"id": "prd-mine", "kind": "broadband", "name": "Fibre", "monthly_price_pence": 3000}
        ],
        "contract": {"started_on": "2024-01-01", "ends_on": None, "minimum_term_months": 0},
        "circumstances": {},
        "preferred_channel": "email",
    },
    "fault_status": {
        "services": [{"product_id": "prd-mine", "service": "broadband", "state": "down"}],
        "faults": [
            {
                "id": "FLT-MINE",
                "product_ids": ["prd-mine"],
                "summary": "Line fault at the cabinet",
                "state": "open",
                "opened_at": "2025-06-10T09:00:00Z",
                "total_loss": True,
                "eta_history": [
                    {
                        "eta": f"2025-06-1{day}T17:00:00Z",
                        "changed_at": f"2025-06-1{day - 1}T12:00:00Z",
                        "reason": "rolled forward",
                        "automatic": True,
                    }
                    for day in (1, 2, 3, 4)
                ],
            }
        ],
        "incidents": [],
        "appointments": [],
    },
}


@pytest.fixture
def my_scenario(tmp_path: Path) -> Path:
    """A scenario file of your own: times are as at ``anchor`` and move to now."""
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"anchor": "2025-06-12T10:00:00Z", "customers": [CUSTOMER]}))
    return path


def test_your_own_scenario_file(advisor_mock_factory: Any, my_scenario: Path) -> None:
    mock = advisor_mock_factory(my_scenario)  # the seed scenarios too, unless seed_scenarios=False
    status = asyncio.run(mock.backends.faults.status("cus-mine"))
    assert status.faults[0].eta_moves == 3


@pytest.mark.advisor_mock(loopback=True)
def test_a_program_under_test_over_real_http(advisor_mock: MockBackends) -> None:
    # loopback=True serves on 127.0.0.1; env() points any program's config at it.
    env = {**os.environ, **advisor_mock.env()}
    done = subprocess.run(
        [sys.executable, "-m", "advisor_tui", "call", "faults", "status", "cus-outage"],
        capture_output=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout)["customer_id"] == "cus-outage"
