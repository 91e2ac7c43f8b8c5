"""A screen whose repaints cost what changed: the base of screens of many widgets.

Three things Textual does cost most of a 1-4 key on the advisor screen
(benchmarks/advisor_screen.py; each reproduced without this project in
benchmarks/textual_focus_repaint.py), and this screen does each more narrowly,
drawing exactly the same cells:

- ``Screen.focused`` is a repainting reactive: every focus change redraws the
  whole screen, although the widgets whose look depends on focus (``:focus``,
  ``:focus-within``, ``has_focus`` watchers) refresh themselves anyway.
- ``Screen._update_focus_styles`` restyles the *whole subtree* of the outermost
  ancestor that has a ``:focus-within`` rule, for the widget gaining focus and
  the one losing it: a panel's ``:focus-within`` border restyled every widget
  of two panels (a select, a table, inputs...) per key. That is only needed
  when a rule puts ``:focus-within`` on an ancestor (``Panel:focus-within
  Label``); when every such rule has it on the element it styles, only the
  ancestors with such a rule can change. This screen restyles just those, and
  does it Textual's way whenever the stylesheet has an ancestor rule.
- A partial repaint renders every widget overlapping the *bounding box* of all
  dirty regions: two panels in opposite corners of the 2x2 grid (Customer and
  Next actions) re-render all four panels and everything in them. This
  screen's compositor repaints each separate group of dirty regions on its own.
- A widget's repaint reaches the screen only after a hop through the widget's
  own message queue and then the screen's; the screen paints from a 60 Hz timer
  that sleeps to its next frame when a repaint misses the current one. So the
  widgets one key restyles (the panel losing focus, the one gaining it, a
  table's scroll bar) were painted over two or three frames, the last one 30-50
  ms after the key. ``paint_in_next_frame`` hands such widgets straight to the
  screen, so they join the frame the key's other changes are painted in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from textual._compositor import ChopsUpdate, Compositor, CompositorUpdate
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.geometry import Region
from textual.reactive import Reactive
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from advisor_tui.widgets._looks import KeepsLooks, keeping_looks

_FOCUS_WITHIN = "focus-within"


def focus_within_styles_only_its_element(stylesheet: Stylesheet) -> bool:
    """True if no rule puts ``:focus-within`` on an ancestor of what it styles."""
    for rule in stylesheet.rules:
        if _FOCUS_WITHIN not in rule.pseudo_classes:
            continue
        for selector_set in rule.selector_set:
            if any(_FOCUS_WITHIN in s.pseudo_classes for s in selector_set.selectors[:-1]):
                return False
    return True


def separate_groups(regions: Iterable[Region]) -> list[list[Region]]:
    """Regions grouped so that no two groups' bounding boxes overlap."""
    groups: list[tuple[Region, list[Region]]] = []
    for region in regions:
        box, members = region, [region]
        merged = True
        while merged:  # a grown box may now reach groups it missed before
            merged = False
            for other in groups:
                if box.overlaps(other[0]):
                    groups.remove(other)
                    box = box.union(other[0])
                    members += other[1]
                    merged = True
                    break
        groups.append((box, members))
    return [members for _, members in groups]


def paint_in_next_frame(screen: Screen[Any], nodes: Iterable[DOMNode]) -> None:
    """Put widgets already waiting for a repaint into the screen's next frame directly.

    Each one's own route (its idle handler posting an Update to the screen) is
    skipped, not doubled: it is no longer marked as waiting. Layout requests
    still take Textual's route.
    """
    for node in nodes:
        if isinstance(node, Widget) and node._repaint_required and node.is_mounted:
            node._repaint_required = False
            if node.display:
                screen._dirty_widgets.add(node)


class ChopsUpdates(CompositorUpdate):
    """Several partial updates written one after the other (each moves the cursor itself)."""

    def __init__(self, updates: list[ChopsUpdate]) -> None:
        self.updates = updates

    def render_segments(self, console: Console) -> str:
        return "".join(update.render_segments(console) for update in self.updates)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        for update in self.updates:
            yield from update.__rich_console__(console, options)


class GroupwiseCompositor(Compositor):
    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if crop is None:
            yield from super()._get_renders(crop)
            return
        # Textual picks the widgets whose *clip* (their container's visible
        # area) overlaps the crop: every panel of the grid, for a change in
        # one. A widget whose visible part lies outside the crop covers none of
        # the cells repainted, so only those that show inside it are rendered.
        for widget, (region, clip) in self.visible_widgets.items():
            visible = region.intersection(clip)
            if not crop.overlaps(visible):
                continue
            x, y, width, height = visible
            if width and height:
                yield (
                    region,
                    clip,
                    widget.render_lines(Region(x - region.x, y - region.y, width, height)),
                )

    def render_partial_update(self) -> ChopsUpdate | None:
        screen_region = self.size.region
        groups = separate_groups(self._dirty_regions)
        if len(groups) < 2:
            return super().render_partial_update()
        self._dirty_regions.clear()
        updates: list[ChopsUpdate] = []
        chop_ends = [cut_set[1:] for cut_set in self.cuts]
        for regions in groups:
            crop = Region.from_union(regions).intersection(screen_region)
            if not crop:
                continue
            spans = list(self._regions_to_spans(regions))
            lines = {y for y, _, _ in spans}
            chops = self._render_chops(crop, lines.__contains__)
            updates.append(ChopsUpdate(chops, spans, chop_ends))
        if not updates:
            return None
        # Typed as Textual's: the app only asks a compositor update for its text.
        return ChopsUpdates(updates)  # type: ignore[return-value]


class QuickScreen(Screen[Any]):
    """Mix in before Screen: ``class S(QuickScreen, Screen[X])``."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    _focus_rules_checked: tuple[list[RuleSet], bool] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compositor = GroupwiseCompositor()

    def _focus_within_is_local(self) -> bool:
        stylesheet = self.app.stylesheet
        # Checked again whenever the stylesheet is parsed anew (new widget CSS,
        # a CSS reload): each parse makes a new list of rules.
        rules = stylesheet.rules
        checked = self._focus_rules_checked
        if checked is None or checked[0] is not rules:
            checked = (rules, focus_within_styles_only_its_element(stylesheet))
            self._focus_rules_checked = checked
        return checked[1]

    def _update_focus_styles(
        self, focused: Widget | None = None, blurred: Widget | None = None
    ) -> None:
        if not self._focus_within_is_local():
            super()._update_focus_styles(focused, blurred)
            return
        nodes: dict[DOMNode, None] = {}  # ordered, outermost first as Textual walks
        for widget in (focused, blurred):
            if widget is not None:
                for node in reversed(widget.ancestors_with_self):
                    if node._has_focus_within:
                        nodes[node] = None
        if nodes:
            with keeping_looks(nodes):
                others = []
                for node in nodes:
                    if isinstance(node, KeepsLooks):
                        node.restyle()
                    else:
                        others.append(node)
                if others:
                    self.app.stylesheet.update_nodes(others, animate=True)
            paint_in_next_frame(self, nodes)
