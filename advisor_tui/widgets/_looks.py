"""Widgets that keep their rendered lines for each focus look, so a focus change
repaints from cache instead of re-rendering every line.

Textual keeps one cache of a widget's rendered lines (its ``StylesCache``) and
empties it on any refresh. Moving focus onto or off a widget restyles it (its
``:focus`` / ``:focus-within`` rules) and refreshes it, so every 1-4 key
re-rendered every line of the two panels whose border colour changed (1.5-3.5
ms each) and every line of the History table (its ``:focus`` background tint:
4-8 ms, 25-35 ms the first time), when nothing but the focus had changed since
each look was last drawn (benchmarks/advisor_screen.py).

A widget here keeps one cache per look (whether it has focus, whether focus is
within it). Everything that empties or dirties Textual's cache empties or
dirties both, except the refresh a focus change itself makes: that one only
switches which cache is drawn from. A look is drawn the first time it is
needed, exactly as Textual draws it, so the cells on screen are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from textual import events
from textual._styles_cache import StylesCache
from textual.css.model import RuleSet, SelectorType
from textual.css.styles import RenderStyles, RulesMap
from textual.css.stylesheet import Stylesheet
from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.dom import DOMNode

    _WidgetMixin = Widget
else:
    # A plain mixin at run time: Textual takes a widget's CSS (and component
    # classes) from the chain of its first DOMNode bases, which must be the
    # Textual widget's.
    _WidgetMixin = object

Look = tuple[bool, bool]
_FOCUS = "focus"


def look_of(widget: Widget) -> Look:
    """What a widget's focus rules can depend on: focus on it, and focus within
    it when one of its rules says ``:focus-within``."""
    return (widget.has_focus, widget._has_focus_within and widget.has_focus_within)


class LookCache(StylesCache):
    """A ``StylesCache`` per look of one widget, emptied and dirtied together."""

    def __init__(self) -> None:
        super().__init__()
        self._looks: dict[Look, StylesCache] = {}
        self._keeping = 0
        self.on_clear: Callable[[], None] | None = None
        """Called when every look is emptied (not for a change of look)."""

    @contextmanager
    def keeping(self) -> Iterator[None]:
        """While the widget is restyled and refreshed for a change of look only:
        each look's lines stay as they were drawn."""
        self._keeping += 1
        try:
            yield
        finally:
            self._keeping -= 1

    def set_dirty(self, *regions: Region) -> None:
        if self._keeping:
            return
        for cache in self._looks.values():
            cache.set_dirty(*regions)

    def clear(self) -> None:
        if self._keeping:
            return
        self._looks.clear()
        if self.on_clear is not None:
            self.on_clear()

    def is_dirty(self, y: int) -> bool:
        return any(cache.is_dirty(y) for cache in self._looks.values())

    def render_widget(self, widget: Widget, crop: Region) -> list[Strip]:
        look = look_of(widget)
        cache = self._looks.get(look)
        if cache is None:
            cache = self._looks[look] = StylesCache()
        return cache.render_widget(widget, crop)


def style_context(node: DOMNode) -> tuple[object, ...]:
    """Everything outside the stylesheet a rule can match on, from the app down
    to ``node``: each node's type, id, classes and pseudo-classes."""
    return tuple((type(n), n.id, n.classes, n.pseudo_classes) for n in node.css_path_nodes) + (
        node.app.theme,
    )


@dataclass
class _Styled:
    """What the stylesheet gave a widget in one context: its rules, its
    component styles and its scroll bars' rules."""

    rules: RulesMap
    components: dict[str, RenderStyles]
    bars: list[tuple[Widget, RulesMap]]


STYLED_KEPT = 16
"""Contexts kept per widget (focus x hover of it and its ancestors...): beyond,
start again."""


def focus_styles_only_itself(stylesheet: Stylesheet, widget: Widget) -> bool:
    """True if no rule puts ``:focus`` on an ancestor selector that could match
    ``widget`` (``Panel:focus Label``): its focus then restyles only itself."""
    for rule in stylesheet.rules:
        if _FOCUS not in rule.pseudo_classes:
            continue
        for selector_set in rule.selector_set:
            for selector in selector_set.selectors[:-1]:
                if _FOCUS in selector.pseudo_classes and (
                    selector.type is not SelectorType.TYPE
                    or selector.name in widget._css_type_names
                ):
                    return False
    return True


