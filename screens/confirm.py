"""A yes/no question that must be answered before something is done twice."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from advisor_tui.text import safe_text


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "No", id="confirm.cancel", show=False),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 90%; max-width: 80; height: auto;
        border: round $warning; background: $surface; padding: 0 1;
    }
    ConfirmScreen .hint { color: $text-muted; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_text(self.question, "bold", 400), id="confirm-question")
            yield Static("y records it again · n or Esc leaves it as it is", classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
