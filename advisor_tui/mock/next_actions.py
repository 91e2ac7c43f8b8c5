"""The mock next-actions logic: ranked actions for one customer, from their record.

Pure: ``next_actions_for(record, now)`` reads the profile, the fault status, the
latest history and the process outcomes and returns the contract's ``NextActions``.
No HTTP and no clock, so tests pin ``now`` and the router passes ``state.clock()``.

Every action carries the facts it rests on (``why``), the process step it
implements, what the advisor may change, an honest ``script``, and the ``working``
of any amount or date, so the screen never shows a figure it cannot explain.

Money parameters and permission limits. ``permission_limit`` names the advisor
permission (``max_goodwill_credit_pence``) that caps, without approval, the part of
an amount **above the parameter's ``minimum``**. For a goodwill credit the minimum
is 0, so the whole credit counts against the limit. For automatic compensation the
minimum is the amount owed under the scheme (an advisor may not give less than is
owed), so only the extra given on top counts: owed + limit is the most an advisor
may give alone, and ``maximum`` (three times what is owed) is a hard bound that no
approval lifts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from advisor_tui.contract import (
    ActionKind,
    Advisor,
    AppointmentStatus,
    Channel,
    CoachingHint,
    CoachingValue,
    CustomerProfile,
    Fact,
    Fault,
    FaultState,
    FaultStatus,
    FollowUp,
    FollowUpStatus,
    HistoryEvent,
    LineState,
    NextAction,
    NextActions,
    ParameterSpec,
    ParamType,
    PriceChange,
    ProcessStepRef,
    Product,
    ProductKind,
)
from advisor_tui.mock.state import CustomerRecord
from advisor_tui.regulation import (
    CompensationWorking,
    RegulationError,
    adr_rule_for,
    format_pence,
    format_uk_date,
    format_uk_moment,
    is_working_day,
    missed_appointment_compensation,
    ombudsman_date,
    ombudsman_working,
    rates_on,
    repair_compensation,
    uk_local,
)

HISTORY_LOOKBACK = 200
"""How many of the newest history events are read for complaints and rebate asks.

Bounded because a customer can have 100,000 events and the newest are the ones a
live call is about.
"""

CORE_SERVICES = frozenset({ProductKind.LANDLINE, ProductKind.BROADBAND, ProductKind.MOBILE})
"""What must be working before anything is sold (seed 004: offers only on a working core)."""

SCHEME_SERVICES = frozenset({ProductKind.LANDLINE, ProductKind.BROADBAND})
"""The services Ofcom's automatic compensation scheme covers, each paid separately."""

CLOSING_OUTCOMES = frozenset({"unrecoverable", "not_possible", "cannot_restore"})
"""Process outcomes that end the road for the customer, and so deserve a second look."""

COMPENSATION_HARD_FACTOR = 3
"""Automatic compensation may be raised to at most this multiple of what is owed."""

RETENTION_LOOKBACK = timedelta(days=365)
"""A price change older than this is no longer news to the customer."""

FOLLOW_UP_HOUR_UTC = 10

# The process steps this logic implements. Ids and versions are what a decision
# records, so a supervisor can see which version of the process an override broke.
STEPS: dict[ActionKind, ProcessStepRef] = {
    ActionKind.VULNERABILITY_SUPPORT: ProcessStepRef(
        id="PS-VULN-SUPPORT", version=3, title="Check and apply support for a vulnerable customer"
    ),
    ActionKind.HONEST_ETA: ProcessStepRef(
        id="PS-FAULT-ETA", version=4, title="Tell the customer when the fault will be fixed"
    ),
    ActionKind.INTERIM_SERVICE: ProcessStepRef(
        id="PS-INTERIM-SERVICE", version=2, title="Offer interim service while a fault is open"
    ),
    ActionKind.AUTOMATIC_COMPENSATION: ProcessStepRef(
        id="PS-AUTO-COMP", version=6, title="Apply Ofcom automatic compensation"
    ),
    ActionKind.FORMAL_COMPLAINT: ProcessStepRef(
        id="PS-FORMAL-COMPLAINT", version=3, title="Open a formal complaint and give the ADR date"
    ),
    ActionKind.FOLLOW_UP: ProcessStepRef(
        id="PS-FOLLOW-UP", version=2, title="Agree a follow-up with a named owner"
    ),
    ActionKind.GOODWILL_CREDIT: ProcessStepRef(
        id="PS-GOODWILL", version=2, title="Goodwill credit for service not received"
    ),
    ActionKind.RETENTION_OFFER: ProcessStepRef(
        id="PS-RETENTION", version=1, title="Retention offer after a price rise"
    ),
}

