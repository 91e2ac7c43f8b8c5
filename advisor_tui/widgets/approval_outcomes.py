"""The advisor's own needs-approval decisions and how they ended, in one line.

An override above the advisor's limit is recorded as needing approval; the
advisor needs to hear when a team lead or supervisor approves or rejects it,
without going to look. The line polls the decisions backend every few
seconds (and on demand), notifies on a change, and stays hidden while there
is nothing to say. A failed poll is silent: the header's health light
already shows the decisions backend's state, and the next poll tries again.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets import Static

from advisor_tui.contract import ApprovalState, DecisionView, Review, Verdict
from advisor_tui.session import Session
from advisor_tui.supervision import reviewer_name
from advisor_tui.text import clean, safe_text
from advisor_tui.widgets._times import display_time
from advisor_tui.widgets._workers import BackendCalls

POLL_SECONDS = 10.0
# The newest this many are enough: an outcome older than fifty of one's own
# needs-approval overrides is no longer news.
WATCH_LIMIT = 50

DECIDED = (ApprovalState.APPROVED, ApprovalState.REJECTED)
MARKS = {
    ApprovalState.APPROVED: ("✓ approved", "bold green"),
    ApprovalState.REJECTED: ("✗ rejected", "bold red"),
}


def outcome_review(view: DecisionView) -> Review | None:
    """The approve or reject verdict that decided ``view``, if it is decided."""
    verdict = {ApprovalState.APPROVED: Verdict.APPROVE, ApprovalState.REJECTED: Verdict.REJECT}
    wanted = verdict.get(view.approval)
    return next((r for r in reversed(view.reviews) if r.verdict is wanted), None)


def outcome_sentence(view: DecisionView, names: Mapping[str, str] | None = None) -> str:
    """'Approved by Priya Natarajan: Goodwill credit for Iain Ballantyne — note' as
    plain, cleaned text; the approver's id when the decisions backend kept no name,
    and 'customer C1' when the customer's name is not known."""
    review = outcome_review(view)
    by = f" by {reviewer_name(review)}" if review else ""
    note = f" — {review.note}" if review and review.note else ""
    decision = view.decision
    sentence = (
        f"{view.approval.value.capitalize()}{by}: {decision.action_label} "
        f"for {customer_named(decision.customer_id, names or {})}{note}"
    )
    return clean(sentence, 300)


def customer_named(customer_id: str, names: Mapping[str, str]) -> str:
    name = names.get(customer_id)
    return name if name else f"customer {customer_id}"


class ApprovalOutcomes(BackendCalls, Static):
    DEFAULT_CSS = """
    ApprovalOutcomes { height: 1; padding: 0 1; display: none; background: $boost; }
    ApprovalOutcomes.-some { display: block; }
    """

    def __init__(self, session: Session, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        self.advisor_id: str | None = None
        # Decision id -> last approval state seen; None until the first poll
        # answers, so outcomes already known at start are marked, not announced.
        self.known: dict[str, ApprovalState] | None = None
        self.views: list[DecisionView] = []
        self.names: dict[str, str] = {}
        self._shown: Text | None = None

    def watch_for(self, advisor_id: str) -> None:
        """Start watching ``advisor_id``'s needs-approval decisions."""
        first = self.advisor_id is None
        self.advisor_id = advisor_id
        self.known = None
        self.check_now()
        if first:
            self.set_interval(POLL_SECONDS, self.check_now)

    def check_now(self) -> None:
        if self.advisor_id is None:
            return
        self.call_backend(
            "checking your approvals",
            self.session.my_approvals(self.advisor_id, limit=WATCH_LIMIT),
            on_result=self.apply,
            # The decisions light already shows a failing backend; the next poll retries.
            on_failure=lambda message, error: None,
            group="approvals",
        )

    def apply(self, answer: tuple[list[DecisionView], dict[str, str]]) -> None:
        views, names = answer
        self.names = {**self.names, **names}
        if self.known is not None:
            for view in views:
                before = self.known.get(view.decision.id)
                if before is ApprovalState.PENDING and view.approval in DECIDED:
                    self.app.notify(
                        outcome_sentence(view, self.names),
                        title="Approval decided",
                        severity="information"
                        if view.approval is ApprovalState.APPROVED
                        else "warning",
                        timeout=15,
                        markup=False,
                    )
        self.known = {v.decision.id: v.approval for v in views}
        self.views = views
        self.set_class(bool(views), "-some")
        line = self.summary_line()
        if line != self._shown:
            # Every 10 s, and usually unchanged: then no repaint at all. One
            # line high whatever it says, so no layout of the screen either
            # (a key pressed as the poll answered waited for both).
            self._shown = line
            self.update(line, layout=False)

    def summary_line(self) -> Text:
        pending = sum(v.approval is ApprovalState.PENDING for v in self.views)
        text = Text("Your approvals: ", style="bold")
        text.append(f"{pending} pending", style="yellow" if pending else "dim")
        decided = [(r.at, v) for v in self.views if (r := outcome_review(v)) is not None]
        if decided:
            # The most recent outcome, not the most recent decision: that is the news.
            _, latest = max(decided, key=lambda pair: pair[0])
            label, style = MARKS[latest.approval]
            text.append(" · latest ")
            text.append(label, style=style)
            text.append(" ")
            text.append(safe_text(latest.decision.action_label, max_len=40))
            text.append(" for ")
            customer = latest.decision.customer_id
            text.append(safe_text(self.names.get(customer) or customer, max_len=40))
            text.append(f" ({display_time(self).moment(latest.decision.decided_at)})", style="dim")
        return text
