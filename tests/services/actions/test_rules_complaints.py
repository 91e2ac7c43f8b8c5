"""Complaints and escalations: ombudsman dates and steps that say no, on situations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from advisor_tui.contract import ActionKind, Channel, CoachingValue
from advisor_tui.services.actions import engine
from tests.services.actions.builders import (
    NOW,
    assert_ranked,
    by_kind,
    event,
    next_actions_for,
    one,
    outage_record,
    profile,
    record,
    status,
)


def test_existing_complaint_uses_its_own_date() -> None:
    rec = outage_record()
    rec.history = [
        event(
            "c1",
            datetime(2026, 4, 7, 10, 0, tzinfo=UTC),
            Channel.COMPLAINT,
            "Formal complaint raised",
        ),
        event("c2", datetime(2026, 5, 1, 10, 0, tzinfo=UTC), Channel.COMPLAINT, "Complaint chased"),
    ]
    complaint = one(next_actions_for(rec, NOW), ActionKind.FORMAL_COMPLAINT)
    assert complaint.id == "cus-1:formal_complaint:c1"
    # Raised 7 April 2026, the day before the 6-week rule: 8 weeks.
    assert complaint.parameter("ombudsman_from") is not None
    assert complaint.parameter("ombudsman_from").value == "2026-06-02"  # type: ignore[union-attr]
    assert any("already reached" in f.value for f in complaint.why)


def test_no_complaint_without_a_reason() -> None:
    result = next_actions_for(record(profile(), status([])), NOW)
    assert not by_kind(result, ActionKind.FORMAL_COMPLAINT)


def test_unrecoverable_outcome_is_escalated_with_brave_coaching() -> None:
    told = event(
        "e1",
        datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        Channel.EMAIL,
        "Call Sign number unrecoverable",
        "Sorry, the old number is unrecoverable.",
    )
    rec = record(profile(), status([]), [told], {"PS-NUM-RESTORE": "unrecoverable"})
    result = next_actions_for(rec, NOW)
    assert_ranked(result)
    action = one(result, ActionKind.ESCALATE_STEP)
    assert action.rank == 1
    assert action.id == "cus-1:escalate_step:PS-NUM-RESTORE"
    assert action.process_step.id == "PS-NUM-RESTORE"
    assert action.process_step.outcome == "unrecoverable"
    assert any(f.source == "customers/history" and "BTCare" in f.value for f in action.why)
    assert result.coaching[0].value is CoachingValue.BRAVE
    # The same case is complaint-worthy.
    assert by_kind(result, ActionKind.FORMAL_COMPLAINT)


def test_unknown_step_is_still_escalated_and_other_outcomes_are_not() -> None:
    rec = record(profile(), status([]), [], {"PS-X": "unrecoverable", "PS-Y": "completed"})
    escalations = by_kind(next_actions_for(rec, NOW), ActionKind.ESCALATE_STEP)
    assert [a.process_step.id for a in escalations] == ["PS-X"]


def test_a_complaint_older_than_the_recent_page_is_still_found() -> None:
    # The service reads the newest events and, on their own, the newest complaints:
    # a complaint buried under many later contacts keeps its ombudsman clock.
    raised = event(
        "c-old", datetime(2026, 10, 1, 10, 0, tzinfo=UTC), Channel.COMPLAINT, "Complaint raised"
    )
    rec = outage_record()
    chatter = [
        event(f"h{i}", datetime(2026, 11, 25, 9, i, tzinfo=UTC), Channel.PHONE, "Call: any news?")
        for i in range(50)
    ]
    situation = replace(rec.situation(NOW), history=tuple(chatter), complaints=(raised,))
    complaint = one(engine.next_actions_for(situation), ActionKind.FORMAL_COMPLAINT)
    assert complaint.id == "cus-1:formal_complaint:c-old"
    assert complaint.parameter("ombudsman_from") is not None
    # Raised after 8 April 2026: the 6-week rule.
    assert complaint.parameter("ombudsman_from").value == "2026-11-12"  # type: ignore[union-attr]
