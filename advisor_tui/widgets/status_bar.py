"""The header line: who is signed in, demo or live, backend health lights, pending decisions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from advisor_tui.clients import CallHealth, HealthState
from advisor_tui.contract import Advisor, Backend
from advisor_tui.session import RunMode
from advisor_tui.store.outbox import OutboxStatus
from advisor_tui.text import safe_text

LIGHTS = {
    HealthState.UNKNOWN: ("○", "dim"),
    HealthState.OK: ("●", "bold green"),
    HealthState.SLOW: ("●", "bold yellow"),
    HealthState.DOWN: ("●", "bold red"),
}
# Below this width the header uses short forms, so every light and the
# undelivered count still fit on one line of an 80-column terminal.
WIDE = 120
SHORT_NAMES = {
    Backend.IDENTITY: "id",
    Backend.CUSTOMERS: "cust",
    Backend.FAULTS: "flt",
    Backend.ACTIONS: "act",
    Backend.DECISIONS: "dec",
}


def short_path(path: Path) -> str:
    """A path as a person reads it: the home directory as ~."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class StatusBar(Static):
    """Refreshes itself from the clients' latest-call records twice a second.

    Polling a few attributes is cheaper and simpler than routing a message
    from every HTTP call, and it can never flood the UI loop.
    """

    DEFAULT_CSS = """
    StatusBar { dock: top; height: 1; background: $primary-background; color: $text; padding: 0 1; }
    """

    advisor: reactive[Advisor | None] = reactive(None)
    identity_error: reactive[str | None] = reactive(None)

    def __init__(
        self,
        mode: RunMode,
        health: Callable[[], Mapping[Backend, CallHealth]],
        *,
        outbox: Callable[[], OutboxStatus | None] = lambda: None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.mode = mode
        self.health = health
        self.outbox = outbox

    def on_mount(self) -> None:
        self.set_interval(0.5, self.refresh_status)
        self.refresh_status()

    def watch_advisor(self) -> None:
        self.refresh_status()

    def refresh_status(self) -> None:
        self.update(self.render_status())

    def render_status(self) -> Text:
        wide = self.size.width == 0 or self.size.width >= WIDE
        text = Text()
        if self.advisor is not None:
            text.append(safe_text(self.advisor.display_name, "bold", 40 if wide else 18))
            if wide:
                text.append(f" ({self.advisor.role.value.replace('_', ' ')})")
        elif self.identity_error:
            problem = f"not signed in: {self.identity_error}"
            text.append(safe_text(problem, "bold red", 90 if wide else 30))
        else:
            text.append("signing in…", style="dim")
        text.append("  ")
        mode_style = "bold reverse yellow" if self.mode.is_demo else "bold"
        text.append(
            safe_text(self.mode.label if wide else self.mode.kind.value.upper(), mode_style)
        )
        if wide and self.mode.decision_log is not None:
            text.append(" log ", style="dim")
            text.append(safe_text(short_path(self.mode.decision_log), "dim", 60))
        text.append("  ")
        for backend, health in self.health().items():
            symbol, style = LIGHTS[health.state]
            text.append(symbol, style=style)
            text.append(f"{backend.value if wide else SHORT_NAMES[backend]} ")
        outbox = self.outbox()
        if outbox is not None:
            if outbox.failing:
                style, label = (
                    "bold red",
                    "undelivered, delivery failing" if wide else "undeliv. FAILING",
                )
            else:
                style, label = (
                    ("yellow" if outbox.pending else "green"),
                    "undelivered" if wide else "undeliv.",
                )
            text.append(f" {outbox.pending} {label}", style=style)
            if outbox.rejected:
                text.append(f" {outbox.rejected} rejected", style="bold red")
        return text
