"""The first frame of a start on a checked config (``advisor_tui.startup``).

It is the advisor screen's top, live: the search box takes what the advisor types
(and Enter) while the config, the contract and the screens load behind it on
another thread; the advisor screen then takes over the text and runs a search
the advisor already asked for. It imports Textual only, so it costs the first
frame what any Textual screen of its size costs.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Static

SEARCH_PLACEHOLDER = "Account, phone, email, postcode + surname, or @handle — Enter"
"""The advisor screen's search box says the same (``screens.advisor``)."""

STARTING = "Advisor TUI · starting: reading the config, opening the decision log"
WAITING = "Customer, faults, history and next actions appear here in a moment."


class StartingScreen(Screen[None]):
    DEFAULT_CSS = """
    StartingScreen #starting-status { height: 1; padding: 0 1; background: $panel; }
    StartingScreen #search-row { height: 3; }
    StartingScreen #search { width: 1fr; }
    StartingScreen #starting { padding: 1 2; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.search_asked = False
        """Enter was pressed in the search box: search once the app is up."""

    def compose(self) -> ComposeResult:
        yield Static(STARTING, id="starting-status", markup=False)
        with Horizontal(id="search-row"):
            yield Input(placeholder=SEARCH_PLACEHOLDER, id="search")
        yield Static(WAITING, id="starting", markup=False)

    def on_mount(self) -> None:
        self.query_one("#search", Input).focus()

    @on(Input.Submitted, "#search")
    def _asked(self) -> None:
        self.search_asked = True
        self.query_one("#starting", Static).update("Searching as soon as the app is up…")

    @property
    def typed(self) -> str:
        return self.query_one("#search", Input).value
