"""Complaints: a formal complaint with its ombudsman date, and escalating a step that says no."""

from __future__ import annotations

from advisor_tui.contract import ActionKind, Fact, ParameterSpec, ParamType
from advisor_tui.services.actions.regulation import (
    adr_rule_for,
    format_uk_date,
    format_uk_moment,
    ombudsman_date,
    ombudsman_working,
    uk_local,
)
from advisor_tui.services.actions.situation import Draft, Situation, channel_words, times
from advisor_tui.services.actions.tables import RegulationError

CLOSING_OUTCOMES = frozenset({"unrecoverable", "not_possible", "cannot_restore"})
"""Process outcomes that end the road for the customer, and so deserve a second look."""


def _closing(outcome: str) -> bool:
    return outcome.strip().lower().replace(" ", "_") in CLOSING_OUTCOMES


def escalations(s: Situation) -> list[Draft]:
    drafts = []
    for step_id, outcome in sorted(s.process_outcomes.items()):
        if not _closing(outcome):
            continue
        step = s.settings.steps.outcome_step(step_id).model_copy(update={"outcome": outcome})
        why = [Fact(label="Process says", value=f"{step.title}: {outcome}", source="process")]
        needle = outcome.lower().replace("_", " ")
        for event in s.events:
            text = f"{event.summary} {event.body}".lower()
            if needle in text or step_id.lower() in text:
                why.append(
                    Fact(
                        label=f"On record ({channel_words(event.channel)})",
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
            Draft(
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


def formal_complaint(s: Situation, owed: bool) -> list[Draft]:
    """An open complaint's ombudsman date, or the offer of one when there is cause.

    Without the history (backend down) there is no telling whether a complaint is
    already open, and so which date applies: no action rather than a wrong date.
    """
    if s.history is None:
        return []
    tables = s.settings.tables
    complaints = s.complaint_events
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
                    Fact(label="ETA moved", value=times(fault.eta_moves), source="faults")
                )
        closing = [k for k, v in s.process_outcomes.items() if v.lower() in CLOSING_OUTCOMES]
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
        rule = adr_rule_for(complaint_at, tables)
        adr = ombudsman_date(complaint_at, tables)
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
        Draft(
            kind=ActionKind.FORMAL_COMPLAINT,
            subject=subject,
            label=label,
            why=why,
            process_step=s.step(ActionKind.FORMAL_COMPLAINT),
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
            working=[ombudsman_working(complaint_at, tables)],
        )
    ]
