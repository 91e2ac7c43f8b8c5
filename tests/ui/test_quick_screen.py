"""QuickScreen repaints less than Textual's Screen and draws exactly the same cells.

Each partial update the app would write to the terminal is applied to a copy of
the screen, as a terminal would; after every focus change that copy must equal
a full render, and the full render must equal a plain Textual screen's.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.app import App, ComposeResult
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import DataTable, Input, Static

from advisor_tui.widgets._quick_screen import (
    ChopsUpdates,
    QuickScreen,
    focus_within_styles_only_its_element,
    separate_groups,
)
from tests.ui.helpers import wait_for

Cells = list[list[tuple[str, str]]]

CSS = """
Grid { grid-size: 2 2; }
Panel { border: round $primary; }
Panel:focus-within { border: round $accent; }
"""
DESCENDANT_CSS = CSS + "Panel:focus-within Static { color: red; }"


class Panel(Vertical):
    pass


def compose_panels() -> ComposeResult:
    with Grid():
        for n in range(4):
            with Panel(id=f"panel{n}"):
                yield Static(f"panel {n}\n" * 3, id=f"text{n}")
                if n % 2:
                    table: DataTable[Any] = DataTable(id=f"table{n}")
                    table.add_columns("When", "What")
                    for row in range(6):
                        table.add_row(f"0{row}:00", f"event {row} of panel {n}")
                    yield table
                else:
                    field = Input(id=f"input{n}")
                    # A blinking cursor would make two renders of one state differ
                    # with the clock (seen on a loaded machine), not with the screen.
                    field.cursor_blink = False
                    yield field


class Quick(QuickScreen, Screen[None]):
    def compose(self) -> ComposeResult:
        yield from compose_panels()


class Plain(Screen[None]):
    def compose(self) -> ComposeResult:
        yield from compose_panels()


class Panels(App[None]):
    def __init__(self, screen: Screen[None], css: str = CSS) -> None:
        self.CSS = css
        super().__init__()
        self._first = screen
        self.updates: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self._first)

    def _display(self, screen: Screen[Any], renderable: Any) -> None:
        if renderable is not None:
            self.updates.append(renderable)
        super()._display(screen, renderable)


def cells_of(strip: Strip) -> list[tuple[str, str]]:
    return [(char, str(segment.style)) for segment in strip for char in segment.text]


def apply(update: Any, terminal: Cells) -> None:
    """What a terminal shows after writing ``update`` (as ChopsUpdate.render_segments does)."""
    if isinstance(update, LayoutUpdate):
        for y, line in enumerate(update.strips):
            terminal[update.region.y + y] = cells_of(Strip.join(line))
        return
    parts = update.updates if isinstance(update, ChopsUpdates) else [update]
    for part in parts:
        assert isinstance(part, ChopsUpdate)
        for y, _x1, x2 in part.spans:
            for end, (x, strip) in zip(part.chop_ends[y], part.chops[y].items(), strict=False):
                if strip is None or x > x2 or end <= _x1:
                    continue
                cells = cells_of(strip.crop(0, min(end, x2) - x))
                terminal[y][x : x + len(cells)] = cells


def full_render(screen: Screen[Any]) -> Cells:
    return [cells_of(strip) for strip in screen._compositor.render_strips()]


FOCUS_ORDER = ["#input0", "#table3", "#table1", "#input2", "#table3", "#input0"]


async def written_since(pilot: Any, app: Panels, terminal: Cells, after: str) -> Cells:
    """Let the app repaint, write its partial updates onto ``terminal`` as a terminal
    would, and check that equals a full render; returns the full render."""
    await pilot.pause()
    await pilot.pause()
    for update in app.updates:
        apply(update, terminal)
    app.updates.clear()
    expected = full_render(app.screen)
    assert terminal == expected, f"partial updates left stale cells after {after}"
    return expected


async def looks_after_focus_moves(screen: Screen[None], css: str = CSS) -> list[Cells]:
    """The full render after each focus move, checked against the partial updates."""
    app = Panels(screen, css)
    looks: list[Cells] = []
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        terminal = full_render(app.screen)
        app.updates.clear()
        for selector in FOCUS_ORDER:
            widget = app.screen.query_one(selector)
            widget.focus()
            await wait_for(pilot, lambda w=widget: app.screen.focused is w, f"focus on {selector}")
            looks.append(await written_since(pilot, app, terminal, selector))
    return looks


async def test_same_cells_as_textual_after_every_focus_change() -> None:
    quick = await looks_after_focus_moves(Quick())
    plain = await looks_after_focus_moves(Plain())
    assert quick == plain
    assert quick[0] != quick[1]  # focus shows: the borders moved


async def test_a_rule_on_an_ancestor_with_focus_within_still_restyles_descendants() -> None:
    quick = await looks_after_focus_moves(Quick(), DESCENDANT_CSS)
    plain = await looks_after_focus_moves(Plain(), DESCENDANT_CSS)
    assert quick == plain


async def test_diagonal_focus_change_renders_only_the_two_panels() -> None:
    rendered: list[str] = []
    app = Panels(Quick())
    async with app.run_test(size=(100, 40)) as pilot:
        first = app.screen.query_one("#input0")
        first.focus()
        await wait_for(pilot, lambda: app.screen.focused is first, "focus on #input0")
        await pilot.pause()
        await pilot.pause()
        for widget in app.screen.walk_children():
            original = widget.render_lines

            def spy(crop: Any, widget: Any = widget, original: Any = original) -> Any:
                rendered.append(widget.id or "")
                return original(crop)

            widget.render_lines = spy  # type: ignore[method-assign]
        last = app.screen.query_one("#table3")
        last.focus()
        await wait_for(pilot, lambda: app.screen.focused is last, "focus on #table3")
        await pilot.pause()
        await pilot.pause()
    panels = {name for name in rendered if name.startswith("panel")}
    assert panels == {"panel0", "panel3"}


async def test_the_stylesheet_check() -> None:
    for css, local in ((CSS, True), (DESCENDANT_CSS, False)):
        app = Panels(Quick(), css)
        async with app.run_test(size=(60, 20)):
            assert focus_within_styles_only_its_element(app.stylesheet) is local


def test_separate_groups_never_overlap() -> None:
    from textual.geometry import Region

    regions = [Region(0, 0, 10, 5), Region(2, 2, 3, 2), Region(20, 0, 5, 5), Region(9, 4, 12, 1)]
    # The last region joins the first two boxes to the third: one group.
    assert len(separate_groups(regions)) == 1
    apart = [Region(0, 0, 10, 5), Region(2, 2, 3, 2), Region(20, 10, 5, 5)]
    groups = separate_groups(apart)
    assert sorted(len(g) for g in groups) == [1, 2]


def test_cells_of_handles_styled_segments() -> None:
    strip = Strip([Segment("ab"), Segment("c")])
    assert [c for c, _ in cells_of(strip)] == ["a", "b", "c"]


async def test_restyled_panels_join_the_next_frame_directly() -> None:
    """The panel losing focus and the one gaining it are in the screen's next
    frame as soon as focus moves, not after a hop through their own message
    queues (which, on a busy loop, left one of them for a later frame)."""
    app = Panels(Quick())
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.screen
        screen.query_one("#input0").focus()
        await pilot.pause()
        await pilot.pause()
        screen._dirty_widgets.clear()
        screen.set_focus(screen.query_one("#table3"))  # as a 1-4 key does, synchronously
        assert {"panel0", "panel3"} <= {w.id for w in screen._dirty_widgets}
        # Their own route is not taken as well (it would paint them twice).
        assert not screen.query_one("#panel0")._repaint_required
        assert not screen.query_one("#panel3")._repaint_required
