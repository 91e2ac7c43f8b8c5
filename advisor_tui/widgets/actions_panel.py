"""Next-actions panel: ranked actions, each with its why, process step and what may change."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from advisor_tui.contract import (
    Advisor,
    Backend,
    DecisionKind,
    NextAction,
    NextActions,
    ParameterSpec,
    ParamType,
)
from advisor_tui.formatting import LONDON, DisplayTime, pounds
from advisor_tui.session import Decided, Session
from advisor_tui.text import safe_text
from advisor_tui.widgets._looks import KeepsLooks
from advisor_tui.widgets._panel import BackendPanel
from advisor_tui.widgets._times import display_time

PAST = {
    DecisionKind.ACCEPT: "accepted",
    DecisionKind.DECLINE: "declined",
    DecisionKind.OVERRIDE: "overridden",
}


def format_value(spec: ParameterSpec, times: DisplayTime = LONDON) -> str:
    if isinstance(spec.value, bool):
        return "yes" if spec.value else "no"
    if spec.type is ParamType.PENCE and isinstance(spec.value, int):
        return pounds(spec.value)
    if spec.type is ParamType.DATETIME and isinstance(spec.value, str):
        # Read in the display zone; the exact value follows, as the form takes it.
        try:
            moment = datetime.fromisoformat(spec.value)
        except ValueError:
            return spec.value
        if moment.tzinfo is not None:
            return f"{times.moment(moment)} ({spec.value})"
    return str(spec.value)


def _bound(spec: ParameterSpec, value: int | None) -> str:
    if value is None:
        return "…"
    return pounds(value) if spec.type is ParamType.PENCE else str(value)


def _limit_text(spec: ParameterSpec, advisor: Advisor | None) -> str:
    limit = getattr(advisor.permissions, spec.permission_limit or "", None) if advisor else None
    if isinstance(limit, int) and not isinstance(limit, bool):
        base = f" above {_bound(spec, spec.minimum)}" if spec.minimum else ""
        return f"; you may add up to {_bound(spec, limit)}{base} without approval"
    return "; beyond your limit needs approval"


WORKING_SHOWN = 600
"""Characters shown of one working line or fact (the contract allows more)."""


def render_action(
    action: NextAction, advisor: Advisor | None = None, times: DisplayTime = LONDON
) -> RenderableType:
    parts: list[RenderableType] = []
    step = action.process_step
    head = Text("Process step ", style="bold")
    head.append(safe_text(f"{step.id} v{step.version}", "cyan", 40))
    head.append(": ")
    head.append(safe_text(step.title, max_len=100))
    if step.outcome:
        head.append(" — says ")
        head.append(safe_text(step.outcome.upper(), "bold red", 40))
    parts.append(head)
    if action.script:
        say = Text("Say: ", style="bold green")
        say.append(safe_text(action.script, "green", 400))
        parts.append(say)
    if action.why:
        parts.append(Text("Why:", style="bold"))
        for fact in action.why:
            line = Text("  • ")
            line.append(safe_text(fact.label, "bold", 60))
            line.append(": ")
            line.append(safe_text(fact.value, max_len=WORKING_SHOWN))
            line.append(safe_text(f"  [{fact.source}]", "dim", 40))
            parts.append(line)
    if action.working:
        heading = Text("Working:", style="bold")
        if times.name != LONDON.name:
            # The service writes its texts in UK time, as the compensation scheme
            # counts UK days; the parameters below are in the display zone.
            heading.append(" (times in UK time)", style="dim")
        parts.append(heading)
        for step_line in action.working:
            # Long enough for a whole working (a multi-day loss over a rate change
            # runs past 300 characters); bounded so hostile text cannot flood it.
            parts.append(safe_text(f"  {step_line}", "italic", WORKING_SHOWN))
    if action.parameters:
        parts.append(Text("Parameters:", style="bold"))
        for spec in action.parameters:
            line = Text("  ")
            line.append(safe_text(spec.label, "bold", 60))
            line.append(" = ")
            line.append(safe_text(format_value(spec, times), max_len=120))
            if spec.editable:
                line.append("  editable", style="green")
                if spec.minimum is not None or spec.maximum is not None:
                    line.append(f" {_bound(spec, spec.minimum)}–{_bound(spec, spec.maximum)}")
                if spec.choices:
                    line.append(safe_text(f" ({', '.join(spec.choices)})", max_len=100))
                if spec.permission_limit:
                    line.append(safe_text(_limit_text(spec, advisor), "dim", 120))
            else:
                line.append("  fixed", style="dim")
            parts.append(line)
    return Group(*parts)


class ActionList(KeepsLooks, OptionList):
    """The ranked actions, keeping their lines and styles per focus look (4 and
    1 focus it and leave it)."""


class ActionsPanel(BackendPanel[NextActions]):
    BACKEND = Backend.ACTIONS
    TITLE = "4 Next actions"
    NOUN = "next actions"
    DEFAULT_CSS = """
    ActionsPanel #actions-list { height: auto; max-height: 50%; border: none; }
    ActionsPanel #actions-detail { height: 1fr; }
    ActionsPanel #actions-coaching { height: auto; color: $warning; }
    """

    class Decide(Message):
        """The advisor asked to accept, decline or override the selected action."""

        def __init__(self, action: NextAction, kind: DecisionKind) -> None:
            super().__init__()
            self.action = action
            self.kind = kind

    def __init__(self, session: Session, *, id: str | None = None) -> None:
        super().__init__(session, id=id)
        self.actions: list[NextAction] = []
        # Set by the screen once signed in, to show limits in money, not names.
        self.advisor: Advisor | None = None
        # action id -> what was decided in this session or found in the local log
        self.decided: dict[str, Decided] = {}

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="panel-body"):
            yield Static(id="actions-coaching")
            yield ActionList(id="actions-list")
            with VerticalScroll(id="actions-detail"):
                yield Static(id="actions-detail-body")

    async def fetch(self, customer_id: str) -> NextActions:
        return await self.session.next_actions(customer_id)

    def show(self, data: NextActions) -> None:
        self.actions = sorted(data.actions, key=lambda a: a.rank)
        coaching = Text()
        if data.facts_missing:
            # A partial answer: say so first, so no absent action reads as "not owed".
            coaching.append("⚠ facts missing: ", style="bold red")
            coaching.append(safe_text(", ".join(data.facts_missing), "bold red", max_len=80))
            coaching.append(" (actions needing them are not shown)\n", style="red")
        for hint in data.coaching:
            coaching.append(f"{hint.value.value.capitalize()}: ", style="bold")
            coaching.append(safe_text(hint.text, max_len=200))
            coaching.append("\n")
        coaching.rstrip()
        self.query_one("#actions-coaching", Static).update(coaching)
        options = self.query_one("#actions-list", OptionList)
        options.clear_options()
        options.add_options(Option(self._prompt(a), id=a.id) for a in self.actions)
        if self.actions:
            options.highlighted = 0
            self._show_detail(self.actions[0])
        else:
            self.query_one("#actions-detail-body", Static).update("No actions suggested.")

    def _prompt(self, action: NextAction) -> Text:
        prompt = safe_text(f"{action.rank}. {action.label}", max_len=120)
        decided = self.decided.get(action.id)
        if decided is not None:
            prompt.append(f"  ✓ {PAST[decided.kind]}", style="bold green")
        return prompt

    def decided_line(self, action_id: str) -> str | None:
        """'accepted by Sam Carter (you) at Thu 26 Nov 15:02', or None if undecided."""
        decided = self.decided.get(action_id)
        if decided is None:
            return None
        who = decided.advisor_id
        if self.advisor is not None and decided.advisor_id == self.advisor.id:
            who = f"{self.advisor.display_name} (you)"
        return f"{PAST[decided.kind]} by {who} at {display_time(self).moment(decided.at)}"

    def mark_decided(self, action_id: str, decided: Decided) -> None:
        self.decided[action_id] = decided
        options = self.query_one("#actions-list", OptionList)
        for action in self.actions:
            if action.id == action_id:
                options.replace_option_prompt(action.id, self._prompt(action))

    def action_decide(self, kind: str) -> None:
        action = self.selected
        if action is None:
            self.notify("No action selected.", severity="warning")
            return
        self.post_message(self.Decide(action, DecisionKind(kind)))

    @property
    def selected(self) -> NextAction | None:
        index = self.query_one("#actions-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.actions):
            return None
        return self.actions[index]

    @on(OptionList.OptionHighlighted, "#actions-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        action = self.selected
        if action is not None:
            self._show_detail(action)

    def _show_detail(self, action: NextAction) -> None:
        self.query_one("#actions-detail-body", Static).update(
            render_action(action, self.advisor, display_time(self))
        )
        # Each action's detail starts at its process step and "Say:" line.
        self.query_one("#actions-detail", VerticalScroll).scroll_home(animate=False)
