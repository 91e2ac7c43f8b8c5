"""A modal pick list of customers: several search matches, or the recently opened."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from advisor_tui.contract import CustomerSummary
from advisor_tui.text import safe_text


def summary_line(summary: CustomerSummary) -> Text:
    text = safe_text(summary.name, "bold", 50)
    text.append("  ")
    text.append(safe_text(summary.account_number, "cyan", 30))
    text.append("  ")
    text.append(safe_text(summary.postcode, max_len=12))
    text.append(f"  {summary.segment.value.replace('_', ' ')}", style="dim")
    text.append(f"  (matched {summary.matched_on.value.replace('_', ' ')})", style="dim italic")
    return text


class PickCustomerScreen(ModalScreen[CustomerSummary | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="pick.close"),
    ]
    DEFAULT_CSS = """
    PickCustomerScreen { align: center middle; }
    PickCustomerScreen > Vertical {
        width: 90%; max-width: 110; height: auto; max-height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    PickCustomerScreen OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, title: str, customers: list[CustomerSummary]) -> None:
        super().__init__()
        self.heading = title
        self.customers = customers

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe_text(self.heading, "bold", 100))
            yield OptionList(
                *(Option(summary_line(c), id=str(i)) for i, c in enumerate(self.customers)),
                id="pick-list",
            )
            yield Label("Enter opens · Esc closes", classes="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.customers[event.option_index])
