"""Offers: the retention offer only on a working core service, on situations."""

from __future__ import annotations

from datetime import date, timedelta

from advisor_tui.contract import ActionKind, CoachingValue, Fault, FaultState, LineState
from tests.services.actions.builders import (
    NOW,
    PRICE_RISE,
    assert_ranked,
    by_kind,
    next_actions_for,
    one,
    profile,
    record,
    status,
)


def test_price_rise_with_a_fault_gets_no_retention_offer() -> None:
    degraded = Fault(
        id="F-2",
        product_ids=["p-bb"],
        summary="Slow broadband",
        state=FaultState.OPEN,
        opened_at=NOW - timedelta(hours=3),
        total_loss=False,
    )
    rec = record(
        profile(price_changes=[PRICE_RISE]),
        status([degraded], {"p-bb": LineState.DEGRADED}),
    )
    assert not by_kind(next_actions_for(rec, NOW), ActionKind.RETENTION_OFFER)


def test_price_rise_with_unknown_line_status_gets_no_retention_offer() -> None:
    rec = record(profile(price_changes=[PRICE_RISE]), None)
    assert not by_kind(next_actions_for(rec, NOW), ActionKind.RETENTION_OFFER)


def test_price_rise_with_everything_working_gets_a_retention_offer() -> None:
    rec = record(profile(price_changes=[PRICE_RISE]), status([]))
    result = next_actions_for(rec, NOW)
    assert_ranked(result)
    offer = one(result, ActionKind.RETENTION_OFFER)
    discount = offer.parameter("discount_pence_per_month")
    # £50.00 + 3.6% = £51.80; the new price £55.00 is £3.20 above that.
    assert discount is not None and discount.value == 320
    assert discount.maximum == 500 and discount.editable
    assert any(f.label == "Core services" and f.value == "all working" for f in offer.why)
    assert any("Sports" in f.value for f in offer.why)
    assert CoachingValue.CURIOUS in [h.value for h in result.coaching]
    assert offer.script is not None and "went up 10.0%" in offer.script
    # Nothing is broken, so the offer is what the call is about: before the follow-up.
    assert [a.kind for a in result.actions] == [ActionKind.RETENTION_OFFER, ActionKind.FOLLOW_UP]


def test_an_announced_rise_is_spoken_of_in_the_future() -> None:
    soon = PRICE_RISE.model_copy(update={"effective_from": date(2027, 1, 1)})
    offer = one(
        next_actions_for(record(profile(price_changes=[soon]), status([])), NOW),
        ActionKind.RETENTION_OFFER,
    )
    assert offer.script is not None and "is going up 10.0% from Fri 1 Jan 2027" in offer.script


def test_price_rise_within_inflation_gets_no_offer() -> None:
    fair = PRICE_RISE.model_copy(update={"new_monthly_pence": 5150})
    rec = record(profile(price_changes=[fair]), status([]))
    assert not by_kind(next_actions_for(rec, NOW), ActionKind.RETENTION_OFFER)
