"""Compensation kept honest (issue 10): resolved faults still owed, report time vs loss
start named apart, and the operator's reading of a rate change, on situations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from advisor_tui.contract import ActionKind, EtaChange, Fault, FaultState, LineState
from advisor_tui.services.actions.regulation import RateReading, repair_compensation
from advisor_tui.services.actions.situation import RuleSettings
from tests.services.actions.builders import (
    LOST,
    NOW,
    by_kind,
    next_actions_for,
    one,
    profile,
    record,
    slipped_fault,
    status,
)


def utc(month: int, day: int, hour: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def resolved_after_two_slips(fixed_at: datetime) -> Fault:
    """Seed 003's neighbour: the ETA slipped twice, then the third was met."""
    fault = slipped_fault(moves=2)
    return fault.model_copy(
        update={
            "state": FaultState.RESOLVED,
            "resolved_at": fixed_at,
            "eta_history": [
                *fault.eta_history,
                EtaChange(eta=fixed_at, changed_at=fixed_at, reason="fixed", automatic=True),
            ][:3],
        }
    )


def test_a_resolved_fault_with_slips_is_still_owed_compensation() -> None:
    # Reported Sat 21 Nov 09:00; full working days Mon 23, Tue 24; fixed Wed 25 16:00.
    fixed = utc(11, 25, 16)
    case = record(profile(), status([resolved_after_two_slips(fixed)]))
    result = next_actions_for(case, NOW)
    comp = one(result, ActionKind.AUTOMATIC_COMPENSATION)
    amount = comp.parameter("amount_pence")
    # One eligible day (Wed 25), landline and broadband: 2 x £10.34.
    assert amount is not None and amount.value == 2068
    assert "fixed Wed 25 Nov 16:00" in comp.working[0]
    assert any(f.label == "Total loss of service (now fixed)" for f in comp.why)
    # Fixed, so it no longer adds up each day, and there is no ETA left to be honest about.
    assert comp.script is not None and "keeps adding up" not in comp.script
    assert not by_kind(result, ActionKind.HONEST_ETA)


def test_a_fault_fixed_long_ago_earns_nothing() -> None:
    fixed = NOW - timedelta(days=40)
    old = resolved_after_two_slips(fixed).model_copy(
        update={"opened_at": fixed - timedelta(days=9)}
    )
    assert not by_kind(
        next_actions_for(record(profile(), status([old])), NOW), ActionKind.AUTOMATIC_COMPENSATION
    )


def test_a_fault_fixed_within_two_working_days_is_not_owed() -> None:
    fixed = utc(11, 24, 12)
    case = record(profile(), status([resolved_after_two_slips(fixed)]))
    assert not by_kind(next_actions_for(case, NOW), ActionKind.AUTOMATIC_COMPENSATION)


def test_the_working_line_names_the_loss_start_and_the_report_apart() -> None:
    # The line went down at 07:30 but the fault was reported at 09:00: the scheme's
    # clock starts at the report, and the line says both.
    down = status([slipped_fault()], {"p-line": LineState.DOWN, "p-bb": LineState.DOWN})
    began = LOST - timedelta(minutes=90)
    down = down.model_copy(update={"service_lost_since": began})
    comp = one(next_actions_for(record(profile(), down), NOW), ActionKind.AUTOMATIC_COMPENSATION)
    assert comp.working[0].startswith(
        "Loss began Sat 21 Nov 07:30; reported Sat 21 Nov 09:00 "
        "(the scheme's clock starts at the report); two full working days end Tue 24 Nov 23:59"
    )


def test_without_a_separate_loss_start_the_line_says_reported() -> None:
    working = repair_compensation(LOST, NOW, 2)
    assert working.lines[0].startswith("Loss reported Sat 21 Nov 09:00;")


# A loss reported Wed 25 Mar 2026 09:00 and fixed Thu 2 Apr 12:00 BST: eligible
# Sat 28 Mar to Thu 2 Apr, four days before the 1 April uprating and two after.
REPORTED = utc(3, 25, 9)
FIXED = utc(4, 2, 11)


def test_rate_reading_each_day_pays_each_day_at_its_own_rate() -> None:
    working = repair_compensation(REPORTED, FIXED, 2, fixed=True)
    assert working.total_pence == 4 * 2 * 998 + 2 * 2 * 1034
    assert working.lines[-1] == (
        "Rate rule: each day at that day's rate; operator setting rate reading = each-day"
    )


def test_rate_reading_at_start_pays_every_day_at_the_rate_when_it_started() -> None:
    working = repair_compensation(REPORTED, FIXED, 2, fixed=True, reading=RateReading.AT_START)
    assert working.total_pence == 6 * 2 * 998
    assert working.lines[0].endswith(
        "eligible days 28 Mar–2 Apr = 6 days × 2 services × £9.98 = £119.76"
    )
    assert working.lines[-1] == (
        "Rate rule: every day at the rate when the problem started (Wed 25 Mar); "
        "operator setting rate reading = at-start"
    )


@pytest.mark.parametrize(
    ("reading", "owed", "rows"),
    [(RateReading.EACH_DAY, 12120, 2), (RateReading.AT_START, 11976, 1)],
)
def test_the_rate_reading_reaches_the_action(reading: RateReading, owed: int, rows: int) -> None:
    fault = slipped_fault().model_copy(
        update={
            "opened_at": REPORTED,
            "state": FaultState.RESOLVED,
            "resolved_at": FIXED,
        }
    )
    case = record(profile(), status([fault]))
    now = FIXED + timedelta(hours=2)
    rules = RuleSettings(rate_reading=reading)
    comp = one(next_actions_for(case, now, rules=rules), ActionKind.AUTOMATIC_COMPENSATION)
    assert comp.parameter("amount_pence").value == owed  # type: ignore[union-attr]
    assert any(f"rate reading = {reading.value}" in line for line in comp.working)
    # Each rates row applied is cited with its source, and only those.
    assert len([f for f in comp.why if f.label == "Rates"]) == rows
