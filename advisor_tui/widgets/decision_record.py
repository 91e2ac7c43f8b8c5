"""One decision record as a reviewer reads it: what the process said beside what was
done, why, the customer's situation, approval and reviews, and its place in the chain.

Display only: the detail screen fetches the decision and the chain head and
sets them here.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from advisor_tui.contract import (
    ApprovalState,
    ChainHead,
    DecisionKind,
    DecisionView,
    Review,
)
from advisor_tui.formatting import DisplayTime
from advisor_tui.supervision import (
    CHAIN_OK,
    AdvisorNames,
    chain_status,
    done_summary,
    format_param,
    head_status,
    param_label,
)
from advisor_tui.text import safe_text
from advisor_tui.widgets._times import display_time


def side_by_side(view: DecisionView) -> tuple[RenderableType, RenderableType]:
    """What the process said, and what was done instead."""
    d = view.decision
    step = d.process_step
    said = Text("What the process said\n", style="bold underline")
    said.append(safe_text(d.action_label, "bold", 120))
    said.append("\nstep ")
    said.append(safe_text(f"{step.title} ({step.id} v{step.version})", max_len=160))
    if step.outcome:
        said.append("\nprocess outcome: ")
        said.append(safe_text(step.outcome, "bold", 120))
    for name, value in d.proposed_parameters.items():
        said.append(f"\n  {clean_label(name)}: ")
        said.append(safe_text(format_param(name, value), max_len=120))
    if not d.proposed_parameters:
        said.append("\n  (no parameters)", style="dim")

    done = Text("What was done\n", style="bold underline")
    style = {DecisionKind.ACCEPT: "green", DecisionKind.DECLINE: "yellow"}.get(d.kind, "magenta")
    done.append(d.kind.value.upper(), style=f"bold {style}")
    if d.kind is not DecisionKind.OVERRIDE:
        done.append("  " + done_summary(d))
    if d.alternative:
        done.append("\n  instead: ")
        done.append(safe_text(d.alternative, "bold", 300))
    for name, value in d.changed_parameters.items():
        done.append(f"\n  {clean_label(name)}: ")
        done.append(safe_text(format_param(name, d.proposed_parameters.get(name)), max_len=60))
        done.append(" → ")
        done.append(safe_text(format_param(name, value), "bold", 60))
    if d.kind is DecisionKind.OVERRIDE and not (d.alternative or d.changed_parameters):
        done.append("\n  (override without changes)", style="dim")
    return said, done


def clean_label(name: str) -> str:
    return safe_text(param_label(name), max_len=60).plain


def why_and_situation(view: DecisionView) -> Text:
    d = view.decision
    text = Text("Why: ", style="bold")
    text.append(safe_text(d.reason_code or "(no reason code: accepted)", max_len=80))
    if d.free_text:
        text.append("\n")
        text.append(safe_text(d.free_text, "italic", 2000, multiline=True))
    text.append("\nCustomer's situation at the time: ", style="bold")
    if d.situation:
        for fact in d.situation:
            text.append("\n  • ")
            text.append(safe_text(fact, max_len=200))
    else:
        text.append("nothing recorded", style="dim")
    return text


def approval_and_reviews(
    view: DecisionView, times: DisplayTime, names: AdvisorNames | None = None
) -> RenderableType:
    names = names or AdvisorNames()
    d = view.decision
    head = Text("Approval: ", style="bold")
    approval_style = {
        ApprovalState.PENDING: "bold yellow",
        ApprovalState.APPROVED: "bold green",
        ApprovalState.REJECTED: "bold red",
    }.get(view.approval, "dim")
    head.append(view.approval.value.replace("_", " "), style=approval_style)
    if d.needs_approval and d.approver_role is not None:
        head.append(f" (needs a {d.approver_role.value.replace('_', ' ')})")
    head.append("   Review: ", style="bold")
    head.append(view.review_state.value)
    if not view.reviews:
        return Group(head, Text("No reviews yet.", style="dim"))
    table = Table(box=None, pad_edge=False, expand=True, show_header=True)
    table.add_column("when", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("by", no_wrap=True)
    table.add_column("note / proposed step", ratio=1)
    for review in view.reviews:
        table.add_row(
            times.moment(review.at),
            review.verdict.value.replace("_", " "),
            safe_text(names.reviewer(review), max_len=40),
            review_note(review),
        )
    return Group(head, table)


def review_note(review: Review) -> Text:
    note = safe_text(review.note, max_len=500)
    if review.proposed_step is not None:
        step = review.proposed_step
        if note.plain:
            note.append(" · ")
        note.append(safe_text(f"step {step.id} v{step.version}: {step.title}", "bold", 200))
    return note


class DecisionRecord(VerticalScroll):
    DEFAULT_CSS = """
    DecisionRecord { height: 1fr; }
    DecisionRecord #record-title { height: auto; }
    DecisionRecord #record-sides { height: auto; margin: 1 0; }
    DecisionRecord #record-sides > Static {
        width: 1fr; height: auto; border: round $primary-background-lighten-2; padding: 0 1;
    }
    DecisionRecord #record-why, DecisionRecord #record-reviews { height: auto; }
    DecisionRecord #record-chain { height: auto; margin-top: 1; }
    """

    def __init__(
        self, view: DecisionView, *, names: AdvisorNames | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.view = view
        # Who the ids are: advisors from the directory, the customer from their
        # profile once the detail screen has it. Until then (or if never) the ids.
        self.names = names or AdvisorNames()
        self.customer_name: str | None = None
        self.customer_problem: str | None = None
        self.head: ChainHead | None = None
        self.head_error: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="record-title")
        with Horizontal(id="record-sides"):
            yield Static(id="record-said")
            yield Static(id="record-done")
        yield Static(id="record-why")
        yield Static(id="record-reviews")
        yield Static(id="record-chain")

    def on_mount(self) -> None:
        self.show(self.view)

    def show(self, view: DecisionView) -> None:
        self.view = view
        d = view.decision
        title = Text(f"{d.kind.value.capitalize()} ", style="bold")
        title.append(safe_text(d.action_label, "bold", 120))
        title.append(f"   {display_time(self).moment(d.decided_at)}\n", style="bold")
        title.append("by ")
        title.append(safe_text(self.names.label(d.advisor_id), "bold", 120))
        title.append(", ")
        title.append(safe_text(view.team, max_len=60))
        title.append("  customer ")
        if self.customer_name:
            title.append(safe_text(self.customer_name, "bold", 80))
            title.append(" (")
            title.append(safe_text(d.customer_id, max_len=40))
            title.append(")")
        else:
            title.append(safe_text(d.customer_id, "bold", 40))
            if self.customer_problem:
                title.append(safe_text(f" (no name: {self.customer_problem})", "dim", 200))
        title.append(f"  decision {d.id}", style="dim")
        self.query_one("#record-title", Static).update(title)
        said, done = side_by_side(view)
        self.query_one("#record-said", Static).update(said)
        self.query_one("#record-done", Static).update(done)
        self.query_one("#record-why", Static).update(why_and_situation(view))
        self.query_one("#record-reviews", Static).update(
            approval_and_reviews(view, display_time(self), self.names)
        )
        self.show_chain()

    def show_customer_name(self, name: str | None, problem: str | None = None) -> None:
        """The customer's name, or why it could not be looked up (the id stays)."""
        self.customer_name, self.customer_problem = name, problem
        self.show(self.view)

    def show_head(self, head: ChainHead | None, error: str | None = None) -> None:
        self.head, self.head_error = head, error
        self.show_chain()

    def show_chain(self) -> None:
        view = self.view
        status = chain_status(view)
        text = Text("Integrity: ", style="bold")
        text.append(status, style="bold green" if status == CHAIN_OK else "bold reverse red")
        text.append(f"  (#{view.receipt.sequence} in ")
        text.append(safe_text(view.receipt.advisor_id, max_len=60))
        text.append("'s chain, hash ")
        text.append(view.receipt.hash[:16] + "…", style="dim")
        text.append(")\nServer chain head: ", style="bold")
        if self.head is not None:
            head = head_status(view, self.head)
            text.append(safe_text(head, "bold red" if "BROKEN" in head else "", 200))
        elif self.head_error is not None:
            text.append(safe_text(self.head_error + " · r retries", "red", 300))
        else:
            text.append("checking…", style="dim")
        self.query_one("#record-chain", Static).update(text)
