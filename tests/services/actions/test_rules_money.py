"""Money: automatic compensation and goodwill credit, on situations."""

from __future__ import annotations

from datetime import UTC, datetime

from advisor_tui.contract import ActionKind, Appointment, AppointmentStatus
from tests.services.actions.builders import (
    NOW,
    PRODUCTS,
    assert_ranked,
    by_kind,
    next_actions_for,
    one,
    outage_record,
)


def test_missed_appointment_adds_to_the_compensation() -> None:
    base = outage_record()
    assert base.fault_status is not None
    no_show = Appointment(
        id="A1",
        fault_id="F-1",
        starts_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 24, 13, 0, tzinfo=UTC),
        status=AppointmentStatus.NO_SHOW,
        purpose="repair",
    )
    base.fault_status = base.fault_status.model_copy(update={"appointments": [no_show]})
    comp = one(next_actions_for(base, NOW), ActionKind.AUTOMATIC_COMPENSATION)
    amount = comp.parameter("amount_pence")
    assert amount is not None and amount.value == 4136 + 3231
    assert "Engineer did not come Tue 24 Nov 08:00–13:00 = £32.31" in comp.working
    assert comp.working[-1] == "Owed under the scheme: £73.67"


def test_within_two_working_days_there_is_no_compensation_yet() -> None:
    result = next_actions_for(outage_record(), datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    assert not by_kind(result, ActionKind.AUTOMATIC_COMPENSATION)
    assert by_kind(result, ActionKind.HONEST_ETA)
    assert_ranked(result)


def test_outage_offers_complaint_with_ombudsman_date_and_goodwill() -> None:
    result = next_actions_for(outage_record(), NOW)
    complaint = one(result, ActionKind.FORMAL_COMPLAINT)
    adr = complaint.parameter("ombudsman_from")
    assert adr is not None and adr.value == "2027-01-07"  # 6 weeks from Thu 26 Nov 2026
    assert not adr.editable
    assert complaint.working == [
        "Complaint made Thu 26 Nov 2026 + 6 weeks = ombudsman from Thu 7 Jan 2027 "
        "(or earlier on a deadlock letter)"
    ]

    goodwill = one(result, ActionKind.GOODWILL_CREDIT)
    credit = goodwill.parameter("amount_pence")
    assert credit is not None
    # Landline £23 + broadband £37 a month, 5 whole days without them: £60 x 5 / 30.
    assert credit.value == 1000
    assert credit.minimum == 0 and credit.maximum == sum(p.monthly_price_pence for p in PRODUCTS)
    assert credit.permission_limit == "max_goodwill_credit_pence"
