"""Override figures of a period, shaped for display: rates ranked, a daily series, repeats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from advisor_tui.contract.decisions import DecisionStats, RateBucket, RepeatedOverride

# The figures' periods, cycled by a key on the review screen.
PERIODS: tuple[int, ...] = (7, 30, 90)


def period_since(days: int, today: date) -> datetime:
    """Start of a period of ``days`` calendar days (UTC) ending with ``today``."""
    return datetime.combine(today - timedelta(days=days - 1), time(), UTC)


def ranked(buckets: Sequence[RateBucket]) -> list[RateBucket]:
    """Highest override rate first; more overrides breaks ties, so one override in
    one decision does not hide a step overridden forty times in a hundred."""
    return sorted(buckets, key=lambda b: (-b.rate, -b.overrides, b.key))


def daily_rates(by_day: Sequence[RateBucket], first_day: date, days: int) -> list[float]:
    """Override rate per day for ``days`` days from ``first_day``; days without
    decisions count as 0, so the chart's horizontal axis is time, not data."""
    rates = {b.key: b.rate for b in by_day}
    return [rates.get((first_day + timedelta(days=i)).isoformat(), 0.0) for i in range(days)]


@dataclass(frozen=True, slots=True)
class FiguresSummary:
    """The override figures of one period, shaped for display."""

    days: int
    first_day: date
    decisions: int
    overrides: int
    by_advisor: list[RateBucket]
    by_step: list[RateBucket]
    daily: list[float]
    repeated: list[RepeatedOverride]

    @property
    def rate(self) -> float:
        return self.overrides / self.decisions if self.decisions else 0.0


def summarise(stats: DecisionStats, *, days: int, today: date) -> FiguresSummary:
    first_day = today - timedelta(days=days - 1)
    return FiguresSummary(
        days=days,
        first_day=first_day,
        decisions=sum(b.decisions for b in stats.by_day),
        overrides=sum(b.overrides for b in stats.by_day),
        by_advisor=ranked(stats.by_advisor),
        by_step=ranked(stats.by_step),
        daily=daily_rates(stats.by_day, first_day, days),
        repeated=sorted(stats.repeated_overrides, key=lambda r: (-r.count, r.step_id)),
    )


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"
