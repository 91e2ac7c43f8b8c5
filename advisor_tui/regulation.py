"""UK telecoms regulation the next actions rest on: one dated table per rule, and the sums.

Pure: no Textual, no HTTP, no clock. Every function takes the times it needs, so a
test (or a supervisor re-checking an old decision) gets the answer for that moment.

Two rules live here:

* Ofcom's voluntary **automatic compensation** scheme for landline and broadband:
  a daily amount once a total loss of service is not fixed after two full working
  days, a fixed amount per missed engineer appointment, and a daily amount for a
  late start of a new service. Rates rise each 1 April with CPI, so they are rows
  of ``COMPENSATION_RATES`` with the date they take effect and where the figure
  comes from. Add next year's row there; nothing else changes.
* When a customer may take a **formal complaint to the ombudsman** (an Ofcom
  approved ADR scheme): 8 weeks after the complaint, or earlier on a deadlock
  letter; 6 weeks for complaints made from 8 April 2026 (``ADR_RULES``).

Money is integer pence throughout. Rates are already whole pence, so a total is a
sum of whole-pence day amounts and never needs rounding.

Calendar days and working days are UK days (Europe/London), since that is the day a
customer and the scheme mean; times arrive as aware datetimes in any zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from advisor_tui.contract.faults import Appointment, AppointmentStatus
from advisor_tui.formatting import pounds

# Money is shown the same way on screen and in the working lines.
format_pence = pounds


class RegulationError(ValueError):
    """A date outside what the tables cover: better to say so than to guess."""


# --------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class CompensationRates:
    """One row of the automatic compensation table, in force from ``effective_from``."""

    effective_from: date
    repair_per_day_pence: int
    missed_appointment_pence: int
    provision_per_day_pence: int
    source: str


# Oldest first. Each year's figures are the previous year's uprated by CPI for the
# 12 months to the previous October, rounded to the penny (the published 2021-2024
# figures all follow that chain from the rounded previous figure).
COMPENSATION_RATES: tuple[CompensationRates, ...] = (
    CompensationRates(
        effective_from=date(2024, 4, 1),
        repair_per_day_pence=976,
        missed_appointment_pence=3049,
        provision_per_day_pence=610,
        source="Ofcom automatic compensation rates from 1 Apr 2024, as published "
        "(reported by ISPreview/UKFCF: £9.76/day, £30.49, £6.10/day)",
    ),
    CompensationRates(
        effective_from=date(2025, 4, 1),
        repair_per_day_pence=998,
        # Derived, not found in a checked source: £30.49 uprated by CPI to Oct 2024
        # (2.3%) is £31.19, the same step that gives the published £9.98 and £6.24.
        # The reported 2026 figure £32.31 is exactly £31.19 + 3.6% (CPI to Oct 2025),
        # which a 2025 figure of £31.22 would not give (£32.34).
        missed_appointment_pence=3119,
        provision_per_day_pence=624,
        source="Ofcom automatic compensation rates from 1 Apr 2025: repair £9.98/day and "
        "provision £6.24/day as published; missed appointment £31.19 derived "
        "(£30.49 + CPI 2.3%), not verified against Ofcom's notice",
    ),
    CompensationRates(
        effective_from=date(2026, 4, 1),
        repair_per_day_pence=1034,
        missed_appointment_pence=3231,
        provision_per_day_pence=646,
        source="Ofcom automatic compensation rates from 1 Apr 2026, reported "
        "(£10.34/day, £32.31, £6.46/day); check the current year's figures",
    ),
)


def rates_on(day: date) -> CompensationRates:
    """The rates in force on ``day`` (a UK calendar date)."""
    found: CompensationRates | None = None
    for row in COMPENSATION_RATES:
        if row.effective_from <= day:
            found = row
    if found is None:
        first = COMPENSATION_RATES[0].effective_from
        raise RegulationError(f"no compensation rates before {first.isoformat()} (asked {day})")
    return found


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

# England and Wales bank holidays (gov.uk), including substitute days when a
# holiday falls at a weekend. Working days outside these years are unknown, and
# asking about them raises rather than silently treating a holiday as working.
BANK_HOLIDAYS_ENGLAND_WALES: dict[int, frozenset[date]] = {
    2024: frozenset(
        {
            date(2024, 1, 1),
            date(2024, 3, 29),  # Good Friday
            date(2024, 4, 1),  # Easter Monday
            date(2024, 5, 6),
            date(2024, 5, 27),
            date(2024, 8, 26),
            date(2024, 12, 25),
            date(2024, 12, 26),
        }
    ),
    2025: frozenset(
        {
            date(2025, 1, 1),
            date(2025, 4, 18),
            date(2025, 4, 21),
            date(2025, 5, 5),
            date(2025, 5, 26),
            date(2025, 8, 25),
            date(2025, 12, 25),
            date(2025, 12, 26),
        }
    ),
    2026: frozenset(
        {
            date(2026, 1, 1),
            date(2026, 4, 3),
            date(2026, 4, 6),
            date(2026, 5, 4),
            date(2026, 5, 25),
            date(2026, 8, 31),
            date(2026, 12, 25),
            date(2026, 12, 28),  # substitute for Boxing Day, a Saturday
        }
    ),
    2027: frozenset(
        {
            date(2027, 1, 1),
            date(2027, 3, 26),
            date(2027, 3, 29),
            date(2027, 5, 3),
            date(2027, 5, 31),
            date(2027, 8, 30),
            date(2027, 12, 27),  # substitute for Christmas Day, a Saturday
            date(2027, 12, 28),  # substitute for Boxing Day, a Sunday
        }
    ),
}


def is_bank_holiday(day: date) -> bool:
    holidays = BANK_HOLIDAYS_ENGLAND_WALES.get(day.year)
    if holidays is None:
        years = sorted(BANK_HOLIDAYS_ENGLAND_WALES)
        raise RegulationError(f"no bank-holiday table for {day.year} (have {years[0]}-{years[-1]})")
    return day in holidays


def is_working_day(day: date) -> bool:
    """Monday to Friday, not an England and Wales bank holiday."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``."""
    candidate = day + timedelta(days=1)
    while not is_working_day(candidate):
        candidate += timedelta(days=1)
    return candidate


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


