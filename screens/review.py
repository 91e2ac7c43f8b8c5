"""The supervisor's review screen: the decision log, filtered and paged, and its figures.

Team leads and supervisors reach it from the advisor screen. Every row comes
from the decisions backend one page at a time, newest first, so a log of a
million decisions opens as fast as one of ten; filters are applied by the
backend, never to what happens to be loaded. Enter opens a decision to give
it a verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import ClassVar

import platformdirs
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static, TabbedContent, TabPane

from advisor_tui.contract import (
    Advisor,
    ApprovalState,
    DecisionKind,
    DecisionPage,
    DecisionStats,
    DecisionView,
    ReviewState,
    utcnow,
)
from advisor_tui.formatting import DisplayTime, plural
from advisor_tui.screens.review_detail import ReviewDetailScreen
from advisor_tui.session import Session
from advisor_tui.supervision import (
    PERIODS,
    AdvisorNames,
    DecisionQuery,
    KnownCustomerNames,
    done_summary,
    period_since,
    summarise,
)
from advisor_tui.text import clean, safe_text
from advisor_tui.widgets import FiguresPanel, ReviewFilters, StatusBar
from advisor_tui.widgets._quick_screen import QuickScreen
from advisor_tui.widgets._table import FocusCachedTable
from advisor_tui.widgets._workers import BackendCalls
from advisor_tui.widgets.footer import KeyFooter

PAGE_SIZE = 50
# Fetch the next page when the cursor is this close to the last loaded row, so
# a reviewer scrolling steadily never waits on the backend.
PREFETCH_ROWS = 15
LIST_GROUP = "review-list"
MORE_GROUP = "review-more"
FIGURES_GROUP = "review-figures"
EXPORT_GROUP = "review-export"
NAMES_GROUP = "review-names"
CUSTOMERS_GROUP = "review-customers"
DEFAULT_PERIOD = 30


def default_export_dir() -> Path:
    """Where ctrl+e puts its CSV: the person's documents folder, not wherever
    the app happened to be started."""
    return Path(platformdirs.user_documents_dir()) / "advisor-tui-exports"


KIND_STYLE = {
    DecisionKind.ACCEPT: "green",
    DecisionKind.DECLINE: "yellow",
    DecisionKind.OVERRIDE: "bold magenta",
}
APPROVAL_STYLE = {
    ApprovalState.NOT_NEEDED: "dim",
    ApprovalState.PENDING: "bold yellow",
    ApprovalState.APPROVED: "green",
    ApprovalState.REJECTED: "bold red",
}
REVIEW_STYLE = {
    ReviewState.UNREVIEWED: "dim",
    ReviewState.ENDORSED: "green",
    ReviewState.COACHED: "yellow",
    ReviewState.PROPOSED: "bold cyan",
}
# Widths add up to 160 columns with the table's cell padding: the whole row is
# visible on a wide terminal without scrolling sideways.
COLUMNS = (
    ("When", "when", 12),
    ("Advisor", "advisor", 16),
    ("Team", "team", 14),
    ("Kind", "kind", 8),
    ("Step", "step", 16),
    ("Reason", "reason", 15),
    ("Approval", "approval", 10),
    ("Review", "review", 10),
    ("Customer", "customer", 16),
    ("Done", "done", 21),
)


def advisor_cell(advisor_id: str, names: AdvisorNames) -> Text:
    """The advisor's name; the id itself while (or if) the directory does not know it."""
    return safe_text(names.name(advisor_id), max_len=30)


def customer_cell(customer_id: str, customers: KnownCustomerNames) -> Text:
    """The customer's name; the id itself while (or if) the customers backend does not
    name them."""
    return safe_text(customers.name(customer_id), max_len=40)


def approval_cell(state: ApprovalState) -> Text:
    return Text(state.value.replace("_", " "), style=APPROVAL_STYLE[state])


def review_cell(state: ReviewState) -> Text:
    return Text(state.value, style=REVIEW_STYLE[state])


def row_cells(
    view: DecisionView,
    times: DisplayTime,
    names: AdvisorNames,
    customers: KnownCustomerNames | None = None,
) -> tuple[object, ...]:
    d = view.decision
    return (
        times.short(d.decided_at),
        advisor_cell(d.advisor_id, names),
        safe_text(view.team, max_len=30),
        Text(d.kind.value, style=KIND_STYLE[d.kind]),
        safe_text(d.process_step.id, max_len=30),
        safe_text(d.reason_code or "—", max_len=30),
        approval_cell(view.approval),
        review_cell(view.review_state),
        customer_cell(d.customer_id, customers or KnownCustomerNames()),
        safe_text(done_summary(d), max_len=80),
    )


