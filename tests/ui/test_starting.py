"""A start on a checked config: a live starting screen first, the session opened
behind it on another thread, and what the advisor typed meanwhile kept.

(``advisor_tui.startup``; the command line's side is in tests/test_cli_startup.py.)
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from textual.widgets import Input

from advisor_tui.app import AdvisorApp, StartupFailed
from advisor_tui.clients import Backends
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.state import MockState
from advisor_tui.screens.advisor import AdvisorScreen
from advisor_tui.screens.starting import StartingScreen
from advisor_tui.session import Session
from advisor_tui.store.decisions import DecisionStore
from tests.ui.conftest import MODE, SERVICE_DEADLINE, quick_settings
from tests.ui.helpers import settle, visible_text, wait_for


def session_for(mock_state: MockState, store: Path) -> Session:
    transport = httpx.ASGITransport(
        app=create_demo_app(mock_state, upstream_deadline=SERVICE_DEADLINE)
    )
    return Session(
        backends=Backends.from_settings(quick_settings(), transport=transport),
        mode=MODE,
        store=DecisionStore(store),
    )


async def test_typing_while_starting_searches_once_the_app_is_up(
    mock_state: MockState, tmp_path: Path
) -> None:
    may_open = threading.Event()
    opened_on: list[str] = []

    def open_session() -> Session:
        # Held until the advisor has typed: the config "loads" for as long as that takes.
        assert may_open.wait(timeout=120), "the test never let the session open"
        opened_on.append(threading.current_thread().name)
        return session_for(mock_state, tmp_path / "d.sqlite3")

    app = AdvisorApp(open_session, log_path=tmp_path / "log")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, StartingScreen), "the starting screen")
        starting = app.screen
        await wait_for(pilot, lambda: isinstance(app.focused, Input), "the search box's focus")
        await pilot.press(*"TW11 8DN Feeney", "enter")
        assert starting.query_one("#search", Input).value == "TW11 8DN Feeney"
        assert "Searching as soon as the app is up" in str(starting.query_one("#starting").render())
        may_open.set()
        await wait_for(pilot, lambda: isinstance(app.screen, AdvisorScreen), "the advisor screen")
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        await wait_for(pilot, lambda: screen.searches_answered > 0, "the search asked for")
        await settle(pilot)
        assert "Margaret Feeney" in visible_text(pilot, "customer")
    assert opened_on and opened_on[0] != threading.main_thread().name
    assert app.startup_error is None


async def test_typing_without_enter_is_kept_and_not_searched(
    mock_state: MockState, tmp_path: Path
) -> None:
    may_open = threading.Event()

    def open_session() -> Session:
        assert may_open.wait(timeout=120)
        return session_for(mock_state, tmp_path / "d.sqlite3")

    app = AdvisorApp(open_session, log_path=tmp_path / "log")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, Input), "the search box's focus")
        await pilot.press(*"Feeney")
        may_open.set()
        await wait_for(pilot, lambda: isinstance(app.screen, AdvisorScreen), "the advisor screen")
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        search = screen.query_one("#search", Input)
        await wait_for(pilot, lambda: search.value == "Feeney", "the typed text to carry over")
        await settle(pilot)
        assert screen.searches_answered == 0
        assert app.focused is search and search.cursor_position == len("Feeney")


async def test_a_config_error_found_after_the_first_frame_ends_the_app_with_2(
    tmp_path: Path,
) -> None:
    def open_session() -> Session:
        raise StartupFailed("config: keymap names 'advisor.nothing', which is no binding")

    app = AdvisorApp(open_session, log_path=tmp_path / "log")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: not app.is_running, "the app to end")
    assert app.return_code == 2
    assert app.startup_error == "config: keymap names 'advisor.nothing', which is no binding"
    assert not (tmp_path / "log").exists(), "a config error is not a bug: no traceback kept"


async def test_a_bug_while_opening_is_logged_and_ends_the_app_with_1(tmp_path: Path) -> None:
    def open_session() -> Session:
        raise RuntimeError("boom")

    log = tmp_path / "log" / "advisor-tui.log"
    app = AdvisorApp(open_session, log_path=log)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: not app.is_running, "the app to end")
    assert app.return_code == 1
    assert app.startup_error == "could not start: RuntimeError: boom"
    assert "RuntimeError: boom" in log.read_text()
