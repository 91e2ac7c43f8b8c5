"""Pilot tests of the supervisor review screen and the advisor's view of approvals.

Decisions are recorded over HTTP by the demo advisors (the same mock app the
reviewer's app talks to), so every row, total, figure and verdict here went
through the real decisions backend.
"""

from __future__ import annotations

import asyncio
import csv
import inspect
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.screen import Screen
from textual.widgets import DataTable, Input, LoadingIndicator, Select, Sparkline, Static
from ulid import ULID

from advisor_tui.app import AdvisorApp
from advisor_tui.contract import (
    ApprovalState,
    Backend,
    Decision,
    DecisionKind,
    ProcessStepRef,
    ReviewCreate,
    ReviewState,
    Verdict,
)
from advisor_tui.formatting import plural
from advisor_tui.mock.state import MockState
from advisor_tui.screens.advisor import AdvisorScreen
from advisor_tui.screens.help import HelpScreen
from advisor_tui.screens.review import ReviewScreen
from advisor_tui.screens.review_detail import ReviewDetailScreen
from advisor_tui.text import clean
from advisor_tui.widgets.approval_outcomes import ApprovalOutcomes
from advisor_tui.widgets.footer import KeyFooter
from advisor_tui.widgets.override_figures import FiguresPanel
from advisor_tui.widgets.review_filters import ReviewFilters
from tests.services.decisions.builders import NOW, goodwill_override, make_decision
from tests.ui.conftest import AppFactory, break_backend, heal
from tests.ui.helpers import press_keys, settle, signed_in
from tests.ui.helpers import wait_for as wait_until

SAM, KEVIN = "adv-sam-carter", "adv-kevin-doyle"
SAM_TEAM, KEVIN_TEAM = "Residential Care, Team 4", "Home Broadband Resolution"
DAY = 24 * 60  # minutes
HOSTILE = "[bold]=HYPERLINK(1)[/bold] \x1b]52;c;aGk=\x07 still text"

Decisions = dict[str, Decision]


def build_decisions(state: MockState) -> tuple[list[Decision], list[Decision]]:
    """Sam's and Kevin's decisions over three days before NOW (2025-06-12 10:00 UTC)."""
    sam, kevin = state.advisors["demo-advisor"], state.advisors["demo-advisor-2"]
    sams = [
        make_decision(sam, minutes_ago=2 * DAY, customer_id="C001"),
        make_decision(sam, minutes_ago=DAY + 60, kind=DecisionKind.DECLINE, customer_id="C002"),
        goodwill_override(sam, minutes_ago=400, pence=5000).model_copy(
            update={
                "customer_id": "C003",
                "situation": ["Broadband down 4 days", "Works from home"],
                "free_text": HOSTILE,
            }
        ),
        make_decision(
            sam,
            minutes_ago=300,
            kind=DecisionKind.OVERRIDE,
            step_id="number-port-back",
            reason_code="process-wrong",
            alternative="Escalated to porting team",
            customer_id="C004",
        ),
        make_decision(
            sam,
            minutes_ago=200,
            kind=DecisionKind.OVERRIDE,
            step_id="number-port-back",
            alternative="Escalated to porting team",
            customer_id="C005",
        ),
    ]
    kevins = [
        make_decision(kevin, minutes_ago=2 * DAY + 30, step_id="goodwill", customer_id="C006"),
        make_decision(
            kevin,
            minutes_ago=350,
            kind=DecisionKind.OVERRIDE,
            alternative="Sent engineer same day",
            customer_id="C007",
        ),
        goodwill_override(kevin, minutes_ago=100, pence=3000).model_copy(
            update={"customer_id": "C008"}
        ),
    ]
    return sams, kevins


@pytest.fixture
async def recorded(make_app: AppFactory, mock_state: MockState) -> Decisions:
    """Every decision recorded over HTTP as its own advisor; keyed by customer id."""
    sams, kevins = build_decisions(mock_state)
    for token, decisions in (("demo-advisor", sams), ("demo-advisor-2", kevins)):
        app = make_app(token)
        try:
            for decision in decisions:
                await app.session.backends.decisions.record(decision)
        finally:
            await app.session.aclose()
    return {d.customer_id: d for d in sams + kevins}


async def open_review(
    pilot: Any, app: AdvisorApp, tmp_path: Path | None = None, *, held: bool = False
) -> ReviewScreen:
    """Sign in, then open the review screen with its clock at the decisions' NOW;
    ``held`` when a test holds one of its calls: then only the first page is waited for."""
    await signed_in(pilot)
    await settle(pilot)
    advisor_screen = app.screen
    assert isinstance(advisor_screen, AdvisorScreen) and advisor_screen.advisor is not None
    screen = ReviewScreen(
        app.session, advisor_screen.advisor, clock=lambda: NOW, export_dir=tmp_path
    )
    await app.push_screen(screen)
    # Mounting (which starts the first page) is itself a message: wait for the
    # page, not just for the workers that happen to exist already.
    loaded = lambda: screen.generation >= 1 and not screen.list_loading  # noqa: E731
    if held:
        await wait_until(pilot, loaded, "the first page")
    else:
        await wait_for(pilot, loaded)
    return screen


