"""The base of the four panels: each loads from its backend on its own and fails on its own."""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Generic, TypeVar, cast

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from advisor_tui.clients import Backends
from advisor_tui.clients.errors import BackendError
from advisor_tui.contract import Backend
from advisor_tui.text import safe_text

log = logging.getLogger(__name__)

T = TypeVar("T")

LOAD_GROUP = "load"


def error_headline(backend: Backend, error: BaseException | None) -> str:
    """Which backend failed and how, in a few words: '⚠ faults backend timed out'."""
    if isinstance(error, BackendError):
        return f"⚠ {error.backend.value} backend {error.reason}"
    # A bug of ours, not the backend's: say so rather than blame the service.
    log.exception("panel failed", exc_info=error)
    return f"⚠ {backend.value} panel failed unexpectedly"


def describe_error(backend: Backend, error: BaseException | None) -> Text:
    """One place that turns a worker's error into what the advisor reads."""
    headline = error_headline(backend, error).removeprefix("⚠ ")
    if isinstance(error, BackendError):
        detail = str(error)
    else:
        detail = type(error).__name__ if error else "unknown error"
    text = Text("⚠ ", style="bold red")
    text.append(safe_text(headline, "bold red"))
    text.append("\n")
    text.append(safe_text(detail, "red", 300))
    text.append("\nPress r to retry this panel.", style="italic")
    return text


class BackendPanel(Vertical, Generic[T], can_focus=True):
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

    def __init__(self, backends: Backends, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="-idle")
        self.backends = backends
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
        self.run_worker(
            self.fetch(customer_id),
            name=f"{self.BACKEND.value}:{customer_id}",
            group=LOAD_GROUP,
            exclusive=True,
            exit_on_error=False,
        )

    def clear(self) -> None:
        self.customer_id = None
        self.workers.cancel_group(self, LOAD_GROUP)
        self._set_state("idle")

    def action_retry(self) -> None:
        if self.customer_id is not None:
            self.load(self.customer_id)

    async def fetch(self, customer_id: str) -> T:
        raise NotImplementedError

    def show(self, data: T) -> None:
        raise NotImplementedError

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker: Worker[Any] = event.worker
        if worker.group != LOAD_GROUP:
            return
        event.stop()
        if event.state is WorkerState.SUCCESS:
            try:
                # The worker ran ``self.fetch``, so its result is a T.
                self.show(cast(T, worker.result))
            except Exception as error:  # noqa: BLE001 - a render bug must not kill the app
                self._show_error(error)
                return
            self._set_state("ready")
        elif event.state is WorkerState.ERROR:
            self._show_error(worker.error)

    def _show_error(self, error: BaseException | None) -> None:
        self._set_state("error")
        self.message.update(describe_error(self.BACKEND, error))


class RenderedPanel(BackendPanel[T]):
    """A panel whose whole body is one scrollable renderable built from the data."""

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="panel-body"):
            yield Static(classes="panel-content")

    def render_data(self, data: T) -> RenderableType:
        raise NotImplementedError

    def show(self, data: T) -> None:
        self.query_one(".panel-content", Static).update(self.render_data(data))
