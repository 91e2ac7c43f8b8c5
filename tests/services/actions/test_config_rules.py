"""The rules' operator settings come from the config file like the app's:
``[rules] rates`` / ``rate_reading`` and ``[faults] resolved_within_days``,
with the ``serve actions`` flags over them."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from advisor_tui.config import ConfigError, Settings
from advisor_tui.contract import ActionKind
from advisor_tui.demo import demo_actions_service
from advisor_tui.mock.scenario import load_state
from advisor_tui.services.actions.regulation import RateReading
from advisor_tui.services.actions.serve import rules_from, settings_overrides

FIXED_YESTERDAY = "cus-fixed-yesterday"


def serve_flags(**given: object) -> argparse.Namespace:
    flags: dict[str, object] = {
        "customers_url": None,
        "faults_url": None,
        "identity_url": None,
        "decisions_url": None,
        "rates": None,
        "rate_reading": None,
    }
    return argparse.Namespace(**{**flags, **given})


def test_the_config_sets_the_reading_and_the_window_and_flags_win() -> None:
    configured = Settings.model_validate(
        {"rules": {"rate_reading": "at-start"}, "faults": {"resolved_within_days": 6}}
    )
    rules = rules_from(configured)
    assert rules.rate_reading is RateReading.AT_START
    assert rules.resolved_within_days == 6
    overrides = settings_overrides(serve_flags(rate_reading="each-day"))
    assert overrides["rules"] == {"rate_reading": "each-day"}
    flagged = Settings.model_validate(
        {"rules": {"rate_reading": "each-day"}, "faults": {"resolved_within_days": 6}}
    )
    assert rules_from(flagged).rate_reading is RateReading.EACH_DAY


def test_a_bad_rates_file_in_the_config_names_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "rates.toml"
    bad.write_text("[[repair]]\nnot toml at all = = =\n")
    with pytest.raises(ConfigError, match=r"\[rules\] rates"):
        rules_from(Settings.model_validate({"rules": {"rates": str(bad)}}))
    with pytest.raises(ValueError, match="rate_reading"):
        Settings.model_validate({"rules": {"rate_reading": "whenever"}})
    with pytest.raises(ValueError, match="resolved_within_days"):
        Settings.model_validate({"faults": {"resolved_within_days": 400}})


@pytest.mark.parametrize("days, owed", [(30, True), (1, True), (0, False)])
async def test_compensation_for_a_fixed_fault_is_owed_within_the_window(
    days: int, owed: bool
) -> None:
    # Fixed Wed 11 Jun 15:20; the story's now is Thu 12 Jun 11:00 (within one day).
    settings = Settings.model_validate({"faults": {"resolved_within_days": days}})
    service = demo_actions_service(load_state(), rules_from(settings))
    try:
        answer = await service.next_actions(FIXED_YESTERDAY)
    finally:
        await service.aclose()
    compensation = [a for a in answer.actions if a.kind is ActionKind.AUTOMATIC_COMPENSATION]
    if owed:
        (action,) = compensation
        assert action.label == "Automatic compensation owed: £9.98 (Ofcom scheme)"
    else:
        assert compensation == []