def two_working_days_end(lost_since: datetime) -> date:
    """The UK date on which the second full working day after the loss ends.

    A working day counts as *full* only if the service was lost for the whole of
    it, so the day the loss began counts only when it began at 00:00 exactly;
    otherwise the first full working day is the next working day.
    """
    local = uk_local(lost_since)
    first = local.date() if local.time() == time(0) else local.date() + timedelta(days=1)
    if not is_working_day(first):
        first = next_working_day(first)
    return next_working_day(first)


def repair_compensation(
    lost_since: datetime, fixed_at_or_now: datetime, services: int
) -> CompensationWorking:
    """Automatic compensation for a delayed repair of a total loss of service.

    The rule as implemented (Ofcom: "if a total loss of service is not fixed after two
    full working days, the customer gets the daily amount for each calendar day the
    service is not repaired"):

    * ``lost_since`` is when the loss began (or was reported, which is when the
      scheme's clock starts if the provider only learnt of it then).
    * Working days are Monday to Friday except England and Wales bank holidays, in
      UK local time. A working day is *full* only if the service was lost all day,
      so a loss at 09:00 on Monday has Tuesday and Wednesday as its two full working
      days; a loss on Saturday has Monday and Tuesday.
    * Eligible days are whole UK calendar days (weekends and holidays included)
      from the day after the second full working day, up to and including the day
      of ``fixed_at_or_now``; a day counts if the service was still not repaired at
      any moment of it, so a fix at 00:00 exactly does not count that day.
    * Each eligible day is paid at the repair rate in force on that day, so a loss
      spanning 1 April is paid at both years' rates. (Ofcom's 2021 uprating notice
      said increases apply to service issues occurring from 1 April; the per-day
      reading was chosen for this product and is the one place to change if the
      scheme is read the other way.)
    * The amount is paid per affected service: a landline and a broadband service
      lost together count as ``services=2``.
    """
    if services < 0:
        raise ValueError("services must be >= 0")
    lost_local = uk_local(lost_since)
    fix_local = uk_local(fixed_at_or_now)
    end_day = two_working_days_end(lost_since)
    clock_ends = datetime.combine(end_day, time(23, 59))
    head = f"Service lost {_moment(lost_local)}; two full working days end {_moment(clock_ends)}"
    skipped = [
        d for d in _dates(lost_local.date(), end_day) if d.weekday() < 5 and is_bank_holiday(d)
    ]
    notes = [f"{_day(d)} is a bank holiday, not a working day" for d in skipped]

    last_day = fix_local.date()
    if fix_local.time() == time(0):
        last_day -= timedelta(days=1)
    eligible = tuple(_dates(end_day + timedelta(days=1), last_day))
    if not eligible or services == 0:
        tail = (
            f"; up to {_moment(fix_local)} is within the two working days: nothing owed yet"
            if not eligible
            else "; no landline or broadband service affected: nothing owed"
        )
        return CompensationWorking(
            total_pence=0,
            lines=(head + tail, *notes),
            eligible_days=eligible,
            clock_ends=clock_ends,
        )

    groups = _group_by_rate(eligible, lambda d: rates_on(d).repair_per_day_pence)
    total = 0
    parts: list[str] = []
    for first, last, count, rate in groups:
        amount = count * services * rate
        total += amount
        parts.append(
            f"eligible days {_span(first, last)} = {_plural(count, 'day')} × "
            f"{_plural(services, 'service')} × {format_pence(rate)} = {format_pence(amount)}"
        )
    if len(parts) == 1:
        lines = [f"{head}; {parts[0]}"]
    else:
        lines = [head, *parts, f"total {format_pence(total)} (rate changes on 1 April)"]
    return CompensationWorking(
        total_pence=total,
        lines=(*lines, *notes),
        eligible_days=eligible,
        clock_ends=clock_ends,
    )


