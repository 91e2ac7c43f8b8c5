"""Override figures at a glance: rates per advisor and per step, a daily chart, repeats.

Display only: the review screen fetches the figures and sets them here, so
this widget never talks to a backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Sparkline, Static

from advisor_tui.contract import RateBucket, RepeatedOverride
from advisor_tui.formatting import plural
from advisor_tui.supervision import AdvisorNames, FiguresSummary, percent
from advisor_tui.text import safe_text

# Enough rows to see who and what stands out; the rest are counted, not hidden.
MAX_ROWS = 12
BAR_WIDTH = 20


def rate_bar(rate: float, width: int = BAR_WIDTH) -> Text:
    filled = round(rate * width)
    return Text("█" * filled + "·" * (width - filled), style="bold yellow" if rate else "dim")


def rate_table(
    title: str,
    heading: str,
    buckets: Sequence[RateBucket],
    label: Callable[[str], str] = str,
) -> Table:
    """``label`` turns a bucket's key into what is shown (an advisor id into a name)."""
    table = Table(title=title, title_justify="left", expand=True, box=None, pad_edge=False)
    table.add_column(heading, ratio=2, no_wrap=True)
    table.add_column("decided", justify="right")
    table.add_column("overrides", justify="right")
    table.add_column("rate", justify="right")
    table.add_column("", width=BAR_WIDTH, no_wrap=True)
    for bucket in buckets[:MAX_ROWS]:
        table.add_row(
            safe_text(label(bucket.key), max_len=40),
            f"{bucket.decisions:,}",
            f"{bucket.overrides:,}",
            percent(bucket.rate),
            rate_bar(bucket.rate),
        )
    if len(buckets) > MAX_ROWS:
        table.add_row(Text(f"… {len(buckets) - MAX_ROWS} more", style="dim"), "", "", "", "")
    if not buckets:
        table.add_row(Text("no decisions in this period", style="dim"), "", "", "", "")
    return table


def repeated_table(repeated: Sequence[RepeatedOverride]) -> Table:
    table = Table(
        title="Overrides most often repeated for the same step (candidates for new process)",
        title_justify="left",
        expand=True,
        box=None,
        pad_edge=False,
    )
    table.add_column("times", justify="right")
    table.add_column("process step", ratio=1)
    table.add_column("done instead", ratio=2)
    for item in repeated[:MAX_ROWS]:
        step = safe_text(item.step_title, max_len=60)
        step.append(safe_text(f" ({item.step_id})", "dim", 60))
        table.add_row(f"{item.count:,}", step, safe_text(item.alternative, max_len=120))
    if not repeated:
        table.add_row("", Text("no override repeated in this period", style="dim"), "")
    return table


class FiguresPanel(VerticalScroll):
    DEFAULT_CSS = """
    FiguresPanel { height: 1fr; padding: 0 1; }
    FiguresPanel #figures-head { height: auto; }
    FiguresPanel #figures-chart-label { height: 1; color: $text-muted; }
    FiguresPanel #figures-chart { height: 4; margin-bottom: 1; }
    FiguresPanel #figures-rates { height: auto; }
    FiguresPanel #figures-rates > Static { width: 1fr; height: auto; padding-right: 2; }
    FiguresPanel #figures-repeated { height: auto; margin-top: 1; }
    FiguresPanel.-error #figures-head { color: $error; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.summary: FiguresSummary | None = None
        self.team: str | None = None
        self.names = AdvisorNames()

    def compose(self) -> ComposeResult:
        yield Static("Figures load when this screen opens.", id="figures-head")
        yield Static(id="figures-chart-label")
        yield Sparkline([], id="figures-chart")
        with Horizontal(id="figures-rates"):
            yield Static(id="figures-advisors")
            yield Static(id="figures-steps")
        yield Static(id="figures-repeated")

    def show_loading(self, days: int) -> None:
        self.remove_class("-error")
        self.query_one("#figures-head", Static).update(
            Text(f"Loading the last {days} days of figures from decisions…", style="dim")
        )

    def show_error(self, message: str) -> None:
        """Keep the last figures visible but say plainly they could not be refreshed."""
        self.add_class("-error")
        head = Text("⚠ ", style="bold red")
        head.append(safe_text(message, "bold red", 300))
        head.append("\nPress r to retry.", style="italic")
        self.query_one("#figures-head", Static).update(head)

    def set_names(self, names: AdvisorNames) -> None:
        """Show advisors by name from now on (the figures shown are redrawn)."""
        self.names = names
        if self.summary is not None and not self.has_class("-error"):
            self.show(self.summary, self.team)

    def show(self, summary: FiguresSummary, team: str | None = None) -> None:
        self.summary = summary
        self.team = team
        self.remove_class("-error")
        last_day = summary.first_day + timedelta(days=summary.days - 1)
        head = Text(f"Last {summary.days} days ", style="bold")
        head.append(f"({summary.first_day:%d %b} – {last_day:%d %b %Y}, UTC)")
        if team:
            head.append(" · team ")
            head.append(safe_text(team, "bold", 60))
        head.append(" · p changes the period\n")
        head.append(
            f"{plural(summary.decisions, 'decision')}, {plural(summary.overrides, 'override')}: "
            f"override rate {percent(summary.rate)}",
            style="bold",
        )
        self.query_one("#figures-head", Static).update(head)

        peak = max(summary.daily, default=0.0)
        label = f"Daily override rate, {summary.first_day:%d %b} → {last_day:%d %b}"
        if peak:
            peak_day = summary.first_day + timedelta(days=summary.daily.index(peak))
            label += f" · peak {percent(peak)} on {peak_day:%d %b}"
        else:
            label += " · no overrides"
        self.query_one("#figures-chart-label", Static).update(label)
        self.query_one("#figures-chart", Sparkline).data = summary.daily

        self.query_one("#figures-advisors", Static).update(
            rate_table("Override rate per advisor", "advisor", summary.by_advisor, self.names.name)
        )
        self.query_one("#figures-steps", Static).update(
            rate_table("Override rate per process step", "step", summary.by_step)
        )
        self.query_one("#figures-repeated", Static).update(Group(repeated_table(summary.repeated)))