# Steps a case can be marked against (``CustomerRecord.process_outcomes``), so the
# escalation names the step and its version rather than a bare id.
KNOWN_OUTCOME_STEPS: dict[str, ProcessStepRef] = {
    "PS-NUM-RESTORE": ProcessStepRef(
        id="PS-NUM-RESTORE", version=2, title="Restore a ceased number on re-provision"
    ),
    "PS-NUM-PORT": ProcessStepRef(id="PS-NUM-PORT", version=1, title="Port a number in"),
}

# Rank order of the kinds. Care and wrong answers first (a vulnerable customer, a
# process that says "impossible"), then the truth about the fault, then what is
# owed. A retention offer exists only when nothing is broken, so it never outranks
# a fault; when it does exist it is what the call is about, so it precedes the
# follow-up that closes every list.
ORDER: tuple[ActionKind, ...] = (
    ActionKind.VULNERABILITY_SUPPORT,
    ActionKind.ESCALATE_STEP,
    ActionKind.HONEST_ETA,
    ActionKind.INTERIM_SERVICE,
    ActionKind.AUTOMATIC_COMPENSATION,
    ActionKind.FORMAL_COMPLAINT,
    ActionKind.GOODWILL_CREDIT,
    ActionKind.RETENTION_OFFER,
    ActionKind.FOLLOW_UP,
)

_CONTACT_CHANNELS = (
    Channel.PHONE,
    Channel.SMS,
    Channel.EMAIL,
    Channel.SOCIAL,
    Channel.WEB_CHAT,
    Channel.LETTER,
)

_CHANNEL_WORDS = {Channel.SMS: "SMS", Channel.WEB_CHAT: "web chat", Channel.SOCIAL: "social media"}


_PRODUCT_WORDS = {
    ProductKind.TV: "TV",
    ProductKind.CALL_SIGN: "Call Sign",
    ProductKind.LEASED_LINE: "leased line",
    ProductKind.SIP_TRUNK: "SIP trunk",
}


def _kind_words(kind: ProductKind) -> str:
    return _PRODUCT_WORDS.get(kind, kind.value)


def _channel_words(channel: Channel) -> str:
    return _CHANNEL_WORDS.get(channel, channel.value)


_REBATE_WORDS = ("rebate", "compensation", "refund", "money back")


@dataclass
class _Draft:
    """An action before it has a rank."""

    kind: ActionKind
    subject: str
    label: str
    why: list[Fact]
    process_step: ProcessStepRef
    parameters: list[ParameterSpec] = field(default_factory=list)
    script: str | None = None
    working: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Situation:
    """What the record says, read once and shared by every rule."""

    profile: CustomerProfile
    status: FaultStatus | None
    history: list[HistoryEvent]
    products: dict[str, Product]
    open_faults: list[Fault]
    now: datetime

    def kinds_of(self, fault: Fault) -> list[ProductKind]:
        return [self.products[p].kind for p in fault.product_ids if p in self.products]

    @property
    def slipped(self) -> list[Fault]:
        return [f for f in self.open_faults if f.eta_moves > 0]

    @property
    def down_faults(self) -> list[Fault]:
        """Open faults that leave the customer without a service."""
        services = self.status.services if self.status is not None else []
        down = {st.product_id for st in services if st.state is LineState.DOWN}
        return [f for f in self.open_faults if f.total_loss or down & set(f.product_ids)]

    @property
    def lost_since(self) -> datetime | None:
        if self.status is not None and self.status.service_lost_since is not None:
            return self.status.service_lost_since
        starts = [f.opened_at for f in self.down_faults]
        return min(starts) if starts else None


