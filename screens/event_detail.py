"""One history event in full."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from advisor_tui.contract import HistoryEvent
from advisor_tui.text import safe_text
from advisor_tui.widgets._times import display_time

# A full body may be long, but not unbounded: a hostile 1 MB field must not
# stall the renderer.
BODY_MAX = 20_000


class EventDetailScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss(None)", "Close", id="event.close"),
    ]
    DEFAULT_CSS = """
    EventDetailScreen { align: center middle; }
    EventDetailScreen > VerticalScroll {
        width: 90%; max-width: 120; height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, event: HistoryEvent) -> None:
        super().__init__()
        self.event = event

    def compose(self) -> ComposeResult:
        event = self.event
        head = Text(
            f"{display_time(self).moment(event.at)}  "
            f"{event.channel.value.replace('_', ' ')} {event.direction.value}",
            style="bold",
        )
        by = Text("Handled by: ", style="bold")
        by.append(safe_text(event.handled_by, max_len=100))
        if event.via:
            by.append("  via ")
            by.append(safe_text(event.via, max_len=100))
        summary = safe_text(event.summary, "bold", 1000)
        body = safe_text(event.body or "(no body)", max_len=BODY_MAX, multiline=True)
        with VerticalScroll():
            yield Static(Group(head, by, summary, Text(""), body))
            yield Static(Text("Esc closes", style="dim"))
