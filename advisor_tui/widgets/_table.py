"""A DataTable that keeps its rendered rows when it gains or loses focus.

Textual's DataTable empties every render cache on any style update, and moving
focus onto or off the table is one: each 1-4 key that touched the History panel
re-rendered every visible cell through Rich (about half of that key's cost in
benchmarks/advisor_screen.py). Its row, cell and line caches are already keyed
by the base style and the focus (pseudo-class) state, so the rows rendered for
"focused" and "not focused" can both stay cached. Any other style change (a
theme, a class) still empties them, as before.

Its scroll bars are styled when they are made (KeepsLooks). Textual makes a scroll bar when
the content first overflows (the rows land) but styles it only when the table
itself is next restyled: the table's first focus. Then some twenty rules go
from unset to set at once, two of them (``scrollbar-size-*``) ask for a layout,
and that key laid out the whole screen: ~80 ms, once per run, on the first 2.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from textual.dom import NoScreen
from textual.widget import Widget
from textual.widgets import DataTable

from advisor_tui.widgets._looks import KeepsLooks, LookCache
from advisor_tui.widgets._quick_screen import paint_in_next_frame


class FocusCachedTable(KeepsLooks, DataTable[Any]):
    def watch_has_focus(self, has_focus: bool) -> None:
        super().watch_has_focus(has_focus)
        # The scroll bars' colours follow the table's focus: paint them in the
        # table's frame, not one or two frames later (see paint_in_next_frame).
        scrollbars = (self._vertical_scrollbar, self._horizontal_scrollbar)
        with suppress(NoScreen):
            paint_in_next_frame(self.screen, (bar for bar in scrollbars if bar is not None))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_signature: tuple[object, ...] | None = None
        self._warm_pending = False
        cache = self._styles_cache
        if isinstance(cache, LookCache):
            cache.on_clear = self._warm_later

    def _warm_later(self) -> None:
        """Every drawn look was emptied (rows landed, a resize, a theme): draw
        the focused look again once the rows are painted, off the key path."""
        if self._warm_pending or self.has_focus or not self.is_mounted or not self.row_count:
            return
        self._warm_pending = True
        self.call_after_refresh(self.call_later, self._warm_now)

    def _warm_now(self) -> None:
        self._warm_pending = False
        self.warm_focused_look()

    def warm_focused_look(self) -> None:
        """Draw the rows as they look focused, now, into the focused look's cache.

        The first focus of freshly loaded rows rendered every visible cell
        through Rich for the focused look (25-35 ms: the slowest 2 key per
        customer). Called after the rows are painted whenever every drawn
        look was emptied (rows landed, a resize, a theme): the rows are styled
        and rendered as focused, then styled back, with nothing painted between
        (no frame runs inside a synchronous call).
        """
        if self.has_focus or not self.is_mounted or not self.display or not self.size:
            return
        with self.keeping_looks():
            self.set_reactive(Widget.has_focus, True)
            try:
                self.restyle()
                self.render_lines(self.size.region)
            finally:
                self.set_reactive(Widget.has_focus, False)
                self.restyle()

    def _signature(self) -> tuple[object, ...]:
        # Everything a style update can change, except focus.
        return (self.app.theme, self.app.stylesheet, frozenset(self.classes))

    def notify_style_update(self) -> None:
        signature = self._signature() if self.is_mounted else None
        if signature is not None and signature == self._style_signature:
            # Only focus moved: refresh the widget's own styles and keep the
            # row renders (skipping DataTable's override, which empties them).
            Widget.notify_style_update(self)
            self._styles_cache.clear()
            self._get_styles_to_render_cell.cache_clear()
            self.refresh()
            return
        self._style_signature = signature
        super().notify_style_update()
