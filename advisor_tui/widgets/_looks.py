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

from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, Self

from textual import events
from textual._styles_cache import StylesCache
from textual.css.model import RuleSet, SelectorType
from textual.css.stylesheet import Stylesheet
from textual.geometry import Region
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

    def is_dirty(self, y: int) -> bool:
        return any(cache.is_dirty(y) for cache in self._looks.values())

    def render_widget(self, widget: Widget, crop: Region) -> list[Strip]:
        look = look_of(widget)
        cache = self._looks.get(look)
        if cache is None:
            cache = self._looks[look] = StylesCache()
        return cache.render_widget(widget, crop)


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._styles_cache = LookCache()

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
        if checked[1]:
            stylesheet.update_nodes([self], animate=True)
        else:
            super().watch_has_focus(has_focus)

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
