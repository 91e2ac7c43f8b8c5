"""The hundredth customer looks like the first: nothing of the previous customer
(filters, searches, scroll positions, selections) carries over."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Select

from advisor_tui.contract import Channel
from advisor_tui.mock.state import MockState
from advisor_tui.screens.pick_customer import PickCustomerScreen
from advisor_tui.widgets import ActionsPanel, CustomerPanel, HistoryPanel
from tests.ui.conftest import AppFactory
from tests.ui.helpers import search, settle, visible_text, wait_for


async def disturb_everything(pilot: Pilot[None]) -> None:
    """What an advisor does on a customer: filter and search the history, move
    down it, pick another action, scroll the detail and the customer panel."""
    screen = pilot.app.screen
    history = screen.query_one(HistoryPanel)
    if history.state == "ready":
        screen.query_one("#history-channel", Select).value = Channel.PHONE
        await wait_for(pilot, lambda: history.channel is Channel.PHONE, "the channel filter")
        await settle(pilot)
        box = screen.query_one("#history-query", Input)
        box.value = "porting"
        await box.action_submit()
        await wait_for(pilot, lambda: history.query_text == "porting", "the history search")
        await settle(pilot)
        screen.query_one("#history-table", DataTable).move_cursor(row=3)
    actions = screen.query_one(ActionsPanel)
    if actions.state == "ready" and actions.actions:
        screen.query_one("#actions-list", OptionList).highlighted = len(actions.actions) - 1
    for scroll in screen.query(VerticalScroll):
        scroll.scroll_end(animate=False, immediate=True)
    screen.query_one("#search", Input).value = "left over from the last search"
    await pilot.pause()


def assert_fresh(pilot: Pilot[None], name: str) -> None:
    screen = pilot.app.screen
    assert screen.query_one("#search", Input).value == ""
    assert name in visible_text(pilot, "customer")
    history = screen.query_one(HistoryPanel)
    assert history.channel is None and history.query_text is None
    assert screen.query_one("#history-channel", Select).is_blank()
    assert screen.query_one("#history-query", Input).value == ""
    assert "filter" not in visible_text(pilot, "history"), name
    assert screen.query_one("#history-table", DataTable).cursor_row == 0
    actions = screen.query_one(ActionsPanel)
    if actions.actions:
        assert screen.query_one("#actions-list", OptionList).highlighted == 0
        assert actions.selected is actions.actions[0]
    for scroll in screen.query(VerticalScroll):
        assert scroll.scroll_y == 0, (name, scroll)
    assert screen.query_one(CustomerPanel).state == "ready"


async def test_each_customer_opens_with_only_its_own_defaults(
    make_app: AppFactory, mock_state: MockState
) -> None:
    customers = [record.profile for record in mock_state.customers.values()]
    assert len(customers) >= 7
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        for profile in customers:
            await search(pilot, profile.account_number)
            assert_fresh(pilot, profile.name)
            await disturb_everything(pilot)
        # Back to the first customer through Recent (F2): the same holds.
        await pilot.press("escape", "f2")
        await wait_for(pilot, lambda: isinstance(app.screen, PickCustomerScreen), "the Recent list")
        first = customers[0]
        await pilot.press(*["down"] * (len(customers) - 1), "enter")
        await wait_for(pilot, lambda: app.screen.sub_title == first.name, "the first customer")
        await settle(pilot)
        assert_fresh(pilot, first.name)
