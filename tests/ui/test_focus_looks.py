"""Widgets that keep their rendered lines per focus look draw exactly what Textual draws.

The kept lines are only reused for a change of focus: a change of content, of a
title, of a class or of the theme while a look is not shown must show when it is.
Each step's full render is compared with the same steps on plain Textual widgets,
and the partial updates written after each step with the full render.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Awaitable, Callable
from typing import Any

from rich.style import Style
from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Grid, Vertical
from textual.coordinate import Coordinate
from textual.dom import DOMNode
from textual.geometry import Offset
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from advisor_tui.app import AdvisorApp
from advisor_tui.widgets import BackendPanel
from advisor_tui.widgets._looks import KeepsLooks, LookCache
from advisor_tui.widgets._quick_screen import QuickScreen
from advisor_tui.widgets._table import FocusCachedTable
from advisor_tui.widgets.approval_outcomes import ApprovalOutcomes
from tests.ui.conftest import AppFactory
from tests.ui.helpers import press_keys, search, wait_for
from tests.ui.test_focus_cached_table import styles_of
from tests.ui.test_quick_screen import Cells, Panels, full_render, written_since

CSS = """
Grid { grid-size: 2 1; }
.panel { border: round $primary; }
.panel:focus-within { border: round $accent; }
"""


class LookPanel(KeepsLooks, Vertical, can_focus=True):
    pass


class PlainPanel(Vertical, can_focus=True):
    pass


def compose_panels(looks: bool) -> ComposeResult:
    with Grid():
        for n in range(2):
            panel = (LookPanel if looks else PlainPanel)(id=f"panel{n}", classes="panel")
            panel.border_title = f"panel {n}"
            with panel:
                yield Static(f"text of panel {n}", id=f"text{n}")
                table: DataTable[Any] = (FocusCachedTable if looks else DataTable)(
                    id=f"table{n}", cursor_type="row"
                )
                table.add_columns("When", "What")
                for row in range(6):
                    table.add_row(f"0{row}:00", f"event {row} of panel {n}")
                yield table


class Looks(QuickScreen, Screen[None]):
    def compose(self) -> ComposeResult:
        yield from compose_panels(looks=True)


class Plain(Screen[None]):
    def compose(self) -> ComposeResult:
        yield from compose_panels(looks=False)


Step = Callable[[Screen[Any]], Awaitable[None] | None]


def focus(selector: str) -> Step:
    def step(screen: Screen[Any]) -> None:
        screen.query_one(selector, Widget).focus()

    return step


def change_what_panel0_shows(screen: Screen[Any]) -> None:
    """While panel 0 and its table are not focused: their looks there are stale."""
    screen.query_one("#panel0").border_title = "panel 0, renamed"
    table = screen.query_one("#table0", DataTable)
    table.add_row("06:00", "a row added while another panel had focus")
    table.move_cursor(row=2)
    table.update_cell_at(Coordinate(0, 1), "first row, changed")


def move_table0_cursor(screen: Screen[Any]) -> None:
    """Only the two rows' lines are dirtied (not the whole table)."""
    screen.query_one("#table0", DataTable).move_cursor(row=4)


def change_theme(screen: Screen[Any]) -> None:
    screen.app.theme = "textual-light"


STEPS: list[tuple[str, Step]] = [
    ("focus table 0", focus("#table0")),
    ("focus table 1", focus("#table1")),
    ("focus table 0 again", focus("#table0")),
    ("focus panel 1 itself", focus("#panel1")),
    ("change panel 0 and its table", change_what_panel0_shows),
    ("focus table 0 after the change", focus("#table0")),
    ("focus table 1 after the change", focus("#table1")),
    ("move table 0's cursor", move_table0_cursor),
    ("focus table 0 after its cursor moved", focus("#table0")),
    ("focus table 1 again", focus("#table1")),
    ("change the theme", change_theme),
    ("focus table 0 in the new theme", focus("#table0")),
    ("focus panel 1 in the new theme", focus("#panel1")),
]


