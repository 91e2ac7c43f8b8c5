"""The base of the four panels: each loads from its backend on its own and fails on its own."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from advisor_tui.contract import Backend
from advisor_tui.session import Session
from advisor_tui.text import safe_text
from advisor_tui.widgets._looks import KeepsLooks
from advisor_tui.widgets._workers import BackendCalls

T = TypeVar("T")

LOAD_GROUP = "load"


def failure_text(message: str) -> Text:
    """A panel's failure as the advisor reads it: the one wording, then what to do."""
    text = Text("⚠ ", style="bold red")
    text.append(safe_text(message, "red", 400))
    text.append("\nPress r to retry this panel.", style="italic")
    return text


class BackendPanel(BackendCalls, KeepsLooks, Vertical, Generic[T], can_focus=True):
    """A bordered panel fed by one backend call for the open customer.

    Subclasses give ``BACKEND``, ``TITLE``, ``fetch`` (runs in a worker) and
    ``show`` (runs on the UI loop with the result). The panel keeps its own
    idle / loading / ready / error state as a CSS class, so a failure in one
    panel never touches the others.
    """

    BACKEND: ClassVar[Backend]
    TITLE: ClassVar[str]
    NOUN: ClassVar[str]
    DEFAULT_CSS = """
    BackendPanel {
        border: round $primary-background-lighten-2;
        border-title-color: $text;
        padding: 0 1;
        height: 1fr;
        width: 1fr;
    }
    BackendPanel:focus-within { border: round $accent; }
    BackendPanel > .panel-message { height: auto; color: $text-muted; }
    BackendPanel.-ready > .panel-message { display: none; }
    BackendPanel.-error > .panel-message { color: $error; }
    BackendPanel > .panel-body { display: none; }
    BackendPanel.-ready > .panel-body { display: block; }
    """

    def __init__(self, session: Session, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="-idle")
        self.session = session
        self.border_title = self.TITLE
        self.customer_id: str | None = None
        self.message = Static(f"Search for a customer to see {self.NOUN}.", classes="panel-message")

    def compose(self) -> ComposeResult:
        yield self.message
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        """The widgets shown once loaded; give them the ``panel-body`` class."""
        yield from ()

    def focus_target(self) -> Widget:
        """Where focus goes when the advisor jumps to this panel."""
        if self.state == "ready":
            focusable = [w for w in self.query("*") if w.focusable]
            if focusable:
                return focusable[0]
        return self

    @property
    def state(self) -> str:
        for state in ("idle", "loading", "ready", "error"):
            if self.has_class(f"-{state}"):
                return state
        return "idle"

    def _set_state(self, state: str) -> None:
        self.remove_class("-idle", "-loading", "-ready", "-error")
        self.add_class(f"-{state}")

    def load(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self._set_state("loading")
        self.message.update(f"Loading {self.NOUN} from {self.BACKEND.value}…")
        self.call_backend(
            f"loading {self.NOUN}",
            self.fetch(customer_id),
            on_result=self._loaded,
            on_failure=self._failed_to_load,
            group=LOAD_GROUP,
        )

    def reset(self) -> None:
        """Forget everything the previous customer left: filters, scroll, selection."""
        for scroll in self.query(VerticalScroll):
            scroll.scroll_home(animate=False)

    def action_retry(self) -> None:
        if self.customer_id is not None:
            self.load(self.customer_id)

    async def fetch(self, customer_id: str) -> T:
        raise NotImplementedError

    def show(self, data: T) -> None:
        raise NotImplementedError

    def _loaded(self, data: T) -> None:
        self.show(data)
        self._set_state("ready")

    def _failed_to_load(self, message: str, error: BaseException | None) -> None:
        self._set_state("error")
        self.message.update(failure_text(message))


class BodyScroll(KeepsLooks, VerticalScroll):
    """A panel's scrolling body, keeping its lines per focus look (1 focuses it)."""


class RenderedPanel(BackendPanel[T]):
    """A panel whose whole body is one scrollable renderable built from the data."""

    def compose_body(self) -> ComposeResult:
        with BodyScroll(classes="panel-body"):
            yield Static(classes="panel-content")

    def render_data(self, data: T) -> RenderableType:
        raise NotImplementedError

    def show(self, data: T) -> None:
        self.query_one(".panel-content", Static).update(self.render_data(data))
        # A new customer starts at the top, not where the last one was scrolled.
        self.query_one(".panel-body", VerticalScroll).scroll_home(animate=False)
