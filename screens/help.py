"""Every key of the screen beneath, in one list: what the footer had no room for,
keys hidden from it, and the ones remapped in the config, as they are now."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from advisor_tui.text import safe_text


def binding_rows(screen: Screen[Any]) -> list[tuple[str, str, str]]:
    """(key as shown, what it does, more) for every binding active on ``screen``."""
    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    app = screen.app
    for active in screen.active_bindings.values():
        binding = active.binding
        description = binding.description or binding.action.replace("_", " ")
        if (binding.action, description) in seen or binding.system:
            continue
        seen.add((binding.action, description))
        rows.append((app.get_key_display(binding), description, binding.tooltip or ""))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="help.close"),
        Binding("question_mark", "dismiss(None)", "Close", id="help.close_again", show=False),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, beneath: Screen[Any]) -> None:
        super().__init__()
        # Read now: once this screen is on top, "active" means its own keys.
        self.rows = binding_rows(beneath)

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, pad_edge=False)
        table.add_column("Key", no_wrap=True, style="bold")
        table.add_column("Does")
        table.add_column("", style="dim")
        for key, description, more in self.rows:
            table.add_row(safe_text(key, max_len=20), description, more)
        title = Text("Keys on this screen", style="bold")
        with VerticalScroll():
            yield Static(title)
            yield Static(table, id="help-keys")
            yield Static(
                "ctrl+p opens the command palette: type what you want to do. "
                "Keys can be remapped in the config file ([keymap]). Esc closes.",
                classes="hint",
            )
