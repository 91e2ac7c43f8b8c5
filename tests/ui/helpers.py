"""Small Pilot helpers: open a customer, wait for panels, read what a person sees."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from advisor_tui.widgets import BackendPanel

LONG_LIVED = {"delivery", "decide"}


async def settle(pilot: Pilot[None], limit: float = 60.0) -> None:
    """Wait until no worker is running and the screen has repainted.

    ``workers.wait_for_complete`` re-raises a failed worker's error; here a
    failed worker is an expected outcome (a panel showing its error).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    await pilot.pause()
    # The decision outbox runs for the app's lifetime and a decision form's
    # worker waits for the form; everything else settles.
    while (
        any(w.is_running and w.group not in LONG_LIVED for w in pilot.app.workers)
        and loop.time() < deadline
    ):
        await pilot.pause(0.01)
    await pilot.pause()


async def search(pilot: Pilot[None], query: str) -> None:
    await pilot.press("slash")
    pilot.app.screen.query_one("#search").value = query  # type: ignore[attr-defined]
    await pilot.press("enter")
    await settle(pilot)


def panel(pilot: Pilot[None], panel_id: str) -> BackendPanel[object]:
    return pilot.app.screen.query_one(f"#{panel_id}", BackendPanel)


def visible_text(pilot: Pilot[None], panel_id: str) -> str:
    """The plain text of every Static in a panel, as a person would read it."""
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    for widget in panel(pilot, panel_id).query("Static, OptionList"):
        if isinstance(widget, OptionList):
            for option in widget.options:
                console.print(option.prompt)
        elif isinstance(widget, Static):
            console.print(widget.content)
    return console.export_text()
