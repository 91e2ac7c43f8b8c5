"""Formatting shared by every screen and the CLI: times, money, durations.

Times are shown in **one** zone, the configured ``display.timezone`` (default
Europe/London), through a ``DisplayTime``. Nothing else formats a datetime for
a person, so the Faults panel, Next actions, history, the review screens and
``decisions list`` can never disagree about what 08:00 means. Where a time is
read out to a customer (ETAs, engineer slots) the zone's abbreviation is shown
with it ("08:00–13:00 BST"), since it changes twice a year.

Day and month names are spelt out in English rather than taken from strftime's
``%a``/``%b``, which follow the process locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/London"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ``ValueError`` saying what is wrong otherwise."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        # ZoneInfo raises ValueError for malformed keys ("../x") and
        # ZoneInfoNotFoundError (a KeyError) for unknown ones.
        raise ValueError(
            f"unknown time zone {name!r}; give an IANA name such as Europe/London or UTC"
        ) from exc


@dataclass(frozen=True)
class DisplayTime:
    """Every datetime a person reads, in one zone."""

    zone: tzinfo
    name: str

    @classmethod
    def named(cls, name: str) -> DisplayTime:
        return cls(zone=load_zone(name), name=name)

    @property
    def label(self) -> str:
        """How the zone is named in a header: 'UK time', or its IANA name."""
        return "UK time" if self.name == "Europe/London" else self.name

    @property
    def short_label(self) -> str:
        """For a narrow column header: 'UK', or the IANA name."""
        return "UK" if self.name == "Europe/London" else self.name

    def local(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("naive datetime: times must be timezone-aware")
        return at.astimezone(self.zone)

    def abbrev(self, at: datetime) -> str:
        """The zone's abbreviation at that moment: 'BST', 'GMT', 'UTC', 'CET'."""
        return self.local(at).tzname() or self.name

    def moment(self, at: datetime | None, *, zone: bool = True) -> str:
        """'Sat 21 Nov 14:00 GMT' (or without the zone)."""
        if at is None:
            return "—"
        local = self.local(at)
        text = f"{_weekday(local)} {local.day} {_MONTHS[local.month - 1]} {local:%H:%M}"
        return f"{text} {self.abbrev(at)}" if zone else text

    def slot(self, start: datetime, end: datetime) -> str:
        """An appointment window: 'Wed 10 Jun 08:00–13:00 BST'."""
        first, last = self.local(start), self.local(end)
        if first.date() == last.date():
            return f"{self.moment(start, zone=False)}–{last:%H:%M} {self.abbrev(end)}"
        return f"{self.moment(start)} – {self.moment(end)}"

    def short(self, at: datetime) -> str:
        """A compact table cell: '21 Nov 14:00' (the zone is in the column header)."""
        local = self.local(at)
        return f"{local.day:02d} {_MONTHS[local.month - 1]} {local:%H:%M}"

    def stamp(self, at: datetime | None, *, seconds: bool = False) -> str:
        """Sortable, for the command line: '2026-11-21 14:00 GMT'."""
        if at is None:
            return "never"
        local = self.local(at)
        clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
        return f"{local:%Y-%m-%d} {clock} {self.abbrev(at)}"


LONDON = DisplayTime.named(DEFAULT_ZONE)
"""The default display: what the app shows when no zone is configured."""


def _weekday(d: date) -> str:
    return _DAYS[d.weekday()]


def pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


def day(d: date | None) -> str:
    """A calendar date (no zone: it is the same day everywhere it is quoted)."""
    return f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year}" if d else "—"


def hours(delta: timedelta) -> str:
    total = round(delta.total_seconds() / 3600)
    return f"{total:+d} h"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 decision', '2 decisions', '1,204 overrides'."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"


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
