"""Pilot tests of the advisor screen against the real mock backends (in-process)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Select

from advisor_tui.contract import Backend, Channel
from advisor_tui.mock.state import MockState
from advisor_tui.screens.event_detail import EventDetailScreen
from advisor_tui.screens.pick_customer import PickCustomerScreen
from advisor_tui.widgets import HistoryPanel, StatusBar
from tests.ui.conftest import AppFactory, break_backend, heal
from tests.ui.helpers import panel, search, settle, visible_text

PANELS = ("customer", "history", "faults", "actions")


async def test_outage_customer_fills_all_four_panels(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await search(pilot, "@ballantyne70")
        assert [panel(pilot, p).state for p in PANELS] == ["ready"] * 4
        customer = visible_text(pilot, "customer")
        assert "Iain Ballantyne" in customer
        assert "works from home" in customer
        assert "Fibre 2 (up to 74 Mb)" in customer
        faults = visible_text(pilot, "faults")
        assert "ETA moved 3 times (all automatic), 3 days later than first promised" in faults
        assert "do not quote as firm" in faults
        assert "CABLE THEFT" in faults
        assert "NO SHOW" in faults
        actions = visible_text(pilot, "actions")
        # The demo's clock is pinned to the story (Thu 12 Jun 2025): lost Sun 8 Jun
        # 07:40 BST; two full working days end Tue 10 Jun; Wed 11 and Thu 12 Jun
        # x 2 services x £9.98 = £39.92, plus a missed appointment £31.19 (April
        # 2025 rates) = £71.11, on whatever day the tests run.
        assert "Automatic compensation owed: £71.11" in actions
        assert "Honest ETA" in actions
        status = app.screen.query_one(StatusBar)
        assert status.advisor is not None and status.advisor.display_name in status.render_status()


async def test_search_with_no_match_says_so(make_app: AppFactory) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await search(pilot, "Nobody Anywhere Zzyzx")
        status = pilot.app.screen.query_one("#search-status")
        assert "No customer matches" in str(status.content)
        assert panel(pilot, "customer").state == "idle"


async def test_several_matches_show_a_pick_list(
    make_app: AppFactory, mock_state: MockState
) -> None:
    # Two customers share a surname fragment only if the seed says so; search
    # by a postcode area shared by the enterprise customers' names instead.
    async with make_app().run_test(size=(120, 40)) as pilot:
        await search(pilot, "Group")
        assert isinstance(pilot.app.screen, PickCustomerScreen)
        assert len(pilot.app.screen.customers) >= 2
        await pilot.press("enter")
        await settle(pilot)
        assert panel(pilot, "customer").state == "ready"
        first = pilot.app.screen.current  # type: ignore[attr-defined]
        assert first is not None


async def test_recent_customers_are_a_key_away(make_app: AppFactory) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await search(pilot, "@ballantyne70")
        await search(pilot, "Whitlock")
        await pilot.press("escape")  # leave the search box so f2 reaches the screen
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PickCustomerScreen)
        names = [c.name for c in pilot.app.screen.customers]
        assert names[0] == "Margaret Whitlock" and names[1] == "Iain Ballantyne"
        await pilot.press("down", "enter")
        await settle(pilot)
        assert "Iain Ballantyne" in visible_text(pilot, "customer")


async def test_history_pages_as_the_advisor_scrolls(make_app: AppFactory) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        await search(pilot, "9100 4477 21")
        history = pilot.app.screen.query_one(HistoryPanel)
        assert history.state == "ready"
        first_page = len(history.events)
        assert first_page == 50 and history.next_cursor is not None
        table = history.query_one("#history-table", DataTable)
        table.focus()
        for _ in range(3):
            table.move_cursor(row=len(history.events) - 1)
            await settle(pilot)
        assert len(history.events) >= 150
        times = [e.at for e in history.events]
        assert times == sorted(times, reverse=True), "newest first across pages"
        assert len({e.id for e in history.events}) == len(history.events), "no duplicates"


async def test_history_filter_and_search_are_done_by_the_backend(make_app: AppFactory) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        await search(pilot, "@ballantyne70")
        history = pilot.app.screen.query_one(HistoryPanel)
        all_events = len(history.events)
        history.query_one("#history-channel", Select).value = Channel.SOCIAL
        await settle(pilot)
        assert history.state == "ready"
        assert history.events and all(e.channel is Channel.SOCIAL for e in history.events)
        assert len(history.events) < all_events
        history.query_one("#history-channel", Select).clear()
        await settle(pilot)
        query = history.query_one("#history-query", Input)
        query.value = "rebate"
        await query.action_submit()
        await settle(pilot)
        assert history.events
        assert all("rebate" in (e.summary + e.body + e.handled_by).lower() for e in history.events)


async def test_enter_opens_an_event_in_full(make_app: AppFactory) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        await search(pilot, "@ballantyne70")
        await pilot.press("2")
        table = pilot.app.screen.query_one("#history-table", DataTable)
        assert table.has_focus
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, EventDetailScreen)
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, EventDetailScreen)


async def test_one_failed_backend_fails_one_panel_and_retry_recovers(
    make_app: AppFactory, mock_state: MockState
) -> None:
    break_backend(mock_state, Backend.FAULTS, error_rate=1.0)
    async with make_app().run_test(size=(160, 48)) as pilot:
        await search(pilot, "@ballantyne70")
        faults = panel(pilot, "faults")
        assert faults.state == "error"
        message = str(faults.message.content)
        assert "faults backend" in message and "Press r to retry" in message
        assert [panel(pilot, p).state for p in ("customer", "history", "actions")] == ["ready"] * 3
        heal(mock_state, Backend.FAULTS)
        await pilot.press("3")
        assert faults.has_focus
        await pilot.press("r")
        await settle(pilot)
        assert faults.state == "ready"
        assert "ETA moved 3 times" in visible_text(pilot, "faults")


FAULTS = {
    "errors": {"error_rate": 1.0},
    "hang": {"hang": True},
    "malformed_json": {"malformed_json": True},
    "wrong_schema": {"wrong_schema": True},
}
PANEL_OF = {
    Backend.CUSTOMERS: ("customer", "history"),
    Backend.FAULTS: ("faults",),
    Backend.ACTIONS: ("actions",),
}
REASON = {
    "errors": "down",
    "hang": "timed out",
    "malformed_json": "bad data",
    "wrong_schema": "bad data",
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("backend", [Backend.CUSTOMERS, Backend.FAULTS, Backend.ACTIONS])
async def test_no_fault_on_any_panel_crashes_the_app(
    make_app: AppFactory, mock_state: MockState, backend: Backend, fault: str
) -> None:
    # Only the hang needs a timeout to fire, and only on the hung backend's
    # client: a short one elsewhere could trip on a healthy but busy machine.
    app = make_app(hanging=backend if fault == "hang" else None)
    async with app.run_test(size=(160, 48)) as pilot:
        # Search first (it needs customers), then break the backend and reload.
        await search(pilot, "@ballantyne70")
        break_backend(mock_state, backend, **FAULTS[fault])
        await pilot.press("escape", "f5")
        await settle(pilot)
        for panel_id in PANELS:
            state = panel(pilot, panel_id).state
            if panel_id in PANEL_OF[backend]:
                assert state == "error", panel_id
                message = str(panel(pilot, panel_id).message.content)
                assert f"{backend.value} backend {REASON[fault]}" in message
            elif backend is Backend.CUSTOMERS and panel_id == "actions":
                # The actions service reads the customer from the customers backend:
                # without it there are no actions, and the panel names the cause.
                assert state == "error", panel_id
                assert "customers backend" in str(panel(pilot, panel_id).message.content)
            else:
                assert state == "ready", panel_id
        if backend is Backend.FAULTS:
            # A partial answer: the actions that need the faults are absent, and said to be.
            assert "facts missing: faults" in visible_text(pilot, "actions")
        assert app.is_running


async def test_identity_down_does_not_block_the_panels(
    make_app: AppFactory, mock_state: MockState
) -> None:
    break_backend(mock_state, Backend.IDENTITY, error_rate=1.0)
    async with make_app().run_test(size=(160, 48)) as pilot:
        await search(pilot, "@ballantyne70")
        status = pilot.app.screen.query_one(StatusBar)
        assert status.advisor is None
        assert "not signed in" in status.render_status().plain
        assert [panel(pilot, p).state for p in PANELS] == ["ready"] * 4


async def test_narrow_terminal_shows_one_panel_at_a_time(make_app: AppFactory) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await search(pilot, "@ballantyne70")
        screen = pilot.app.screen
        assert screen.has_class("-narrow")
        assert panel(pilot, "customer").display and panel(pilot, "customer").region.height
        assert panel(pilot, "faults").region.height == 0
        await pilot.press("3")
        await pilot.pause()
        assert panel(pilot, "faults").region.height > 10
        assert panel(pilot, "customer").region.height == 0


async def test_wide_terminal_shows_all_four_panels(make_app: AppFactory) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        await search(pilot, "@ballantyne70")
        assert pilot.app.screen.has_class("-wide")
        assert all(panel(pilot, p).region.height > 10 for p in PANELS)


async def test_keymap_from_config_rebinds_a_key(make_app: AppFactory) -> None:
    async with make_app(keymap={"screen.recent": "f3"}).run_test(size=(120, 40)) as pilot:
        await search(pilot, "@ballantyne70")
        await pilot.press("escape", "f3")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PickCustomerScreen)


def test_a_bad_keymap_is_reported_naming_the_entry() -> None:
    from advisor_tui.app import validate_session_keymap
    from advisor_tui.keymap import KeymapError

    with pytest.raises(KeymapError, match=r"keymap\.screen\.nope: no such binding"):
        validate_session_keymap({"screen.nope": "f3"})
    with pytest.raises(KeymapError, match=r"keymap\.screen\.recent: 'ctrl\+ f3' is not"):
        validate_session_keymap({"screen.recent": "ctrl+ f3"})
    assert validate_session_keymap({"screen.recent": "f3,ctrl+e"}) == {"screen.recent": "f3,ctrl+e"}


async def test_command_palette_offers_the_screen_commands(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(pilot.app.screen)]
        for wanted in ("Search", "Recent", "Retry failed", "Reload", "History"):
            assert wanted in titles
        assert "Review" not in titles, "an advisor is not offered the review screen"
    supervisor = make_app(token="demo-supervisor")
    async with supervisor.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = [c.title for c in supervisor.get_system_commands(pilot.app.screen)]
        assert "Review" in titles


async def test_theme_from_config_is_applied(make_app: AppFactory) -> None:
    from advisor_tui.config import Settings

    app = make_app()
    app.session.settings = Settings.model_validate({"theme": "nord"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == "nord"
