"""Money: Ofcom automatic compensation owed, and a goodwill refund of charges for lost service.

Permission limits. ``permission_limit`` names the advisor permission
(``max_goodwill_credit_pence``) that caps, without approval, the part of an
amount **above the parameter's minimum**. For a goodwill credit the minimum is 0,
so the whole credit counts against the limit. For automatic compensation the
minimum is the amount owed under the scheme (an advisor may not give less than
is owed), so only the extra given on top counts: owed + limit is the most an
advisor may give alone, and the maximum (a multiple of what is owed, from the
process-step catalogue) is a hard bound that no approval lifts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from advisor_tui.contract import (
    ActionKind,
    ApprovalState,
    DecisionKind,
    Fact,
    Fault,
    FaultState,
    HistoryEvent,
)
from advisor_tui.services.actions.regulation import (
    CompensationWorking,
    format_pence,
    format_uk_date,
    format_uk_moment,
    missed_appointment_compensation,
    repair_compensation,
)
from advisor_tui.services.actions.situation import (
    SCHEME_SERVICES,
    Draft,
    Situation,
    kind_words,
    pence_param,
    service_names,
)
from advisor_tui.services.actions.tables import RegulationError

_REBATE_WORDS = ("rebate", "compensation", "refund", "money back")


def automatic_compensation(s: Situation) -> list[Draft]:
    """What the scheme owes for open faults and for faults fixed within the window.

    A fault fixed after its ETA slipped is still owed for (seed 003's neighbour):
    the days up to the fix count, and the action stays until it is given.
    """
    status = s.status
    if status is None:
        return []
    tables = s.settings.tables
    why: list[Fact] = []
    working: list[str] = []
    total = 0
    rate_days: list[date] = []
    still_open = False
    counted: list[Fault] = []
    for fault in [*s.open_faults, *s.recently_resolved]:
        if not fault.total_loss:
            continue
        services = sum(1 for k in s.kinds_of(fault) if k in SCHEME_SERVICES)
        if services == 0:
            continue
        fixed = fault.state is FaultState.RESOLVED and fault.resolved_at is not None
        try:
            repair = repair_compensation(
                fault.opened_at,
                fault.resolved_at if fault.resolved_at is not None and fixed else s.now,
                services,
                loss_began=s.loss_began(fault),
                fixed=fixed,
                reading=s.settings.rate_reading,
                tables=tables,
            )
        except RegulationError as exc:
            working.append(f"{fault.summary}: cannot compute ({exc}); check by hand")
            continue
        working += repair.lines
        if repair.total_pence == 0:
            continue
        total += repair.total_pence
        counted.append(fault)
        rate_days += repair.rate_days
        still_open = still_open or not fixed
        names = service_names(s, fault, SCHEME_SERVICES)
        began = s.loss_began(fault)
        if began is not None and began != fault.opened_at:
            value = (
                f"{names} lost since {format_uk_moment(began)}, "
                f"reported {format_uk_moment(fault.opened_at)}"
            )
        else:
            value = f"{names} since {format_uk_moment(fault.opened_at)}"
        if fixed and fault.resolved_at is not None:
            value += f", fixed {format_uk_moment(fault.resolved_at)}"
        why.append(
            Fact(
                label="Total loss of service" + (" (now fixed)" if fixed else ""),
                value=value,
                source="faults",
            )
        )
        if repair.clock_ends is not None:
            why.append(
                Fact(
                    label="Two full working days ended",
                    value=f"{format_uk_date(repair.clock_ends.date())} 23:59",
                    source="regulation",
                )
            )
    missed: CompensationWorking | None
    try:
        missed = missed_appointment_compensation(status.appointments, s.now, tables)
    except RegulationError as exc:
        working.append(f"Missed appointments: cannot compute ({exc}); check by hand")
        missed = None
    if missed is not None and missed.lines:
        working += missed.lines
    if missed is not None and missed.total_pence:
        total += missed.total_pence
        rate_days += missed.rate_days
        why.append(
            Fact(
                label="Missed engineer appointments",
                value=str(len(missed.eligible_days)),
                source="faults",
            )
        )
    if total == 0:
        return []
    owed = total
    given = compensation_given(s, earliest=min(f.opened_at for f in counted) if counted else None)
    total = max(owed - sum(g.pence for g in given), 0)
    if given and total == 0:
        return []  # recorded as given: nothing more to offer until more is owed
    for row in sorted({tables.rates_on(d) for d in rate_days}, key=lambda r: r.effective_from):
        why.append(Fact(label="Rates", value=row.source, source="regulation"))
    asked = _rebate_ask(s.events)
    if asked is not None:
        why.append(
            Fact(
                label=f"Customer asked ({asked.channel.value})",
                value=f"{format_uk_moment(asked.at)}: {asked.summary}",
                source="customers/history",
            )
        )
    if len(working) > 1 or given:
        working.append(f"Owed under the scheme: {format_pence(owed)}")
    for g in given:
        state = " (awaiting approval)" if g.pending else ""
        why.append(
            Fact(
                label="Already given" + state,
                value=f"{format_pence(g.pence)}, {format_uk_moment(g.at)}, by {g.advisor_id}",
                source="decisions",
            )
        )
    if given:
        working.append(
            f"{format_pence(owed)} owed − {format_pence(owed - total)} already given "
            f"= {format_pence(total)} still owed"
        )
    elif "decisions" in s.facts_missing:
        why.append(
            Fact(
                label="Not checked",
                value="whether any was already given (the decisions backend did not answer)",
                source="decisions",
            )
        )
    daily = ""
    if still_open:
        daily = " It keeps adding up each day until the repair, and I'll make sure it's applied."
    step = s.settings.steps.step(ActionKind.AUTOMATIC_COMPENSATION)
    return [
        Draft(
            kind=ActionKind.AUTOMATIC_COMPENSATION,
            subject="ofcom-scheme",
            label=f"Automatic compensation {'still ' if given else ''}owed: "
            f"{format_pence(total)} (Ofcom scheme)",
            why=why,
            process_step=step.ref(),
            parameters=[
                pence_param(
                    "amount_pence",
                    "Compensation (owed amount is the minimum)",
                    value=total,
                    minimum=total,
                    maximum=total * step.bounds["max_multiple_of_owed"],
                    limit=step.permission_limit,
                )
            ],
            script=f"You're {'still ' if given else ''}owed {format_pence(total)} under Ofcom's "
            "automatic compensation "
            "scheme, and you don't need to claim it: I'm adding it to your account now." + daily,
            working=working,
        )
    ]


@dataclass(frozen=True)
class Given:
    """Compensation recorded as given (or awaiting approval) by a decision."""

    pence: int
    at: datetime
    advisor_id: str
    pending: bool


def compensation_given(s: Situation, earliest: datetime | None) -> list[Given]:
    """What the decisions backend says was already given for these faults.

    An accept gives the proposed amount, an override the amount it changed to;
    a decline, an override that did something else instead, and a rejected
    approval give nothing. One awaiting approval counts (so it is not offered
    twice) and says so. Decisions before the earliest counted fault was
    reported were about something else.
    """
    found: list[Given] = []
    for view in s.compensation_decided or ():
        decision = view.decision
        if (
            decision.kind is DecisionKind.DECLINE
            or decision.alternative
            or view.approval is ApprovalState.REJECTED
            or (earliest is not None and decision.decided_at < earliest)
        ):
            continue
        amount = decision.changed_parameters.get(
            "amount_pence", decision.proposed_parameters.get("amount_pence")
        )
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            continue
        found.append(
            Given(
                pence=amount,
                at=decision.decided_at,
                advisor_id=decision.advisor_id,
                pending=view.approval is ApprovalState.PENDING,
            )
        )
    return found


def _rebate_ask(history: Sequence[HistoryEvent]) -> HistoryEvent | None:
    for event in history:
        text = f"{event.summary} {event.body}".lower()
        if any(word in text for word in _REBATE_WORDS):
            return event
    return None


def goodwill_credit(s: Situation) -> list[Draft]:
    """A refund of what the lost services cost for the whole days without them.

    Separate from (and on top of) automatic compensation: the scheme pays for the
    delay, this gives back charges for service not received (seed 003's "rebate").
    """
    down = s.down_faults
    since = s.lost_since
    if not down or since is None:
        return []
    days = (s.now - since) // timedelta(days=1)
    if days < 1:
        return []
    lost_ids = {p for f in down for p in f.product_ids if p in s.products}
    monthly = sum(s.products[p].monthly_price_pence for p in lost_ids)
    bill = sum(p.monthly_price_pence for p in s.profile.products)
    if monthly == 0 or bill == 0:
        return []
    step = s.settings.steps.step(ActionKind.GOODWILL_CREDIT)
    # Beyond the step's cap (one month's whole bill) a credit is no longer goodwill
    # for this fault but a different conversation.
    cap = bill * step.bounds["max_months_of_bill"]
    # Whole pence, rounded up so the customer never gets less than the pro-rata share;
    # a 30-day month keeps the sum easy to say out loud.
    value = min(-(-monthly * days // 30), cap)
    names = " and ".join(sorted(kind_words(s.products[p].kind) for p in lost_ids))
    return [
        Draft(
            kind=ActionKind.GOODWILL_CREDIT,
            subject=down[0].id,
            label=f"Goodwill credit {format_pence(value)}: charges for {days} days without service",
            why=[
                Fact(label="Without service", value=f"{names} for {days} days", source="faults"),
                Fact(
                    label="Monthly charge for them", value=format_pence(monthly), source="customers"
                ),
            ],
            process_step=step.ref(),
            parameters=[
                pence_param(
                    "amount_pence",
                    "Goodwill credit",
                    value=value,
                    minimum=0,
                    maximum=cap,
                    limit=step.permission_limit,
                )
            ],
            script=f"On top of that, I don't think you should pay for {days} days of "
            f"{names} you didn't have, so I'm crediting {format_pence(value)}.",
            working=[
                f"{format_pence(monthly)} a month × {days} days ÷ 30 = {format_pence(value)}"
                + (" (capped at one month's bill)" if value == cap else "")
            ],
        )
    ]