def next_actions_for(
    record: CustomerRecord, now: datetime, advisor: Advisor | None = None
) -> NextActions:
    """The ranked next actions for ``record`` at ``now``.

    ``advisor`` (the caller, when known) only sets the default follow-up owner when
    the customer has no named owner.
    """
    profile = record.profile
    status = record.fault_status
    situation = _Situation(
        profile=profile,
        status=status,
        history=record.history.latest(HISTORY_LOOKBACK),
        products={p.id: p for p in profile.products},
        open_faults=[f for f in (status.faults if status else []) if f.state is FaultState.OPEN],
        now=now,
    )
    drafts: list[_Draft] = []
    drafts += _vulnerability(situation)
    drafts += _escalations(situation, record.process_outcomes)
    drafts += _honest_etas(situation)
    drafts += _interim(situation)
    compensation = _compensation(situation)
    drafts += compensation
    drafts += _complaint(situation, record.process_outcomes, bool(compensation))
    drafts += _goodwill(situation)
    drafts += _follow_up(
        situation, _open_follow_ups(profile.follow_ups, record.follow_ups), advisor
    )
    drafts += _retention(situation)

    drafts.sort(key=lambda d: (ORDER.index(d.kind), d.subject))
    actions = [
        NextAction(
            id=f"{profile.id}:{d.kind.value}:{d.subject}",
            kind=d.kind,
            rank=rank,
            label=d.label,
            why=d.why,
            process_step=d.process_step,
            parameters=d.parameters,
            script=d.script,
            working=d.working,
        )
        for rank, d in enumerate(drafts, start=1)
    ]
    return NextActions(
        customer_id=profile.id,
        generated_at=now,
        actions=actions,
        coaching=_coaching(situation, actions),
    )


# ----------------------------------------------------------------------- helpers


def _hours(delta: timedelta) -> str:
    hours = round(delta.total_seconds() / 3600)
    return f"{hours:+d} h"


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def _fault_label(situation: _Situation, fault: Fault) -> str:
    kinds = situation.kinds_of(fault)
    return " and ".join(_kind_words(k) for k in kinds) if kinds else fault.summary


def _service_names(situation: _Situation, fault: Fault, kinds: Iterable[ProductKind]) -> str:
    wanted = set(kinds)
    names = []
    for pid in fault.product_ids:
        product = situation.products.get(pid)
        if product is not None and product.kind in wanted:
            names.append(
                f"{_kind_words(product.kind)} {product.number}"
                if product.number
                else _kind_words(product.kind)
            )
    return ", ".join(names)


def _open_follow_ups(*lists: Sequence[FollowUp]) -> list[FollowUp]:
    seen: dict[str, FollowUp] = {}
    for items in lists:
        for item in items:
            seen[item.id] = item
    return sorted(
        (f for f in seen.values() if f.status is FollowUpStatus.OPEN), key=lambda f: f.due_at
    )


def _next_working_day(day: date) -> date:
    candidate = day + timedelta(days=1)
    try:
        while not is_working_day(candidate):
            candidate += timedelta(days=1)
    except RegulationError:
        # Beyond the bank-holiday table: a weekday is the best honest default, and
        # the advisor can move it (due_at is editable).
        while candidate.weekday() >= 5:
            candidate += timedelta(days=1)
    return candidate


def _pence_param(
    name: str, label: str, value: int, minimum: int, maximum: int, limit: str | None
) -> ParameterSpec:
    return ParameterSpec(
        name=name,
        label=label,
        type=ParamType.PENCE,
        value=value,
        editable=True,
        minimum=minimum,
        maximum=maximum,
        permission_limit=limit,
    )


# ------------------------------------------------------------------------ rules


def _vulnerability(s: _Situation) -> list[_Draft]:
    circ = s.profile.circumstances
    if not circ.vulnerable:
        return []
    why = [Fact(label="Vulnerable", value="yes", source="customers")]
    why += [
        Fact(label="Vulnerability note", value=n, source="customers")
        for n in circ.vulnerability_notes
    ]
    why += [Fact(label="Need", value=n, source="customers") for n in circ.needs]
    params: list[ParameterSpec] = []
    if s.down_faults:
        why.append(Fact(label="Open fault", value=s.down_faults[0].summary, source="faults"))
        params.append(
            ParameterSpec(
                name="priority_repair",
                label="Ask for a priority repair",
                type=ParamType.BOOLEAN,
                value=True,
                editable=True,
            )
        )
    return [
        _Draft(
            kind=ActionKind.VULNERABILITY_SUPPORT,
            subject="support",
            label="Check support needs first: vulnerable customer"
            + (" without service" if s.down_faults else ""),
            why=why,
            process_step=STEPS[ActionKind.VULNERABILITY_SUPPORT],
            parameters=params,
            script="Before we go on, is there anything that would make this easier for you, "
            "or anyone you'd like us to talk to as well?",
        )
    ]