async def looks_after_steps(screen: Screen[None]) -> list[Cells]:
    app = Panels(screen, CSS)
    looks: list[Cells] = []
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        terminal = full_render(app.screen)
        app.updates.clear()
        for name, step in STEPS:
            result = step(app.screen)
            if result is not None:
                await result
            looks.append(await written_since(pilot, app, terminal, name))
    return looks


async def test_same_cells_as_textual_after_focus_and_content_changes() -> None:
    kept = await looks_after_steps(Looks())
    plain = await looks_after_steps(Plain())
    for (name, _), mine, textual in zip(STEPS, kept, plain, strict=True):
        assert mine == textual, f"different cells from Textual's after {name}"
    assert kept[0] != kept[1]  # focus shows


async def test_a_focus_change_draws_a_kept_look_from_its_cache() -> None:
    app = Panels(Looks(), CSS)
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.screen.query_one("#table0", FocusCachedTable)
        for selector in ("#table0", "#table1", "#table0", "#table1"):
            app.screen.query_one(selector).focus()
            await wait_for(
                pilot, lambda s=selector: app.focused is app.screen.query_one(s), selector
            )
            await pilot.pause()
        cache = table._styles_cache
        assert isinstance(cache, LookCache)
        drawn: list[int] = []
        original = type(table).render_line

        def counting(self: FocusCachedTable, y: int) -> Any:
            drawn.append(y)
            return original(self, y)

        type(table).render_line = counting  # type: ignore[method-assign]
        try:
            table.focus()
            await wait_for(pilot, lambda: app.focused is table, "focus on table 0")
            await pilot.pause()
            await pilot.pause()
        finally:
            type(table).render_line = original  # type: ignore[method-assign]
        assert drawn == []  # both looks were kept: no line of the table drawn again


def test_textual_focus_handlers_are_still_what_keeps_looks_redoes() -> None:
    """KeepsLooks does Textual's Widget._on_focus / _on_blur itself (and stops
    Textual's): if Textual's change, so must it."""
    expected = {
        "_on_focus": """
            def _on_focus(self, event: events.Focus) -> None:
                self.has_focus = True
                self.refresh()
                if self.parent is not None:
                    self.parent.post_message(events.DescendantFocus(self))
            """,
        "_on_blur": """
            def _on_blur(self, event: events.Blur) -> None:
                self.has_focus = False
                self.refresh()
                if self.parent is not None:
                    self.parent.post_message(events.DescendantBlur(self))
            """,
    }
    for name, source in expected.items():
        actual = textwrap.dedent(inspect.getsource(getattr(Widget, name))).strip()
        assert actual == textwrap.dedent(source).strip()


# The real screen: the focused panel's border shows, however focus got there -------


def corner_style(app: AdvisorApp, panel: BackendPanel[object]) -> Style:
    """The style of the panel's top-left border cell, as drawn on screen."""
    x, y = panel.region.offset
    line = app.screen._compositor.render_strips()[y]
    cells = [(segment.style, char) for segment in line for char in segment.text]
    style, char = cells[x]
    assert char == "╭"
    assert style is not None
    return style


def highlighted(app: AdvisorApp) -> list[str]:
    """The panels whose border is drawn in the accent colour."""
    accent = Color.parse(app.theme_variables["accent"]).rich_color
    panels = app.screen.query(BackendPanel)
    return [str(p.id) for p in panels if corner_style(app, p).color == accent]


def panel_with_focus(app: AdvisorApp) -> str | None:
    node: DOMNode | None = app.focused
    while node is not None and not isinstance(node, BackendPanel):
        node = node.parent
    return None if node is None else node.id


async def wait_highlight(pilot: Pilot[None], app: AdvisorApp, panel_id: str) -> None:
    await wait_for(pilot, lambda: panel_with_focus(app) == panel_id, f"focus in #{panel_id}")
    await pilot.pause()
    await pilot.pause()
    assert highlighted(app) == [panel_id]


