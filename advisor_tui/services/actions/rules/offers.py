"""Offers: a retention offer after an above-inflation rise, only when the core service works."""

from __future__ import annotations

from datetime import timedelta

from advisor_tui.contract import (
    ActionKind,
    Fact,
    LineState,
    ParameterSpec,
    ParamType,
    PriceChange,
)
from advisor_tui.services.actions.regulation import format_pence, format_uk_date, uk_local
from advisor_tui.services.actions.situation import (
    CORE_SERVICES,
    Draft,
    Situation,
    pence_param,
)


def core_ok(s: Situation) -> bool:
    """Every core product the customer has is known to be working, and no fault is open.

    Unknown is not working: without a status (faults backend down), or with a core
    product that has no line, there is no offer.
    """
    if s.status is None or s.open_faults:
        return False
    states = {st.product_id: st.state for st in s.status.services}
    core = [p for p in s.profile.products if p.kind in CORE_SERVICES]
    return all(states.get(p.id) is LineState.OK for p in core)


def above_inflation_pence(change: PriceChange) -> int:
    """The part of a monthly rise above inflation, in whole pence (rounded in the
    customer's favour)."""
    at_inflation = change.old_monthly_pence * (100 + change.inflation_percent) / 100
    return max(change.new_monthly_pence - int(at_inflation), 0)


def retention_offer(s: Situation) -> list[Draft]:
    lookback = timedelta(days=s.bound(ActionKind.RETENTION_OFFER, "lookback_days"))
    rises = [
        c
        for c in s.profile.contract.price_changes
        if c.above_inflation and c.effective_from >= (s.now - lookback).date()
    ]
    # Offers only when the core service works: selling to someone without service
    # is what seed 002 and 004 warn against, so the action is simply absent.
    if not rises or not core_ok(s):
        return []
    change = max(rises, key=lambda c: c.effective_from)
    went = "is going" if change.effective_from > uk_local(s.now).date() else "went"
    discount = above_inflation_pence(change)
    rise = change.new_monthly_pence - change.old_monthly_pence
    months = s.bound(ActionKind.RETENTION_OFFER, "months")
    extras = [p.name for p in s.profile.products if p.kind not in CORE_SERVICES]
    why = [
        Fact(
            label="Price change",
            value=f"{format_pence(change.old_monthly_pence)} → "
            f"{format_pence(change.new_monthly_pence)} a month from "
            f"{format_uk_date(change.effective_from)}",
            source="customers",
        ),
        Fact(
            label="Rise vs inflation",
            value=f"{change.rise_percent:.1f}% vs {change.inflation_measure} "
            f"{change.inflation_percent:.1f}%",
            source="customers",
        ),
        Fact(label="Core services", value="all working", source="faults"),
    ]
    if extras:
        why.append(Fact(label="Also has", value=", ".join(extras), source="customers"))
    if s.profile.contract.ends_on is not None:
        why.append(
            Fact(
                label="Contract ends",
                value=format_uk_date(s.profile.contract.ends_on),
                source="customers",
            )
        )
    return [
        Draft(
            kind=ActionKind.RETENTION_OFFER,
            subject=change.effective_from.isoformat(),
            label=f"Retention: {format_pence(discount)}/month off, the rise above inflation",
            why=why,
            process_step=s.step(ActionKind.RETENTION_OFFER),
            parameters=[
                pence_param(
                    "discount_pence_per_month",
                    "Monthly discount",
                    value=discount,
                    minimum=0,
                    maximum=rise,
                    limit=None,
                ),
                ParameterSpec(
                    name="months",
                    label="For months",
                    type=ParamType.INTEGER,
                    value=months,
                    editable=True,
                    minimum=s.bound(ActionKind.RETENTION_OFFER, "min_months"),
                    maximum=s.bound(ActionKind.RETENTION_OFFER, "max_months"),
                ),
            ],
            script=f"Your price {went} up {change.rise_percent:.1f}% from "
            f"{format_uk_date(change.effective_from)}, more than inflation "
            f"({change.inflation_percent:.1f}%). I can take the part above inflation off: "
            f"{format_pence(discount)} a month for the next {months} months.",
            working=[
                f"{format_pence(change.old_monthly_pence)} × (1 + "
                f"{change.inflation_percent}%) = "
                f"{format_pence(change.new_monthly_pence - discount)}; "
                f"{format_pence(change.new_monthly_pence)} − that = {format_pence(discount)}"
            ],
        )
    ]
