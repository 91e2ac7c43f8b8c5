"""One time zone everywhere: the Faults panel and Next actions agree on 08:00.

The outage customer's engineer slot was 8am-1pm UK time. In its own week (June,
BST) and replayed in a winter week (GMT), both panels must read 08:00-13:00; a
display zone of UTC shows it as UTC, and says so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from advisor_tui.config import Settings
from advisor_tui.contract import ActionKind
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.state import MockState
from tests.ui.conftest import AppFactory
from tests.ui.helpers import action_text, app_with, search, visible_text

WINTER = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

SLOTS = {
    # (faults panel, next-actions working line)
    "bst": ("Tue 10 Jun 08:00–13:00 BST", "Engineer did not come Tue 10 Jun 08:00–13:00"),
    "gmt": ("Tue 24 Nov 08:00–13:00 GMT", "Engineer did not come Tue 24 Nov 08:00–13:00"),
}


@pytest.fixture(params=sorted(SLOTS))
def season(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def mock_state(season: str) -> MockState:
    # The story's own week is in June (BST); a replay nearest late November is GMT.
    return load_state() if season == "bst" else load_state(as_of=WINTER)


async def test_faults_and_next_actions_show_the_slot_in_one_zone(
    make_app: AppFactory, season: str
) -> None:
    faults_slot, actions_line = SLOTS[season]
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await search(pilot, "@ballantyne70")
        faults = visible_text(pilot, "faults")
        actions = await action_text(pilot, ActionKind.AUTOMATIC_COMPENSATION)
    assert faults_slot in faults, faults
    assert actions_line in " ".join(actions.split()), actions
    zone = faults_slot.rsplit(" ", 1)[-1]
    # ETAs carry the zone too: "2pm tomorrow" is 14:00 in either season.
    assert f"14:00 {zone}" in faults


async def test_a_configured_zone_is_used_and_named(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"token": SecretStr("demo-advisor"), "display": {"timezone": "UTC"}}
    )
    async with app_with(settings, tmp_path / "d.sqlite3").run_test(size=(200, 60)) as pilot:
        await search(pilot, "@ballantyne70")
        faults = visible_text(pilot, "faults")
        history = visible_text(pilot, "history")
        actions = await action_text(pilot, ActionKind.AUTOMATIC_COMPENSATION)
    assert "Tue 10 Jun 07:00–12:00 UTC" in faults
    assert "times in UTC" in history
    # The service's texts stay in UK time (the scheme counts UK days), and say so.
    assert "Working: (times in UK time)" in actions, actions
