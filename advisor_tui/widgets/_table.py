"""A DataTable that keeps its rendered rows when it gains or loses focus.

Textual's DataTable empties every render cache on any style update, and moving
focus onto or off the table is one: each 1-4 key that touched the History panel
re-rendered every visible cell through Rich (about half of that key's cost in
benchmarks/advisor_screen.py). Its row, cell and line caches are already keyed
by the base style and the focus (pseudo-class) state, so the rows rendered for
"focused" and "not focused" can both stay cached. Any other style change (a
theme, a class) still empties them, as before.

Its scroll bars are styled when they are made. Textual makes a scroll bar when
the content first overflows (the rows land) but styles it only when the table
itself is next restyled: the table's first focus. Then some twenty rules go
from unset to set at once, two of them (``scrollbar-size-*``) ask for a layout,
and that key laid out the whole screen: ~80 ms, once per run, on the first 2.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from textual.css.model import RuleSet
from textual.css.styles import RenderStyles, RulesMap
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode, NoScreen
from textual.scrollbar import ScrollBar
from textual.widget import Widget
from textual.widgets import DataTable

from advisor_tui.widgets._looks import KeepsLooks
from advisor_tui.widgets._quick_screen import paint_in_next_frame


def style_context(node: DOMNode) -> tuple[object, ...]:
    """Everything outside the stylesheet a rule can match on, from the app down
    to ``node``: each node's type, id, classes and pseudo-classes."""
    return tuple((type(n), n.id, n.classes, n.pseudo_classes) for n in node.css_path_nodes) + (
        node.app.theme,
    )


@dataclass
class _Styled:
    """What the stylesheet gave a table in one context: its rules, its component
    styles and its scroll bars' rules."""

    rules: RulesMap
    components: dict[str, RenderStyles]
    bars: list[tuple[Widget, RulesMap]]


class FocusCachedTable(KeepsLooks, DataTable[Any]):
    _styled_rules: list[RuleSet] | None

    def _restyle(self) -> None:
        """Apply the stylesheet to the table (and its scroll bars), as Textual does
        on a focus change, from what it gave in the same context before.

        Textual matches every rule again for the table and for each of its dozen
        component classes: 2-3 ms per focus change, for one of two answers. The
        context (every node's classes and pseudo-classes from the app down, the
        theme, the stylesheet's rules) is the key; anything else that restyles
        the table (a class, the theme, a CSS reload) goes Textual's way.
        """
        stylesheet = self.app.stylesheet
        bars = self._shown_scrollbars()
        key = (style_context(self), tuple(bars))
        if self._styled_rules is not stylesheet.rules:
            self._styled.clear()
            self._styled_rules = stylesheet.rules
        styled = self._styled.get(key)
        if styled is None:
            stylesheet.update_nodes([self], animate=True)
            self._styled[key] = _Styled(
                dict(self.styles.base._rules),  # type: ignore[arg-type]
                dict(self._component_styles),
                [(bar, dict(bar.styles.base._rules)) for bar in bars],  # type: ignore[misc]
            )
            return
        Stylesheet.replace_rules(self, styled.rules, animate=True)
        if self._component_styles != styled.components:
            self._component_styles.clear()
            self._component_styles.update(styled.components)
            self.refresh()
        for bar, rules in styled.bars:
            Stylesheet.replace_rules(bar, rules)

    def _shown_scrollbars(self) -> list[Widget]:
        # The scroll bars Stylesheet.update_nodes restyles with the table.
        bars: list[Widget] = []
        vertical = self.show_vertical_scrollbar and self.scrollbar_size_vertical
        horizontal = self.show_horizontal_scrollbar and self.scrollbar_size_horizontal
        if vertical:
            bars.append(self.vertical_scrollbar)
        if horizontal:
            bars.append(self.horizontal_scrollbar)
        if vertical and horizontal:
            bars.append(self.scrollbar_corner)
        return bars

    def watch_has_focus(self, has_focus: bool) -> None:
        if self.children:  # pragma: no cover - a DataTable has no child widgets
            super().watch_has_focus(has_focus)
        else:
            self._restyle()
        # The scroll bars' colours follow the table's focus: paint them in the
        # table's frame, not one or two frames later (see paint_in_next_frame).
        scrollbars = (self._vertical_scrollbar, self._horizontal_scrollbar)
        with suppress(NoScreen):
            paint_in_next_frame(self.screen, (bar for bar in scrollbars if bar is not None))

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        made = self._vertical_scrollbar is None
        bar = super().vertical_scrollbar
        if made:
            self.app.stylesheet.apply(bar)
        return bar

    @property
    def horizontal_scrollbar(self) -> ScrollBar:
        made = self._horizontal_scrollbar is None
        bar = super().horizontal_scrollbar
        if made:
            self.app.stylesheet.apply(bar)
        return bar

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_signature: tuple[object, ...] | None = None
        self._styled: dict[tuple[object, ...], _Styled] = {}
        self._styled_rules = None

    def warm_focused_look(self) -> None:
        """Draw the rows as they look focused, now, into the focused look's cache.

        The first focus of freshly loaded rows rendered every visible cell
        through Rich for the focused look (25-35 ms: the slowest 2 key per
        customer). Call this when rows land, after they are painted: the rows
        are styled and rendered as focused, then styled back, with nothing
        painted between (no frame runs inside a synchronous call).
        """
        if self.has_focus or not self.is_mounted or not self.display or not self.size:
            return
        with self.keeping_looks():
            self.set_reactive(Widget.has_focus, True)
            try:
                self._restyle()
                self.render_lines(self.size.region)
            finally:
                self.set_reactive(Widget.has_focus, False)
                self._restyle()

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
