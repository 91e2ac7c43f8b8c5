"""The key footer: every binding a screen shows, most important first, on as many
lines as the terminal needs (at most ``MAX_LINES``), with help and quit always in
sight. What does not fit is on the ``?`` help screen and in the command palette.

Textual's Footer is one line that scrolls sideways, so at 160 columns the
advisor screen's keys were cut at "^r Re" and at 80 the a/d/o keys were
missing. This one is plain text: rebuilding it on a focus change costs a
render, not a remount of every key widget (benchmarks/advisor_screen.py).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

MAX_LINES = 2
# Shown on every screen, whatever else has to give way.
ALWAYS = ("app.help", "app.quit")
GAP = "  "


class KeyFooter(Static):
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom; height: auto; max-height: 3; padding: 0 1;
        background: $footer-background; color: $footer-foreground;
    }
    """

    PRIORITY: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, priority: tuple[str, ...] = (), id: str | None = None) -> None:
        super().__init__(id=id)
        # Binding ids, most important first; the rest follow in declared order.
        self.priority = priority
        self._shown: tuple[Any, ...] | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self.draw)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self._shown = None
        self.draw()

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        self.draw()

    def shown_bindings(self) -> list[tuple[Binding, bool]]:
        """(binding, enabled) for each key to show, most important first."""
        seen: set[str] = set()
        found: list[tuple[Binding, bool]] = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            found.append((binding, active.enabled))
        order = {binding_id: rank for rank, binding_id in enumerate(self.priority)}

        def rank(item: tuple[Binding, bool]) -> tuple[int, int]:
            binding_id = item[0].id or ""
            if binding_id in ALWAYS:
                return (-1, ALWAYS.index(binding_id))
            return (0, order.get(binding_id, len(order)))

        return sorted(found, key=rank)

    def item(self, binding: Binding, enabled: bool) -> Text:
        key = self.app.get_key_display(binding)
        text = Text(f" {key} ", style="bold reverse" if enabled else "dim reverse")
        text.append(f" {binding.description}", style="" if enabled else "dim")
        return text

    def draw(self) -> None:
        bindings = self.shown_bindings()
        width = max(self.size.width - 2, 20)
        shown = (width, tuple((b.key, b.action, b.description, e) for b, e in bindings))
        if shown == self._shown:
            return
        self._shown = shown
        items = [self.item(binding, enabled) for binding, enabled in bindings]
        lines: list[list[Text]] = [[] for _ in range(MAX_LINES)]

        def used(line: list[Text]) -> int:
            return sum(t.cell_len for t in line) + len(GAP) * max(len(line) - 1, 0)

        for text in items:
            for line in lines:
                if used(line) + len(GAP) + text.cell_len <= width or not line:
                    if not line and text.cell_len > width:
                        break
                    line.append(text)
                    break
        rendered = Text()
        for index, line in enumerate(line for line in lines if line):
            if index:
                rendered.append("\n")
            rendered.append(Text(GAP).join(line))
        self.update(rendered)
