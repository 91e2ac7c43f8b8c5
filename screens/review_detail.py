"""One decision in full for a reviewer, and the verdicts they can give it.

What the process said stands beside what was done, with the reason, the
customer's situation at the time, the approval and the reviews so far, and
whether the record still hashes to what the server chained. Each verdict is
a new, attributed review event sent with its own ULID; nothing is edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static
from ulid import ULID

from advisor_tui.clients.errors import BackendError, Conflict
from advisor_tui.contract import (
    Advisor,
    ApprovalState,
    DecisionView,
    ProcessStepRef,
    Review,
    ReviewCreate,
    Verdict,
)
from advisor_tui.session import Session
from advisor_tui.supervision import AdvisorNames
from advisor_tui.text import safe_text, typed_text
from advisor_tui.widgets import DecisionRecord
from advisor_tui.widgets._times import display_time
from advisor_tui.widgets._workers import BackendCalls
from advisor_tui.widgets.footer import KeyFooter

VIEW_GROUP = "detail-view"
HEAD_GROUP = "detail-head"
SEND_GROUP = "detail-send"
CUSTOMER_GROUP = "detail-customer"

VERDICT_NAMES = {
    Verdict.ENDORSE: "Endorse",
    Verdict.COACH: "Coach",
    Verdict.PROPOSE_PROCESS_CHANGE: "Propose as process change",
    Verdict.APPROVE: "Approve",
    Verdict.REJECT: "Reject",
}
VERDICT_HINTS = {
    Verdict.ENDORSE: "The advisor did the right thing. A note is optional.",
    Verdict.COACH: "A note to the advisor is required: what to do differently next time.",
    Verdict.PROPOSE_PROCESS_CHANGE: "This override should become process: name the step it "
    "would change (the next version of this one by default) and say what it should say.",
    Verdict.APPROVE: "Approve this override above the advisor's limit. A note is optional.",
    Verdict.REJECT: "Reject this override; a note telling the advisor why is kindest.",
}
APPROVALS = (Verdict.APPROVE, Verdict.REJECT)


@dataclass
class VerdictDraft:
    """What the reviewer is composing; kept while the modal is open so an error
    never loses what was typed."""

    verdict: Verdict
    note: str = ""
    step_id: str = ""
    step_version: str = ""
    step_title: str = ""


class ReviewDetailScreen(BackendCalls, ModalScreen[None]):
    """``on_change`` is called with the fresh view after each recorded verdict, so
    the list beneath can refresh its row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "compose('endorse')", "Endorse", id="review_detail.endorse"),
        Binding("c", "compose('coach')", "Coach", id="review_detail.coach"),
        Binding(
            "p",
            "compose('propose_process_change')",
            "Propose process",
            id="review_detail.propose",
            tooltip="Propose this override as a change to the process step",
        ),
        Binding("a", "compose('approve')", "Approve", id="review_detail.approve"),
        Binding("x", "compose('reject')", "Reject", id="review_detail.reject"),
        Binding("ctrl+s", "send", "Send verdict", id="review_detail.send", priority=True),
        Binding("r", "reload", "Reload", id="review_detail.reload"),
        Binding("escape", "back", "Close", id="review_detail.close"),
    ]
    DEFAULT_CSS = """
    ReviewDetailScreen { align: center middle; }
    ReviewDetailScreen > Vertical {
        width: 95%; max-width: 140; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ReviewDetailScreen #detail-composer {
        height: auto; display: none; border: round $warning; padding: 0 1;
    }
    ReviewDetailScreen.-composing #detail-composer { display: block; }
    ReviewDetailScreen #detail-composer .row { height: 3; }
    ReviewDetailScreen #detail-composer Label { width: 14; padding: 1 1 0 0; }
    ReviewDetailScreen #detail-composer Input { width: 1fr; }
    ReviewDetailScreen #detail-composer #detail-step-version { width: 12; }
    ReviewDetailScreen #detail-step-row { display: none; }
    ReviewDetailScreen.-proposing #detail-step-row { display: block; }
    ReviewDetailScreen #detail-message { height: auto; }
    ReviewDetailScreen #detail-message.-error { color: $error; }
    ReviewDetailScreen #detail-message.-ok { color: $success; }
    """

    def __init__(
        self,
        session: Session,
        view: DecisionView,
        reviewer: Advisor,
        *,
        on_change: Callable[[DecisionView], None] | None = None,
        names: AdvisorNames | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.view = view
        self.reviewer = reviewer
        self.on_change = on_change
        self.names = names or AdvisorNames()
        # The verdict being composed, and every one started: switching verdicts
        # or pressing Esc never loses what was typed.
        self.draft: VerdictDraft | None = None
        self.drafts: dict[Verdict, VerdictDraft] = {}
        # One review id per distinct verdict body: resending the same verdict
        # after a timeout reuses it, so the server records it once; a changed
        # body is a new verdict and gets a new id.
        self._review_ids: dict[tuple[object, ...], str] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield DecisionRecord(self.view, names=self.names, id="detail-body")
            with Vertical(id="detail-composer"):
                yield Static(id="detail-verdict")
                with Horizontal(classes="row", id="detail-step-row"):
                    yield Label("Step id / ver")
                    yield Input(id="detail-step-id", placeholder="process step id")
                    yield Input(id="detail-step-version", placeholder="version", type="integer")
                    yield Input(id="detail-step-title", placeholder="title of the new step")
                with Horizontal(classes="row"):
                    yield Label("Note")
                    yield Input(id="detail-note", placeholder="note to the advisor")
                yield Static("Ctrl+S sends · Esc cancels (keeps what you typed)", classes="hint")
            yield Static(id="detail-message")
            yield KeyFooter()

    def on_mount(self) -> None:
        self.action_reload()
        # The customer's name: one profile call (remembered by the session). If
        # it fails the id stays, which is all the record itself holds.
        self.call_backend(
            "looking up the customer's name",
            self.session.customer_name(self.view.decision.customer_id),
            on_result=self.query_one(DecisionRecord).show_customer_name,
            on_failure=lambda message, _: self.query_one(DecisionRecord).show_customer_name(
                None, message
            ),
            group=CUSTOMER_GROUP,
        )

    # Loading -------------------------------------------------------------

    def action_reload(self) -> None:
        decision_id = self.view.decision.id
        advisor_id = self.view.receipt.advisor_id
        self.call_backend(
            "reloading this decision",
            self.session.decision(decision_id),
            on_result=self.update_view,
            on_failure=lambda message, _: self.say(message + " · r retries"),
            group=VIEW_GROUP,
        )
        self.call_backend(
            "checking the chain head",
            self.session.chain_head(advisor_id),
            on_result=self.query_one(DecisionRecord).show_head,
            on_failure=lambda message, _: self.query_one(DecisionRecord).show_head(None, message),
            group=HEAD_GROUP,
        )

    # Showing ---------------------------------------------------------------

    def update_view(self, view: DecisionView) -> None:
        self.view = view
        self.query_one(DecisionRecord).show(view)
        self.refresh_bindings()
        if self.on_change is not None:
            self.on_change(view)

    def say(self, message: str, kind: str = "error") -> None:
        line = self.query_one("#detail-message", Static)
        line.set_class(kind == "error", "-error")
        line.set_class(kind == "ok", "-ok")
        line.update(safe_text(message, max_len=600))

    # Verdicts ----------------------------------------------------------------

    def approval_open(self) -> bool:
        return self.view.decision.needs_approval and self.view.approval is ApprovalState.PENDING

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "compose" and parameters and parameters[0] in APPROVALS:
            # Approve and reject exist only while an approval is still open.
            return self.approval_open()
        if action == "send":
            return self.draft is not None
        return True

    def action_compose(self, verdict_name: str) -> None:
        verdict = Verdict(verdict_name)
        self.save_draft()
        if verdict not in self.drafts:
            draft = VerdictDraft(verdict=verdict)
            if verdict is Verdict.PROPOSE_PROCESS_CHANGE:
                # The step it would change: by default the next version of this
                # decision's step, under the same title, for the reviewer to edit.
                step = self.view.decision.process_step
                draft.step_id = step.id
                draft.step_version = str(step.version + 1)
                draft.step_title = step.title
            self.drafts[verdict] = draft
        self.draft = self.drafts[verdict]
        self.show_draft()

    def show_draft(self) -> None:
        draft = self.draft
        self.set_class(draft is not None, "-composing")
        self.set_class(
            draft is not None and draft.verdict is Verdict.PROPOSE_PROCESS_CHANGE, "-proposing"
        )
        self.refresh_bindings()
        if draft is None:
            self.query_one("#detail-body").focus()
            return
        heading = Text(VERDICT_NAMES[draft.verdict], style="bold")
        heading.append(" — " + VERDICT_HINTS[draft.verdict])
        self.query_one("#detail-verdict", Static).update(heading)
        self.query_one("#detail-note", Input).value = draft.note
        self.query_one("#detail-step-id", Input).value = draft.step_id
        self.query_one("#detail-step-version", Input).value = draft.step_version
        self.query_one("#detail-step-title", Input).value = draft.step_title
        self.say("", "info")
        self.query_one("#detail-note", Input).focus()

    def save_draft(self) -> None:
        if self.draft is None:
            return
        self.draft.note = self.query_one("#detail-note", Input).value
        self.draft.step_id = self.query_one("#detail-step-id", Input).value
        self.draft.step_version = self.query_one("#detail-step-version", Input).value
        self.draft.step_title = self.query_one("#detail-step-title", Input).value

    def build_review(self) -> ReviewCreate:
        """The verdict as typed, or ValueError saying what is missing."""
        assert self.draft is not None
        self.save_draft()
        draft = self.draft
        # Typed or pasted text, stored in the ledger: escapes dropped, as meant.
        note = typed_text(draft.note)
        step: ProcessStepRef | None = None
        if draft.verdict is Verdict.COACH and not note:
            raise ValueError("Coaching needs a note to the advisor.")
        if draft.verdict is Verdict.PROPOSE_PROCESS_CHANGE:
            step_id, step_title = typed_text(draft.step_id), typed_text(draft.step_title)
            if not step_id or not step_title:
                raise ValueError("A process change needs the step id and a title.")
            try:
                version = int(draft.step_version)
            except ValueError:
                raise ValueError("The step version must be a whole number.") from None
            if version < 1:
                raise ValueError("The step version must be 1 or more.")
            if not note:
                raise ValueError("Say what the new step should say in the note.")
            step = ProcessStepRef(id=step_id, version=version, title=step_title)
        key = (draft.verdict, note, step.model_dump_json() if step else None)
        review_id = self._review_ids.setdefault(key, str(ULID()))
        return ReviewCreate(id=review_id, verdict=draft.verdict, note=note, proposed_step=step)

    def action_send(self) -> None:
        if self.draft is None:
            return
        try:
            review = self.build_review()
        except ValueError as problem:
            self.say(str(problem))
            self.query_one("#detail-note", Input).focus()
            return
        self.say(f"Sending {VERDICT_NAMES[review.verdict].lower()}…", "info")
        self.call_backend(
            "verdict NOT recorded",
            self.send(review),
            on_result=lambda result: self.verdict_recorded(*result),
            on_failure=self.verdict_failed,
            group=SEND_GROUP,
        )

    async def send(self, review: ReviewCreate) -> tuple[Review, DecisionView | None]:
        stored = await self.session.review(self.view.decision.id, review)
        # The verdict is recorded; the fresh view carries the new approval and
        # review state for this modal and the list row beneath it. Failing to
        # fetch it must not read as the verdict failing.
        try:
            fresh = await self.session.decision(self.view.decision.id)
        except BackendError:
            fresh = None
        return stored, fresh

    def verdict_recorded(self, review: Review, fresh: DecisionView | None) -> None:
        self.drafts.pop(review.verdict, None)
        self.draft = None
        self.show_draft()
        message = (
            f"{VERDICT_NAMES[review.verdict]} recorded as {review.id} "
            f"by {self.names.reviewer(review)} at {display_time(self).moment(review.at)}."
        )
        if fresh is not None:
            self.update_view(fresh)
        else:
            message += " Could not reload the decision: r reloads."
        self.say(message, "ok")

    def verdict_failed(self, message: str, error: BaseException | None) -> None:
        if isinstance(error, Conflict):
            # Someone else decided first, or the record moved on: show what is
            # true now instead of the stale view the reviewer was looking at.
            message += " · reloaded to show the current state"
            self.action_reload()
        else:
            message += " · Ctrl+S tries again (same verdict, recorded once)"
        self.say(message)

    @on(Input.Submitted, "#detail-composer Input")
    def _composer_submitted(self) -> None:
        self.action_send()

    def action_back(self) -> None:
        """Esc leaves the verdict being composed first (kept), then closes."""
        if self.draft is not None:
            self.save_draft()
            self.draft = None
            self.show_draft()
            self.say("Verdict not sent. Press its key again to continue it.", "info")
            return
        self.dismiss(None)
