"""Small Pilot helpers: open a customer, wait for panels, read what a person sees."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

import httpx
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from advisor_tui.app import AdvisorApp
from advisor_tui.clients import Backends
from advisor_tui.config import Settings, TimeoutSettings
from advisor_tui.contract import ActionKind
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.session import Session
from advisor_tui.store.decisions import DecisionStore
from advisor_tui.widgets import ActionsPanel, BackendPanel
from tests.ui.conftest import SERVICE_DEADLINE

LONG_LIVED = {"delivery", "decide"}
# How long a test waits for a condition before failing loudly. Generous on
# purpose: CI runs on a busy 2-core machine, and a condition that holds
# returns at once however long the deadline is.
DEADLINE = 120.0


async def wait_for(
    pilot: Pilot[None], done: Callable[[], bool], what: str, limit: float = DEADLINE
) -> None:
    """Let the app run until ``done()``; fail naming ``what`` if it never happens."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not done():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {limit:g}s waiting for {what}")
        await pilot.pause(0.01)


async def press_keys(pilot: Pilot[None], *keys: str) -> None:
    """Press a screen's letter or digit keys once no text box has focus: focus moves
    in messages, and a key pressed while a box still has it is typed, not run."""
    await wait_for(
        pilot,
        lambda: not isinstance(pilot.app.focused, Input),
        f"focus to leave the text boxes before pressing {keys}",
    )
    await pilot.press(*keys)


def busy_workers(pilot: Pilot[None]) -> list[str]:
    # The decision outbox runs for the app's lifetime and a decision form's
    # worker waits for the form; everything else settles.
    return [
        w.name or w.group for w in pilot.app.workers if w.is_running and w.group not in LONG_LIVED
    ]


async def settle(pilot: Pilot[None], limit: float = DEADLINE) -> None:
    """Wait until no worker is running and the screen has repainted.

    ``workers.wait_for_complete`` re-raises a failed worker's error; here a
    failed worker is an expected outcome (a panel showing its error). Gives up
    loudly, never silently, if workers are still running at the deadline.
    """
    await pilot.pause()
    await wait_for(
        pilot, lambda: not busy_workers(pilot), f"workers to finish: {busy_workers(pilot)}", limit
    )
    await pilot.pause()


async def signed_in(pilot: Pilot[None]) -> None:
    """Wait until the advisor screen knows who is signed in."""
    await wait_for(
        pilot,
        lambda: getattr(pilot.app.screen, "advisor", None) is not None,
        "sign-in to finish",
    )


async def search(pilot: Pilot[None], query: str) -> None:
    await pilot.press("slash")
    pilot.app.screen.query_one("#search").value = query  # type: ignore[attr-defined]
    screen = pilot.app.screen
    before = screen.searches_answered  # type: ignore[attr-defined]
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: screen.searches_answered > before,  # type: ignore[attr-defined]
        f"the search for {query!r} to answer",
    )
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


async def action_text(pilot: Pilot[None], kind: ActionKind) -> str:
    """Select the first action of ``kind`` in Next actions and read the panel."""
    actions = pilot.app.screen.query_one(ActionsPanel)
    kinds = [a.kind for a in actions.actions]
    assert kind in kinds, kinds
    actions.query_one("#actions-list", OptionList).highlighted = kinds.index(kind)
    await pilot.pause()
    return visible_text(pilot, "actions")


def app_with(settings: Settings, store: Path) -> AdvisorApp:
    """The app on the demo's backends in process, with ``settings`` as configured.

    Settings that name no timeouts get generous ones, as ``make_app``'s do: the
    defaults (seconds) are for a real network, not for a busy 2-core CI machine
    running the backends in the app's own process.
    """
    if "timeouts" not in settings.model_fields_set:
        generous = TimeoutSettings(connect=30.0, read=30.0, write=30.0, pool=30.0)
        settings = settings.model_copy(update={"timeouts": generous})
    demo = create_demo_app(load_state(), upstream_deadline=SERVICE_DEADLINE)
    transport = httpx.ASGITransport(app=demo)
    session = Session(
        backends=Backends.from_settings(settings, transport=transport),
        settings=settings,
        store=DecisionStore(store),
    )
    return AdvisorApp(session)
