"""Accept, decline or override one next action: a modal form that validates inline.

Nothing typed is lost: a validation error keeps the form open with every
value as typed, and a cancelled form leaves its draft with the screen that
opened it, so reopening the same action and kind restores it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from advisor_tui.contract import (
    Advisor,
    Decision,
    DecisionKind,
    NextAction,
    ParameterSpec,
    ParamType,
    ParamValue,
    ReasonCode,
    ReasonUse,
)
from advisor_tui.deciding import (
    InputError,
    allowed_without_approval,
    approval_needed,
    build_decision,
    format_parameter,
    parse_parameter,
)
from advisor_tui.formatting import pounds
from advisor_tui.text import safe_text
from advisor_tui.widgets._quick_screen import QuickScreen
from advisor_tui.widgets._times import display_time
from advisor_tui.widgets.actions_panel import format_value


@dataclass
class Draft:
    """What the advisor has typed so far for one action and kind."""

    reason_code: str | None = None
    free_text: str = ""
    alternative: str = ""
    parameters: dict[str, str] = field(default_factory=dict)


TITLES = {
    DecisionKind.ACCEPT: "Accept",
    DecisionKind.DECLINE: "Decline",
    DecisionKind.OVERRIDE: "Override",
}


_WIDGET_ID = re.compile(r"[A-Za-z_][\w-]*")


class DecisionForm(QuickScreen, ModalScreen[Decision | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Confirm", id="decision.confirm", priority=True),
        Binding("escape", "cancel", "Cancel (keeps draft)", id="decision.cancel"),
    ]
    DEFAULT_CSS = """
    DecisionForm { align: center middle; }
    DecisionForm > VerticalScroll {
        width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    DecisionForm .row { height: 3; }
    DecisionForm .row Label { width: 28; padding: 1 1 0 0; }
    DecisionForm .row Input, DecisionForm .row Select { width: 1fr; }
    DecisionForm .range { color: $text-muted; padding: 0 0 0 28; }
    /* Docked, so the error and how to confirm stay in sight however far the
       fields scroll on an 80x24 terminal. */
    DecisionForm #decision-foot {
        dock: bottom; height: auto; background: $surface; border-top: solid $accent;
    }
    DecisionForm #decision-error, DecisionForm #decision-reason-error {
        color: $error; height: auto;
    }
    DecisionForm #decision-approval { color: $warning; height: auto; }
    DecisionForm .hint { color: $text-muted; }
    """

    def __init__(
        self,
        *,
        action: NextAction,
        kind: DecisionKind,
        advisor: Advisor,
        customer_id: str,
        reason_codes: list[ReasonCode],
        draft: Draft,
        reason_error: str | None = None,
    ) -> None:
        super().__init__()
        self.action = action
        self.kind = kind
        self.advisor = advisor
        self.customer_id = customer_id
        self.draft = draft
        use = ReasonUse.DECLINE if kind is DecisionKind.DECLINE else ReasonUse.OVERRIDE
        self.codes = [c for c in reason_codes if use in c.applies_to]
        self.reason_error = reason_error
        # Each text box's value when confirm was last pressed.
        self._confirmed: dict[str, str] = {}
        self._approval_shown: Text | None = None

    def compose(self) -> ComposeResult:
        action, step = self.action, self.action.process_step
        with VerticalScroll():
            head = Text(f"{TITLES[self.kind]}: ", style="bold")
            head.append(safe_text(action.label, "bold", 120))
            yield Static(head)
            process = Text("Process says: ", style="dim")
            process.append(safe_text(f"{step.id} v{step.version} {step.title}", max_len=120))
            if step.outcome:
                process.append(" — ")
                process.append(safe_text(step.outcome, "bold red", 40))
            yield Static(process)
            for spec in action.parameters:
                if self.kind is DecisionKind.OVERRIDE and spec.editable:
                    with Horizontal(classes="row"):
                        yield Label(safe_text(spec.label, max_len=26))
                        yield Input(
                            self.draft.parameters.get(spec.name, format_parameter(spec)),
                            id=self._param_id(spec.name),
                            classes="param",
                        )
                    allowed = self._allowed(spec)
                    if allowed:
                        yield Static(allowed, classes="range")
                else:
                    line = Text("  ")
                    line.append(safe_text(spec.label, "bold", 40))
                    line.append(" = ")
                    line.append(safe_text(format_value(spec, display_time(self)), max_len=100))
                    yield Static(line)
            if self.kind is not DecisionKind.ACCEPT:
                with Horizontal(classes="row"):
                    yield Label("Reason")
                    yield Select(
                        [(safe_text(c.label, max_len=60), c.code) for c in self.codes],
                        prompt="Choose a reason",
                        value=self.draft.reason_code
                        if self.draft.reason_code in {c.code for c in self.codes}
                        else Select.NULL,
                        id="reason",
                    )
                with Horizontal(classes="row"):
                    yield Label("Note")
                    yield Input(
                        self.draft.free_text,
                        placeholder="What happened, in your words",
                        id="free_text",
                    )
            if self.kind is DecisionKind.OVERRIDE:
                with Horizontal(classes="row"):
                    yield Label("Did instead")
                    yield Input(
                        self.draft.alternative,
                        placeholder="Optional: something else entirely",
                        id="alternative",
                    )
            with Vertical(id="decision-foot"):
                yield Static(id="decision-approval")
                yield Static(
                    safe_text(self.reason_error or "", max_len=300), id="decision-reason-error"
                )
                yield Static(id="decision-error")
                yield Static(
                    "ctrl+s confirms · Esc cancels and keeps what you typed", classes="hint"
                )

    def _allowed(self, spec: ParameterSpec) -> str:
        """The range a value may take, and how far without approval, in its unit."""
        show = pounds if spec.type is ParamType.PENCE else str
        parts: list[str] = []
        allowed = allowed_without_approval(spec, self.advisor)
        if allowed is not None:
            low, high = allowed
            parts.append(f"{show(low)}–{show(high)} without approval")
        if spec.minimum is not None and allowed is None:
            parts.append(f"at least {show(spec.minimum)}")
        if spec.maximum is not None:
            parts.append(f"at most {show(spec.maximum)}")
        return " · ".join(parts)

    def on_mount(self) -> None:
        first = self.query("Input, Select").first() if self.query("Input, Select") else None
        if first is not None:
            first.focus()
        self._update_approval()

    # Keeping the draft current ------------------------------------------------

    # A parameter's name comes from the backend and may hold anything a widget
    # id may not: such a name gets its position instead (a digit never starts
    # a valid name, so the two cannot collide).
    def _param_id(self, name: str) -> str:
        if _WIDGET_ID.fullmatch(name):
            return f"param-{name}"
        names = [spec.name for spec in self.action.parameters]
        return f"param-{names.index(name) if name in names else 'unknown'}"

    def _param_name(self, widget_id: str) -> str:
        return next(
            spec.name for spec in self.action.parameters if self._param_id(spec.name) == widget_id
        )

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        widget_id = event.input.id or ""
        # What was wrong is about the value as confirmed: once it is edited,
        # never leave the old error beside the new state.
        if self._confirmed.get(widget_id, event.value) != event.value:
            self._confirmed = {}
            self.query_one("#decision-error", Static).update("")
        if widget_id.startswith("param-"):
            self.draft.parameters[self._param_name(widget_id)] = event.value
        elif widget_id == "free_text":
            self.draft.free_text = event.value
        elif widget_id == "alternative":
            self.draft.alternative = event.value
        self._update_approval()

    @on(Select.Changed, "#reason")
    def _reason_changed(self, event: Select.Changed) -> None:
        self.draft.reason_code = event.value if isinstance(event.value, str) else None

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_confirm()

    def _changed_parameters(self, *, strict: bool) -> dict[str, ParamValue]:
        changed: dict[str, ParamValue] = {}
        for spec in self.action.parameters:
            raw = self.draft.parameters.get(spec.name)
            if raw is None or not spec.editable:
                continue
            try:
                changed[spec.name] = parse_parameter(spec, raw)
            except InputError:
                if strict:
                    raise
        return changed

    def _update_approval(self) -> None:
        approval = approval_needed(
            self.advisor, self.action, self.kind, self._changed_parameters(strict=False)
        )
        text = Text()
        if approval.needed and approval.approver is not None:
            text.append("Needs approval by a ", style="bold")
            text.append(approval.approver.value.replace("_", " "), style="bold")
            text.append(": " + "; ".join(approval.reasons))
            text.append(". It is still recorded now.")
        if text != self._approval_shown:
            # Called on every key typed: unchanged, it costs no layout of the form.
            self._approval_shown = text
            self.query_one("#decision-approval", Static).update(text)

    # Confirm / cancel ----------------------------------------------------------

    def _sync_draft(self) -> None:
        """Read every field as it stands now: a key can arrive before a Changed event."""
        for box in self.query(Input):
            widget_id = box.id or ""
            if widget_id.startswith("param-"):
                self.draft.parameters[self._param_name(widget_id)] = box.value
            elif widget_id in {"free_text", "alternative"}:
                setattr(self.draft, widget_id, box.value)
        for select in self.query("#reason").results(Select):
            self.draft.reason_code = select.value if isinstance(select.value, str) else None

    def action_confirm(self) -> None:
        self._sync_draft()
        self._confirmed = {box.id or "": box.value for box in self.query(Input)}
        error = self.query_one("#decision-error", Static)
        try:
            decision = build_decision(
                advisor=self.advisor,
                customer_id=self.customer_id,
                action=self.action,
                kind=self.kind,
                reason_code=self.draft.reason_code,
                free_text=self.draft.free_text,
                changed=self._changed_parameters(strict=True)
                if self.kind is DecisionKind.OVERRIDE
                else {},
                alternative=self.draft.alternative,
                codes=self.codes,
            )
        except InputError as problem:
            error.update(safe_text(str(problem), "bold", 200))
            target = {
                "reason": "#reason",
                "free_text": "#free_text",
                "parameters": "Input.param",
            }.get(problem.field, f"#{self._param_id(problem.field)}")
            matches = self.query(target)
            if matches:
                matches.first().focus()
            return
        self.dismiss(decision)

    def action_cancel(self) -> None:
        self.dismiss(None)
