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
        self._shown: Text | None = None

    def on_mount(self) -> None:
        self.set_interval(0.5, self.refresh_status)
        self.refresh_status()

    def watch_advisor(self) -> None:
        self.refresh_status()

    def refresh_status(self) -> None:
        text = self.render_status()
        if text == self._shown:
            return  # twice a second, usually unchanged: no repaint at all
        self._shown = text
        # One line docked at the top: its size never depends on the text, so
        # no layout of the whole screen (which a key-press would wait behind).
        self.update(text, layout=False)

    def render_status(self) -> Text:
        """Who, mode, lights and the undelivered count always; the demo's log and
        why a light is red only where the line has room for them."""
        width = self.size.width - 2 if self.size.width else 200
        wide = width >= WIDE - 2
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
        tail = Text("  ")
        problems: list[str] = []
        for backend, health in self.health().items():
            symbol, style = LIGHTS[health.state]
            tail.append(symbol, style=style)
            tail.append(f"{backend.value if wide else SHORT_NAMES[backend]} ")
            if health.state is HealthState.DOWN and health.reason:
                problems.append(health.reason)
        outbox = self.outbox()
        if outbox is not None:
            label = "undelivered" if wide else "undeliv."
            style = "yellow" if outbox.pending else "green"
            if outbox.failing:
                style, label = "bold red", label + (", delivery failing" if wide else " FAILING")
            tail.append(f" {outbox.pending} {label}", style=style)
            if outbox.rejected:
                tail.append(f" {outbox.rejected} rejected", style="bold red")
        room = width - text.cell_len - tail.cell_len
        story = self.mode.story_date
        if story is not None and not wide and room >= len(story) + 1:
            # The demo's figures count from its pinned day: say which, on 80
            # columns too, whenever it fits beside the lights.
            text.append(safe_text(f" {story}", mode_style))
            room -= len(story) + 1
        log = self.mode.decision_log
        if log is not None and wide:
            where = Text(" log ", style="dim")
            where.append(safe_text(short_path(log), "dim", 80))
            if where.cell_len <= room:
                text.append(where)
                room -= where.cell_len
        text.append(tail)
        if problems and room > 10:
            why = Text("  ⚠ ", style="bold red")
            why.append(safe_text("; ".join(dict.fromkeys(problems)), "red", max(room - 4, 1)))
            text.append(why)
        return text
