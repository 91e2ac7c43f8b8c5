"""Minimal reproduction: in Textual, moving focus repaints the whole screen.

``Screen.focused`` is a plain ``Reactive`` (repaint=True), so every focus change
marks the entire screen dirty and the compositor redraws every widget on it
(``render_full_update``), although the widgets whose look depends on focus
already refresh themselves through ``:focus``/``:focus-within`` style updates.
And ``DataTable.notify_style_update`` empties all its render caches, so a table
gaining or losing focus re-renders every visible cell.

Below those, two more: every refresh empties a widget's cache of rendered
lines (``Widget._set_dirty`` -> ``StylesCache.clear``), and a focus change
refreshes the widget three times over (``Widget.focus``, ``_on_focus`` /
``_on_blur`` and the restyle), so every line of the widget gaining focus and
of the one losing it is drawn again, although each look was drawn before and
nothing else changed. And restyling a DataTable matches the whole stylesheet
again for it and for each of its dozen component classes (~2.7 ms) on every
focus change, for one of two answers. The "lines drawn" column counts
``StylesCache.render_line`` calls; the last variant keeps each widget's lines
per focus look and the table's styles per context
(advisor_tui/widgets/_looks.py).

This script counts full-screen updates and times focus changes on a screen
with two text panels and a 40-row table, with Textual as it is and with the
workarounds the advisor screen uses (advisor_tui/widgets/_quick_screen.py,
advisor_tui/widgets/_table.py, advisor_tui/widgets/_looks.py).

Run: ``python benchmarks/textual_focus_repaint.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from typing import Any

from textual._compositor import Compositor
from textual._styles_cache import StylesCache
from textual.app import App, ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from advisor_tui.widgets._looks import KeepsLooks
from advisor_tui.widgets._quick_screen import QuickScreen
from advisor_tui.widgets._table import FocusCachedTable

CSS = """
Grid { grid-size: 3 1; }
VerticalScroll, DataTable { border: round $primary; }
VerticalScroll:focus-within, DataTable:focus { border: round $accent; }
"""


class LookScroll(KeepsLooks, VerticalScroll):
    pass


class PlainScreen(Screen[None]):
    def __init__(
        self,
        table_class: type[DataTable[Any]],
        scroll_class: type[VerticalScroll] = VerticalScroll,
    ) -> None:
        super().__init__()
        self.table_class = table_class
        self.scroll_class = scroll_class

    def compose(self) -> ComposeResult:
        with Grid():
            for n in range(2):
                with self.scroll_class(id=f"text{n}", can_focus=True):
                    yield Static("\n".join(f"line {i} of panel {n}" for i in range(60)))
            table = self.table_class(id="table")
            table.add_columns("When", "Channel", "Summary")
            for i in range(40):
                table.add_row(f"29 Nov {i:02d}:00", "email", f"event number {i} " * 3)
            yield table


class NoFocusRepaintScreen(PlainScreen):
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)


class QuickPlainScreen(QuickScreen, PlainScreen):
    """All of QuickScreen's workarounds: also restyles only the :focus-within
    ancestors, repaints each separate dirty area on its own, and paints restyled
    widgets in the next frame directly (advisor_tui/widgets/_quick_screen.py)."""


class Bench(App[None]):
    CSS = CSS

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self._first = screen

    def on_mount(self) -> None:
        self.push_screen(self._first)


async def measure(screen: Screen[None], switches: int) -> tuple[float, float, int, int]:
    full_updates = 0
    lines_drawn = 0
    original = Compositor.render_full_update
    original_line = StylesCache.render_line

    def counting(self: Compositor, *args: Any, **kwargs: Any) -> Any:
        nonlocal full_updates
        full_updates += 1
        return original(self, *args, **kwargs)

    def counting_lines(self: StylesCache, *args: Any, **kwargs: Any) -> Any:
        nonlocal lines_drawn
        lines_drawn += 1
        return original_line(self, *args, **kwargs)

    app = Bench(screen)
    times: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        targets = [app.screen.query_one(f"#{name}") for name in ("text0", "table", "text1")]
        Compositor.render_full_update = counting  # type: ignore[method-assign]
        StylesCache.render_line = counting_lines  # type: ignore[method-assign]
        try:
            for i in range(switches):
                painted = asyncio.Event()
                start = time.perf_counter()
                targets[i % 3].focus()
                app.call_after_refresh(painted.set)
                await painted.wait()
                times.append(time.perf_counter() - start)
        finally:
            Compositor.render_full_update = original  # type: ignore[method-assign]
            StylesCache.render_line = original_line  # type: ignore[method-assign]
    return statistics.median(times), max(times), full_updates, lines_drawn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few switches (smoke test)")
    args = parser.parse_args()
    switches = 6 if args.quick else 60
    variants = [
        ("Textual as is", PlainScreen(DataTable)),
        ("no screen repaint on focus", NoFocusRepaintScreen(DataTable)),
        ("+ table keeps renders", NoFocusRepaintScreen(FocusCachedTable)),
        ("QuickScreen + cached table", QuickPlainScreen(FocusCachedTable)),
        ("+ looks kept", QuickPlainScreen(FocusCachedTable, LookScroll)),
    ]
    for label, screen in variants:
        median, worst, full, lines = asyncio.run(measure(screen, switches))
        print(
            f"{label:28} focus change to repaint: median {median * 1000:.1f} ms, "
            f"max {worst * 1000:.1f} ms; full-screen updates {full}, "
            f"lines drawn {lines} in {switches} switches"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
