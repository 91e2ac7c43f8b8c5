"""Faults and ETA: honest ETAs and interim service, on situations."""

from __future__ import annotations

from datetime import timedelta

from advisor_tui.contract import ActionKind, CoachingValue, LineState
from tests.services.actions.builders import (
    NOW,
    assert_ranked,
    by_kind,
    next_actions_for,
    one,
    outage_record,
    profile,
    record,
    slipped_fault,
    status,
)


def test_slipped_eta_total_loss_gives_honest_eta_interim_and_compensation() -> None:
    result = next_actions_for(outage_record(), NOW)
    assert_ranked(result)
    kinds = [a.kind for a in result.actions]
    assert kinds.index(ActionKind.HONEST_ETA) < kinds.index(ActionKind.AUTOMATIC_COMPENSATION)

    eta = one(result, ActionKind.HONEST_ETA)
    assert eta.id == "cus-1:honest_eta:F-1"
    assert "moved 3 times" in eta.label and "+72 h" in eta.label
    assert "do not quote it as firm" in eta.label
    assert eta.script is not None and "not going to promise" in eta.script
    assert "cable theft in Teddington TW11" in eta.script
    assert len(eta.working) == 4  # every ETA the customer was given
    assert eta.process_step.id == "PS-FAULT-ETA" and eta.process_step.version >= 1

    interim = one(result, ActionKind.INTERIM_SERVICE)
    names = {p.name for p in interim.parameters}
    assert names == {"mobile_data_boost", "call_divert"}
    assert all(p.editable for p in interim.parameters)
    assert any(f.label == "Works from home" for f in interim.why)

    comp = one(result, ActionKind.AUTOMATIC_COMPENSATION)
    amount = comp.parameter("amount_pence")
    assert amount is not None
    # Sat 21 Nov 09:00: full working days Mon 23, Tue 24; Wed 25 and Thu 26 eligible,
    # landline and broadband each paid: 2 days x 2 services x £10.34.
    assert amount.value == 4136
    assert amount.editable and amount.minimum == 4136 and amount.maximum == 3 * 4136
    assert amount.permission_limit == "max_goodwill_credit_pence"
    assert "£41.36" in comp.label
    assert comp.working[0].endswith(
        "eligible days 25–26 Nov = 2 days × 2 services × £10.34 = £41.36"
    )
    assert any("rebate" in f.value for f in comp.why)  # the customer's own ask
    assert any(f.source == "regulation" and "check the current year" in f.value for f in comp.why)

    assert not by_kind(result, ActionKind.RETENTION_OFFER)  # price rise, but no service
    assert [h.value for h in result.coaching][0] is CoachingValue.ACCOUNTABLE


def test_a_latest_eta_already_passed_is_called_out() -> None:
    eta = one(next_actions_for(outage_record(), NOW), ActionKind.HONEST_ETA)
    latest = next(f for f in eta.why if f.label == "Latest ETA")
    assert latest.value == "Wed 25 Nov 14:00 (already passed, not fixed)"


def test_a_single_eta_that_passed_is_not_quoted_either() -> None:
    fault = slipped_fault(moves=0)
    rec = record(profile(), status([fault], {"p-line": LineState.DOWN, "p-bb": LineState.DOWN}))
    eta = one(next_actions_for(rec, NOW), ActionKind.HONEST_ETA)
    assert eta.label == "Honest ETA: the promised fix time has passed; do not quote it"
    # One future ETA that has not moved is not flagged: it is still the honest answer.
    future = fault.model_copy(
        update={
            "eta_history": [
                fault.eta_history[0].model_copy(update={"eta": NOW + timedelta(hours=4)})
            ]
        }
    )
    rec.fault_status = status([future])
    assert not by_kind(next_actions_for(rec, NOW), ActionKind.HONEST_ETA)
