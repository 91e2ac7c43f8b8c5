"""The Textual app: wiring only (screens, keymap, command palette, sign-in)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from advisor_tui.keymap import binding_ids, validate_keymap
from advisor_tui.screens.advisor import AdvisorScreen
from advisor_tui.screens.decision_form import DecisionForm
from advisor_tui.screens.event_detail import EventDetailScreen
from advisor_tui.screens.pick_customer import PickCustomerScreen
from advisor_tui.screens.review import ReviewScreen
from advisor_tui.screens.review_detail import ReviewDetailScreen
from advisor_tui.session import Session

BINDING_OWNERS: tuple[type, ...] = (
    AdvisorScreen,
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

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
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
        # Delivery starts at once: decisions left pending by a crash or a
        # closed laptop go out as soon as the app is back.
        self.run_worker(
            self.session.deliver_forever(self._stop_delivery),
            name="decision-delivery",
            group="delivery",
            exit_on_error=False,
        )

    async def on_unmount(self) -> None:
        self._stop_delivery.set()
        await self.session.aclose()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        # Every described binding of the screen is also a palette command, so
        # an advisor who forgets a key can type what they want instead.
        for binding in screen.BINDINGS:
            if not (isinstance(binding, Binding) and binding.description):
                continue
            # What the screen would hide or grey out in the footer (say Review
            # for an advisor) is not offered here either.
            if screen.check_action(binding.action, ()) is True:
                yield SystemCommand(
                    binding.description,
                    f"key {binding.key}",
                    partial(screen.run_action, binding.action),
                )
