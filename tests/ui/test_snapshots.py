"""What a person sees: the whole outage screen at 80x24 and 160x48.

Regenerate after a deliberate change with ``pytest tests/ui/test_snapshots.py
--snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from advisor_tui.app import AdvisorApp
from advisor_tui.contract import Backend
from advisor_tui.widgets import StatusBar
from tests.ui.conftest import AppFactory
from tests.ui.helpers import search, wait_for


async def _open_outage(pilot: Pilot[None]) -> None:
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await search(pilot, "@ballantyne70")
    # The header's lights follow the health checks: draw it once they are all in,
    # not whenever its half-second refresh happens to fall.
    app = pilot.app
    assert isinstance(app, AdvisorApp)
    await wait_for(pilot, lambda: len(app.session.checked) == len(Backend), "health checks")
    app.screen.query_one(StatusBar).refresh_status()
    await pilot.pause()


def test_outage_screen_80x24(snap_compare: Any, make_app: AppFactory) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_open_outage)


def test_outage_screen_160x48(snap_compare: Any, make_app: AppFactory) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=_open_outage)


async def _open_outage_faults(pilot: Pilot[None]) -> None:
    await _open_outage(pilot)
    await pilot.press("3")


def test_outage_faults_panel_80x24(snap_compare: Any, make_app: AppFactory) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_open_outage_faults)
