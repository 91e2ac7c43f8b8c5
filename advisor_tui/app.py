"""The Textual app: wiring (screens, keymap, command palette) and the safety net.

This module imports Textual and nothing heavy of the project's own (no pydantic,
no contract, no screens): an app given a way to open its session rather than a
session (see ``advisor_tui.startup``) paints its first frame before those load.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerError, WorkerState
from textual.worker import WorkerFailed as TaskFailed

from advisor_tui.keymap import binding_ids, validate_keymap
from advisor_tui.text import clean

if TYPE_CHECKING:
    from advisor_tui.session import Session
    from advisor_tui.widgets._workers import WorkerFailed

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


def binding_owners() -> tuple[type, ...]:
    """Every class that declares bindings: the app and each of its screens."""
    from advisor_tui.screens.advisor import AdvisorScreen
    from advisor_tui.screens.confirm import ConfirmScreen
    from advisor_tui.screens.decision_form import DecisionForm
    from advisor_tui.screens.event_detail import EventDetailScreen
    from advisor_tui.screens.help import HelpScreen
    from advisor_tui.screens.pick_customer import PickCustomerScreen
    from advisor_tui.screens.review import ReviewScreen
    from advisor_tui.screens.review_detail import ReviewDetailScreen

    return (
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
    return validate_keymap(keymap, binding_ids(binding_owners()))


class StartupFailed(Exception):
    """Opening the session failed in a way the person must fix (bad config, a
    keymap naming no key): the app ends at once, and the command line prints
    this and exits 2, as it does when the same is found before the app starts."""


class AdvisorApp(App[None]):
    TITLE = "Advisor TUI"
    BINDINGS = APP_BINDINGS

    session: Session

    def __init__(
        self, session: Session | Callable[[], Session], *, log_path: Path | None = None
    ) -> None:
        """``session``: the session, or a function that opens it. Given a function,
        the app paints a starting screen at once and opens the session just after
        it, on another thread (``advisor_tui.startup``); a ``StartupFailed`` from
        it ends the app with ``startup_error`` set and return code 2."""
        super().__init__()
        self._open_session = session if callable(session) else None
        if not callable(session):
            self.session = session
        self.startup_error: str | None = None
        self.log_path = log_path or default_log_path()
        self._stop_delivery = asyncio.Event()
        self._delivery: Worker[None] | None = None

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, but on a POSIX terminal one that ends the app when the
        terminal is gone instead of spinning on it (``advisor_tui.terminal``)."""
        driver = super().get_driver_class()
        if driver.__module__ == "textual.drivers.linux_driver":
            from advisor_tui.terminal import HangupAwareDriver

            return HangupAwareDriver
        return driver

    def on_mount(self) -> None:
        if self._open_session is None:
            self._begin()
            return
        from advisor_tui.screens.starting import StartingScreen

        self.push_screen(StartingScreen())
        # After the first frame: what it waited for until now (the config,
        # pydantic and the contract, the screens) loads behind it.
        self.call_after_refresh(self.run_worker, self._open_then_begin, group="opening")

    async def _open_then_begin(self) -> None:
        assert self._open_session is not None
        try:
            # On another thread, so the starting screen's search box answers
            # keys while it runs (the GIL is handed over every few ms).
            self.session = await asyncio.to_thread(self._open_session)
        except StartupFailed as error:
            self._end_start(str(error), 2)
            return
        except Exception as error:
            log_traceback(self.log_path, "starting", error)
            self._end_start(f"could not start: {type(error).__name__}: {error}", 1)
            return
        self._open_session = None
        self._begin()

    def _end_start(self, error: str, code: int) -> None:
        self.startup_error = error
        self.exit(return_code=code)

    def _begin(self) -> None:
        from advisor_tui.screens.advisor import AdvisorScreen
        from advisor_tui.screens.starting import StartingScreen

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
        screen = AdvisorScreen(self.session)
        starting = self.screen
        if isinstance(starting, StartingScreen):
            # Read before the switch takes the starting screen's widgets away.
            typed, asked = starting.typed, starting.search_asked
            self.switch_screen(screen)
            self.call_after_refresh(self._hand_over, screen, typed, asked)
        else:
            self.push_screen(screen)
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

    async def _hand_over(self, screen: Screen[None], typed: str, asked: bool) -> None:
        """What the advisor typed on the starting screen goes on in the advisor
        screen's search box, and an Enter pressed there searches now."""
        from textual.widgets import Input

        search = screen.query_one("#search", Input)
        if typed and not search.value:
            search.value = typed
            search.cursor_position = len(typed)
            if asked:
                await search.action_submit()

    def _start_delivery(self) -> None:
        if self._stop_delivery.is_set():  # quit before the first frame was done
            return
        self._delivery = self.run_worker(
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
        from advisor_tui.widgets._workers import worker_purpose

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
        delivery = self._delivery
        if delivery is not None and not delivery.is_finished:
            # Its pass must end before the session closes the decision log under
            # it (a store call after the close failed the pass, with a traceback
            # on stderr, on a quick quit). Cancelled, not awaited to the end: an
            # undelivered decision stays pending in the log for the next run.
            delivery.cancel()
            with contextlib.suppress(WorkerCancelled, TaskFailed, WorkerError):
                await delivery.wait()
        if hasattr(self, "session"):
            await self.session.aclose()

    def action_help(self) -> None:
        from advisor_tui.screens.help import HelpScreen

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
