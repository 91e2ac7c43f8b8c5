"""A fault fixed yesterday still matters (seed 003): the customer calling the day
after a fix is often calling about it.

Margaret Feeney's broadband was lost on Fri 6 Jun at 06:30, reported at 08:10,
its fix time moved twice, and it was fixed on Wed 11 Jun at 15:20, before the
last ETA. The Faults panel keeps the fault with its slips and how long the loss
lasted; Next actions still offers the compensation owed (one eligible day at
the 2025 rate), naming the loss start and the report separately.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from advisor_tui.config import Settings
from advisor_tui.contract import ActionKind
from tests.ui.conftest import AppFactory
from tests.ui.helpers import action_text, app_with, search, visible_text


def one_line(text: str) -> str:
    return " ".join(text.split())


async def test_a_fault_fixed_yesterday_shows_its_slips_and_the_compensation_owed(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await search(pilot, "TW11 8DN Feeney")
        faults = one_line(visible_text(pilot, "faults"))
        actions = one_line(await action_text(pilot, ActionKind.AUTOMATIC_COMPENSATION))
    assert "Recently resolved" in faults, faults
    assert "FLT-88214950" in faults and "RESOLVED" in faults, faults
    assert "Fixed Wed 11 Jun 15:20 BST, last ETA met" in faults, faults
    assert "service lost 5 days 8 h (from Fri 6 Jun 06:30 BST, reported" in faults, faults
    assert "ETA moved 2 times" in faults, faults
    # The slip is history now, not a warning against quoting a live ETA.
    assert "do not quote as firm" not in faults, faults
    assert "Automatic compensation owed: £9.98" in actions, actions
    assert "Loss began Fri 6 Jun 06:30; reported Fri 6 Jun 08:10" in actions, actions
    assert "fixed Wed 11 Jun 15:20" in actions, actions
    # The working line is shown whole, down to its figure.
    assert "eligible days 11 Jun = 1 day × 1 service × £9.98 = £9.98" in actions, actions


async def test_the_configured_window_drops_faults_fixed_before_it(tmp_path: Path) -> None:
    # Hale's fault was fixed seven days before the story's now: inside the default
    # 30 days, outside a configured 6.
    shown: dict[int, str] = {}
    for days in (30, 6):
        settings = Settings.model_validate(
            {"token": SecretStr("demo-advisor"), "faults": {"resolved_within_days": days}}
        )
        app = app_with(settings, tmp_path / f"d{days}.sqlite3")
        async with app.run_test(size=(200, 60)) as pilot:
            await search(pilot, "N16 7UX Hale")
            shown[days] = one_line(visible_text(pilot, "faults"))
    assert "FLT-87412281" in shown[30] and "Recently resolved" in shown[30], shown[30]
    assert "FLT-87412281" not in shown[6], shown[6]