def screen_text(screen: Screen[Any]) -> str:
    """The plain text of every Static on a screen, as a person would read it."""
    console = Console(width=220, record=True, color_system=None, file=io.StringIO())
    for widget in screen.query(Static):
        console.print(widget.content)
    return console.export_text()


def shown_customers(screen: ReviewScreen) -> list[str]:
    table = screen.query_one("#review-table", DataTable)
    assert table.row_count == len(screen.views)
    return [v.decision.customer_id for v in screen.views]


async def wait_for(pilot: Any, done: Callable[[], bool], what: str = "the screen") -> None:
    """Let the app run until ``done()``; a filter change travels as messages (box ->
    filter bar -> screen) before any worker starts, so settle() alone can be early."""
    await wait_until(pilot, done, what)
    await settle(pilot)


async def refilter(pilot: Any, screen: ReviewScreen, change: Callable[[], object]) -> None:
    """Change a filter and wait until the list has reloaded for it."""
    generation = screen.generation
    result = change()
    if inspect.isawaitable(result):
        await result
    await wait_for(pilot, lambda: screen.generation > generation and not screen.list_loading)


async def list_keys(pilot: Any, screen: ReviewScreen, *keys: str) -> None:
    """Press keys meant for the list (c, r, p, 1, 2…) once the list has the keys:
    pressed while a filter box has focus, they would be typed into it."""
    table = screen.query_one("#review-table", DataTable)
    await wait_until(pilot, lambda: screen.focused is table, "the decisions list to have focus")
    await pilot.press(*keys)


def choose(screen: ReviewScreen, widget_id: str, value: object) -> Callable[[], None]:
    def change() -> None:
        screen.query_one(f"#{widget_id}", Select).value = value

    return change


def submit(screen: ReviewScreen, widget_id: str, value: str) -> Callable[[], Awaitable[None]]:
    field = screen.query_one(f"#{widget_id}", Input)

    async def change() -> None:
        field.value = value
        await field.action_submit()

    return change


