"""UK telecoms regulation the next actions rest on: one dated table per rule, and the sums.

Pure: no Textual, no HTTP, no clock. Every function takes the times it needs, so a
test (or a supervisor re-checking an old decision) gets the answer for that moment.

Two rules live here:

* Ofcom's voluntary **automatic compensation** scheme for landline and broadband:
  a daily amount once a total loss of service is not fixed after two full working
  days, a fixed amount per missed engineer appointment, and a daily amount for a
  late start of a new service. Rates rise each 1 April with CPI, so they are dated
  rows, with where each figure comes from, in ``regulation.toml`` (see
  ``tables.py``). Next year's row is a data change; nothing here changes.
* When a customer may take a **formal complaint to the ombudsman** (an Ofcom
  approved ADR scheme): 8 weeks after the complaint, or earlier on a deadlock
  letter; 6 weeks for complaints made from 8 April 2026 (``adr_rules`` rows).

Every function takes the ``RegulationTables`` to use (default: the shipped file),
so an operator's own file (``serve actions --rates``) changes every figure at once.

Money is integer pence throughout. Rates are already whole pence, so a total is a
sum of whole-pence day amounts and never needs rounding.

Calendar days and working days are UK days (Europe/London), since that is the day a
customer and the scheme mean; times arrive as aware datetimes in any zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from advisor_tui.contract.faults import Appointment, AppointmentStatus
from advisor_tui.formatting import pounds
from advisor_tui.services.actions.tables import (
    AdrRule,
    CompensationRates,
    RegulationTables,
    shipped_tables,
)

# Money is shown the same way on screen and in the working lines.
format_pence = pounds


class RateReading(StrEnum):
    """How a loss spanning a rate change (1 April) is paid; an operator setting.

    Ofcom's uprating notices can be read either way, so the choice is the
    operator's and the working line names the one applied.
    """

    EACH_DAY = "each-day"
    """Each eligible day at the rate in force on that day (the default)."""
    AT_START = "at-start"
    """Every day at the rate in force when the problem started (was reported)."""


def _tables(tables: RegulationTables | None) -> RegulationTables:
    return tables if tables is not None else shipped_tables()


def rates_on(day: date, tables: RegulationTables | None = None) -> CompensationRates:
    """The rates in force on ``day`` (a UK calendar date)."""
    return _tables(tables).rates_on(day)


# ------------------------------------------------------------------- UK local time


def _last_sunday(year: int, month: int) -> date:
    # Both months with a clock change (March, October) have 31 days.
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def uk_local(moment: datetime) -> datetime:
    """``moment`` as naive UK wall-clock time.

    British Summer Time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC
    on the last Sunday of October. Computed here rather than read from a tz
    database, which a fresh Windows install lacks and which the project does not
    otherwise need.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    bst_start = datetime.combine(_last_sunday(utc.year, 3), time(1))
    bst_end = datetime.combine(_last_sunday(utc.year, 10), time(1))
    return utc + timedelta(hours=1) if bst_start <= utc < bst_end else utc


# ------------------------------------------------------------------- working days


def is_bank_holiday(day: date, tables: RegulationTables | None = None) -> bool:
    return _tables(tables).is_bank_holiday(day)


def is_working_day(day: date, tables: RegulationTables | None = None) -> bool:
    """Monday to Friday, not an England and Wales bank holiday."""
    return _tables(tables).is_working_day(day)


def next_working_day(day: date, tables: RegulationTables | None = None) -> date:
    """The first working day strictly after ``day``."""
    return _tables(tables).next_working_day(day)


# ------------------------------------------------------------------- formatting


def format_uk_moment(moment: datetime) -> str:
    """An aware time as UK wall-clock text, e.g. ``Tue 24 Nov 14:00``."""
    return _moment(uk_local(moment))


def format_uk_date(day: date) -> str:
    """A UK date as text, e.g. ``Tue 24 Nov 2026``."""
    return f"{_day(day)} {day.year}"


# English names spelt out: strftime's %a/%b follow the process locale, and the
# working lines are read back in tests and by supervisors.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _mon(d: date) -> str:
    return _MONTHS[d.month - 1]


def _day(d: date) -> str:
    return f"{_DAYS[d.weekday()]} {d.day} {_mon(d)}"


def _moment(local: datetime) -> str:
    return f"{_day(local.date())} {local:%H:%M}"


def _span(first: date, last: date) -> str:
    if first == last:
        return f"{first.day} {_mon(first)}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {_mon(last)}"
    return f"{first.day} {_mon(first)}–{last.day} {_mon(last)}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ------------------------------------------------------------- repair compensation


@dataclass(frozen=True)
class CompensationWorking:
    """An amount owed and how it was reached, one human-readable line per step."""

    total_pence: int
    lines: tuple[str, ...]
    eligible_days: tuple[date, ...] = ()
    clock_ends: datetime | None = None
    """UK wall-clock end of the two full working days (repair only)."""
    rate_days: tuple[date, ...] = ()
    """The days whose rates were applied, so the caller can cite each row's source."""


