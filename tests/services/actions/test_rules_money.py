"""Money: automatic compensation and goodwill credit, on situations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ulid import ULID

from advisor_tui.contract import (
    ActionKind,
    Appointment,
    AppointmentStatus,
    ApprovalState,
    Decision,
    DecisionKind,
    DecisionReceipt,
    DecisionView,
    NextAction,
    ReviewState,
)
from advisor_tui.services.actions import engine
from advisor_tui.services.actions.catalogue import catalogue
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


def _decided(
    pence: int,
    *,
    kind: DecisionKind = DecisionKind.ACCEPT,
    approval: ApprovalState = ApprovalState.NOT_NEEDED,
    alternative: str | None = None,
    hours_ago: int = 1,
) -> DecisionView:
    """A compensation decision as the decisions backend lists it."""
    at = NOW - timedelta(hours=hours_ago)
    changed = {"amount_pence": pence} if kind is DecisionKind.OVERRIDE else {}
    decision = Decision(
        id=str(ULID.from_datetime(at)),
        customer_id="C1",
        action_id="act-comp",
        action_kind=ActionKind.AUTOMATIC_COMPENSATION,
        action_label="Automatic compensation owed",
        process_step=catalogue().ref(ActionKind.AUTOMATIC_COMPENSATION),
        proposed_parameters={"amount_pence": pence if kind is DecisionKind.ACCEPT else 100},
        kind=kind,
        reason_code=None if kind is DecisionKind.ACCEPT else "other",
        changed_parameters=changed,
        alternative=alternative,
        advisor_id="adv-amy",
        decided_at=at,
    )
    receipt = DecisionReceipt(
        id=decision.id, advisor_id="adv-amy", sequence=1, prev_hash="0", hash="1", recorded_at=at
    )
    return DecisionView(
        decision=decision,
        receipt=receipt,
        team="Care",
        approval=approval,
        review_state=ReviewState.UNREVIEWED,
    )


def _owed(*views: DecisionView) -> NextAction | None:
    situation = replace(outage_record().situation(NOW), compensation_decided=views)
    found = by_kind(engine.next_actions_for(situation), ActionKind.AUTOMATIC_COMPENSATION)
    return found[0] if found else None


def test_compensation_recorded_as_given_is_taken_off_what_is_owed() -> None:
    full = _owed()
    assert full is not None and full.label == "Automatic compensation owed: £41.36 (Ofcom scheme)"
    # Given in full (an accept, or an override of the amount): nothing more to offer.
    assert _owed(_decided(4136)) is None
    assert _owed(_decided(5000, kind=DecisionKind.OVERRIDE)) is None
    # Awaiting approval counts, so it is not offered twice, and says so.
    part = _owed(_decided(1000, approval=ApprovalState.PENDING))
    assert part is not None
    assert part.label == "Automatic compensation still owed: £31.36 (Ofcom scheme)"
    assert [f.label for f in part.why if f.source == "decisions"] == [
        "Already given (awaiting approval)"
    ]
    # Nothing given: a rejected approval, a decline, an override doing something else,
    # a decision from before the fault was reported.
    for nothing in (
        _decided(4136, approval=ApprovalState.REJECTED),
        _decided(0, kind=DecisionKind.DECLINE),
        _decided(4136, kind=DecisionKind.OVERRIDE, alternative="Sent a hub instead"),
        _decided(4136, hours_ago=24 * 30),
    ):
        again = _owed(nothing)
        assert again is not None and again.label == full.label, nothing.decision
