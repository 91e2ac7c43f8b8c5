"""No failure is silent or green: a bug in any worker is logged and told, and a
light turns green only after the backend's own health route answered well."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

from advisor_tui.app import AdvisorApp
from advisor_tui.clients import Backends, HealthState
from advisor_tui.contract import Backend
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.state import MockState
from advisor_tui.screens.advisor import AdvisorScreen
from advisor_tui.screens.review import ReviewScreen
from advisor_tui.session import Session
from advisor_tui.widgets import StatusBar
from tests.ui.conftest import MODE, SERVICE_DEADLINE, AppFactory, quick_settings
from tests.ui.helpers import search, settle, signed_in, wait_for

INJECTED = "injected for the test"


def notices(app: AdvisorApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def _open_outage(pilot: Pilot[None]) -> None:
    await search(pilot, "@ballantyne70")


async def _decline(pilot: Pilot[None]) -> None:
    await signed_in(pilot)
    await search(pilot, "@ballantyne70")
    await pilot.press("d")


async def _start(pilot: Pilot[None]) -> None:
    await pilot.pause()


async def _history_more(pilot: Pilot[None]) -> None:
    await search(pilot, "9100 4477 21")  # the customer with 100,000 events
    await pilot.press("2", *["down"] * 36)


# Session method -> how to make the app call it -> what the advisor is told failed.
ADVISOR_SCREEN: dict[str, tuple[Callable[[Pilot[None]], Awaitable[None]], str]] = {
    "sign_in": (_start, "signing in"),
    "check_health": (_start, "checking backend health"),
    "my_needs_approval": (_start, "checking your approvals"),
    "search": (_open_outage, "searching for a customer"),
    "profile": (_open_outage, "loading their details"),
    "fault_status": (_open_outage, "loading their faults"),
    "next_actions": (_open_outage, "loading next actions"),
    "reason_codes": (_decline, "opening the decision form"),
    "deliver_forever": (_start, "delivering decisions"),
}


def inject(app: AdvisorApp, method: str, *, after: int = 0) -> None:
    """Make ``app.session.<method>`` raise a bug (not a backend error), after
    ``after`` good calls."""
    real = getattr(app.session, method)
    calls = {"n": 0}

    async def broken(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > after:
            raise RuntimeError(INJECTED)
        return await real(*args, **kwargs)

    setattr(app.session, method, broken)


async def assert_told_and_logged(
    pilot: Pilot[None], app: AdvisorApp, what: str, log_path: Path
) -> None:
    expected = f"Something went wrong {what}: RuntimeError: {INJECTED}"
    await wait_for(pilot, lambda: any(expected in n for n in notices(app)), expected)
    told = next(n for n in notices(app) if expected in n)
    assert str(log_path) in told, "the advisor is told where the details are"
    log = log_path.read_text()
    assert f" {what}\n" in log and "Traceback" in log and INJECTED in log
    assert log_path.stat().st_mode & 0o777 == 0o600
    assert app.is_running


@pytest.mark.parametrize("method", sorted(ADVISOR_SCREEN))
async def test_a_bug_in_any_advisor_screen_worker_is_told_and_logged(
    make_app: AppFactory, log_path: Path, method: str
) -> None:
    trigger, what = ADVISOR_SCREEN[method]
    app = make_app()
    inject(app, method)
    async with app.run_test(size=(160, 48)) as pilot:
        await trigger(pilot)
        await assert_told_and_logged(pilot, app, what, log_path)


async def test_a_bug_loading_the_next_history_page_is_told_and_logged(
    make_app: AppFactory, log_path: Path
) -> None:
    app = make_app()
    inject(app, "history", after=1)  # the first page loads, the next one fails
    async with app.run_test(size=(160, 48)) as pilot:
        await _history_more(pilot)
        await assert_told_and_logged(pilot, app, "loading the next page of history", log_path)


async def test_a_bug_in_the_panel_display_is_shown_in_the_panel_and_logged(
    make_app: AppFactory, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor_tui.widgets import FaultsPanel

    def broken(self: FaultsPanel, data: object) -> None:
        raise RuntimeError(INJECTED)

    monkeypatch.setattr(FaultsPanel, "render_data", broken)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await _open_outage(pilot)
        await assert_told_and_logged(pilot, app, "loading their faults", log_path)
        faults = app.screen.query_one(FaultsPanel)
        assert faults.state == "error"
        assert "a bug in the app" in str(faults.message.content)


REVIEW: dict[str, str] = {
    "decisions_page": "loading the decisions list",
    "decision_stats": "loading the figures",
    "export_decisions": "exporting decisions",
}


@pytest.mark.parametrize("method", sorted(REVIEW))
async def test_a_bug_in_any_review_worker_is_told_and_logged(
    make_app: AppFactory, log_path: Path, tmp_path: Path, method: str
) -> None:
    app = make_app("demo-supervisor")
    inject(app, method)
    async with app.run_test(size=(160, 48)) as pilot:
        await signed_in(pilot)
        screen = app.screen
        assert isinstance(screen, AdvisorScreen) and screen.advisor is not None
        await app.push_screen(ReviewScreen(app.session, screen.advisor, export_dir=tmp_path))
        if method == "export_decisions":
            await settle(pilot)
            await pilot.press("ctrl+e")
        await assert_told_and_logged(pilot, app, REVIEW[method], log_path)


# -- health lights ------------------------------------------------------------------------


def session_on(mock_state: MockState, base_url: str | None = None) -> Session:
    transport = httpx.ASGITransport(
        app=create_demo_app(mock_state, upstream_deadline=SERVICE_DEADLINE)
    )
    backends = Backends.from_settings(quick_settings(), transport=transport, base_url=base_url)
    return Session(backends=backends, mode=MODE)


async def test_a_light_is_green_only_after_a_good_health_answer(mock_state: MockState) -> None:
    session = session_on(mock_state)
    try:
        await session.search("@ballantyne70")
        # A call answered, but the health route has not: not green yet.
        assert session.health()[Backend.CUSTOMERS].state is HealthState.UNKNOWN
        await session.check_health()
        assert {h.state for h in session.health().values()} == {HealthState.OK}
    finally:
        await session.aclose()


async def test_a_wrong_base_url_turns_every_light_red_and_says_so(mock_state: MockState) -> None:
    session = session_on(mock_state, base_url="http://mock.invalid/wrong")
    try:
        await session.check_health()
        with pytest.raises(Exception, match="404"):
            await session.search("@ballantyne70")  # answered 404: the client calls that "up"
        lights = session.health()
        assert {h.state for h in lights.values()} == {HealthState.DOWN}
        assert lights[Backend.CUSTOMERS].reason == (
            "customers: no such endpoint at http://mock.invalid/wrong/customers/v1/health"
        )
    finally:
        await session.aclose()


async def test_the_header_says_a_wrong_url_in_words(mock_state: MockState, log_path: Path) -> None:
    app = AdvisorApp(
        session_on(mock_state, base_url="http://mock.invalid/wrong"), log_path=log_path
    )
    async with app.run_test(size=(160, 48)) as pilot:
        status = app.screen.query_one(StatusBar)
        await wait_for(pilot, lambda: status.identity_error is not None, "sign-in to fail")
        await settle(pilot)
        header = status.render_status().plain
        assert "not signed in: identity: no such endpoint at http://mock.invalid/wrong/" in header
        assert "identity not found" not in header
        assert all(
            state is HealthState.DOWN for state in (h.state for h in app.session.health().values())
        )
        await pilot.press("a")
        await pilot.pause()
        assert not any("Check the identity light" in n for n in notices(app))