def two_working_days_end(lost_since: datetime, tables: RegulationTables | None = None) -> date:
    """The UK date on which the second full working day after the loss ends.

    A working day counts as *full* only if the service was lost for the whole of
    it, so the day the loss began counts only when it began at 00:00 exactly;
    otherwise the first full working day is the next working day.
    """
    table = _tables(tables)
    local = uk_local(lost_since)
    first = local.date() if local.time() == time(0) else local.date() + timedelta(days=1)
    if not table.is_working_day(first):
        first = table.next_working_day(first)
    return table.next_working_day(first)


def repair_compensation(
    reported_at: datetime,
    fixed_at_or_now: datetime,
    services: int,
    *,
    loss_began: datetime | None = None,
    fixed: bool = False,
    reading: RateReading = RateReading.EACH_DAY,
    tables: RegulationTables | None = None,
) -> CompensationWorking:
    """Automatic compensation for a delayed repair of a total loss of service.

    The rule as implemented (Ofcom: "if a total loss of service is not fixed after two
    full working days, the customer gets the daily amount for each calendar day the
    service is not repaired"):

    * The scheme's clock starts at ``reported_at``, when the provider was told
      (the fault was opened). ``loss_began``, when the line actually went down, is
      often earlier; it is named in the working line but does not move the clock.
    * Working days are Monday to Friday except England and Wales bank holidays, in
      UK local time. A working day is *full* only if the service was lost all day,
      so a report at 09:00 on Monday has Tuesday and Wednesday as its two full
      working days; a report on Saturday has Monday and Tuesday.
    * Eligible days are whole UK calendar days (weekends and holidays included)
      from the day after the second full working day, up to and including the day
      of ``fixed_at_or_now`` (the fix when ``fixed``, else now); a day counts if the
      service was still not repaired at any moment of it, so a fix at 00:00
      exactly does not count that day.
    * ``reading`` says which rate pays a loss spanning 1 April: each day at its own
      day's rate (default), or every day at the rate when the problem started.
      The working line names the reading applied.
    * The amount is paid per affected service: a landline and a broadband service
      lost together count as ``services=2``.
    """
    if services < 0:
        raise ValueError("services must be >= 0")
    table = _tables(tables)
    reported_local = uk_local(reported_at)
    fix_local = uk_local(fixed_at_or_now)
    end_day = two_working_days_end(reported_at, table)
    clock_ends = datetime.combine(end_day, time(23, 59))
    if loss_began is not None and loss_began != reported_at:
        start = (
            f"Loss began {_moment(uk_local(loss_began))}; reported {_moment(reported_local)} "
            "(the scheme's clock starts at the report)"
        )
    else:
        start = f"Loss reported {_moment(reported_local)}"
    head = f"{start}; two full working days end {_moment(clock_ends)}"
    if fixed:
        head += f"; fixed {_moment(fix_local)}"
    skipped = [
        d
        for d in _dates(reported_local.date(), end_day)
        if d.weekday() < 5 and table.is_bank_holiday(d)
    ]
    notes = [f"{_day(d)} is a bank holiday, not a working day" for d in skipped]

    last_day = fix_local.date()
    if fix_local.time() == time(0):
        last_day -= timedelta(days=1)
    eligible = tuple(_dates(end_day + timedelta(days=1), last_day))
    if not eligible or services == 0:
        tail = (
            (
                "; fixed within the two working days: nothing owed"
                if fixed
                else f"; up to {_moment(fix_local)} is within the two working days: "
                "nothing owed yet"
            )
            if not eligible
            else "; no landline or broadband service affected: nothing owed"
        )
        return CompensationWorking(
            total_pence=0,
            lines=(head + tail, *notes),
            eligible_days=eligible,
            clock_ends=clock_ends,
        )

    at_start = reading is RateReading.AT_START
    # Looked up only when used: a loss reported before the first row is still
    # payable day by day once the days reach the table.
    start_rate = table.rates_on(reported_local.date()).repair_per_day_pence if at_start else 0

    def rate_of(day: date) -> int:
        return start_rate if at_start else table.rates_on(day).repair_per_day_pence

    if at_start:
        rule = (
            f"every day at the rate when the problem started ({_day(reported_local.date())}); "
            f"operator setting rate reading = {reading.value}"
        )
    else:
        rule = f"each day at that day's rate; operator setting rate reading = {reading.value}"
    groups = _group_by_rate(eligible, rate_of)
    total = 0
    parts: list[str] = []
    for first, last, count, rate in groups:
        amount = count * services * rate
        total += amount
        parts.append(
            f"eligible days {_span(first, last)} = {_plural(count, 'day')} × "
            f"{_plural(services, 'service')} × {format_pence(rate)} = {format_pence(amount)}"
        )
    spans_change = len({table.rates_on(d) for d in (eligible[0], eligible[-1])}) > 1
    if len(parts) == 1:
        lines = [f"{head}; {parts[0]}"]
    else:
        lines = [head, *parts, f"total {format_pence(total)} (rate changes on 1 April)"]
    if spans_change or reading is RateReading.AT_START:
        lines.append(f"Rate rule: {rule}")
    return CompensationWorking(
        total_pence=total,
        lines=(*lines, *notes),
        eligible_days=eligible,
        clock_ends=clock_ends,
        rate_days=(reported_local.date(),) if reading is RateReading.AT_START else eligible,
    )