# ------------------------------------------------------- missed appointments

MISSED_NOTICE = timedelta(hours=24)
"""A cancellation with less notice than this before the start counts as missed."""


def missed_appointment_compensation(
    appointments: Iterable[Appointment], now: datetime
) -> CompensationWorking:
    """Compensation for missed engineer appointments, one line per missed appointment.

    Owed for each appointment that is a ``no_show`` whose start has passed, or
    ``cancelled`` with less than 24 hours' notice before its start (exactly 24 h is
    enough notice; a cancellation after the start is none). A cancellation known
    only after ``now`` is ignored, and one with no recorded time is listed but not
    counted: the notice cannot be shown. The amount is the rate in force on the
    appointment's UK date.
    """
    total = 0
    lines: list[str] = []
    owed_days: list[date] = []
    for appt in sorted(appointments, key=lambda a: a.starts_at):
        start = uk_local(appt.starts_at)
        slot = f"{_moment(start)}–{uk_local(appt.ends_at):%H:%M}"
        if appt.status is AppointmentStatus.NO_SHOW:
            if appt.starts_at > now:
                continue
            rate = rates_on(start.date()).missed_appointment_pence
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
                rate = rates_on(start.date()).missed_appointment_pence
                total += rate
                owed_days.append(start.date())
                lines.append(f"{said} ({hours:.0f} h notice, under 24 h) = {format_pence(rate)}")
            else:
                lines.append(f"{said} ({hours:.0f} h notice): not owed")
    return CompensationWorking(
        total_pence=total, lines=tuple(lines), eligible_days=tuple(owed_days)
    )


# --------------------------------------------------------------- ombudsman (ADR)


@dataclass(frozen=True)
class AdrRule:
    """When a complaint may go to an ombudsman (ADR), for complaints made from a date."""

    effective_from: date
    weeks: int
    source: str


ADR_RULES: tuple[AdrRule, ...] = (
    AdrRule(
        effective_from=date(2018, 10, 1),
        weeks=8,
        source="Ofcom General Condition C4 (in force 1 Oct 2018): ADR 8 weeks after the "
        "complaint, or earlier on a deadlock letter",
    ),
    AdrRule(
        effective_from=date(2026, 4, 8),
        weeks=6,
        source="Ofcom statement of 8 Jul 2025: 6 weeks for complaints made from 8 Apr 2026, "
        "or earlier on a deadlock letter",
    ),
)


def adr_rule_for(complaint_at: datetime) -> AdrRule:
    """The rule for a complaint made at ``complaint_at`` (by its UK date)."""
    day = uk_local(complaint_at).date()
    found: AdrRule | None = None
    for row in ADR_RULES:
        if row.effective_from <= day:
            found = row
    if found is None:
        raise RegulationError(f"no ADR rule for complaints before {ADR_RULES[0].effective_from}")
    return found


def ombudsman_date(complaint_at: datetime) -> date:
    """The first UK date the customer may take the complaint to the ombudsman.

    The complaint's UK date plus the rule's weeks; a deadlock letter makes it earlier,
    which no date rule can know.
    """
    return uk_local(complaint_at).date() + timedelta(weeks=adr_rule_for(complaint_at).weeks)


def ombudsman_working(complaint_at: datetime) -> str:
    """One line saying how ``ombudsman_date`` was reached."""
    rule = adr_rule_for(complaint_at)
    made = uk_local(complaint_at).date()
    return (
        f"Complaint made {format_uk_date(made)} + {rule.weeks} weeks = ombudsman from "
        f"{format_uk_date(ombudsman_date(complaint_at))} (or earlier on a deadlock letter)"
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