def _escalations(s: _Situation, outcomes: dict[str, str]) -> list[_Draft]:
    drafts = []
    for step_id, outcome in sorted(outcomes.items()):
        if outcome.strip().lower().replace(" ", "_") not in CLOSING_OUTCOMES:
            continue
        known = KNOWN_OUTCOME_STEPS.get(step_id)
        # An unknown step is still escalated: naming it by id is better than dropping
        # it, and version 1 is what a step without a catalogue entry is taken to be.
        step = known or ProcessStepRef(id=step_id, version=1, title=f"Process step {step_id}")
        step = step.model_copy(update={"outcome": outcome})
        why = [Fact(label="Process says", value=f"{step.title}: {outcome}", source="process")]
        needle = outcome.lower().replace("_", " ")
        for event in s.history:
            text = f"{event.summary} {event.body}".lower()
            if needle in text or step_id.lower() in text:
                why.append(
                    Fact(
                        label=f"On record ({_channel_words(event.channel)})",
                        value=f"{format_uk_moment(event.at)} by {event.handled_by}: "
                        f"{event.summary}",
                        source="customers/history",
                    )
                )
        why.append(
            Fact(
                label="Why check it",
                value=f"'{outcome}' is the system's answer, not a supplier's: a senior "
                "escalation can find a fix the system cannot (a restored number after the "
                "same answer)",
                source="process",
            )
        )
        drafts.append(
            _Draft(
                kind=ActionKind.ESCALATE_STEP,
                subject=step_id,
                label=f"Escalate: '{step.title}' says {outcome}; ask a senior to check",
                why=why,
                process_step=step,
                parameters=[
                    ParameterSpec(
                        name="escalate_to",
                        label="Escalate to",
                        type=ParamType.CHOICE,
                        value="senior_and_supplier",
                        editable=True,
                        choices=["senior_and_supplier", "senior_manager", "supplier"],
                    )
                ],
                script="Our system says this can't be done, but I don't want to leave it there. "
                "I'm taking it to a senior manager and our supplier today, and I'll tell you "
                "what they say.",
            )
        )
    return drafts


def _honest_etas(s: _Situation) -> list[_Draft]:
    """For every open fault whose fix time has moved, or has passed unmet.

    The latest ETA of such a fault is not a promise: the action says so and gives
    the advisor the whole history to say it with.
    """
    drafts = []
    for fault in s.open_faults:
        if not fault.eta_history:
            continue
        first, last = fault.eta_history[0], fault.eta_history[-1]
        moves = fault.eta_moves
        passed = last.eta <= s.now
        if moves == 0 and not passed:
            continue
        automatic = sum(1 for c in fault.eta_history[1:] if c.automatic)
        slip = _hours(fault.eta_slip)
        why = [
            Fact(label="Fault", value=fault.summary, source="faults"),
            Fact(label="First promised", value=format_uk_moment(first.eta), source="faults"),
            Fact(
                label="Latest ETA",
                value=format_uk_moment(last.eta)
                + (" (already passed, not fixed)" if passed else ""),
                source="faults",
            ),
        ]
        if moves:
            why.append(
                Fact(
                    label="ETA moved",
                    value=f"{_times(moves)}, {slip} since first promised"
                    + (f", {automatic} automatically" if automatic else ""),
                    source="faults",
                )
            )
        cause = _incident_cause(s, fault)
        if cause:
            why.append(Fact(label="Area incident", value=cause, source="faults"))
        working = [
            f"{format_uk_moment(c.changed_at)}: ETA {format_uk_moment(c.eta)} ({c.reason}; "
            f"{'automatic' if c.automatic else 'by a person'})"
            for c in fault.eta_history
        ]
        each_auto = " automatically" if moves and automatic == moves else ""
        if moves:
            label = f"Honest ETA: fix time moved {_times(moves)} ({slip}); do not quote it as firm"
            history = (
                f"The estimate for your {_fault_label(s, fault)} has moved {_times(moves)}"
                f"{each_auto}, {slip} in total since it was first given"
                + (", and the latest has passed too. " if passed else ". ")
            )
        else:
            label = "Honest ETA: the promised fix time has passed; do not quote it"
            history = (
                f"We said your {_fault_label(s, fault)} would be fixed by then, and it isn't. "
            )
        drafts.append(
            _Draft(
                kind=ActionKind.HONEST_ETA,
                subject=fault.id,
                label=label,
                why=why,
                process_step=STEPS[ActionKind.HONEST_ETA],
                script=f"I'm not going to promise you {format_uk_moment(last.eta)}. "
                + history
                + (f"The cause is {cause}. " if cause else "")
                + (
                    "What I can do is keep you connected in the meantime and tell you the "
                    "moment it changes."
                    if fault in s.down_faults
                    else "What I can do is tell you the moment it changes."
                ),
                working=working,
            )
        )
    return drafts