# ------------------------------------------------------- missed appointments

MISSED_NOTICE = timedelta(hours=24)
"""A cancellation with less notice than this before the start counts as missed."""


def missed_appointment_compensation(
    appointments: Iterable[Appointment], now: datetime, tables: RegulationTables | None = None
) -> CompensationWorking:
    """Compensation for missed engineer appointments, one line per missed appointment.

    Owed for each appointment that is a ``no_show`` whose start has passed, or
    ``cancelled`` with less than 24 hours' notice before its start (exactly 24 h is
    enough notice; a cancellation after the start is none). A cancellation known
    only after ``now`` is ignored, and one with no recorded time is listed but not
    counted: the notice cannot be shown. The amount is the rate in force on the
    appointment's UK date.
    """
    table = _tables(tables)
    total = 0
    lines: list[str] = []
    owed_days: list[date] = []
    for appt in sorted(appointments, key=lambda a: a.starts_at):
        start = uk_local(appt.starts_at)
        slot = f"{_moment(start)}–{uk_local(appt.ends_at):%H:%M}"
        if appt.status is AppointmentStatus.NO_SHOW:
            if appt.starts_at > now:
                continue
            rate = table.rates_on(start.date()).missed_appointment_pence
            total += rate
            owed_days.append(start.date())
            lines.append(f"Engineer did not come {slot} = {format_pence(rate)}")
        elif appt.status is AppointmentStatus.CANCELLED:
            if appt.cancelled_at is None:
                lines.append(
                    f"Appointment {slot} cancelled, time of cancelling not recorded: not counted"
                )
                continue
            if appt.cancelled_at > now:
                continue
            notice = appt.starts_at - appt.cancelled_at
            hours = notice.total_seconds() / 3600
            said = f"Appointment {slot} cancelled {_moment(uk_local(appt.cancelled_at))}"
            if notice < MISSED_NOTICE:
                rate = table.rates_on(start.date()).missed_appointment_pence
                total += rate
                owed_days.append(start.date())
                lines.append(f"{said} ({hours:.0f} h notice, under 24 h) = {format_pence(rate)}")
            else:
                lines.append(f"{said} ({hours:.0f} h notice): not owed")
    return CompensationWorking(
        total_pence=total,
        lines=tuple(lines),
        eligible_days=tuple(owed_days),
        rate_days=tuple(owed_days),
    )


# --------------------------------------------------------------- ombudsman (ADR)


def adr_rule_for(complaint_at: datetime, tables: RegulationTables | None = None) -> AdrRule:
    """The rule for a complaint made at ``complaint_at`` (by its UK date)."""
    return _tables(tables).adr_rule_on(uk_local(complaint_at).date())


def ombudsman_date(complaint_at: datetime, tables: RegulationTables | None = None) -> date:
    """The first UK date the customer may take the complaint to the ombudsman.

    The complaint's UK date plus the rule's weeks; a deadlock letter makes it earlier,
    which no date rule can know.
    """
    weeks = adr_rule_for(complaint_at, tables).weeks
    return uk_local(complaint_at).date() + timedelta(weeks=weeks)


def ombudsman_working(complaint_at: datetime, tables: RegulationTables | None = None) -> str:
    """One line saying how ``ombudsman_date`` was reached."""
    rule = adr_rule_for(complaint_at, tables)
    made = uk_local(complaint_at).date()
    return (
        f"Complaint made {format_uk_date(made)} + {rule.weeks} weeks = ombudsman from "
        f"{format_uk_date(ombudsman_date(complaint_at, tables))} (or earlier on a deadlock letter)"
    )


def _dates(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _group_by_rate(
    days: Sequence[date], rate_of: Callable[[date], int]
) -> list[tuple[date, date, int, int]]:
    """Consecutive days at the same rate as (first, last, count, rate)."""
    groups: list[tuple[date, date, int, int]] = []
    for d in days:
        rate = rate_of(d)
        if groups and groups[-1][3] == rate and groups[-1][1] + timedelta(days=1) == d:
            first, _, count, _ = groups[-1]
            groups[-1] = (first, d, count + 1, rate)
        else:
            groups.append((d, d, 1, rate))
    return groups
