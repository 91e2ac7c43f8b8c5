"""Accept, decline and override from the Next actions panel: validation, limits,
durability on this machine first, and delivery to the decisions backend."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, Static

from advisor_tui.contract import ActionKind, Backend, DecisionFilters, DecisionKind, Role
from advisor_tui.mock.state import MockState
from advisor_tui.screens.confirm import ConfirmScreen
from advisor_tui.screens.decision_form import DecisionForm
from advisor_tui.store.decisions import DecisionStore, DeliveryStatus
from advisor_tui.widgets import ActionsPanel, StatusBar
from tests.ui.conftest import AppFactory, break_backend, heal
from tests.ui.helpers import search, settle, signed_in, wait_for


async def open_outage_action(pilot: Pilot[None], kind: ActionKind) -> ActionsPanel:
    await search(pilot, "@ballantyne70")
    await pilot.press("4")
    actions = pilot.app.screen.query_one(ActionsPanel)
    index = next(i for i, a in enumerate(actions.actions) if a.kind is kind)
    actions.query_one("#actions-list", OptionList).highlighted = index
    await pilot.pause()
    return actions


async def open_form(pilot: Pilot[None], key: str) -> DecisionForm:
    await signed_in(pilot)
    await pilot.press(key)
    await wait_for(
        pilot, lambda: isinstance(pilot.app.screen, DecisionForm), "the decision form to open"
    )
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, DecisionForm)
    return form


def error_text(form: DecisionForm) -> str:
    return str(form.query_one("#decision-error", Static).content)


async def wait_delivered(pilot: Pilot[None], store: DecisionStore, count: int) -> None:
    await wait_for(
        pilot, lambda: store.status().delivered == count, f"{count} delivered: {store.status()}"
    )


async def test_accept_is_durable_then_delivered_once(
    make_app: AppFactory, store_path: Path, mock_state: MockState
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        actions = await open_outage_action(pilot, ActionKind.HONEST_ETA)
        form = await open_form(pilot, "a")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, DecisionForm)
        store = app.session.store
        assert store is not None
        (record,) = store.list().items
        decision = record.decision
        assert decision.kind is DecisionKind.ACCEPT
        assert decision.action_kind is ActionKind.HONEST_ETA
        assert decision.process_step.id == form.action.process_step.id
        assert decision.advisor_id == "adv-sam-carter"
        assert decision.situation, "the facts the action rested on are kept"
        assert "✓ accepted" in str(actions.query_one(OptionList).get_option_at_index(0).prompt)
        await wait_delivered(pilot, store, 1)
        page = await app.session.backends.decisions.list(
            DecisionFilters(advisor_id="adv-sam-carter")
        )
        assert [v.decision.id for v in page.items] == [decision.id]
        assert page.items[0].receipt.hash == store.get(decision.id).server_hash  # type: ignore[union-attr]


async def test_decline_needs_a_reason_and_a_note_when_the_reason_says_so(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await open_outage_action(pilot, ActionKind.INTERIM_SERVICE)
        form = await open_form(pilot, "d")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DecisionForm)
        assert "Choose a reason for the decline" in error_text(form)
        form.query_one("#reason", Select).value = "other"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "needs a note" in error_text(form)
        assert form.query_one("#free_text", Input).has_focus
        form.query_one("#free_text", Input).value = "Customer has no mobile signal at home"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, DecisionForm)
        (record,) = app.session.store.list().items  # type: ignore[union-attr]
        assert record.decision.kind is DecisionKind.DECLINE
        assert record.decision.reason_code == "other"
        assert record.decision.free_text == "Customer has no mobile signal at home"


async def test_override_beyond_the_advisors_limit_is_recorded_as_needing_approval(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await open_outage_action(pilot, ActionKind.GOODWILL_CREDIT)
        form = await open_form(pilot, "o")
        amount = form.query_one("#param-amount_pence", Input)
        assert amount.value == "8.00"
        amount.value = "40.00"
        await pilot.pause()
        approval = str(form.query_one("#decision-approval", Static).content)
        assert "Needs approval by a team lead" in approval
        assert "£40.00 is above your limit of £25.00" in approval
        form.query_one("#reason", Select).value = "goodwill"
        await pilot.press("ctrl+s")
        await settle(pilot)
        (record,) = app.session.store.list().items  # type: ignore[union-attr]
        decision = record.decision
        assert decision.kind is DecisionKind.OVERRIDE
        assert decision.changed_parameters == {"amount_pence": 4000}
        assert decision.proposed_parameters["amount_pence"] == 800
        assert decision.needs_approval and decision.approver_role is Role.TEAM_LEAD


async def test_override_outside_the_actions_bounds_is_refused_and_keeps_what_was_typed(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await open_outage_action(pilot, ActionKind.GOODWILL_CREDIT)
        form = await open_form(pilot, "o")
        form.query_one("#reason", Select).value = "goodwill"
        form.query_one("#param-amount_pence", Input).value = "500.00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Goodwill credit: at most £" in error_text(form)
        assert form.query_one("#param-amount_pence", Input).value == "500.00"
        form.query_one("#param-amount_pence", Input).value = "twelve"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "enter an amount in pounds" in error_text(form)
        assert app.session.store.list().items == []  # type: ignore[union-attr]


async def test_override_must_change_something(make_app: AppFactory) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        await open_outage_action(pilot, ActionKind.GOODWILL_CREDIT)
        form = await open_form(pilot, "o")
        form.query_one("#reason", Select).value = "goodwill"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Change a parameter or say what you did instead" in error_text(form)


async def test_a_cancelled_form_keeps_its_draft(make_app: AppFactory) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        await open_outage_action(pilot, ActionKind.INTERIM_SERVICE)
        form = await open_form(pilot, "d")
        form.query_one("#free_text", Input).value = "half-typed note"
        form.query_one("#reason", Select).value = "customer_declined"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, DecisionForm)
        form = await open_form(pilot, "d")
        assert form.query_one("#free_text", Input).value == "half-typed note"
        assert form.query_one("#reason", Select).value == "customer_declined"


async def test_decisions_wait_while_the_backend_is_down_and_go_after_a_restart(
    make_app: AppFactory, mock_state: MockState, store_path: Path
) -> None:
    break_backend(mock_state, Backend.DECISIONS, error_rate=1.0)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await open_outage_action(pilot, ActionKind.HONEST_ETA)
        await open_form(pilot, "a")
        await pilot.press("ctrl+s")
        await settle(pilot)
        store = app.session.store
        assert store is not None
        await wait_for(
            pilot,
            lambda: bool((status := app.session.outbox_status()) and status.failing),
            "delivery to be reported failing",
        )
        status = pilot.app.screen.query_one(StatusBar).render_status().plain
        assert "1 undelivered, delivery failing" in status
        assert store.status().pending == 1
    # The app is gone with the decision undelivered; the backend comes back.
    heal(mock_state, Backend.DECISIONS)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        store = app.session.store
        assert store is not None
        await wait_delivered(pilot, store, 1)
        (record,) = store.list(status=DeliveryStatus.DELIVERED).items
        page = await app.session.backends.decisions.list(
            DecisionFilters(advisor_id="adv-sam-carter")
        )
        assert [v.decision.id for v in page.items] == [record.id]


async def test_accepting_a_follow_up_creates_it_with_its_owner_and_due_time(
    make_app: AppFactory,
) -> None:
    from tests.ui.helpers import visible_text

    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        actions = await open_outage_action(pilot, ActionKind.FOLLOW_UP)
        action = actions.selected
        assert action is not None
        due = action.parameter("due_at")
        assert due is not None
        await open_form(pilot, "a")
        await pilot.press("ctrl+s")
        await settle(pilot)
        (record,) = app.session.store.list().items  # type: ignore[union-attr]
        customer = await app.session.backends.customers.profile("cus-outage")
        (follow_up,) = [f for f in customer.follow_ups if f.id == record.id]
        assert follow_up.owner == "Sam Carter"
        assert follow_up.due_at.isoformat().replace("+00:00", "Z") == due.value
        assert "Sam Carter" in visible_text(pilot, "customer")


async def test_deciding_an_action_again_asks_first_and_says_who_decided(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        actions = await open_outage_action(pilot, ActionKind.HONEST_ETA)
        await open_form(pilot, "a")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(actions.decided), "the decision to be kept")
        store = app.session.store
        assert store is not None and len(store.list().items) == 1
        assert "✓ accepted" in str(
            actions.query_one(OptionList)
            .get_option_at_index(actions.query_one(OptionList).highlighted or 0)
            .prompt
        )
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        question = str(app.screen.query_one("#confirm-question", Static).content)
        assert "was already accepted by Sam Carter (you) at" in question
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, DecisionForm | ConfirmScreen)
        assert len(store.list().items) == 1, "no second decision without asking"
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionForm), "the form")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(store.list().items) == 2, "the second decision")
