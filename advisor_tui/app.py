"""The Textual app: wiring (screens, keymap, command palette) and the safety net."""

from __future__ import annotations

import asyncio
import gc
import os
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import platformdirs
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from advisor_tui.keymap import binding_ids, validate_keymap
from advisor_tui.screens.advisor import AdvisorScreen
from advisor_tui.screens.confirm import ConfirmScreen
from advisor_tui.screens.decision_form import DecisionForm
from advisor_tui.screens.event_detail import EventDetailScreen
from advisor_tui.screens.help import HelpScreen
from advisor_tui.screens.pick_customer import PickCustomerScreen
from advisor_tui.screens.review import ReviewScreen
from advisor_tui.screens.review_detail import ReviewDetailScreen
from advisor_tui.session import Session
from advisor_tui.text import clean
from advisor_tui.widgets._workers import WorkerFailed, worker_purpose

APP_NAME = "advisor-tui"
LOG_NAME = "advisor-tui.log"


def default_log_path() -> Path:
    """Where tracebacks go: the platform's per-user log directory."""
    return Path(platformdirs.user_log_dir(APP_NAME)) / LOG_NAME


def log_traceback(path: Path, what: str, error: BaseException | None) -> None:
    """Append one failure with its traceback; the file is the user's only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = traceback.format_exception(error) if error is not None else ["(no exception)\n"]
    entry = f"--- {datetime.now(UTC).isoformat()} {what}\n" + "".join(lines)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as log:
        log.write(entry)


APP_BINDINGS: list[BindingType] = [
    # Textual's own ctrl+q, shown: a person must be able to see how to leave.
    Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    # f1 too: in a text box "?" is a character, f1 still opens the help.
    Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="Every key on this screen"),
]


class _AppKeys:
    BINDINGS = APP_BINDINGS


BINDING_OWNERS: tuple[type, ...] = (
    _AppKeys,
    AdvisorScreen,
    HelpScreen,
    ConfirmScreen,
    PickCustomerScreen,
    EventDetailScreen,
    DecisionForm,
    ReviewScreen,
    ReviewDetailScreen,
)


def validate_session_keymap(keymap: dict[str, str]) -> dict[str, str]:
    """Check a configured keymap against every binding id the app declares."""
    return validate_keymap(keymap, binding_ids(BINDING_OWNERS))


class AdvisorApp(App[None]):
    TITLE = "Advisor TUI"
    BINDINGS = APP_BINDINGS

    def __init__(self, session: Session, *, log_path: Path | None = None) -> None:
        super().__init__()
        self.session = session
        self.log_path = log_path or default_log_path()
        self._stop_delivery = asyncio.Event()

    def on_mount(self) -> None:
        if self.session.keymap:
            self.set_keymap(self.session.keymap)
        settings = self.session.settings
        if settings is not None and settings.theme != self.theme:
            if settings.theme in self.available_themes:
                self.theme = settings.theme
            else:
                known = ", ".join(sorted(self.available_themes))
                self.notify(
                    f"Unknown theme {settings.theme!r} in config; known: {known}",
                    severity="warning",
                    markup=False,
                )
        self.push_screen(AdvisorScreen(self.session))
        for warning in self.session.startup_warnings:
            # Long-lived: these were said while the terminal was not yet ours.
            self.notify(
                clean(warning, 600), title="Warning", severity="warning", timeout=60, markup=False
            )
        # Everything built so far (modules, the screen, the demo's mock data)
        # lives as long as the app: keep it out of the cyclic collector's full
        # passes, which otherwise stalled a key-press for ~100 ms now and then.
        # (A young generation of 7000 instead of CPython's 700 was tried and
        # not kept: ~5x fewer collections, but a middle one then took up to
        # ~25 ms instead of ~5: fewer pauses, longer ones, no better p95.)
        self.call_after_refresh(gc.freeze)
        # Delivery starts at once (just after the first frame): decisions left
        # pending by a crash or a closed laptop go out as soon as the app is back.
        self.call_after_refresh(self._start_delivery)

    def _start_delivery(self) -> None:
        self.run_worker(
            self.session.deliver_forever(self._stop_delivery),
            name="decision-delivery",
            description="delivering decisions",
            group="delivery",
            exit_on_error=False,
        )

    # The safety net ---------------------------------------------------------------

    def on_worker_failed(self, message: WorkerFailed) -> None:
        """A worker anywhere in the app failed with a bug: keep the traceback and
        tell the advisor what failed, instead of leaving a screen quietly idle."""
        self.report_failure(message.what, message.error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The app's own workers (decision delivery) end up here.
        if event.state is WorkerState.ERROR:
            self.report_failure(worker_purpose(event.worker), event.worker.error)

    def report_failure(self, what: str, error: BaseException | None) -> None:
        where = f"details in {self.log_path}"
        try:
            log_traceback(self.log_path, what, error)
        except OSError as problem:
            where = f"and the log could not be written ({problem})"
        name = type(error).__name__ if error is not None else "unknown error"
        self.notify(
            clean(
                f"Something went wrong {what}: {name}: {error}. Please tell support; {where}", 500
            ),
            title="Unexpected error",
            severity="error",
            timeout=30,
            markup=False,
        )

    async def on_unmount(self) -> None:
        self._stop_delivery.set()
        await self.session.aclose()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        # Every described binding of the screen is also a palette command, so
        # an advisor who forgets a key can type what they want instead; the key
        # shown is the one in force, remapped or not.
        keys = {
            active.binding.id: self.get_key_display(active.binding)
            for active in screen.active_bindings.values()
            if active.binding.id
        }
        for binding in screen.BINDINGS:
            if not (isinstance(binding, Binding) and binding.description):
                continue
            # What the screen would hide or grey out in the footer (say Review
            # for an advisor) is not offered here either.
            offered = getattr(screen, "offered", None)
            if screen.check_action(binding.action, ()) is True and (
                offered is None or offered(binding.action) is True
            ):
                yield SystemCommand(
                    binding.description,
                    f"key {keys.get(binding.id or '', binding.key)}",
                    partial(screen.run_action, binding.action),
                )
