"""Small formatting helpers shared by the panels (times, money, durations)."""

from __future__ import annotations

from datetime import date, datetime, timedelta


def pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


def when(at: datetime | None) -> str:
    """A UTC time as an advisor reads it: 'Sat 21 Nov 14:00'."""
    return at.strftime("%a %d %b %H:%M") if at else "—"


def day(d: date | None) -> str:
    return d.strftime("%d %b %Y") if d else "—"


def hours(delta: timedelta) -> str:
    total = round(delta.total_seconds() / 3600)
    return f"{total:+d} h"


def duration(delta: timedelta) -> str:
    """'4 days 3 h', '5 h', '12 min' — the largest two units that matter."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hrs = rest // 3600
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hrs} h" if hrs else "")
    if hrs:
        return f"{hrs} h"
    return f"{rest // 60} min"