class ReviewScreen(BackendCalls, QuickScreen, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="review.back", tooltip="Back to the advisor screen"),
        Binding("1", "show_tab('decisions')", "Decisions", id="review.decisions"),
        Binding("2", "show_tab('figures')", "Figures", id="review.figures"),
        Binding("f", "focus_filters", "Filters", id="review.filters"),
        Binding("c", "clear_filters", "Clear filters", id="review.clear"),
        Binding("enter", "open", "Open", id="review.open", tooltip="Open the decision to review"),
        Binding(
            "p",
            "cycle_period",
            "Period",
            id="review.period",
            tooltip="Figures over the last 7, 30 or 90 days",
        ),
        Binding("r", "retry", "Retry", id="review.retry", tooltip="Retry what failed"),
        Binding("f5", "reload", "Reload", id="review.reload", tooltip="Reload list and figures"),
        Binding("ctrl+e", "export", "Export CSV", id="review.export"),
    ]
    DEFAULT_CSS = """
    ReviewScreen #review-table { height: 1fr; }
    ReviewScreen #review-foot { height: auto; color: $text-muted; }
    ReviewScreen #review-error { height: auto; color: $error; display: none; }
    ReviewScreen #review-error.-shown { display: block; }
    /* Tabs size to their content by default; the list must fill the screen
       whether it holds 0 rows or 50, or an emptied table collapses and drops focus. */
    ReviewScreen TabbedContent, ReviewScreen ContentSwitcher { height: 1fr; }
    ReviewScreen TabPane { height: 1fr; padding: 0; }
    ReviewScreen TabPane > Vertical { height: 1fr; }
    """

    def __init__(
        self,
        session: Session,
        reviewer: Advisor,
        *,
        clock: Callable[[], datetime] = utcnow,
        export_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.reviewer = reviewer
        self.clock = clock
        self.export_dir = export_dir or default_export_dir()
        self.query_filters = DecisionQuery()
        self.views: list[DecisionView] = []
        self.total = 0
        # False when the backend estimated the total (very large logs): shown as "about".
        self.total_exact = True
        # Who each advisor id is; empty (ids shown) until the directory answers.
        self.names = AdvisorNames()
        self.names_problem: str | None = None
        # True until the directory answered or failed: an advisor typed meanwhile
        # cannot be read as a name yet.
        self.names_pending = True
        # Customer names, asked for a page of rows at a time; ids shown meanwhile.
        self.customers = KnownCustomerNames()
        self.customers_asking: set[str] = set()
        self.customers_problem: str | None = None
        self.next_cursor: str | None = None
        self.period = DEFAULT_PERIOD
        # Each reload bumps the generation; a page that arrives for an older
        # generation (filters changed meanwhile) is dropped, never appended.
        self.generation = 0
        self.failed: set[str] = set()
        # Not ``loading``: that is Textual's reactive on every widget, and setting
        # it on the screen covered the whole screen with a loading indicator on
        # each reload, hiding the list, which handed its focus to a filter box.
        self.list_loading = False

    # Layout ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(
            self.session.mode,
            self.session.health,
            outbox=self.session.outbox_status,
            id="review-status",
        )
        with TabbedContent(initial="decisions"):
            with TabPane("1 Decisions", id="decisions"), Vertical():
                yield ReviewFilters(id="review-filters")
                # Keeps its row renders when focus moves between it and the filters.
                table = FocusCachedTable(id="review-table", cursor_type="row")
                for label, key, width in COLUMNS:
                    if key == "when":
                        label = f"{label} ({self.session.times.short_label})"
                    table.add_column(label, key=key, width=width)
                yield table
                yield Static(id="review-error")
                yield Static(id="review-foot")
            with TabPane("2 Figures", id="figures"):
                yield FiguresPanel(id="figures-panel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(StatusBar).advisor = self.reviewer
        self.sub_title = "Review decisions"
        self.query_one("#review-table", DataTable).focus()
        self.reload_list()
        self.load_figures()
        self.load_names()

    # The decision list -----------------------------------------------------------

    def reload_list(self) -> None:
        """First page for the current filters; what is shown is cleared at once, so
        rows of the previous filters are never shown under the new ones."""
        self.generation += 1
        self.workers.cancel_group(self, MORE_GROUP)
        self.failed.discard("list")
        self.failed.discard("more")
        self.views = []
        self.total = 0
        self.total_exact = True
        self.next_cursor = None
        self.list_loading = True
        self.query_one("#review-table", DataTable).clear()
        self.set_error(None)
        self.update_foot()
        self.call_backend(
            "loading the decisions list",
            self.fetch_page(self.generation, None),
            on_result=self._first_page,
            on_failure=self._list_failed,
            group=LIST_GROUP,
        )

    async def fetch_page(self, generation: int, cursor: str | None) -> tuple[int, DecisionPage]:
        page = await self.session.decisions_page(self.query_filters, cursor=cursor, limit=PAGE_SIZE)
        return generation, page

    def _first_page(self, result: tuple[int, DecisionPage]) -> None:
        generation, page = result
        if generation == self.generation:
            self.list_loading = False
            self.append_page(page)

    def _next_page(self, result: tuple[int, DecisionPage]) -> None:
        generation, page = result
        if generation == self.generation:
            self.append_page(page)

    def _list_failed(self, message: str, error: BaseException | None) -> None:
        self.list_loading = False
        self.failed.add("list")
        self.set_error(message + " · r retries")
        self.update_foot()

    def _more_failed(self, message: str, error: BaseException | None) -> None:
        # Keep what is loaded; say the next page failed and how to get it.
        self.failed.add("more")
        self.set_error(message + " · r retries")

    def load_more(self) -> None:
        if self.next_cursor is None or self.list_loading:
            return
        if any(w.group == MORE_GROUP and w.is_running for w in self.workers):
            return
        self.failed.discard("more")
        self.call_backend(
            "loading the next page of decisions",
            self.fetch_page(self.generation, self.next_cursor),
            on_result=self._next_page,
            on_failure=self._more_failed,
            group=MORE_GROUP,
            exclusive=False,
        )

    def append_page(self, page: DecisionPage) -> None:
        table = self.query_one("#review-table", DataTable)
        known = {v.decision.id for v in self.views[-PAGE_SIZE:]}
        for view in page.items:
            if view.decision.id in known:
                continue  # a page boundary repeated by a retried request
            table.add_row(
                *row_cells(view, self.session.times, self.names, self.customers),
                key=view.decision.id,
            )
            self.views.append(view)
        self.total = page.total
        self.total_exact = page.total_exact
        self.next_cursor = page.next_cursor
        self.update_foot()
        self.load_customer_names(v.decision.customer_id for v in page.items)

    def total_text(self) -> str:
        """'8 decisions', or 'about 1,200,000 decisions' when the backend estimated
        the total (it stops counting past a cap on very large logs)."""
        total = plural(self.total, "decision")
        return total if self.total_exact else f"about {total}"

    def update_foot(self) -> None:
        if self.list_loading and not self.views:
            head = "Loading decisions…"
        else:
            if self.total_exact and len(self.views) == self.total:
                head = self.total_text()
            else:
                head = f"{len(self.views):,} of {self.total_text()} loaded"
            head += " · more below" if self.next_cursor else " · end of list"
        foot = Text(head, style="bold")
        foot.append(" · newest first · filters: ")
        foot.append(safe_text(self.query_filters.describe(self.names), max_len=300))
        advisor = self.query_filters.advisor_id
        if self.names_pending and advisor is not None and advisor not in self.names.by_id:
            foot.append(
                safe_text(
                    " (read as an id until the advisor directory loads; then as a name)",
                    "yellow",
                    200,
                )
            )
        if self.names_problem is not None:
            foot.append("\nadvisor ids shown, not names: ", style="yellow")
            foot.append(safe_text(self.names_problem + " · r retries", "yellow", 300))
        if self.customers_problem is not None:
            foot.append("\ncustomer ids shown, not names: ", style="yellow")
            foot.append(safe_text(self.customers_problem + " · r retries", "yellow", 300))
        foot.append("\nf filters (Enter applies) · c clears · Enter opens · ctrl+e exports")
        self.query_one("#review-foot", Static).update(foot)

    def set_error(self, message: str | None) -> None:
        """The one error line: a new error replaces the old, never sits beside it."""
        line = self.query_one("#review-error", Static)
        line.set_class(message is not None, "-shown")
        text = Text("⚠ ", style="bold red")
        text.append(safe_text(message or "", "bold red", 600))
        line.update(text)

    @on(DataTable.RowHighlighted, "#review-table")
    def _maybe_page(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.views) - PREFETCH_ROWS:
            self.load_more()

    def action_retry(self) -> None:
        failed, self.failed = self.failed, set()
        if "list" in failed:
            self.reload_list()
        elif "more" in failed:
            self.set_error(None)
            self.load_more()
        if "figures" in failed:
            self.load_figures()
        if "names" in failed:
            self.load_names()
        if "customers" in failed:
            self.load_customer_names(v.decision.customer_id for v in self.views)

    def action_reload(self) -> None:
        self.reload_list()
        self.load_figures()

    # Names ----------------------------------------------------------------------

    def load_names(self) -> None:
        """The advisor directory, so the list, filter and figures read as names.
        Failing (an identity backend without one, or refusing) leaves the ids."""
        self.failed.discard("names")
        self.call_backend(
            "loading advisor names",
            self.session.advisor_names(),
            on_result=self.show_names,
            on_failure=self._names_failed,
            group=NAMES_GROUP,
        )

    def show_names(self, names: AdvisorNames) -> None:
        self.names = names
        self.names_problem = None
        self.names_pending = False
        table = self.query_one("#review-table", DataTable)
        for view in self.views:
            table.update_cell(
                view.decision.id, "advisor", advisor_cell(view.decision.advisor_id, names)
            )
        self.query_one(ReviewFilters).names = names
        self.query_one(FiguresPanel).set_names(names)
        self.update_suggestions()
        self.update_foot()
        self.reread_advisor_filter()

    def reread_advisor_filter(self) -> None:
        """An advisor typed before the directory answered was taken as an id, as
        typed: now that names are known, read it again, and reload if it names
        someone ('kevin' -> adv-kevin-doyle)."""
        typed = self.query_filters.advisor_id
        if typed is None or typed in self.names.by_id:
            return
        try:
            advisor_id = self.names.resolve(typed)
        except ValueError as problem:
            self.set_error(str(problem))
            return
        if advisor_id != typed:
            self.query_filters = self.query_filters.model_copy(update={"advisor_id": advisor_id})
            self.reload_list()

    def _names_failed(self, message: str, error: BaseException | None) -> None:
        self.failed.add("names")
        self.names_pending = False
        self.names_problem = message
        self.update_foot()

    def load_customer_names(self, customer_ids: Iterable[str]) -> None:
        """Names of the customers of rows just loaded that are not known yet: one
        batched lookup per page, never a call per row. The rows show the ids until
        it answers; a failure is said in the foot and leaves the ids."""
        missing = self.customers.missing(customer_ids, self.customers_asking)
        if not missing:
            return
        self.customers_asking.update(missing)
        self.call_backend(
            "loading customer names",
            self.session.customer_names_of(missing),
            on_result=partial(self.show_customer_names, missing),
            on_failure=partial(self._customer_names_failed, missing),
            group=CUSTOMERS_GROUP,
            exclusive=False,  # a lookup for the next page must not cancel this one's
        )

    def show_customer_names(self, asked: list[str], found: dict[str, str]) -> None:
        self.customers_asking.difference_update(asked)
        self.customers = self.customers.answered(asked, found)
        # The problem stands until every row shown has been asked about.
        if not self.customers.missing(v.decision.customer_id for v in self.views):
            self.customers_problem = None
            self.failed.discard("customers")
        table = self.query_one("#review-table", DataTable)
        for view in self.views:
            if view.decision.customer_id in found:
                table.update_cell(
                    view.decision.id,
                    "customer",
                    customer_cell(view.decision.customer_id, self.customers),
                )
        self.update_foot()

    def _customer_names_failed(
        self, asked: list[str], message: str, error: BaseException | None
    ) -> None:
        self.customers_asking.difference_update(asked)
        self.failed.add("customers")
        self.customers_problem = message
        self.update_foot()

    def update_suggestions(self) -> None:
        """Names from the directory, then any advisor id of the period's figures it
        lacks; steps from the figures."""
        summary = self.query_one(FiguresPanel).summary
        known = self.names.suggestions()
        extra = (
            [b.key for b in summary.by_advisor if b.key not in self.names.by_id] if summary else []
        )
        steps = [b.key for b in summary.by_step] if summary else []
        self.query_one(ReviewFilters).suggest(known + extra, steps)

    # Filters ---------------------------------------------------------------------

    @on(ReviewFilters.Applied)
    def _filters_applied(self, message: ReviewFilters.Applied) -> None:
        team_changed = message.query.team != self.query_filters.team
        self.query_filters = message.query
        self.reload_list()
        if team_changed:
            self.load_figures()  # the figures follow the team filter
        if message.typed:
            self.query_one("#review-table", DataTable).focus()

    @on(ReviewFilters.Invalid)
    def _filters_invalid(self, message: ReviewFilters.Invalid) -> None:
        # The list stays as it was: a typo must not empty the screen.
        self.set_error(message.problem)

    def action_focus_filters(self) -> None:
        self.action_show_tab("decisions")
        self.query_one(ReviewFilters).focus_first()

    def action_clear_filters(self) -> None:
        self.query_one(ReviewFilters).clear()

    # Navigation ------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab == "decisions":
            self.query_one("#review-table", DataTable).focus()
        else:
            self.query_one(FiguresPanel).focus()

    def action_back(self) -> None:
        """Esc in a filter box gives the keys back to the list; otherwise leaves."""
        if isinstance(self.focused, Input | Select):
            self.query_one("#review-table", DataTable).focus()
            return
        self.dismiss(None)

    @on(DataTable.RowSelected, "#review-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_row(event.cursor_row)

    def action_open(self) -> None:
        self.open_row(self.query_one("#review-table", DataTable).cursor_row)

    def open_row(self, index: int) -> None:
        if 0 <= index < len(self.views):
            detail = ReviewDetailScreen(
                self.session,
                self.views[index],
                self.reviewer,
                on_change=self.decision_changed,
                names=self.names,
            )
            self.app.push_screen(detail)

    def decision_changed(self, view: DecisionView) -> None:
        """A verdict was recorded in the detail view: refresh that row in place."""
        decision_id = view.decision.id
        for i, shown in enumerate(self.views):
            if shown.decision.id == decision_id:
                self.views[i] = view
                table = self.query_one("#review-table", DataTable)
                table.update_cell(decision_id, "approval", approval_cell(view.approval))
                table.update_cell(decision_id, "review", review_cell(view.review_state))
                break

    # Figures -------------------------------------------------------------------

    def action_cycle_period(self) -> None:
        index = PERIODS.index(self.period) if self.period in PERIODS else -1
        self.period = PERIODS[(index + 1) % len(PERIODS)]
        self.load_figures()

    def load_figures(self) -> None:
        days, today, team = self.period, self.clock().date(), self.query_filters.team
        self.failed.discard("figures")
        self.query_one(FiguresPanel).show_loading(days)
        self.call_backend(
            "loading the figures",
            self.fetch_figures(days, today, team),
            on_result=lambda result: self.show_figures(*result),
            on_failure=self._figures_failed,
            group=FIGURES_GROUP,
        )

    async def fetch_figures(
        self, days: int, today: date, team: str | None
    ) -> tuple[int, date, str | None, DecisionStats]:
        stats = await self.session.decision_stats(since=period_since(days, today), team=team)
        return days, today, team, stats

    def _figures_failed(self, message: str, error: BaseException | None) -> None:
        self.failed.add("figures")
        self.query_one(FiguresPanel).show_error(message)

    def show_figures(self, days: int, today: date, team: str | None, stats: DecisionStats) -> None:
        self.query_one(FiguresPanel).show(summarise(stats, days=days, today=today), team)
        # The figures name the advisors and steps of the period: completions
        # for the filters.
        self.update_suggestions()

    # Export ------------------------------------------------------------------------

    def action_export(self) -> None:
        path = self.export_dir / f"decisions-{self.clock():%Y%m%d-%H%M%S}.csv"
        self.query_one("#review-foot", Static).update(
            safe_text(f"Exporting {self.total_text()} to {path}…", "bold", 400)
        )
        self.call_backend(
            "exporting decisions",
            self.session.export_decisions(self.query_filters, path),
            on_result=partial(self._exported, path),
            on_failure=self._export_failed,
            group=EXPORT_GROUP,
        )

    def _exported(self, path: Path, rows: int) -> None:
        message = f"Exported {rows:,} decisions to {path} (readable by you only)"
        self.query_one("#review-foot", Static).update(safe_text(message, "bold green", 400))
        self.notify(clean(message, 400), title="Export", timeout=15, markup=False)

    def _export_failed(self, message: str, error: BaseException | None) -> None:
        message += "; no file was kept"
        self.set_error(message)
        self.notify(clean(message, 400), title="Export", severity="error", markup=False)
