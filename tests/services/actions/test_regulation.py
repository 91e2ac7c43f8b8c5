"""The dated regulation tables and the sums built on them (services.actions.regulation)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from advisor_tui.contract import Appointment, AppointmentStatus
from advisor_tui.services.actions.regulation import (
    adr_rule_for,
    format_pence,
    is_working_day,
    missed_appointment_compensation,
    ombudsman_date,
    ombudsman_working,
    rates_on,
    repair_compensation,
    two_working_days_end,
    uk_local,
)
from advisor_tui.services.actions.tables import RegulationError, shipped_tables


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# ------------------------------------------------------------------------- rates


@pytest.mark.parametrize(
    ("day", "repair", "missed", "provision"),
    [
        (date(2024, 4, 1), 976, 3049, 610),
        (date(2025, 3, 31), 976, 3049, 610),
        (date(2025, 4, 1), 998, 3119, 624),
        (date(2026, 3, 31), 998, 3119, 624),
        (date(2026, 4, 1), 1034, 3231, 646),
        (date(2030, 1, 1), 1034, 3231, 646),
    ],
)
def test_rates_change_on_each_first_of_april(
    day: date, repair: int, missed: int, provision: int
) -> None:
    rates = rates_on(day)
    assert (
        rates.repair_per_day_pence,
        rates.missed_appointment_pence,
        rates.provision_per_day_pence,
    ) == (repair, missed, provision)


def test_no_rates_before_the_first_row() -> None:
    with pytest.raises(RegulationError):
        rates_on(date(2024, 3, 31))


def test_rate_table_is_dated_sourced_and_honest_about_its_figures() -> None:
    starts = [row.effective_from for row in shipped_tables().compensation_rates]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(row.source for row in shipped_tables().compensation_rates)
    assert "derived" in rates_on(date(2025, 4, 1)).source
    assert "check the current year's figures" in rates_on(date(2026, 4, 1)).source


def test_2026_missed_appointment_follows_from_the_2025_row_by_cpi() -> None:
    # The published chain: each year is last year's rounded figure times (1 + CPI).
    row_2025, row_2026 = rates_on(date(2025, 4, 1)), rates_on(date(2026, 4, 1))
    for before, after in [
        (row_2025.repair_per_day_pence, row_2026.repair_per_day_pence),
        (row_2025.missed_appointment_pence, row_2026.missed_appointment_pence),
        (row_2025.provision_per_day_pence, row_2026.provision_per_day_pence),
    ]:
        assert round(before * 1.036) == after


def test_format_pence() -> None:
    assert format_pence(4136) == "£41.36"
    assert format_pence(5) == "£0.05"
    assert format_pence(123456) == "£1,234.56"


# ------------------------------------------------------------- time and working days


def test_uk_local_follows_british_summer_time() -> None:
    assert uk_local(utc(2026, 1, 15, 12, 0)) == datetime(2026, 1, 15, 12, 0)
    assert uk_local(utc(2026, 7, 1, 23, 30)) == datetime(2026, 7, 2, 0, 30)
    # Clocks go forward at 01:00 UTC on the last Sunday of March (29 Mar 2026) and
    # back at 01:00 UTC on the last Sunday of October (25 Oct 2026).
    assert uk_local(utc(2026, 3, 29, 0, 59)) == datetime(2026, 3, 29, 0, 59)
    assert uk_local(utc(2026, 3, 29, 1, 0)) == datetime(2026, 3, 29, 2, 0)
    assert uk_local(utc(2026, 10, 25, 0, 59)) == datetime(2026, 10, 25, 1, 59)
    assert uk_local(utc(2026, 10, 25, 1, 0)) == datetime(2026, 10, 25, 1, 0)
    with pytest.raises(ValueError):
        uk_local(datetime(2026, 1, 1))


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    assert is_working_day(date(2026, 11, 23))  # Monday
    assert not is_working_day(date(2026, 11, 21))  # Saturday
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2026, 12, 28))  # substitute Boxing Day
    assert not is_working_day(date(2027, 12, 27))  # substitute Christmas Day
    with pytest.raises(RegulationError):
        is_working_day(date(2028, 6, 1))


# --------------------------------------------------------------- repair compensation


def test_weekend_loss_brief_example() -> None:
    working = repair_compensation(utc(2026, 11, 21, 9, 0), utc(2026, 11, 26, 15, 0), 2)
    assert working.total_pence == 2 * 2 * 1034 == 4136
    assert working.lines == (
        "Loss reported Sat 21 Nov 09:00; two full working days end Tue 24 Nov 23:59; "
        "eligible days 25–26 Nov = 2 days × 2 services × £10.34 = £41.36",
    )
    assert working.eligible_days == (date(2026, 11, 25), date(2026, 11, 26))


def test_weekday_loss_does_not_count_the_day_it_started() -> None:
    # Lost Monday 09:00: Tuesday and Wednesday are the two full working days.
    working = repair_compensation(utc(2026, 11, 9, 9, 0), utc(2026, 11, 13, 12, 0), 1)
    assert two_working_days_end(utc(2026, 11, 9, 9, 0)) == date(2026, 11, 11)
    assert working.eligible_days == (date(2026, 11, 12), date(2026, 11, 13))
    assert working.total_pence == 2 * 1034


def test_loss_from_midnight_counts_that_working_day() -> None:
    assert two_working_days_end(utc(2026, 11, 9, 0, 0)) == date(2026, 11, 10)
    # 23:00 UTC on Sunday 7 June is 00:00 BST on Monday 8 June: Monday is full.
    assert two_working_days_end(utc(2026, 6, 7, 23, 0)) == date(2026, 6, 9)
    # 23:30 UTC on Monday 8 June is already Tuesday 00:30 in the UK.
    assert two_working_days_end(utc(2026, 6, 8, 23, 30)) == date(2026, 6, 11)


def test_nothing_owed_within_two_working_days() -> None:
    working = repair_compensation(utc(2026, 11, 21, 9, 0), utc(2026, 11, 24, 22, 0), 2)
    assert working.total_pence == 0
    assert "nothing owed yet" in working.lines[0]


def test_fix_at_midnight_does_not_count_that_day() -> None:
    working = repair_compensation(utc(2026, 11, 21, 9, 0), utc(2026, 11, 26, 0, 0), 2)
    assert working.eligible_days == (date(2026, 11, 25),)
    assert working.total_pence == 2 * 1034


def test_christmas_bank_holidays_extend_the_two_working_days() -> None:
    # Lost Thu 24 Dec 2026: Fri 25 and Mon 28 (substitute) are bank holidays, so the
    # full working days are Tue 29 and Wed 30; eligible from Thu 31 Dec.
    working = repair_compensation(utc(2026, 12, 24, 10, 0), utc(2027, 1, 1, 12, 0), 2)
    assert working.clock_ends == datetime(2026, 12, 30, 23, 59)
    assert working.eligible_days == (date(2026, 12, 31), date(2027, 1, 1))
    assert working.total_pence == 2 * 2 * 1034
    assert "eligible days 31 Dec–1 Jan = 2 days × 2 services × £10.34 = £41.36" in working.lines[0]
    assert "Fri 25 Dec is a bank holiday, not a working day" in working.lines
    assert "Mon 28 Dec is a bank holiday, not a working day" in working.lines


def test_easter_bank_holidays_2024() -> None:
    # Lost Wed 27 Mar 2024: Thu 28 is the first full working day; Good Friday and
    # Easter Monday are not working days, so Tue 2 Apr is the second.
    working = repair_compensation(utc(2024, 3, 27, 10, 0), utc(2024, 4, 4, 10, 0), 1)
    assert working.eligible_days == (date(2024, 4, 3), date(2024, 4, 4))
    assert working.total_pence == 2 * 976


def test_a_loss_spanning_first_of_april_uses_both_rates() -> None:
    # Lost Wed 25 Mar 2026; full working days Thu 26, Fri 27; eligible Sat 28 to
    # Thu 2 Apr (fixed 12:00 BST): four days at £9.98, two at £10.34.
    working = repair_compensation(utc(2026, 3, 25, 9, 0), utc(2026, 4, 2, 11, 0), 2)
    assert working.total_pence == 4 * 2 * 998 + 2 * 2 * 1034 == 12120
    assert working.lines[1] == "eligible days 28–31 Mar = 4 days × 2 services × £9.98 = £79.84"
    assert working.lines[2] == "eligible days 1–2 Apr = 2 days × 2 services × £10.34 = £41.36"
    assert working.lines[3].startswith("total £121.20")


def test_a_loss_spanning_first_of_april_2025() -> None:
    working = repair_compensation(utc(2025, 3, 26, 9, 0), utc(2025, 4, 2, 11, 0), 1)
    assert working.total_pence == 3 * 976 + 2 * 998


def test_no_scheme_service_means_nothing_owed() -> None:
    working = repair_compensation(utc(2026, 11, 21, 9, 0), utc(2026, 11, 30, 9, 0), 0)
    assert working.total_pence == 0
    with pytest.raises(ValueError):
        repair_compensation(utc(2026, 11, 21, 9, 0), utc(2026, 11, 30, 9, 0), -1)


# --------------------------------------------------------------- missed appointments


def appointment(
    status: AppointmentStatus,
    starts_at: datetime,
    cancelled_at: datetime | None = None,
    ident: str = "A1",
) -> Appointment:
    return Appointment(
        id=ident,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=5),
        status=status,
        cancelled_at=cancelled_at,
        purpose="repair",
    )


NOW = utc(2026, 11, 26, 15, 0)
START = utc(2026, 11, 24, 8, 0)


def test_no_show_is_owed() -> None:
    working = missed_appointment_compensation([appointment(AppointmentStatus.NO_SHOW, START)], NOW)
    assert working.total_pence == 3231
    assert working.lines == ("Engineer did not come Tue 24 Nov 08:00–13:00 = £32.31",)


def test_cancelled_23_hours_before_is_owed() -> None:
    appt = appointment(AppointmentStatus.CANCELLED, START, START - timedelta(hours=23))
    working = missed_appointment_compensation([appt], NOW)
    assert working.total_pence == 3231
    assert "23 h notice, under 24 h" in working.lines[0]


def test_cancelled_25_hours_before_is_not_owed() -> None:
    appt = appointment(AppointmentStatus.CANCELLED, START, START - timedelta(hours=25))
    working = missed_appointment_compensation([appt], NOW)
    assert working.total_pence == 0
    assert working.lines[0].endswith("(25 h notice): not owed")


def test_exactly_24_hours_notice_is_enough() -> None:
    appt = appointment(AppointmentStatus.CANCELLED, START, START - timedelta(hours=24))
    assert missed_appointment_compensation([appt], NOW).total_pence == 0


def test_other_appointments_are_not_counted() -> None:
    working = missed_appointment_compensation(
        [
            appointment(AppointmentStatus.ATTENDED, START, ident="A1"),
            appointment(AppointmentStatus.BOOKED, NOW + timedelta(days=1), ident="A2"),
            # A no-show in the future is a data error, not a debt.
            appointment(AppointmentStatus.NO_SHOW, NOW + timedelta(days=1), ident="A3"),
            appointment(AppointmentStatus.CANCELLED, START, None, ident="A4"),
        ],
        NOW,
    )
    assert working.total_pence == 0
    assert len(working.lines) == 1 and "not recorded: not counted" in working.lines[0]


def test_missed_appointments_use_the_rate_on_their_own_date() -> None:
    working = missed_appointment_compensation(
        [
            appointment(AppointmentStatus.NO_SHOW, utc(2026, 3, 31, 8, 0), ident="A1"),
            appointment(AppointmentStatus.NO_SHOW, utc(2026, 4, 1, 8, 0), ident="A2"),
        ],
        NOW,
    )
    assert working.total_pence == 3119 + 3231


# ---------------------------------------------------------------- ombudsman (ADR)


def test_complaint_before_8_april_2026_waits_eight_weeks() -> None:
    complaint = utc(2026, 4, 7, 10, 0)
    assert adr_rule_for(complaint).weeks == 8
    assert ombudsman_date(complaint) == date(2026, 6, 2)


def test_complaint_from_8_april_2026_waits_six_weeks() -> None:
    complaint = utc(2026, 4, 8, 10, 0)
    assert adr_rule_for(complaint) is shipped_tables().adr_rules[-1]
    assert ombudsman_date(complaint) == date(2026, 5, 20)
    assert ombudsman_working(complaint) == (
        "Complaint made Wed 8 Apr 2026 + 6 weeks = ombudsman from Wed 20 May 2026 "
        "(or earlier on a deadlock letter)"
    )


def test_complaint_day_is_the_uk_day() -> None:
    # 23:30 UTC on 7 April is 00:30 BST on 8 April: the new rule applies.
    assert adr_rule_for(utc(2026, 4, 7, 23, 30)).weeks == 6
    assert ombudsman_date(utc(2026, 4, 7, 23, 30)) == date(2026, 5, 20)


def test_older_complaints_use_eight_weeks() -> None:
    assert ombudsman_date(utc(2024, 12, 2, 9, 0)) == date(2025, 1, 27)
    with pytest.raises(RegulationError):
        ombudsman_date(utc(2010, 1, 1, 9, 0))
