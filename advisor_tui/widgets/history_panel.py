"""History panel: every contact on every channel, newest first, paged from the backend.

Only the pages the advisor has scrolled to are fetched, so a customer with
100,000 events opens as fast as one with ten. Channel filter and text search
are done by the backend: the panel never filters what it has not loaded.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static

from advisor_tui.contract import Backend, Channel, HistoryEvent, HistoryPage
from advisor_tui.session import Session
from advisor_tui.text import safe_text
from advisor_tui.widgets._panel import BackendPanel
from advisor_tui.widgets._table import FocusCachedTable
from advisor_tui.widgets._times import display_time

PAGE_SIZE = 50
# Fetch the next page when the cursor is this close to the last loaded row,
# so the advisor scrolling steadily never waits on the backend.
PREFETCH_ROWS = 15
MORE_GROUP = "more"
SUMMARY_WIDTH = 60
CHANNEL_SHORT = {Channel.ENGINEER_VISIT: "engineer", Channel.WEB_CHAT: "web chat"}


class HistoryPanel(BackendPanel[HistoryPage]):
    BACKEND = Backend.CUSTOMERS
    TITLE = "2 History"
    NOUN = "their history"
    DEFAULT_CSS = """
    HistoryPanel .history-filters { height: 3; }
    HistoryPanel #history-channel { width: 24; }
    HistoryPanel #history-query { width: 1fr; }
    HistoryPanel #history-table { height: 1fr; }
    HistoryPanel #history-foot { height: 1; color: $text-muted; }
    """

    class EventChosen(Message):
        """The advisor pressed Enter on an event: open it in full."""

        def __init__(self, event: HistoryEvent) -> None:
            super().__init__()
            self.event = event

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="panel-body"):
            with Horizontal(classes="history-filters"):
                yield Select(
                    [(c.value.replace("_", " "), c) for c in Channel],
                    prompt="All channels",
                    id="history-channel",
                )
                yield Input(placeholder="Search history (s)", id="history-query")
            table = FocusCachedTable(id="history-table", cursor_type="row")
            # Summary before who handled it: on a narrow panel it is what
            # the advisor needs to see without scrolling sideways.
            table.add_column("When", key="at", width=12)
            table.add_column("Channel", key="channel", width=9)
            table.add_column("Dir", key="dir", width=3)
            table.add_column("Summary", key="summary", width=SUMMARY_WIDTH)
            table.add_column("Handled by", key="by", width=24)
            yield table
            yield Static(id="history-foot")

    def __init__(self, session: Session, *, id: str | None = None) -> None:
        super().__init__(session, id=id)
        self.events: list[HistoryEvent] = []
        self.next_cursor: str | None = None
        self.channel: Channel | None = None
        self.query_text: str | None = None

    async def fetch(self, customer_id: str) -> HistoryPage:
        return await self.session.history(
            customer_id, limit=PAGE_SIZE, channel=self.channel, query=self.query_text
        )

    def reset(self) -> None:
        """A new customer starts with every channel and no search."""
        super().reset()
        self.channel = None
        self.query_text = None
        self.next_cursor = None
        self.workers.cancel_group(self, MORE_GROUP)
        with self.prevent(Select.Changed):
            self.query_one("#history-channel", Select).clear()
        self.query_one("#history-query", Input).value = ""

    def show(self, data: HistoryPage) -> None:
        table = self.query_one("#history-table", DataTable)
        table.clear()
        self.events = []
        self._append(data)
        table.move_cursor(row=0)
        # The table draws its focused look itself once these rows are painted
        # (FocusCachedTable.warm_focused_look): the first 2 draws from cache.

    def _append(self, page: HistoryPage) -> None:
        table = self.query_one("#history-table", DataTable)
        times = display_time(self)
        # One batch per page: a single layout pass instead of one per row.
        table.add_rows(
            (
                times.short(event.at),
                CHANNEL_SHORT.get(event.channel, event.channel.value),
                {"inbound": "in", "outbound": "out"}.get(event.direction.value, "—"),
                safe_text(event.summary, max_len=SUMMARY_WIDTH),
                safe_text(event.handled_by, max_len=40),
            )
            for event in page.events
        )
        self.events.extend(page.events)
        self.next_cursor = page.next_cursor
        self._update_foot()

    def _update_foot(self, extra: str = "") -> None:
        filters = []
        if self.channel:
            filters.append(self.channel.value)
        if self.query_text:
            filters.append(f'"{self.query_text}"')
        shown = f"{len(self.events):,} loaded" + (" · more below" if self.next_cursor else " · end")
        shown += f" · times in {display_time(self).label}"
        where = f" · filter {' '.join(filters)}" if filters else ""
        foot = safe_text(shown + where + extra, max_len=200)
        self.query_one("#history-foot", Static).update(foot)

    def focus_target(self) -> Widget:
        if self.state == "ready":
            return self.query_one("#history-table", DataTable)
        return self

    # Paging ---------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#history-table")
    def _maybe_page(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.events) - PREFETCH_ROWS:
            self.load_more()

    def load_more(self) -> None:
        if self.customer_id is None or self.next_cursor is None:
            return
        if any(w.group == MORE_GROUP and w.is_running for w in self.workers):
            return
        cursor, customer_id = self.next_cursor, self.customer_id
        self.call_backend(
            "loading the next page of history",
            self.session.history(
                customer_id,
                cursor=cursor,
                limit=PAGE_SIZE,
                channel=self.channel,
                query=self.query_text,
            ),
            on_result=self._append,
            # Keep what is loaded; say the next page failed and how to get it.
            on_failure=lambda message, _: self._update_foot(f" · {message}; scroll to retry"),
            group=MORE_GROUP,
            exclusive=False,
        )

    # Filters ---------------------------------------------------------------

    @on(Select.Changed, "#history-channel")
    def _channel_changed(self, event: Select.Changed) -> None:
        value = event.value
        self.channel = value if isinstance(value, Channel) else None
        self.action_retry()

    @on(Input.Submitted, "#history-query")
    def _query_submitted(self, event: Input.Submitted) -> None:
        self.query_text = event.value.strip() or None
        self.action_retry()
        self.query_one("#history-table", DataTable).focus()

    @on(DataTable.RowSelected, "#history-table")
    def _open_event(self, event: DataTable.RowSelected) -> None:
        index = event.cursor_row
        if 0 <= index < len(self.events):
            self.post_message(self.EventChosen(self.events[index]))

    def action_focus_channel(self) -> None:
        self.query_one("#history-channel", Select).focus()

    def action_focus_query(self) -> None:
        self.query_one("#history-query", Input).focus()
