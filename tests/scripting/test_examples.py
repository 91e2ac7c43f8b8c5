"""Every script in examples/ runs, as a user would run it, against the mock over loopback.

Each example is a subprocess configured only through the app's environment
variables (``MockBackends.env``), so what is tested is exactly the README's
"point it at your backends and run it".
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor_tui.contract import ApprovalState, DecisionFilters, Role
from advisor_tui.testing import MockBackends, mock_backends

EXAMPLES = Path(__file__).parents[2] / "examples"
PAGED_EVENTS = 450  # three pages of the example's 200


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockBackends]:
    seed = json.loads(
        (EXAMPLES.parent / "advisor_tui/mock/scenarios/large_history.json").read_text()
    )
    customer = seed["customers"][0]
    customer["profile"].update(id="cus-paged", account_number="5555 0000 55", social_handles=[])
    customer["history_generated"] = {"count": PAGED_EVENTS, "seed": 3}
    paged = tmp_path_factory.mktemp("scenarios") / "paged.json"
    paged.write_text(json.dumps({"anchor": seed["anchor"], "customers": [customer]}))
    with mock_backends([paged], loopback=True) as running:
        yield running


def run(mock: MockBackends, script: str, *args: str, role: Role = Role.ADVISOR) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_TUI_")}
    env |= mock.env(role)
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_search_customer(mock: MockBackends) -> None:
    out = run(mock, "search_customer.py", "@ballantyne70")
    assert out.startswith("cus-outage  Iain Ballantyne  TW11 9LL  (matched on social_handle)")


def test_history_to_csv_pages_the_whole_history(mock: MockBackends, tmp_path: Path) -> None:
    target = tmp_path / "history.csv"
    run(mock, "history_to_csv.py", "cus-paged", str(target))
    with target.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == PAGED_EVENTS
    assert len({row["id"] for row in rows}) == PAGED_EVENTS
    assert [row["at"] for row in rows] == sorted((row["at"] for row in rows), reverse=True)


def test_eta_moved_lists_the_outage_customer(mock: MockBackends) -> None:
    out = run(mock, "eta_moved.py")
    assert re.fullmatch(r"cus-outage  Iain Ballantyne: FLT-\S+ ETA moved 3 times .*\n", out)
    assert run(mock, "eta_moved.py", "--min-moves", "3") == ""
    lines = run(mock, "eta_moved.py", "--json", "@ballantyne70").splitlines()
    assert [json.loads(line)["eta_moves"] for line in lines] == [3]


def test_record_decision_then_retry_then_tail_the_approval(
    mock: MockBackends, tmp_path: Path
) -> None:
    saved = tmp_path / "decision.json"
    out = run(
        mock,
        "record_decision.py",
        "cus-outage",
        "goodwill_credit",
        "override",
        "--reason",
        "customer_circumstances",
        "--note",
        "third missed ETA",
        "--set",
        "amount_pence=50.00",
        "--save",
        str(saved),
    )
    decision_id = json.loads(saved.read_text())["id"]
    assert f"decision {decision_id}, saved in {saved}" in out
    assert "sent again with the same id: the same receipt" in out
    assert "waits for a team_lead's approval" in out
    # Another process resending the saved record gets the same receipt, not a second record.
    retry = run(mock, "record_decision.py", "--resend", str(saved))
    receipt = re.compile(r"recorded: #\d+ .*\(hash \w+\)", re.S)
    first, again = receipt.search(out), receipt.search(retry)
    assert first is not None and again is not None and first.group() == again.group()

    async def pending() -> list[str]:
        async with mock.connect(Role.SUPERVISOR) as backends:
            page = await backends.decisions.list(DecisionFilters(approval=ApprovalState.PENDING))
            return [view.decision.id for view in page.items]

    assert asyncio.run(pending()).count(decision_id) == 1
    tailed = run(mock, "tail_approvals.py", "--polls", "1", role=Role.SUPERVISOR)
    assert decision_id in tailed and "£50.00" in tailed