def _incident_cause(s: _Situation, fault: Fault) -> str | None:
    if s.status is None or fault.incident_id is None:
        return None
    for incident in s.status.incidents:
        if incident.id == fault.incident_id:
            return f"{incident.cause.value.replace('_', ' ')} in {incident.area}"
    return None


def _interim(s: _Situation) -> list[_Draft]:
    down = s.down_faults
    if not down:
        return []
    wfh = s.profile.circumstances.works_from_home
    # Interim service is offered when waiting is costly or the wait is uncertain:
    # someone works from home, or the fix time has already moved.
    if not wfh and not any(f.eta_moves for f in down):
        return []
    lost = {k for f in down for k in s.kinds_of(f)}
    has_mobile = any(p.kind is ProductKind.MOBILE for p in s.profile.products)
    params: list[ParameterSpec] = []
    offers: list[str] = []
    if ProductKind.BROADBAND in lost or ProductKind.LEASED_LINE in lost:
        if has_mobile:
            params.append(_bool_param("mobile_data_boost", "Unlimited mobile data until fixed"))
            offers.append("unlimited data on your mobile")
        else:
            params.append(_bool_param("backup_4g_hub", "Send a 4G backup hub"))
            offers.append("a 4G backup hub by courier")
    if ProductKind.LANDLINE in lost or ProductKind.SIP_TRUNK in lost:
        if has_mobile:
            params.append(_bool_param("call_divert", "Divert landline calls to the mobile"))
            offers.append("your landline calls diverted to your mobile")
        else:
            params.append(_bool_param("call_divert", "Divert landline calls to another number"))
            offers.append("your landline calls diverted to a number you choose")
    if not params:
        return []
    why = [
        Fact(
            label="Without service",
            value=", ".join(sorted(_kind_words(k) for k in lost)) or down[0].summary,
            source="faults",
        )
    ]
    if s.lost_since is not None:
        why.append(Fact(label="Since", value=format_uk_moment(s.lost_since), source="faults"))
    if wfh:
        why.append(Fact(label="Works from home", value="yes", source="customers"))
    for fault in down:
        if fault.eta_moves:
            why.append(Fact(label="ETA moved", value=_times(fault.eta_moves), source="faults"))
    return [
        _Draft(
            kind=ActionKind.INTERIM_SERVICE,
            subject=down[0].id,
            label="Interim service: " + " and ".join(offers),
            why=why,
            process_step=STEPS[ActionKind.INTERIM_SERVICE],
            parameters=params,
            script="Until it's fixed I can set up "
            + " and ".join(offers)
            + ", at no cost, so you're not cut off while you wait.",
        )
    ]


def _bool_param(name: str, label: str) -> ParameterSpec:
    return ParameterSpec(name=name, label=label, type=ParamType.BOOLEAN, value=True, editable=True)


