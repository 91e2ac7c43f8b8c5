"""The engine: every family together, ranked, explained and stable."""

from __future__ import annotations

from datetime import timedelta

from advisor_tui.contract import NextActions
from tests.services.actions.builders import (
    NOW,
    PRICE_RISE,
    next_actions_for,
    outage_record,
    profile,
    record,
    status,
)


def test_ids_are_stable_and_result_round_trips_through_the_contract() -> None:
    first = next_actions_for(outage_record(), NOW)
    later = next_actions_for(outage_record(), NOW + timedelta(hours=1))
    assert [a.id for a in first.actions] == [a.id for a in later.actions]
    assert NextActions.model_validate_json(first.model_dump_json()) == first
    assert first.generated_at == NOW


def test_every_action_explains_itself() -> None:
    for rec in (
        outage_record(vulnerable=True),
        record(profile(price_changes=[PRICE_RISE]), status([])),
    ):
        for action in next_actions_for(rec, NOW).actions:
            assert action.why, action.kind
            assert action.script, action.kind
            for param in action.parameters:
                if param.type.value == "pence":
                    assert isinstance(param.value, int)
                    assert param.minimum is not None and param.maximum is not None
                    assert param.minimum <= param.value <= param.maximum