async def open_detail(pilot: Any, screen: ReviewScreen, customer_id: str) -> ReviewDetailScreen:
    index = shown_customers(screen).index(customer_id)
    table = screen.query_one("#review-table", DataTable)
    table.focus()
    table.move_cursor(row=index)
    await list_keys(pilot, screen, "enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReviewDetailScreen))
    detail = pilot.app.screen
    assert isinstance(detail, ReviewDetailScreen)
    return detail


async def send_verdict(pilot: Any, key: str, note: str = "") -> None:
    await press_keys(pilot, key)
    await pilot.pause()
    if note:
        pilot.app.screen.query_one("#detail-note", Input).value = note
    await pilot.press("ctrl+s")
    await settle(pilot)


# -- role gating ------------------------------------------------------------------


async def test_f9_tells_an_advisor_reviewing_is_not_theirs(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F9 is never silent: an advisor who presses it is told why nothing opens,
    and neither the footer, ? help nor the palette offers them a Review key."""
    app = make_app("demo-advisor")
    notes: list[tuple[str, str]] = []

    def notify(message: str, *, severity: str = "information", **_: object) -> None:
        notes.append((message, severity))

    async with app.run_test(size=(160, 48)) as pilot:
        await signed_in(pilot)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        monkeypatch.setattr(screen, "notify", notify)
        await pilot.press("escape", "f9")
        await settle(pilot)
        assert app.screen is screen
        assert notes == [("Reviewing decisions is for team leads and supervisors.", "warning")]
        footer = str(screen.query_one(KeyFooter).render())
        assert "Review" not in footer and "Reload" in footer
        assert "Review" not in {c.title for c in app.get_system_commands(screen)}
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        described = {description for _, description, _ in help_screen.rows}
        assert "Review" not in described and "Reload" in described


async def test_f9_before_sign_in_says_so(make_app: AppFactory, mock_state: MockState) -> None:
    """With the identity backend down nobody knows the role yet: the key is greyed
    out in the footer, and pressing it says what it waits for."""
    break_backend(mock_state, Backend.IDENTITY, error_rate=1.0)
    app = make_app("demo-supervisor")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdvisorScreen) and screen.advisor is None
        notes: list[str] = []
        screen.notify = lambda message, **_: notes.append(message)  # type: ignore[method-assign]
        (review,) = [a for a in screen.active_bindings.values() if a.binding.action == "review"]
        assert not review.enabled, "greyed out until the role is known"
        await pilot.press("escape", "f9")
        await settle(pilot)
        assert app.screen is screen
        assert notes == ["Not signed in yet: reviewing needs your role from the identity backend."]


async def test_a_remapped_review_key_opens_review_and_is_listed(
    make_app: AppFactory, recorded: Decisions
) -> None:
    app = make_app("demo-supervisor", keymap={"screen.review": "f8"})
    async with app.run_test(size=(160, 48)) as pilot:
        await signed_in(pilot)
        await settle(pilot)
        footer = str(app.screen.query_one(KeyFooter).render())
        assert "f8" in footer and "Review" in footer
        await pilot.press("escape", "f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review screen")


@pytest.mark.parametrize("token", ["demo-team-lead", "demo-supervisor"])
async def test_team_leads_and_supervisors_open_review_with_f9(
    make_app: AppFactory, recorded: Decisions, token: str
) -> None:
    app = make_app(token)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert "f9" in app.screen.active_bindings
        await pilot.press("escape", "f9")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.total == len(recorded) and len(screen.views) == len(recorded)
        decided = [v.decision.decided_at for v in screen.views]
        assert decided == sorted(decided, reverse=True), "newest first"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AdvisorScreen)


async def test_backend_refusals_are_shown_inline(make_app: AppFactory, recorded: Decisions) -> None:
    """Forced: the review screen opened for an advisor. The backend answers 403 to
    the figures, to someone else's log and to a verdict, and the screen says so."""
    app = make_app("demo-advisor")
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_review(pilot, app)
        figures = screen_text(screen)
        assert "figures: decisions backend not allowed" in figures
        assert "for team leads and supervisors" in figures
        # The advisor's own log is theirs to read.
        assert {v.decision.advisor_id for v in screen.views} == {SAM}
        await refilter(pilot, screen, submit(screen, "f-advisor", KEVIN))
        assert screen.views == []
        assert "decisions list: decisions backend not allowed" in screen_text(screen)
        # c clears the filters: the advisor's own log again.
        await refilter(pilot, screen, lambda: list_keys(pilot, screen, "c"))
        detail = await open_detail(pilot, screen, "C002")
        await send_verdict(pilot, "e")
        text = screen_text(detail)
        assert "verdict NOT recorded: decisions backend not allowed" in text
        assert detail.view.reviews == []


# -- the list and its filters ------------------------------------------------------

FILTERS: list[tuple[str, str, object, set[str]]] = [
    ("advisor", "f-advisor", KEVIN, {"C006", "C007", "C008"}),
    ("team", "f-team", SAM_TEAM, {"C001", "C002", "C003", "C004", "C005"}),
    ("kind", "f-kind", DecisionKind.OVERRIDE, {"C003", "C004", "C005", "C007", "C008"}),
    ("step", "f-step", "goodwill", {"C003", "C006", "C008"}),
    ("reason", "f-reason", "process-wrong", {"C004"}),
    ("needs approval", "f-needs", True, {"C003", "C008"}),
    ("approval", "f-approval", ApprovalState.PENDING, {"C003", "C008"}),
    ("review state", "f-review", ReviewState.ENDORSED, set()),
    ("since", "f-since", "2025-06-11", {"C002", "C003", "C004", "C005", "C007", "C008"}),
    ("until", "f-until", "2025-06-10", {"C001", "C006"}),
]


@pytest.mark.parametrize(
    ("widget_id", "value", "expected"),
    [f[1:] for f in FILTERS],
    ids=[f[0] for f in FILTERS],
)
async def test_each_filter_changes_rows_and_total(
    make_app: AppFactory, recorded: Decisions, widget_id: str, value: object, expected: set[str]
) -> None:
    app = make_app("demo-supervisor")
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        assert screen.total == 8
        if isinstance(screen.query_one(f"#{widget_id}"), Select):
            await refilter(pilot, screen, choose(screen, widget_id, value))
        else:
            assert isinstance(value, str)
            await refilter(pilot, screen, submit(screen, widget_id, value))
        foot = screen_text(screen)
        assert set(shown_customers(screen)) == expected, foot
        assert screen.total == len(expected)
        assert plural(len(expected), "decision") + " · end of list" in foot
        await refilter(pilot, screen, lambda: list_keys(pilot, screen, "c"))  # clear every filter
        assert screen.total == 8 and len(screen.views) == 8


async def test_filters_combine_and_a_bad_date_keeps_the_list(
    make_app: AppFactory, recorded: Decisions
) -> None:
    app = make_app("demo-team-lead")
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        await refilter(pilot, screen, choose(screen, "f-kind", DecisionKind.OVERRIDE))
        assert screen.total == 5
        await refilter(pilot, screen, submit(screen, "f-advisor", SAM))
        assert set(shown_customers(screen)) == {"C003", "C004", "C005"} and screen.total == 3
        await submit(screen, "f-since", "2025-13-40")()
        error = screen.query_one("#review-error")
        await wait_for(pilot, lambda: error.has_class("-shown"))
        assert "since: '2025-13-40' is not a date (YYYY-MM-DD)" in screen_text(screen)
        assert screen.total == 3, "a typo does not empty the list"
        said = screen_text(screen)
        assert "kind override" in said and "advisor Sam Carter (adv-sam-carter)" in said


async def test_a_reload_keeps_the_screen_and_the_keys_on_the_list(
    make_app: AppFactory, mock_state: MockState, recorded: Decisions
) -> None:
    """While a page loads, the supervisor still sees the filters and status bar,
    and the list keeps the keys: "c" clears the filters instead of being typed
    into a date box (the whole screen used to be covered by a loading indicator,
    which took the focus off the list)."""
    app = make_app("demo-supervisor")
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_review(pilot, app)
        table = screen.query_one("#review-table", DataTable)
        break_backend(mock_state, Backend.DECISIONS, hang=True)
        generation = screen.generation
        await list_keys(pilot, screen, "f5")
        await wait_until(
            pilot, lambda: screen.generation > generation and screen.list_loading, "the reload"
        )
        await pilot.pause()
        assert not screen.query(LoadingIndicator), "the screen is not covered while loading"
        assert screen.query_one(ReviewFilters).region.height > 0, "the filters stay in sight"
        assert "Loading decisions…" in screen_text(screen)
        assert screen.focused is table
        heal(mock_state, Backend.DECISIONS)
        await refilter(pilot, screen, submit(screen, "f-advisor", KEVIN))
        assert screen.focused is table
        await refilter(pilot, screen, lambda: list_keys(pilot, screen, "c"))
        assert screen.query_one("#f-since", Input).value == ""
        assert screen.total == 8


async def test_a_supervisor_reads_and_filters_the_log_by_name(
    make_app: AppFactory, mock_state: MockState, recorded: Decisions
) -> None:
    """Advisors are shown by name (list, filter line, figures, detail), the
    advisor filter takes a name in any case and suggests names, and a name that
    could be two people is refused naming both."""
    sam = mock_state.advisors["demo-advisor"]
    mock_state.advisors["demo-samira"] = sam.model_copy(
        update={"id": "adv-samira-khan", "display_name": "Samira Khan"}
    )
    app = make_app("demo-supervisor")
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        await wait_until(pilot, lambda: bool(screen.names.by_id), "the advisor directory")
        table = screen.query_one("#review-table", DataTable)
        advisors = {str(table.get_row(d.id)[1]) for d in recorded.values()}
        assert advisors == {"Sam Carter", "Kevin Doyle"}, "names, not adv-… ids"
        said = screen_text(screen)  # the figures: the only names outside the table yet
        assert "Sam Carter" in said and "adv-sam-carter" not in said

        box = screen.query_one("#f-advisor", Input)
        assert box.suggester is not None
        assert await box.suggester.get_suggestion("sa") == "Sam Carter"
        # Case-insensitive: the Input casefolds what is typed before asking.
        assert box.suggester.case_sensitive is False
        assert await box.suggester.get_suggestion("kev") == "Kevin Doyle"

        await refilter(pilot, screen, submit(screen, "f-advisor", "kevin"))
        assert set(shown_customers(screen)) == {"C006", "C007", "C008"}
        assert "advisor Kevin Doyle (adv-kevin-doyle)" in screen_text(screen)
        await refilter(pilot, screen, submit(screen, "f-advisor", "SAM CARTER"))
        assert screen.total == 5

        await submit(screen, "f-advisor", "sam")()
        error = screen.query_one("#review-error")
        await wait_for(pilot, lambda: error.has_class("-shown"))
        said = screen_text(screen)
        assert "'sam' could be 2 advisors" in said
        assert "Sam Carter (adv-sam-carter)" in said and "Samira Khan (adv-samira-khan)" in said
        assert screen.total == 5, "an ambiguous name keeps the list"

        detail = await open_detail(pilot, screen, "C003")
        said = screen_text(detail)
        assert "by Sam Carter (adv-sam-carter)" in said
        # C003 is no customer of the customers backend: the id stays, and says why.
        await wait_until(
            pilot, lambda: "no name:" in screen_text(detail), "the customer lookup to fail"
        )


async def test_the_detail_names_the_customer_from_their_profile(
    make_app: AppFactory, mock_state: MockState
) -> None:
    advisor_app = make_app("demo-advisor")
    await advisor_app.session.backends.decisions.record(
        make_decision(mock_state.advisors["demo-advisor"], minutes_ago=5, customer_id="cus-outage")
    )
    await advisor_app.session.aclose()
    app = make_app("demo-supervisor")
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        detail = await open_detail(pilot, screen, "cus-outage")
        await wait_until(
            pilot,
            lambda: "customer Iain Ballantyne (cus-outage)" in screen_text(detail),
            "the customer's name",
        )


CUSTOMER_COLUMN = 8


async def record_for(
    make_app: AppFactory, mock_state: MockState, customer_ids: list[str]
) -> list[Decision]:
    """One of Sam's decisions per customer id, newest first (the list's order)."""
    sam = mock_state.advisors["demo-advisor"]
    advisor_app = make_app("demo-advisor")
    decisions = [
        make_decision(sam, minutes_ago=n + 1, customer_id=customer_id)
        for n, customer_id in enumerate(customer_ids)
    ]
    for decision in decisions:
        await advisor_app.session.backends.decisions.record(decision)
    await advisor_app.session.aclose()
    return decisions


async def test_the_list_names_customers_in_one_lookup_per_page(
    make_app: AppFactory, mock_state: MockState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows name the customer from one batched lookup for the page, never a profile
    per row; until it answers, and for a customer the backend does not know, the id
    shows; a hostile name is text, not markup; a reload asks nothing it asked."""
    priced = mock_state.customers["cus-pricerise"]
    priced.profile = priced.profile.model_copy(update={"name": HOSTILE})
    decisions = await record_for(
        make_app,
        mock_state,
        ["cus-outage", "cus-pricerise", "cus-vulnerable", "cus-gone", "cus-outage"],
    )
    app = make_app("demo-supervisor")
    client = app.session.backends.customers
    asked: list[list[str]] = []
    release = asyncio.Event()
    real_names = client.names

    async def held_names(customer_ids: list[str]) -> Any:
        asked.append(list(customer_ids))
        await release.wait()
        return await real_names(customer_ids)

    async def no_profile(customer_id: str) -> Any:
        raise AssertionError(f"a profile call for {customer_id}: one call per row")

    monkeypatch.setattr(client, "names", held_names)
    monkeypatch.setattr(client, "profile", no_profile)
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app, held=True)
        table = screen.query_one("#review-table", DataTable)

        def customer(n: int) -> str:
            return str(table.get_row(decisions[n].id)[CUSTOMER_COLUMN])

        await wait_until(pilot, lambda: bool(asked), "the customer names lookup")
        assert [customer(n) for n in range(5)] == [
            "cus-outage",
            "cus-pricerise",
            "cus-vulnerable",
            "cus-gone",
            "cus-outage",
        ], "ids while the names are on their way"
        release.set()
        await wait_until(pilot, lambda: customer(0) == "Iain Ballantyne", "the names")
        assert asked == [["cus-outage", "cus-pricerise", "cus-vulnerable", "cus-gone"]]
        vulnerable = mock_state.customers["cus-vulnerable"].profile.name
        assert [customer(n) for n in (2, 3, 4)] == [vulnerable, "cus-gone", "Iain Ballantyne"]
        hostile = table.get_row(decisions[1].id)[CUSTOMER_COLUMN]
        assert hostile.plain == clean(HOSTILE, 40) and "[bold]" in hostile.plain
        assert "\x1b" not in hostile.plain and not hostile.spans
        await list_keys(pilot, screen, "f5")
        await settle(pilot)
        assert customer(0) == "Iain Ballantyne" and len(asked) == 1


async def test_customer_names_that_fail_leave_the_ids_and_say_so_until_r(
    make_app: AppFactory, mock_state: MockState
) -> None:
    decisions = await record_for(make_app, mock_state, ["cus-outage", "cus-callsign"])
    app = make_app("demo-supervisor")
    async with app.run_test(size=(160, 48)) as pilot:
        await signed_in(pilot)
        break_backend(mock_state, Backend.CUSTOMERS, error_rate=1.0)
        screen = await open_review(pilot, app)
        await settle(pilot)
        table = screen.query_one("#review-table", DataTable)
        assert len(screen.views) == 2, "the list is not held up by the names"
        assert str(table.get_row(decisions[0].id)[CUSTOMER_COLUMN]) == "cus-outage"
        said = screen_text(screen)
        assert "customer ids shown, not names: loading customer names: customers backend" in said
        assert "r retries" in said
        heal(mock_state, Backend.CUSTOMERS)
        await list_keys(pilot, screen, "r")
        await wait_until(
            pilot,
            lambda: str(table.get_row(decisions[0].id)[CUSTOMER_COLUMN]) == "Iain Ballantyne",
            "the names on retry",
        )
        callsign = mock_state.customers["cus-callsign"].profile.name
        assert str(table.get_row(decisions[1].id)[CUSTOMER_COLUMN]) == callsign
        assert "customer ids shown" not in screen_text(screen)


async def test_an_advisor_name_typed_before_the_directory_loads_filters_by_name(
    make_app: AppFactory, recorded: Decisions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'kevin' typed while the directory is still on its way is read as an id (the
    foot says so); when the directory arrives it is read again, as Kevin Doyle."""
    app = make_app("demo-supervisor")
    release = asyncio.Event()
    real_directory = app.session.advisor_names

    async def held_directory() -> Any:
        await release.wait()
        return await real_directory()

    monkeypatch.setattr(app.session, "advisor_names", held_directory)
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app, held=True)
        typed = screen.generation
        await submit(screen, "f-advisor", "kevin")()
        await wait_until(
            pilot,
            lambda: screen.generation > typed and not screen.list_loading,
            "the list filtered by what was typed",
        )
        assert screen.query_filters.advisor_id == "kevin" and screen.total == 0
        said = screen_text(screen)
        assert "advisor kevin (read as an id until the advisor directory loads" in said
        generation = screen.generation
        release.set()
        await wait_for(
            pilot,
            lambda: screen.generation > generation and not screen.list_loading,
            "the list reloaded for the name",
        )
        assert screen.query_filters.advisor_id == KEVIN
        assert set(shown_customers(screen)) == {"C006", "C007", "C008"}
        said = screen_text(screen)
        assert "advisor Kevin Doyle (adv-kevin-doyle)" in said and "read as an id" not in said


async def test_ids_the_directory_does_not_know_are_shown_as_ids(
    make_app: AppFactory, mock_state: MockState, recorded: Decisions
) -> None:
    """Kevin left the directory: his rows show his id, Sam's show her name; and
    with no directory at all (identity down) the ids show and the foot says why."""
    del mock_state.advisors["demo-advisor-2"]
    app = make_app("demo-supervisor")
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        await wait_until(pilot, lambda: bool(screen.names.by_id), "the advisor directory")
        table = screen.query_one("#review-table", DataTable)
        assert str(table.get_row(recorded["C006"].id)[1]) == KEVIN
        assert str(table.get_row(recorded["C001"].id)[1]) == "Sam Carter"
        await refilter(pilot, screen, submit(screen, "f-advisor", KEVIN))
        assert set(shown_customers(screen)) == {"C006", "C007", "C008"}
    app = make_app("demo-supervisor")
    async with app.run_test(size=(180, 50)) as pilot:
        await signed_in(pilot)
        break_backend(mock_state, Backend.IDENTITY, error_rate=1.0)
        screen = await open_review(pilot, app)
        table = screen.query_one("#review-table", DataTable)
        assert str(table.get_row(recorded["C001"].id)[1]) == SAM
        said = screen_text(screen)
        assert "advisor ids shown, not names: loading advisor names: identity backend" in said
        heal(mock_state, Backend.IDENTITY)
        await list_keys(pilot, screen, "r")
        await wait_until(pilot, lambda: bool(screen.names.by_id), "the directory on retry")
        assert str(table.get_row(recorded["C001"].id)[1]) == "Sam Carter"
        assert "advisor ids shown" not in screen_text(screen)


async def test_an_estimated_total_is_shown_as_about(
    make_app: AppFactory, recorded: Decisions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a very large log the backend stops counting and estimates (total_exact
    false): the screen says "about", never a count it does not have."""
    app = make_app("demo-supervisor")
    decisions = app.session.backends.decisions
    real_list = decisions.list

    async def estimated(*args: Any, **kwargs: Any) -> Any:
        page = await real_list(*args, **kwargs)
        return page.model_copy(update={"total": 1_234_567, "total_exact": False})

    monkeypatch.setattr(decisions, "list", estimated)
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        said = screen_text(screen)
        assert "8 of about 1,234,567 decisions loaded · end of list" in said


async def test_the_list_pages_as_the_reviewer_scrolls(
    make_app: AppFactory, mock_state: MockState, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam = mock_state.advisors["demo-advisor"]
    advisor_app = make_app("demo-advisor")
    for n in range(130):
        await advisor_app.session.backends.decisions.record(
            make_decision(sam, minutes_ago=n + 1, customer_id=f"P{n:03d}")
        )
    await advisor_app.session.aclose()
    app = make_app("demo-supervisor")
    client = app.session.backends.customers
    lookups: list[int] = []
    real_names = client.names

    async def names(customer_ids: list[str]) -> Any:
        lookups.append(len(customer_ids))
        return await real_names(customer_ids)

    monkeypatch.setattr(client, "names", names)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_review(pilot, app)
        assert len(screen.views) == 50 and screen.total == 130
        table = screen.query_one("#review-table", DataTable)
        table.focus()
        for _ in range(3):
            table.move_cursor(row=len(screen.views) - 1)
            await settle(pilot)
        assert len(screen.views) == 130 and screen.next_cursor is None
        ids = [v.decision.id for v in screen.views]
        assert len(set(ids)) == 130 and ids == sorted(ids, reverse=True)
        assert "130 decisions · end of list" in screen_text(screen)
        assert lookups == [50, 50, 30], "one customer names lookup per page"


async def test_a_failing_backend_is_named_inline_and_r_retries(
    make_app: AppFactory, mock_state: MockState, recorded: Decisions
) -> None:
    app = make_app("demo-supervisor")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        break_backend(mock_state, Backend.DECISIONS, error_rate=1.0)
        screen = await open_review(pilot, app)
        text = screen_text(screen)
        assert "decisions list: decisions backend down" in text and "r retries" in text
        assert "figures: decisions backend down" in text
        heal(mock_state, Backend.DECISIONS)
        await list_keys(pilot, screen, "r")
        await settle(pilot)
        assert screen.total == 8 and len(screen.views) == 8
        assert "decisions backend down" not in screen_text(screen)
        assert screen.query_one(FiguresPanel).summary is not None


# -- the detail view and verdicts --------------------------------------------------------


async def test_detail_shows_process_and_what_was_done_side_by_side(
    make_app: AppFactory, recorded: Decisions
) -> None:
    app = make_app("demo-supervisor")
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        detail = await open_detail(pilot, screen, "C003")
        said = screen_text(detail)
        assert "What the process said" in said and "What was done" in said
        assert "Goodwill credit (goodwill v2)" in said
        assert "amount: £10.00" in said and "amount: £10.00 → £50.00" in said
        assert "OVERRIDE" in said and "customer-impact" in said
        # Untrusted free text is shown as text: no markup applied, ESC made visible.
        assert "[bold]=HYPERLINK(1)[/bold] ␛]52;c;aGk=␇ still text" in said
        assert "Broadband down 4 days" in said and "Works from home" in said
        assert "Approval: pending (needs a team lead)" in said
        assert "No reviews yet." in said
        assert "Integrity: chain OK" in said
        assert "#3 in adv-sam-carter's chain" in said
        assert "record #3 of 5" in said
        assert "a" in detail.active_bindings  # approval is open
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_endorse_coach_and_propose_are_recorded_and_refresh_the_row(
    make_app: AppFactory, recorded: Decisions
) -> None:
    app = make_app("demo-supervisor")
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        client = app.session.backends.decisions

        detail = await open_detail(pilot, screen, "C007")
        assert "a" not in detail.active_bindings, "no approve on one that needs none"
        await send_verdict(pilot, "e")
        assert "Endorse recorded" in screen_text(detail)
        assert detail.view.review_state is ReviewState.ENDORSED
        await pilot.press("escape")
        await settle(pilot)
        row = screen.query_one("#review-table", DataTable).get_row(recorded["C007"].id)
        assert str(row[7]) == "endorsed"

        detail = await open_detail(pilot, screen, "C001")
        await send_verdict(pilot, "c")  # no note: refused inline, nothing sent
        assert "Coaching needs a note to the advisor." in screen_text(detail)
        assert (await client.get(recorded["C001"].id)).reviews == []
        pilot.app.screen.query_one("#detail-note", Input).value = "Quote the ETA as not firm"
        await pilot.press("enter")  # Enter in the note sends too
        await settle(pilot)
        (coached,) = (await client.get(recorded["C001"].id)).reviews
        assert (coached.verdict, coached.note) == (Verdict.COACH, "Quote the ETA as not firm")
        assert coached.reviewer_id == "adv-jo-whitaker"
        await pilot.press("escape")
        await settle(pilot)

        detail = await open_detail(pilot, screen, "C004")
        await press_keys(pilot, "p")
        await pilot.pause()
        assert detail.query_one("#detail-step-id", Input).value == "number-port-back"
        assert detail.query_one("#detail-step-version", Input).value == "3"
        note = "Escalate to porting before saying unrecoverable"
        detail.query_one("#detail-note", Input).value = note
        await pilot.press("ctrl+s")
        await settle(pilot)
        (proposed,) = (await client.get(recorded["C004"].id)).reviews
        assert proposed.verdict is Verdict.PROPOSE_PROCESS_CHANGE
        assert proposed.proposed_step == ProcessStepRef(
            id="number-port-back", version=3, title="Recover a released number"
        )
        await pilot.press("escape")
        await settle(pilot)
        assert screen.views[shown_customers(screen).index("C004")].review_state is (
            ReviewState.PROPOSED
        )

        await refilter(pilot, screen, choose(screen, "f-review", ReviewState.UNREVIEWED))
        assert screen.total == 5


async def test_a_timed_out_verdict_resent_is_recorded_once(
    make_app: AppFactory, mock_state: MockState, recorded: Decisions
) -> None:
    app = make_app("demo-team-lead")
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        detail = await open_detail(pilot, screen, "C002")
        break_backend(mock_state, Backend.DECISIONS, error_rate=1.0)
        await send_verdict(pilot, "e")
        assert "verdict NOT recorded: decisions backend down" in screen_text(detail)
        heal(mock_state, Backend.DECISIONS)
        await pilot.press("ctrl+s")
        await pilot.press("ctrl+s")  # an impatient second press
        await settle(pilot)
        assert len(detail.view.reviews) == 1


async def test_approving_and_rejecting_needs_approval_overrides(
    make_app: AppFactory, recorded: Decisions
) -> None:
    app = make_app("demo-team-lead")
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        await refilter(pilot, screen, choose(screen, "f-approval", ApprovalState.PENDING))
        assert set(shown_customers(screen)) == {"C003", "C008"}

        detail = await open_detail(pilot, screen, "C003")
        await send_verdict(pilot, "a", "Four days down: fair")
        assert detail.view.approval is ApprovalState.APPROVED
        assert "Approve recorded" in screen_text(detail)
        assert "a" not in detail.active_bindings, "decided: no second approval"
        await pilot.press("escape")
        await settle(pilot)

        detail = await open_detail(pilot, screen, "C008")
        await send_verdict(pilot, "x", "A router swap fixes this; no credit")
        assert detail.view.approval is ApprovalState.REJECTED
        await pilot.press("escape")
        await settle(pilot)
        table = screen.query_one("#review-table", DataTable)
        assert str(table.get_row(recorded["C003"].id)[6]) == "approved"
        assert str(table.get_row(recorded["C008"].id)[6]) == "rejected"


async def test_a_conflicting_approval_is_shown_and_the_view_reloaded(
    make_app: AppFactory, recorded: Decisions
) -> None:
    supervisor = make_app("demo-supervisor").session
    app = make_app("demo-team-lead")
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        detail = await open_detail(pilot, screen, "C003")
        # Someone else approves while this reviewer is still reading.
        await supervisor.backends.decisions.review(
            recorded["C003"].id, ReviewCreate(id=str(ULID()), verdict=Verdict.APPROVE)
        )
        await send_verdict(pilot, "x", "Too much")
        text = screen_text(detail)
        assert "verdict NOT recorded: decisions backend conflict" in text
        assert "already approved" in text
        assert detail.view.approval is ApprovalState.APPROVED
    await supervisor.aclose()


# -- the advisor's side ---------------------------------------------------------------


async def test_the_advisor_sees_approval_outcomes(
    make_app: AppFactory, recorded: Decisions, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead = make_app("demo-team-lead").session
    app = make_app("demo-advisor")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        outcomes = app.screen.query_one(ApprovalOutcomes)
        assert outcomes.display and "1 pending" in outcomes.summary_line().plain
        notes: list[tuple[str, str]] = []

        def notify(message: str, *, severity: str = "information", **_: object) -> None:
            notes.append((message, severity))

        monkeypatch.setattr(app, "notify", notify)
        await lead.backends.decisions.review(
            recorded["C003"].id,
            ReviewCreate(id=str(ULID()), verdict=Verdict.APPROVE, note="Fair, given four days"),
        )
        await pilot.press("f5")  # on demand; the 10 s poll would find it too
        await settle(pilot)
        assert notes == [
            (
                "Approved by Priya Natarajan: Goodwill credit for customer C003 "
                "— Fair, given four days",
                "information",
            )
        ]
        line = outcomes.summary_line().plain
        assert "0 pending" in line and "✓ approved Goodwill credit for C003" in line
        await pilot.press("f5")
        await settle(pilot)
        assert len(notes) == 1, "an outcome is announced once"
    await lead.aclose()


async def test_the_advisor_hears_the_customer_named_not_their_id(
    make_app: AppFactory, mock_state: MockState, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam = mock_state.advisors["demo-advisor"]
    customer = mock_state.customers["cus-fixed-yesterday"]
    decision = goodwill_override(sam, minutes_ago=30, pence=4000).model_copy(
        update={"customer_id": customer.profile.id}
    )
    lead = make_app("demo-team-lead").session
    await make_app("demo-advisor").session.backends.decisions.record(decision)
    app = make_app("demo-advisor")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        outcomes = app.screen.query_one(ApprovalOutcomes)
        notes: list[str] = []
        monkeypatch.setattr(app, "notify", lambda message, **_: notes.append(message))
        await lead.backends.decisions.review(
            decision.id, ReviewCreate(id=str(ULID()), verdict=Verdict.APPROVE, note="Agreed")
        )
        await pilot.press("f5")
        await settle(pilot)
        said = "Approved by Priya Natarajan: Goodwill credit for Margaret Feeney — Agreed"
        assert notes == [said]
        assert "✓ approved Goodwill credit for Margaret Feeney" in outcomes.summary_line().plain
    await lead.aclose()


async def test_an_outcome_given_in_the_review_screen_reaches_the_advisor(
    make_app: AppFactory, recorded: Decisions
) -> None:
    app = make_app("demo-supervisor")
    async with app.run_test(size=(180, 50)) as pilot:
        screen = await open_review(pilot, app)
        await open_detail(pilot, screen, "C008")
        await send_verdict(pilot, "x", "Not for a router fault")
    # Kevin opens the app afterwards: the line shows the rejection at once.
    app = make_app("demo-advisor-2")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        line = app.screen.query_one(ApprovalOutcomes).summary_line().plain
        assert "✗ rejected Goodwill credit for C008" in line


# -- figures and export -------------------------------------------------------------------


async def test_figures_show_rates_chart_and_repeated_overrides(
    make_app: AppFactory, recorded: Decisions
) -> None:
    app = make_app("demo-supervisor")
    async with app.run_test(size=(180, 60)) as pilot:
        screen = await open_review(pilot, app)
        await list_keys(pilot, screen, "2")
        await settle(pilot)
        panel = screen.query_one(FiguresPanel)
        summary = panel.summary
        assert summary is not None and summary.days == 30
        assert (summary.decisions, summary.overrides) == (8, 5)
        rates = {b.key: (b.decisions, b.overrides) for b in summary.by_advisor}
        assert rates == {SAM: (5, 3), KEVIN: (3, 2)}
        steps = {b.key: (b.decisions, b.overrides) for b in summary.by_step}
        assert steps == {"eta-quote": (3, 1), "goodwill": (3, 2), "number-port-back": (2, 2)}
        # 10 Jun: 2 accepts; 11 Jun: 1 decline; 12 Jun: 5 decisions, 5 overrides.
        chart = panel.query_one(Sparkline)
        assert chart.data == summary.daily and len(summary.daily) == 30
        assert summary.daily[-3:] == [0.0, 0.0, 1.0]
        text = screen_text(screen)
        assert "8 decisions, 5 overrides: override rate 62.5%" in text
        assert "peak 100.0% on 12 Jun" in text
        assert "66.7%" in text and "60.0%" in text and "100.0%" in text
        repeated = {(r.step_id, r.alternative, r.count) for r in summary.repeated}
        assert repeated == {
            ("number-port-back", "Escalated to porting team", 2),
            ("goodwill", "changed amount_pence", 2),
        }
        assert "Escalated to porting team" in text and "candidates for new process" in text

        periods = []
        for _ in range(3):
            await press_keys(pilot, "p")
            await settle(pilot)
            assert panel.summary is not None
            periods.append(panel.summary.days)
        assert periods == [90, 7, 30]

        # The figures follow the team filter.
        await press_keys(pilot, "1")
        await refilter(pilot, screen, submit(screen, "f-team", KEVIN_TEAM))
        assert panel.summary is not None
        assert {b.key for b in panel.summary.by_advisor} == {KEVIN}


async def test_export_writes_the_filtered_list_as_csv(
    make_app: AppFactory, recorded: Decisions, tmp_path: Path
) -> None:
    app = make_app("demo-supervisor")
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_review(pilot, app, tmp_path)
        await refilter(pilot, screen, choose(screen, "f-kind", DecisionKind.OVERRIDE))
        await pilot.press("ctrl+e")
        await settle(pilot)
        (path,) = tmp_path.glob("decisions-*.csv")
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 5 and {r["kind"] for r in rows} == {"override"}
        hostile = next(r for r in rows if r["customer_id"] == "C003")
        # Kept whole and starting no formula; the escape and BEL arrive as the
        # symbols the decisions client's boundary made of them, never raw.
        assert hostile["free_text"] == clean(HOSTILE, None)
        assert f"Exported 5 decisions to {path}" in screen_text(screen)
