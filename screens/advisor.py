"""The advisor screen: search, then four panels that load and fail independently."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Container, Horizontal
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Input, Static

from advisor_tui.clients.errors import BackendError
from advisor_tui.contract import (
    Advisor,
    CustomerSummary,
    DecisionKind,
    FollowUp,
    FollowUpCreate,
    NextAction,
    ReasonCode,
    SearchResult,
)
from advisor_tui.deciding import follow_up_for
from advisor_tui.failures import describe_failure, failure_reason
from advisor_tui.screens.confirm import ConfirmScreen
from advisor_tui.screens.decision_form import DecisionForm, Draft
from advisor_tui.screens.event_detail import EventDetailScreen
from advisor_tui.screens.pick_customer import PickCustomerScreen
from advisor_tui.screens.review import ReviewScreen
from advisor_tui.screens.starting import SEARCH_PLACEHOLDER
from advisor_tui.session import Decided, Session
from advisor_tui.text import clean, safe_text
from advisor_tui.widgets import (
    ActionsPanel,
    ApprovalOutcomes,
    BackendPanel,
    CustomerPanel,
    FaultsPanel,
    HistoryPanel,
    StatusBar,
)
from advisor_tui.widgets._quick_screen import QuickScreen
from advisor_tui.widgets._workers import BackendCalls
from advisor_tui.widgets.footer import KeyFooter

PANEL_IDS = ("customer", "history", "faults", "actions")
# What the footer shows first when it cannot show everything (? lists the rest).
FOOTER_PRIORITY = (
    "screen.search",
    "screen.accept",
    "screen.decline",
    "screen.override",
    "screen.retry",
    "screen.channel",
    "screen.search_history",
    "screen.recent",
    "screen.review",
    "screen.retry_failed",
    "screen.reload",
)
RECENT_MAX = 10


class AdvisorScreen(BackendCalls, QuickScreen, Screen[None]):
    """One customer on one screen. Wide terminals get a 2×2 grid; narrow ones
    (an 80×24 SSH session) show one panel at a time, switched with 1–4."""

    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (120, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="screen.search"),
        Binding("1", "show_panel('customer')", "Customer", id="screen.customer"),
        Binding("2", "show_panel('history')", "History", id="screen.history"),
        Binding("3", "show_panel('faults')", "Faults", id="screen.faults"),
        Binding("4", "show_panel('actions')", "Actions", id="screen.actions"),
        # Panel keys live on the screen too: one constant set of bindings means
        # the footer is not rebuilt on every focus change (benchmarks/advisor_screen.py).
        Binding("r", "retry_panel", "Retry panel", id="screen.retry", tooltip="Load it again"),
        Binding("a", "decide('accept')", "Accept", id="screen.accept"),
        Binding("d", "decide('decline')", "Decline", id="screen.decline"),
        Binding("o", "decide('override')", "Override", id="screen.override"),
        Binding("c", "history_channel", "Channel", id="screen.channel"),
        Binding("s", "history_search", "Search history", id="screen.search_history"),
        Binding("f2", "recent", "Recent", id="screen.recent", tooltip="Recently opened customers"),
        Binding("ctrl+r", "retry_failed", "Retry failed", id="screen.retry_failed"),
        Binding("f5", "reload", "Reload", id="screen.reload", tooltip="Reload every panel"),
        Binding(
            "f9",
            "review",
            "Review",
            id="screen.review",
            tooltip="Review advisors' decisions (team leads and supervisors)",
        ),
        Binding("escape", "leave_input", "Leave text box", id="screen.leave", show=False),
    ]
    DEFAULT_CSS = """
    AdvisorScreen #search-row { height: 3; }
    AdvisorScreen #search { width: 1fr; }
    AdvisorScreen #search-status { width: auto; max-width: 50%; padding: 1 1 0 1; }
    AdvisorScreen #panel-tabs { height: 1; padding: 0 1; display: none; }
    AdvisorScreen.-narrow #panel-tabs { display: block; }
    AdvisorScreen #panels { height: 1fr; }
    AdvisorScreen.-wide #panels {
        layout: grid; grid-size: 2 2; grid-columns: 2fr 3fr; grid-rows: 2fr 3fr;
    }
    AdvisorScreen.-narrow #panels BackendPanel { display: none; }
    AdvisorScreen.-narrow #panels BackendPanel.-current { display: block; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.advisor: Advisor | None = None
        self.drafts: dict[tuple[str, str, DecisionKind], Draft] = {}
        self.current: CustomerSummary | None = None
        self.recent: list[CustomerSummary] = []
        self.current_panel = "customer"
        # Counted when an answer (or a failure) arrives: tests wait on it.
        self.searches_answered = 0

    def compose(self) -> ComposeResult:
        yield StatusBar(
            self.session.mode, self.session.health, outbox=self.session.outbox_status, id="status"
        )
        with Horizontal(id="search-row"):
            yield Input(
                placeholder=SEARCH_PLACEHOLDER,
                id="search",
            )
            yield Static(id="search-status")
        yield ApprovalOutcomes(self.session, id="approvals")
        yield Static(id="panel-tabs")
        with Container(id="panels"):
            # Order matters for the wide grid: left column customer/history,
            # right column faults/actions.
            yield CustomerPanel(self.session, id="customer")
            yield FaultsPanel(self.session, id="faults")
            yield HistoryPanel(self.session, id="history")
            yield ActionsPanel(self.session, id="actions")
        yield KeyFooter(priority=FOOTER_PRIORITY)

    def on_mount(self) -> None:
        self._mark_current("customer")
        self.query_one("#search", Input).focus()
        # The first frame waits for no backend, nor for the CPU their calls take
        # (connecting, the first import of the HTTP stack): they start right after it.
        self.call_after_refresh(self._start_calls)

    def _start_calls(self) -> None:
        self.sign_in()
        self.ping_backends()

    def ping_backends(self) -> None:
        """Light every backend's health from its own health route (at start, F5, ctrl+r)."""
        self.call_backend(
            "checking backend health",
            self.session.check_health(),
            on_result=lambda _: self.query_one("#status", StatusBar).refresh_status(),
            group="ping",
        )

    def sign_in(self) -> None:
        self.call_backend(
            "signing in",
            self.session.sign_in(),
            on_result=self._signed_in,
            on_failure=self._sign_in_failed,
            group="identity",
        )

    def _sign_in_failed(self, message: str, error: BaseException | None) -> None:
        self.query_one("#status", StatusBar).identity_error = failure_reason(error)

    def _signed_in(self, advisor: Advisor) -> None:
        self.advisor = advisor
        status = self.query_one("#status", StatusBar)
        status.identity_error = None
        status.advisor = self.advisor
        self.query_one(ActionsPanel).advisor = self.advisor
        self.refresh_bindings()  # F9 Review shows for reviewers only
        self.query_one(ApprovalOutcomes).watch_for(self.advisor.id)

    @property
    def panels(self) -> list[BackendPanel[object]]:
        return list(self.query(BackendPanel).results())

    # Search ---------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if query:
            self._set_search_status(f"Searching for {query}…", "dim")
            self.search(query)

    def search(self, query: str) -> None:
        self.call_backend(
            "searching for a customer",
            self.session.search(query),
            on_result=partial(self._found, query),
            on_failure=self._search_failed,
            group="search",
        )

    def _search_failed(self, message: str, error: BaseException | None) -> None:
        self.searches_answered += 1
        self._set_search_status(f"⚠ {message}", "bold red")

    def _found(self, query: str, result: SearchResult) -> None:
        self.searches_answered += 1
        matches = result.matches
        if not matches:
            self._set_search_status(f"No customer matches {query}", "bold yellow")
        elif len(matches) == 1:
            self._set_search_status("", "")
            self.open_customer(matches[0])
        else:
            self._set_search_status(f"{len(matches)} customers match", "")
            self.app.push_screen(
                PickCustomerScreen(f"{len(matches)} customers match {query!r}", matches),
                self._picked,
            )

    def _picked(self, summary: CustomerSummary | None) -> None:
        if summary is not None:
            self.open_customer(summary)

    def _set_search_status(self, message: str, style: str) -> None:
        self.query_one("#search-status", Static).update(safe_text(message, style, 120))

    def action_recent(self) -> None:
        if not self.recent:
            self.notify("No customers opened yet in this session.")
            return
        self.app.push_screen(PickCustomerScreen("Recent customers", self.recent), self._picked)

    # Opening a customer ------------------------------------------------------

    def open_customer(self, summary: CustomerSummary) -> None:
        """Start all four panels at once; each lands when its backend answers."""
        self.current = summary
        self.recent = [summary, *(r for r in self.recent if r.id != summary.id)][:RECENT_MAX]
        self.sub_title = summary.name
        # Whichever way the customer was opened (search, pick list, Recent),
        # the search box and its status start empty for the next search.
        self.query_one("#search", Input).value = ""
        self._set_search_status("", "")
        actions = self.query_one(ActionsPanel)
        actions.decided = self.session.decided_actions(summary.id)
        for panel in self.panels:
            # Nothing of the previous customer (filters, scroll, selection) carries over.
            panel.reset()
            panel.load(summary.id)
        self.action_show_panel(self.current_panel)

    def action_reload(self) -> None:
        self.ping_backends()
        if self.advisor is None:
            self.sign_in()
        else:
            self.query_one(ApprovalOutcomes).check_now()
        if self.current is not None:
            self.open_customer(self.current)

    def action_retry_failed(self) -> None:
        self.ping_backends()
        if self.advisor is None:
            self.sign_in()
        for panel in self.panels:
            if panel.state == "error":
                panel.action_retry()

    # Panels -------------------------------------------------------------------

    def action_show_panel(self, panel_id: str) -> None:
        self._mark_current(panel_id)
        self.query_one(f"#{panel_id}", BackendPanel).focus_target().focus()

    def _panel_in_use(self) -> BackendPanel[object]:
        """The panel holding focus, else the one last chosen with 1-4."""
        node: DOMNode | None = self.focused
        while node is not None:
            if isinstance(node, BackendPanel):
                return node
            node = node.parent
        return self.query_one(f"#{self.current_panel}", BackendPanel)

    def action_retry_panel(self) -> None:
        self._panel_in_use().action_retry()

    def action_decide(self, kind: str) -> None:
        """a/d/o act on the action selected in Next actions, from any panel."""
        actions = self.query_one(ActionsPanel)
        if actions.state != "ready":
            self.notify("No next actions loaded yet.", severity="warning")
            return
        if self.current_panel != "actions":
            self.action_show_panel("actions")
        actions.action_decide(kind)

    def action_history_channel(self) -> None:
        self.action_show_panel("history")
        if self.query_one(HistoryPanel).state == "ready":
            self.query_one(HistoryPanel).action_focus_channel()

    def action_history_search(self) -> None:
        self.action_show_panel("history")
        if self.query_one(HistoryPanel).state == "ready":
            self.query_one(HistoryPanel).action_focus_query()

    def action_leave_input(self) -> None:
        """Esc in a text box gives the keys back to the panels (1–4, r, f2…)."""
        if isinstance(self.focused, Input):
            self.action_show_panel(self.current_panel)

    def _mark_current(self, panel_id: str) -> None:
        # Touch only what changes. The -current class only matters on narrow
        # terminals (one panel at a time); on wide ones a class change would
        # restyle the panel's whole subtree and force a layout and a full
        # repaint on every 1-4 key (benchmarks/advisor_screen.py measures it).
        self.current_panel = panel_id
        if self.has_class("-narrow"):
            self._show_current_only()
            self._draw_tabs()

    def _show_current_only(self) -> None:
        for panel in self.panels:
            panel.set_class(panel.id == self.current_panel, "-current")

    def _draw_tabs(self) -> None:
        tabs = Text()
        for number, name in enumerate(PANEL_IDS, start=1):
            style = "bold reverse" if name == self.current_panel else ""
            if self.query_one(f"#{name}", BackendPanel).state == "error":
                style += " red"
            tabs.append(f" {number} {name.capitalize()} ", style=style.strip())
            tabs.append(" ")
        self.query_one("#panel-tabs", Static).update(tabs)

    def on_resize(self) -> None:
        # Breakpoint classes are set on resize; the strip may have just appeared.
        if self.has_class("-narrow"):
            self._show_current_only()
            self._draw_tabs()

    # Deciding ---------------------------------------------------------------

    @on(ActionsPanel.Decide)
    def _decide(self, message: ActionsPanel.Decide) -> None:
        if self.current is None:
            return
        if self.advisor is None:
            problem = self.query_one("#status", StatusBar).identity_error or "still signing in"
            self.notify(
                clean(f"Not signed in ({problem}): a decision needs your identity.", 300),
                severity="error",
                markup=False,
            )
            return
        if self.session.store is None:
            self.notify("No local decision store: decisions cannot be kept.", severity="error")
            return
        actions = self.query_one(ActionsPanel)
        already = actions.decided_line(message.action.id)
        if already is not None:
            # A second decision on the same action counts twice in the
            # supervisor's figures: only on purpose.
            question = (
                f"'{message.action.label}' was already {already}. "
                f"Record another {message.kind.value} for it?"
            )
            self.app.push_screen(
                ConfirmScreen(question),
                partial(self._decide_again, self.current.id, message.action, message.kind),
            )
            return
        self.open_decision_form(self.current.id, message.action, message.kind)

    def _decide_again(
        self, customer_id: str, action: NextAction, kind: DecisionKind, again: bool | None
    ) -> None:
        if again:
            self.open_decision_form(customer_id, action, kind)

    @work(group="decide", exit_on_error=False, description="opening the decision form")
    async def open_decision_form(
        self, customer_id: str, action: NextAction, kind: DecisionKind
    ) -> None:
        reason_error = None
        codes: list[ReasonCode] = []
        if kind is not DecisionKind.ACCEPT:
            try:
                codes = await self.session.reason_codes()
            except BackendError as error:
                reason_error = describe_failure("loading reason codes", error) + "; Esc, then retry"
        assert self.advisor is not None
        key = (customer_id, action.id, kind)
        draft = self.drafts.setdefault(key, Draft())
        form = DecisionForm(
            action=action,
            kind=kind,
            advisor=self.advisor,
            customer_id=customer_id,
            reason_codes=codes,
            draft=draft,
            reason_error=reason_error,
        )
        decision = await self.app.push_screen_wait(form)
        if decision is None:
            return  # cancelled: the draft stays for next time
        try:
            await self.session.record(decision)
        except Exception as error:  # noqa: BLE001 - the advisor must hear, and keep the draft
            self.notify(
                clean(f"NOT recorded: {type(error).__name__}: {error}", 300),
                severity="error",
                timeout=15,
                markup=False,
            )
            return
        del self.drafts[key]
        self.query_one(ActionsPanel).mark_decided(
            action.id, Decided(kind, decision.advisor_id, decision.decided_at)
        )
        follow_up = follow_up_for(decision, self.advisor)
        if follow_up is not None:
            self.create_follow_up(customer_id, follow_up)
        message = f"Recorded: {kind.value} '{action.label}'. Kept on this machine; delivering."
        if decision.needs_approval and decision.approver_role is not None:
            approver = decision.approver_role.value.replace("_", " ")
            message += f" Needs approval by a {approver}."
        # The label comes from the backend: no markup, no control characters.
        self.notify(clean(message, 300), timeout=8, markup=False)

    def create_follow_up(self, customer_id: str, follow_up: FollowUpCreate) -> None:
        """The decision is already kept; the follow-up itself lives with the customer."""
        self.call_backend(
            "creating the follow-up",
            self.session.create_follow_up(customer_id, follow_up),
            on_result=partial(self._follow_up_created, customer_id),
            on_failure=self._follow_up_failed,
            group="follow-up",
            exclusive=False,
        )

    def _follow_up_failed(self, message: str, error: BaseException | None) -> None:
        self.notify(
            clean(
                f"Follow-up NOT created ({message}). The decision is recorded: create the "
                "follow-up by hand once the backend is back.",
                400,
            ),
            severity="error",
            timeout=15,
            markup=False,
        )

    def _follow_up_created(self, customer_id: str, follow_up: FollowUp) -> None:
        when = self.session.times.moment(follow_up.due_at)
        self.notify(
            clean(f"Follow-up for {follow_up.owner} due {when} created.", 200), markup=False
        )
        if self.current is not None and self.current.id == customer_id:
            self.query_one(CustomerPanel).action_retry()

    # Review (team leads and supervisors) ---------------------------------------

    def offered(self, action: str) -> bool | None:
        """Whether the footer, ? help and the palette offer ``action`` to this
        person: True, None (greyed out: the Review key until sign-in says who
        they are) or False (Review, to an advisor). Unlike ``check_action`` this
        does not disable the key: pressing it says why nothing opens
        (``action_review``); a key that did nothing at all looked broken."""
        if action != "review":
            return True
        if self.advisor is None:
            return None
        return self.advisor.role.may_review

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        shown: dict[str, ActiveBinding] = {}
        for key, active in super().active_bindings.items():
            offered = self.offered(active.binding.action)
            if offered is None:
                shown[key] = active._replace(enabled=False)
            elif offered:
                shown[key] = active
        return shown

    def action_review(self) -> None:
        # The backend refuses advisors anyway, but the screen must not open for
        # them however the action is reached, and the key must not be silent.
        if self.advisor is None:
            self.notify(
                "Not signed in yet: reviewing needs your role from the identity backend.",
                severity="warning",
            )
            return
        if not self.advisor.role.may_review:
            self.notify(
                "Reviewing decisions is for team leads and supervisors.", severity="warning"
            )
            return
        self.app.push_screen(ReviewScreen(self.session, self.advisor))

    @on(HistoryPanel.EventChosen)
    def _event_chosen(self, message: HistoryPanel.EventChosen) -> None:
        self.app.push_screen(EventDetailScreen(message.event))
