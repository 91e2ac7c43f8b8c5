"""pytest plugin: the mock backends as fixtures, for your own test suite.

Installed with the package (entry point ``pytest11``, name ``advisor_tui``)
and off until used: registering it defines a marker and two fixtures and
imports nothing of the app; the mock is only built when a test asks for a
fixture. ``-p no:advisor_tui`` switches it off entirely.

    def test_search(advisor_mock):
        result = asyncio.run(advisor_mock.backends.customers.search("@ballantyne70"))
        advisor_mock.set_fault("faults", hang=True)   # from the next call on

    @pytest.mark.advisor_mock("tests/my_customers.json", loopback=True,
                              faults={"customers": {"latency_ms": 200}})
    def test_over_tcp(advisor_mock): ...

``advisor_mock`` is a ``MockBackends`` (see ``advisor_tui.testing``): base
URLs, a configured ``Backends``, demo tokens, ``settings()``, ``env()`` for a
subprocess, and ``set_fault``/``fault``/``clear_faults``. The marker takes
``mock_backends``' arguments. ``advisor_mock_factory(*scenarios, **options)``
starts more (two deployments in one test); all stop when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from advisor_tui.testing import MockBackends, mock_backends

MARKER = "advisor_mock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*scenario_files, faults=None, seed_scenarios=True, now=None, seed=0, "
        "loopback=False, decisions_db=None, role=Role.ADVISOR): how the advisor_mock "
        "fixture starts the mock backends (advisor_tui.testing.mock_backends)",
    )


@pytest.fixture
def advisor_mock_factory() -> Iterator[Callable[..., MockBackends]]:
    """``start(*scenario_files, **options) -> MockBackends``; every one stops after the test."""
    from advisor_tui.testing import mock_backends

    started: list[mock_backends] = []

    def start(*scenarios: Any, **options: Any) -> MockBackends:
        running = mock_backends(scenarios, **options)
        mock = running.start()
        started.append(running)
        return mock

    yield start
    for running in reversed(started):
        running.stop()


@pytest.fixture
def advisor_mock(
    request: pytest.FixtureRequest, advisor_mock_factory: Callable[..., MockBackends]
) -> MockBackends:
    """The mock backends, started as the test's ``advisor_mock`` marker says (default:
    the seed scenarios, in process, healthy, signed in as the demo advisor)."""
    marker = request.node.get_closest_marker(MARKER)
    args = marker.args if marker is not None else ()
    kwargs = marker.kwargs if marker is not None else {}
    return advisor_mock_factory(*args, **kwargs)