@contextmanager
def keeping_looks(nodes: Iterable[DOMNode]) -> Iterator[None]:
    """Restyle ``nodes`` for a change of focus only: those that keep looks keep them."""
    with ExitStack() as stack:
        for node in nodes:
            if isinstance(node, KeepsLooks):
                stack.enter_context(node.keeping_looks())
        yield


class KeepsLooks(_WidgetMixin):
    """Mix in before the Textual widget class: ``class T(KeepsLooks, DataTable)``.

    Textual's ``Widget._on_focus`` / ``_on_blur`` set ``has_focus`` (whose
    watcher restyles the widget) and refresh it: done here the same way, inside
    the cache's ``keeping``, and Textual's own handler is then not run (it would
    do it all again, emptying the caches). tests/ui/test_focus_looks.py checks
    Textual's handlers still are those four lines.
    """

    _styled_rules: list[RuleSet] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._styles_cache = LookCache()
        self._styled: dict[tuple[object, ...], _Styled] = {}

    _focus_rules_checked: tuple[list[RuleSet], bool] | None = None

    def watch_has_focus(self, has_focus: bool) -> None:
        # Textual restyles the widget's whole subtree (every widget of a
        # loading panel, say) in case a rule puts :focus on an ancestor.
        stylesheet = self.app.stylesheet
        rules = stylesheet.rules  # a new list whenever the CSS is parsed anew
        checked = self._focus_rules_checked
        if checked is None or checked[0] is not rules:
            checked = (rules, focus_styles_only_itself(stylesheet, self))
            self._focus_rules_checked = checked
        if checked[1] or not self.children:
            self.restyle()
        else:
            super().watch_has_focus(has_focus)

    def restyle(self) -> None:
        """Apply the stylesheet to this widget (and its scroll bars), as Textual
        does for a change of focus, from what it gave in the same context before.

        Textual matches every rule again for the widget and for each of its
        component classes (a DataTable has a dozen: 2.7 ms per focus change, for
        one of two answers). The context (every node's type, id, classes and
        pseudo-classes from the app down, the theme, the stylesheet's rules) is
        the key; anything else that restyles the widget (a class, the theme, a
        CSS reload) goes Textual's way.
        """
        stylesheet = self.app.stylesheet
        bars = self._shown_scrollbars()
        key = (style_context(self), tuple(bars))
        if self._styled_rules is not stylesheet.rules or len(self._styled) >= STYLED_KEPT:
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
        for bar, bar_rules in styled.bars:
            Stylesheet.replace_rules(bar, bar_rules)

    # Scroll bars are styled when they are made, not at the widget's next
    # restyle (its first focus, in Textual), when twenty rules at once, two of
    # them asking for a layout, laid out the whole screen on that key (see
    # advisor_tui/widgets/_table.py).
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

    def _shown_scrollbars(self) -> list[Widget]:
        # The scroll bars Stylesheet.update_nodes restyles with the widget.
        bars: list[Widget] = []
        if not self.is_scrollable:
            return bars
        vertical = self.show_vertical_scrollbar and self.scrollbar_size_vertical
        horizontal = self.show_horizontal_scrollbar and self.scrollbar_size_horizontal
        if vertical:
            bars.append(self.vertical_scrollbar)
        if horizontal:
            bars.append(self.horizontal_scrollbar)
        if vertical and horizontal:
            bars.append(self.scrollbar_corner)
        return bars

    @contextmanager
    def keeping_looks(self) -> Iterator[None]:
        cache = self._styles_cache
        if not isinstance(cache, LookCache):  # pragma: no cover - set in __init__
            yield
            return
        with cache.keeping():
            yield

    def focus(self, scroll_visible: bool = True) -> Self:
        # Textual's focus() refreshes the widget at once, before focus moves:
        # no look changes there (the Focus event's restyle and refresh follow).
        with self.keeping_looks():
            return super().focus(scroll_visible)

    def _on_focus(self, event: events.Focus) -> None:
        with self.keeping_looks():
            self.has_focus = True
            self.refresh()
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self))
        event.prevent_default()

    def _on_blur(self, event: events.Blur) -> None:
        with self.keeping_looks():
            self.has_focus = False
            self.refresh()
        if self.parent is not None:
            self.parent.post_message(events.DescendantBlur(self))
        event.prevent_default()
