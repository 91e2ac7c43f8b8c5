"""Care and contact: vulnerability support first, and the follow-up, on situations."""

from __future__ import annotations

from datetime import UTC, datetime

from advisor_tui.contract import ActionKind, Advisor, Channel, Permissions, Role
from tests.services.actions.builders import (
    NOW,
    assert_ranked,
    next_actions_for,
    one,
    outage_record,
    profile,
    record,
    status,
)


def test_vulnerable_customer_support_comes_first() -> None:
    result = next_actions_for(outage_record(vulnerable=True), NOW)
    assert result.actions[0].kind is ActionKind.VULNERABILITY_SUPPORT
    assert any(f.value == "hearing impaired" for f in result.actions[0].why)
    # Without service: the advisor may ask for a priority repair (ticked, editable).
    assert [p.model_dump(exclude_none=True) for p in result.actions[0].parameters] == [
        {
            "name": "priority_repair",
            "label": "Ask for a priority repair",
            "type": "boolean",
            "value": True,
            "editable": True,
        }
    ]
    assert_ranked(result)


def test_follow_up_defaults_to_named_owner_preferred_channel_next_working_day() -> None:
    # Thursday 24 Dec 2026: Christmas and the substitute Boxing Day push it to Tue 29.
    now = datetime(2026, 12, 24, 16, 0, tzinfo=UTC)
    follow = one(next_actions_for(record(profile(), status([])), now), ActionKind.FOLLOW_UP)
    params = {p.name: p for p in follow.parameters}
    assert params["owner"].value == "Natasha"
    assert params["due_at"].value == "2026-12-29T10:00:00Z"
    assert params["channel"].value == "sms"
    assert follow.label == "Follow up by SMS, Tue 29 Dec 10:00 (Natasha)"
    assert params["channel"].choices is not None and "sms" in params["channel"].choices
    assert all(p.editable for p in follow.parameters)


def test_follow_up_without_named_owner_defaults_to_the_advisor() -> None:
    advisor = Advisor(
        id="adv-1",
        display_name="Kevin",
        role=Role.ADVISOR,
        team="Care",
        permissions=Permissions(max_goodwill_credit_pence=2000),
    )
    rec = record(profile(named_owner=None, preferred=Channel.NOTE), status([]))
    follow = one(next_actions_for(rec, NOW, advisor), ActionKind.FOLLOW_UP)
    assert follow.parameter("owner").value == "Kevin"  # type: ignore[union-attr]
    assert follow.parameter("channel").value == "phone"  # type: ignore[union-attr]
    assert follow.parameter("due_at").value == "2026-11-27T10:00:00Z"  # type: ignore[union-attr]