def _compensation(s: _Situation) -> list[_Draft]:
    status = s.status
    if status is None:
        return []
    why: list[Fact] = []
    working: list[str] = []
    total = 0
    rate_days: list[date] = []
    # Open faults only: once a fault is resolved the compensation is credited with
    # the bill, and the mock keeps no record of what has already been paid.
    for fault in s.open_faults:
        if not fault.total_loss:
            continue
        services = sum(1 for k in s.kinds_of(fault) if k in SCHEME_SERVICES)
        if services == 0:
            continue
        try:
            repair = repair_compensation(fault.opened_at, s.now, services)
        except RegulationError as exc:
            working.append(f"{fault.summary}: cannot compute ({exc}); check by hand")
            continue
        working += repair.lines
        if repair.total_pence == 0:
            continue
        total += repair.total_pence
        rate_days += repair.eligible_days
        why.append(
            Fact(
                label="Total loss of service",
                value=f"{_service_names(s, fault, SCHEME_SERVICES)} since "
                f"{format_uk_moment(fault.opened_at)}",
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
        missed = missed_appointment_compensation(status.appointments, s.now)
    except RegulationError as exc:
        working.append(f"Missed appointments: cannot compute ({exc}); check by hand")
        missed = None
    if missed is not None and missed.lines:
        working += missed.lines
    if missed is not None and missed.total_pence:
        total += missed.total_pence
        rate_days += missed.eligible_days
        why.append(
            Fact(
                label="Missed engineer appointments",
                value=str(len(missed.eligible_days)),
                source="faults",
            )
        )
    if total == 0:
        return []
    for row in sorted({rates_on(d) for d in rate_days}, key=lambda r: r.effective_from):
        why.append(Fact(label="Rates", value=row.source, source="regulation"))
    asked = _rebate_ask(s.history)
    if asked is not None:
        why.append(
            Fact(
                label=f"Customer asked ({asked.channel.value})",
                value=f"{format_uk_moment(asked.at)}: {asked.summary}",
                source="customers/history",
            )
        )
    if len(working) > 1:
        working.append(f"Owed under the scheme: {format_pence(total)}")
    daily = ""
    if s.open_faults and rate_days:
        daily = " It keeps adding up each day until the repair, and I'll make sure it's applied."
    return [
        _Draft(
            kind=ActionKind.AUTOMATIC_COMPENSATION,
            subject="ofcom-scheme",
            label=f"Automatic compensation owed: {format_pence(total)} (Ofcom scheme)",
            why=why,
            process_step=STEPS[ActionKind.AUTOMATIC_COMPENSATION],
            parameters=[
                _pence_param(
                    "amount_pence",
                    "Compensation (owed amount is the minimum)",
                    value=total,
                    minimum=total,
                    maximum=total * COMPENSATION_HARD_FACTOR,
                    limit="max_goodwill_credit_pence",
                )
            ],
            script=f"You're owed {format_pence(total)} under Ofcom's automatic compensation "
            "scheme, and you don't need to claim it: I'm adding it to your account now." + daily,
            working=working,
        )
    ]


def _rebate_ask(history: Sequence[HistoryEvent]) -> HistoryEvent | None:
    for event in history:
        text = f"{event.summary} {event.body}".lower()
        if any(word in text for word in _REBATE_WORDS):
            return event
    return None


def _complaint(s: _Situation, outcomes: dict[str, str], owed: bool) -> list[_Draft]:
    complaints = [e for e in s.history if e.channel is Channel.COMPLAINT]
    reasons: list[Fact] = []
    if complaints:
        # The ADR clock runs from when the complaint was first made.
        raised = min(complaints, key=lambda e: e.at)
        complaint_at = raised.at
        reasons.append(
            Fact(
                label="Complaint raised",
                value=f"{format_uk_moment(raised.at)} via {raised.via or raised.channel.value}: "
                f"{raised.summary}",
                source="customers/history",
            )
        )
    else:
        complaint_at = s.now
        for fault in s.slipped:
            if fault.eta_moves >= 2:
                reasons.append(
                    Fact(label="ETA moved", value=_times(fault.eta_moves), source="faults")
                )
        closing = [k for k, v in outcomes.items() if v.lower() in CLOSING_OUTCOMES]
        if closing:
            reasons.append(
                Fact(label="Process said no", value=", ".join(sorted(closing)), source="process")
            )
        if owed:
            reasons.append(
                Fact(label="Compensation owed", value="service standards missed", source="faults")
            )
        if not reasons:
            return []
    try:
        rule = adr_rule_for(complaint_at)
        adr = ombudsman_date(complaint_at)
    except RegulationError:
        return []
    overdue = adr <= uk_local(s.now).date()
    why = [
        *reasons,
        Fact(
            label="Ombudsman (ADR) from",
            value=format_uk_date(adr) + (" (already reached)" if overdue else ""),
            source="regulation",
        ),
        Fact(label="Rule", value=rule.source, source="regulation"),
    ]
    if complaints:
        label = f"Formal complaint open: ombudsman from {format_uk_date(adr)}"
        script = (
            f"Your complaint was raised on {format_uk_date(uk_local(complaint_at).date())}. "
            + (
                "You can take it to the ombudsman now, free of charge."
                if overdue
                else f"If it isn't resolved by {format_uk_date(adr)}, you can take it to the "
                "ombudsman, free of charge, or sooner if we write to say we can't agree."
            )
        )
        subject = raised.id
    else:
        label = f"Offer a formal complaint: ombudsman from {format_uk_date(adr)}"
        script = (
            "You can make this a formal complaint, and I'll open it now. If it isn't resolved "
            f"by {format_uk_date(adr)}, you can take it to the ombudsman, free of charge, or "
            "sooner if we write to say we can't agree."
        )
        subject = "new"
    return [
        _Draft(
            kind=ActionKind.FORMAL_COMPLAINT,
            subject=subject,
            label=label,
            why=why,
            process_step=STEPS[ActionKind.FORMAL_COMPLAINT],
            parameters=[
                ParameterSpec(
                    name="ombudsman_from",
                    label="Ombudsman (ADR) from",
                    type=ParamType.TEXT,
                    value=adr.isoformat(),
                    editable=False,
                )
            ],
            script=script,
            working=[ombudsman_working(complaint_at)],
        )
    ]


def _goodwill(s: _Situation) -> list[_Draft]:
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
    # Whole pence, rounded up so the customer never gets less than the pro-rata share;
    # a 30-day month keeps the sum easy to say out loud.
    value = min(-(-monthly * days // 30), bill)
    names = " and ".join(sorted(_kind_words(s.products[p].kind) for p in lost_ids))
    return [
        _Draft(
            kind=ActionKind.GOODWILL_CREDIT,
            subject=down[0].id,
            label=f"Goodwill credit {format_pence(value)}: charges for {days} days without service",
            why=[
                Fact(label="Without service", value=f"{names} for {days} days", source="faults"),
                Fact(
                    label="Monthly charge for them", value=format_pence(monthly), source="customers"
                ),
            ],
            process_step=STEPS[ActionKind.GOODWILL_CREDIT],
            parameters=[
                _pence_param(
                    "amount_pence",
                    "Goodwill credit",
                    value=value,
                    minimum=0,
                    # One month's whole bill: beyond it a credit is no longer goodwill
                    # for this fault but a different conversation.
                    maximum=bill,
                    limit="max_goodwill_credit_pence",
                )
            ],
            script=f"On top of that, I don't think you should pay for {days} days of "
            f"{names} you didn't have, so I'm crediting {format_pence(value)}.",
            working=[
                f"{format_pence(monthly)} a month × {days} days ÷ 30 = {format_pence(value)}"
                + (" (capped at one month's bill)" if value == bill else "")
            ],
        )
    ]


def _follow_up(s: _Situation, open_items: list[FollowUp], advisor: Advisor | None) -> list[_Draft]:
    named = s.profile.named_owner
    owner = named or (advisor.display_name if advisor else "")
    local_today = uk_local(s.now).date()
    due = datetime.combine(_next_working_day(local_today), time(FOLLOW_UP_HOUR_UTC), tzinfo=UTC)
    preferred = s.profile.preferred_channel
    channel = preferred if preferred in _CONTACT_CHANNELS else Channel.PHONE
    why = [
        Fact(
            label="Named owner",
            value=named or "none: the advisor on this call owns it",
            source="customers",
        ),
        Fact(label="Preferred channel", value=preferred.value, source="customers"),
    ]
    for item in open_items:
        why.append(
            Fact(
                label="Open follow-up",
                value=f"{item.owner} by {item.channel.value}, due {format_uk_moment(item.due_at)}",
                source="customers",
            )
        )
    if s.open_faults:
        why.append(Fact(label="Open faults", value=str(len(s.open_faults)), source="faults"))
        script = (
            f"{owner or 'I'} will get back to you by {_channel_words(channel)} on "
            f"{format_uk_moment(due)}, and keep checking until it's fixed and stays fixed."
        )
    else:
        script = (
            f"{owner or 'I'} will check in with you by {_channel_words(channel)} on "
            f"{format_uk_moment(due)} to make sure everything is as it should be."
        )
    return [
        _Draft(
            kind=ActionKind.FOLLOW_UP,
            subject="next",
            label=f"Follow up by {_channel_words(channel)}, {format_uk_moment(due)}"
            + (f" ({owner})" if owner else ""),
            why=why,
            process_step=STEPS[ActionKind.FOLLOW_UP],
            parameters=[
                ParameterSpec(
                    name="owner", label="Owner", type=ParamType.TEXT, value=owner, editable=True
                ),
                ParameterSpec(
                    name="due_at",
                    label="Due",
                    type=ParamType.DATETIME,
                    value=due.isoformat().replace("+00:00", "Z"),
                    editable=True,
                ),
                ParameterSpec(
                    name="channel",
                    label="Channel",
                    type=ParamType.CHOICE,
                    value=channel.value,
                    editable=True,
                    choices=[c.value for c in _CONTACT_CHANNELS],
                ),
            ],
            script=script,
            working=[
                f"Due: next working day after {format_uk_date(local_today)} at "
                f"{FOLLOW_UP_HOUR_UTC:02d}:00 UTC ({format_uk_moment(due)} UK time)"
            ],
        )
    ]


def _core_ok(s: _Situation) -> bool:
    """Every core product the customer has is known to be working, and no fault is open.

    Unknown is not working: a record without a status, or a core product without a
    line, gets no offer here. (The router passes the faults backend's view, where
    every product has a line.)
    """
    if s.status is None or s.open_faults:
        return False
    states = {st.product_id: st.state for st in s.status.services}
    core = [p for p in s.profile.products if p.kind in CORE_SERVICES]
    return all(states.get(p.id) is LineState.OK for p in core)


def _retention(s: _Situation) -> list[_Draft]:
    rises = [
        c
        for c in s.profile.contract.price_changes
        if c.above_inflation and c.effective_from >= (s.now - RETENTION_LOOKBACK).date()
    ]
    # Offers only when the core service works: selling to someone without service
    # is what seed 002 and 004 warn against, so the action is simply absent.
    if not rises or not _core_ok(s):
        return []
    change = max(rises, key=lambda c: c.effective_from)
    went = "is going" if change.effective_from > uk_local(s.now).date() else "went"
    discount = _above_inflation_pence(change)
    rise = change.new_monthly_pence - change.old_monthly_pence
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
        _Draft(
            kind=ActionKind.RETENTION_OFFER,
            subject=change.effective_from.isoformat(),
            label=f"Retention: {format_pence(discount)}/month off, the rise above inflation",
            why=why,
            process_step=STEPS[ActionKind.RETENTION_OFFER],
            parameters=[
                _pence_param(
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
                    value=12,
                    editable=True,
                    minimum=1,
                    maximum=24,
                ),
            ],
            script=f"Your price {went} up {change.rise_percent:.1f}% from "
            f"{format_uk_date(change.effective_from)}, more than inflation "
            f"({change.inflation_percent:.1f}%). I can take the part above inflation off: "
            f"{format_pence(discount)} a month for the next 12 months.",
            working=[
                f"{format_pence(change.old_monthly_pence)} × (1 + "
                f"{change.inflation_percent}%) = "
                f"{format_pence(change.new_monthly_pence - discount)}; "
                f"{format_pence(change.new_monthly_pence)} − that = {format_pence(discount)}"
            ],
        )
    ]


def _above_inflation_pence(change: PriceChange) -> int:
    """The part of a monthly rise above inflation, in whole pence (rounded in the
    customer's favour)."""
    at_inflation = change.old_monthly_pence * (100 + change.inflation_percent) / 100
    return max(change.new_monthly_pence - int(at_inflation), 0)


def _coaching(s: _Situation, actions: Sequence[NextAction]) -> list[CoachingHint]:
    kinds = {a.kind for a in actions}
    hints: list[CoachingHint] = []
    if ActionKind.ESCALATE_STEP in kinds:
        hints.append(
            CoachingHint(
                value=CoachingValue.BRAVE,
                text="The process says it can't be done. Be brave: check it with someone "
                "who can change it before you repeat it to the customer.",
            )
        )
    appointments = s.status.appointments if s.status is not None else []
    missed = any(
        a.status in (AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED) for a in appointments
    )
    if s.slipped or missed or ActionKind.AUTOMATIC_COMPENSATION in kinds:
        moved = max((f.eta_moves for f in s.slipped), default=0)
        hints.append(
            CoachingHint(
                value=CoachingValue.ACCOUNTABLE,
                text=(
                    f"The fix time has moved {_times(moved)}. "
                    if moved
                    else "We missed what we promised. "
                )
                + "Own it: say what you know, what you don't, and when you'll call back.",
            )
        )
    if not hints or s.profile.circumstances.vulnerable or ActionKind.RETENTION_OFFER in kinds:
        hints.append(
            CoachingHint(
                value=CoachingValue.CURIOUS,
                text="Ask what matters most to them today before offering anything; the "
                "record doesn't tell you everything.",
            )
        )
    return hints
