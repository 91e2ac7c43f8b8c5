"""Faults and ETA: the truth about when a fault will be fixed, and service in the meantime."""

from __future__ import annotations

from advisor_tui.contract import ActionKind, Fact, ParameterSpec, ProductKind
from advisor_tui.formatting import hours
from advisor_tui.services.actions.regulation import format_uk_moment
from advisor_tui.services.actions.situation import (
    Draft,
    Situation,
    bool_param,
    fault_label,
    incident_cause,
    kind_words,
    times,
)


def honest_etas(s: Situation) -> list[Draft]:
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
        slip = hours(fault.eta_slip)
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
                    value=f"{times(moves)}, {slip} since first promised"
                    + (f", {automatic} automatically" if automatic else ""),
                    source="faults",
                )
            )
        cause = incident_cause(s, fault)
        if cause:
            why.append(Fact(label="Area incident", value=cause, source="faults"))
        working = [
            f"{format_uk_moment(c.changed_at)}: ETA {format_uk_moment(c.eta)} ({c.reason}; "
            f"{'automatic' if c.automatic else 'by a person'})"
            for c in fault.eta_history
        ]
        each_auto = " automatically" if moves and automatic == moves else ""
        if moves:
            label = f"Honest ETA: fix time moved {times(moves)} ({slip}); do not quote it as firm"
            history = (
                f"The estimate for your {fault_label(s, fault)} has moved {times(moves)}"
                f"{each_auto}, {slip} in total since it was first given"
                + (", and the latest has passed too. " if passed else ". ")
            )
        else:
            label = "Honest ETA: the promised fix time has passed; do not quote it"
            history = f"We said your {fault_label(s, fault)} would be fixed by then, and it isn't. "
        drafts.append(
            Draft(
                kind=ActionKind.HONEST_ETA,
                subject=fault.id,
                label=label,
                why=why,
                process_step=s.step(ActionKind.HONEST_ETA),
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


def interim_service(s: Situation) -> list[Draft]:
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
            params.append(bool_param("mobile_data_boost", "Unlimited mobile data until fixed"))
            offers.append("unlimited data on your mobile")
        else:
            params.append(bool_param("backup_4g_hub", "Send a 4G backup hub"))
            offers.append("a 4G backup hub by courier")
    if ProductKind.LANDLINE in lost or ProductKind.SIP_TRUNK in lost:
        if has_mobile:
            params.append(bool_param("call_divert", "Divert landline calls to the mobile"))
            offers.append("your landline calls diverted to your mobile")
        else:
            params.append(bool_param("call_divert", "Divert landline calls to another number"))
            offers.append("your landline calls diverted to a number you choose")
    if not params:
        return []
    why = [
        Fact(
            label="Without service",
            value=", ".join(sorted(kind_words(k) for k in lost)) or down[0].summary,
            source="faults",
        )
    ]
    if s.lost_since is not None:
        why.append(Fact(label="Since", value=format_uk_moment(s.lost_since), source="faults"))
    if wfh:
        why.append(Fact(label="Works from home", value="yes", source="customers"))
    for fault in down:
        if fault.eta_moves:
            why.append(Fact(label="ETA moved", value=times(fault.eta_moves), source="faults"))
    return [
        Draft(
            kind=ActionKind.INTERIM_SERVICE,
            subject=down[0].id,
            label="Interim service: " + " and ".join(offers),
            why=why,
            process_step=s.step(ActionKind.INTERIM_SERVICE),
            parameters=params,
            script="Until it's fixed I can set up "
            + " and ".join(offers)
            + ", at no cost, so you're not cut off while you wait.",
        )
    ]
