"""FocusCachedTable keeps its row renders across focus changes, and looks like a DataTable."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from advisor_tui.widgets._looks import KeepsLooks
from advisor_tui.widgets._table import FocusCachedTable

Look = list[list[tuple[str, str]]]


class Tables(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(id="elsewhere")
        for table in (FocusCachedTable(id="cached"), DataTable[Any](id="plain")):
            table.cursor_type = "row"
            table.add_columns("When", "Summary")
            for n in range(8):
                table.add_row(f"0{n}:00", f"event {n}")
            yield table


def look(table: DataTable[Any]) -> Look:
    """What each visible line shows: text and style of every segment."""
    return [
        [(segment.text, str(segment.style)) for segment in table.render_line(y)]
        for y in range(table.size.height)
    ]


async def focused_and_blurred(app: Tables, pilot: Pilot[None]) -> tuple[Look, Look, Look, Look]:
    cached = app.query_one("#cached", FocusCachedTable)
    plain = app.query_one("#plain", DataTable)
    cached.focus()
    await pilot.pause()
    cached_focused = look(cached)
    plain.focus()
    await pilot.pause()
    plain_focused, cached_blurred = look(plain), look(cached)
    app.query_one("#elsewhere").focus()
    await pilot.pause()
    return cached_focused, plain_focused, cached_blurred, look(plain)


async def test_same_look_as_a_datatable_in_every_focus_state_and_theme() -> None:
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        for _ in range(2):  # the second round is drawn from the kept renders
            (
                cached_focused,
                plain_focused,
                cached_blurred,
                plain_blurred,
            ) = await focused_and_blurred(app, pilot)
            assert cached_focused == plain_focused
            assert cached_blurred == plain_blurred
            assert cached_focused != cached_blurred  # the cursor row shows focus
        # Any other style change still empties the kept renders.
        app.theme = "textual-light"
        await pilot.pause()
        cached_focused, plain_focused, cached_blurred, plain_blurred = await focused_and_blurred(
            app, pilot
        )
        assert cached_focused == plain_focused
        assert cached_blurred == plain_blurred


class Wide(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(id="elsewhere")
        table = FocusCachedTable(id="cached")
        table.add_columns(*(f"column {n}" for n in range(12)))
        yield table

    def on_mount(self) -> None:
        # Rows landing after the first frame, as History's page does.
        table = self.query_one(FocusCachedTable)
        for n in range(40):
            table.add_row(*(f"row {n} cell {c}" for c in range(12)))


async def test_first_focus_changes_no_rule_of_its_scroll_bars() -> None:
    """Textual styles a scroll bar only when its widget is next restyled (its first
    focus), and two of the rules then set ask for a layout of the whole screen."""
    app = Wide()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(FocusCachedTable)
        bars = [table.vertical_scrollbar, table.horizontal_scrollbar]
        assert all(bar.display for bar in bars)  # the content overflows both ways
        before = [dict(bar.styles.base._rules) for bar in bars]
        assert all(rules.get("scrollbar_size_horizontal") == 1 for rules in before)
        table.focus()
        await pilot.pause()
        assert [dict(bar.styles.base._rules) for bar in bars] == before


def styles_of(table: KeepsLooks) -> tuple[object, ...]:
    """A widget's rules, its component styles' rules and its scroll bars' rules."""
    return (
        dict(table.styles.base._rules),
        {name: dict(styles.base._rules) for name, styles in table._component_styles.items()},
        [dict(bar.styles.base._rules) for bar in table._shown_scrollbars()],
    )


class WideWithAncestorRule(Wide):
    CSS = "Screen.alternate DataTable { background: darkred; }"


async def test_a_focus_restyle_from_the_kept_styles_is_what_textual_computes() -> None:
    app = WideWithAncestorRule()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(FocusCachedTable)
        assert len(table._shown_scrollbars()) == 3  # both bars and their corner
        elsewhere = app.query_one("#elsewhere")
        seen = []
        for widget in (table, elsewhere, table, elsewhere, app.query_one("#elsewhere"), table):
            widget.focus()
            await pilot.pause()
            kept = styles_of(table)  # from the third focus change on, from the kept styles
            app.stylesheet.update_nodes([table])  # Textual's own, from the stylesheet
            assert styles_of(table) == kept
            seen.append(kept)
        assert seen[0] != seen[1]  # focus changes the table's styles
        # A class on an ancestor that a rule matches is a new context.
        app.screen.add_class("alternate")
        await pilot.pause()
        for widget in (elsewhere, table, elsewhere):
            widget.focus()
            await pilot.pause()
            kept = styles_of(table)
            app.stylesheet.update_nodes([table])
            assert styles_of(table) == kept
        assert kept != seen[1]
        # A change of theme is a new context: restyled from the stylesheet.
        app.theme = "textual-light"
        await pilot.pause()
        elsewhere.focus()
        await pilot.pause()
        table.focus()
        await pilot.pause()
        kept = styles_of(table)
        app.stylesheet.update_nodes([table])
        assert styles_of(table) == kept != seen[-1]