async def test_the_focused_panel_is_highlighted_by_keys_tab_and_click(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await search(pilot, "@ballantyne70")
        order = (("2", "history"), ("3", "faults"), ("4", "actions"), ("1", "customer"))
        for key, panel_id in order:
            await press_keys(pilot, key)
            await wait_highlight(pilot, app, panel_id)
        for key, panel_id in (("2", "history"), ("1", "customer")):  # kept looks
            await press_keys(pilot, key)
            await wait_highlight(pilot, app, panel_id)
        # Tab from Customer's body goes on into the next panel's widgets.
        await pilot.press("tab")
        await wait_for(pilot, lambda: panel_with_focus(app) != "customer", "Tab out of Customer")
        moved_to = panel_with_focus(app)
        assert moved_to is not None
        await wait_highlight(pilot, app, moved_to)
        for panel_id in ("faults", "customer"):
            target = app.screen.query_one(f"#{panel_id}", BackendPanel)
            # A click inside the panel, below its title (a mouse's focus).
            await pilot.click(target, offset=Offset(3, 2))
            await wait_highlight(pilot, app, panel_id)


async def test_a_panel_focused_itself_is_highlighted(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("escape")  # out of the search box
        # No customer yet: a panel is focused itself (as while it loads).
        for key, panel_id in (("3", "faults"), ("4", "actions"), ("3", "faults")):
            await press_keys(pilot, key)
            await wait_highlight(pilot, app, panel_id)


async def test_history_rows_are_drawn_focused_before_the_first_2(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await search(pilot, "@ballantyne70")
        table = app.screen.query_one("#history-table", FocusCachedTable)
        cache = table._styles_cache
        assert isinstance(cache, LookCache)
        focused_look = (True, False)
        await wait_for(pilot, lambda: focused_look in cache._looks, "the focused look drawn")
        assert not table.has_focus
        drawn: list[int] = []
        original = FocusCachedTable.render_line

        def counting(self: FocusCachedTable, y: int) -> Any:
            drawn.append(y)
            return original(self, y)

        FocusCachedTable.render_line = counting  # type: ignore[method-assign]
        try:
            await press_keys(pilot, "2")
            await wait_highlight(pilot, app, "history")
        finally:
            FocusCachedTable.render_line = original  # type: ignore[method-assign]
        assert table.has_focus
        assert drawn == []


async def test_styles_kept_per_context_are_what_textual_computes(make_app: AppFactory) -> None:
    """After 1-4 cycles (each panel, the table and the actions list restyled
    from kept styles), every such widget's styles equal Textual's own."""
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await search(pilot, "@ballantyne70")
        for key in "12341234":
            await press_keys(pilot, key)
            await pilot.pause()
            kept = [w for w in app.screen.query("*") if isinstance(w, KeepsLooks)]
            assert {"history", "actions", "history-table", "actions-list"} <= {w.id for w in kept}
            for widget in kept:
                before = styles_of(widget)
                app.stylesheet.update_nodes([widget])
                assert styles_of(widget) == before, f"{widget!r} after {key}"


async def test_an_unchanged_approvals_poll_repaints_nothing(make_app: AppFactory) -> None:
    """The approvals line polls every 10 s: an unchanged answer neither lays out
    the screen nor repaints (a key pressed as it answered waited for both)."""
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        outcomes = app.screen.query_one(ApprovalOutcomes)
        await wait_for(pilot, lambda: outcomes.known is not None, "the first approvals poll")
        await pilot.pause()
        updates: list[dict[str, Any]] = []
        original = outcomes.update

        def spy(*args: Any, **kwargs: Any) -> None:
            updates.append(kwargs)
            original(*args, **kwargs)

        outcomes.update = spy  # type: ignore[method-assign]
        outcomes.apply((list(outcomes.views), dict(outcomes.names)))
        assert updates == []
        outcomes._shown = None  # as if the line had changed: shown in place
        outcomes.apply((list(outcomes.views), dict(outcomes.names)))
        assert updates == [{"layout": False}]
        await pilot.pause()
        assert not app.screen._layout_required
