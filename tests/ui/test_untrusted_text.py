"""Hostile backend strings through every panel: shown as text, never acted on.

A customer whose every string field carries markup, escape sequences (OSC 52
clipboard, OSC 8 hyperlink, CSI), bidi overrides and strings as long as the
contract allows (``maxLength`` of each field) is opened;
the app must not crash, quit, or emit any of those sequences to the terminal.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel
from textual.widgets import DataTable

from advisor_tui.contract import ContractModel
from advisor_tui.mock.history import ListHistory
from advisor_tui.mock.state import CustomerRecord, MockState
from advisor_tui.screens.event_detail import EventDetailScreen
from tests.ui.conftest import AppFactory
from tests.ui.helpers import panel, search, settle, visible_text

HOSTILE = [
    "[@click=app.quit]x[/]",
    "[link=http://e]ok[/]",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "\x9b2J",
    "abc\u202edef",
    "[bold]unclosed [",
]
HOSTILE_ACCOUNT = "6666 0000 66"
# Fields that the mock looks things up by, or that the contract constrains;
# everything else that is a string gets poisoned.
KEEP = {
    "id",
    "customer_id",
    "product_ids",
    "fault_id",
    "incident_id",
    "account_number",
    "postcode",
    "token",
}


def string_bound(schema: Any) -> int | None:
    """The maxLength in a field's JSON schema (of its items, for a list of strings)."""
    if isinstance(schema, dict):
        if "maxLength" in schema:
            return int(schema["maxLength"])
        schema = list(schema.values())
    if isinstance(schema, list):
        return next((b for b in map(string_bound, schema) if b is not None), None)
    return None


def poison(value: Any, counter: list[int], bound: int | None = None) -> Any:
    if isinstance(value, ContractModel):
        fields = type(value).model_json_schema()["properties"]
        updates = {}
        for name in type(value).model_fields:
            if name in KEEP:
                continue
            updates[name] = poison(getattr(value, name), counter, string_bound(fields[name]))
        return value.model_copy(update=updates)
    if isinstance(value, BaseModel | Enum):
        return value
    if isinstance(value, str):
        counter[0] += 1
        if counter[0] % 11 == 0 and bound is not None:
            # As big as the contract lets a backend send: the longest a panel must show.
            return "B" * bound
        return HOSTILE[counter[0] % len(HOSTILE)] + value[:20]
    if isinstance(value, list):
        return [poison(v, counter, bound) for v in value]
    return value


def add_hostile_customer(state: MockState) -> None:
    source = state.customers["cus-outage"]
    counter = [0]
    profile = poison(source.profile, counter).model_copy(
        update={"id": "cus-hostile", "account_number": HOSTILE_ACCOUNT}
    )
    events = [
        poison(e, counter).model_copy(update={"customer_id": "cus-hostile"})
        for e in source.history.latest(30)
    ]
    status = source.fault_status
    assert status is not None
    faults = poison(status, counter).model_copy(update={"customer_id": "cus-hostile"})
    state.customers["cus-hostile"] = CustomerRecord(
        profile=profile,
        history=ListHistory(events),
        fault_status=faults,
        process_outcomes={"PS-NUM-RESTORE": HOSTILE[0] + "unrecoverable"},
    )
    state.incidents.update({i.id: poison(i, counter) for i in faults.incidents})


def assert_inert(rendered: str) -> None:
    for forbidden in ("\x1b]52", "\x1b]8", "\x9b", "\u202e", "\x07"):
        assert forbidden not in rendered


async def test_hostile_strings_in_every_panel_are_inert(
    make_app: AppFactory, mock_state: MockState
) -> None:
    add_hostile_customer(mock_state)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await search(pilot, HOSTILE_ACCOUNT)
        states = {p: panel(pilot, p).state for p in ("customer", "history", "faults", "actions")}
        assert states == dict.fromkeys(states, "ready"), states
        for panel_id in states:
            text = visible_text(pilot, panel_id)
            assert_inert(text)
            if panel_id in {"customer", "faults"}:
                # Shown literally: the markup as typed, the escapes as symbols.
                assert "[@click=app.quit]" in text
                assert "␛]52;c;ZXZpbA==␇" in text
        # The history table and the full event view too.
        table = pilot.app.screen.query_one("#history-table", DataTable)
        cells = " ".join(str(table.get_cell_at((r, 3))) for r in range(table.row_count))
        assert_inert(cells)
        assert "[link=http://e]ok[/]" in cells or "␛" in cells
        await pilot.press("2", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, EventDetailScreen)
        await pilot.press("escape")
        # The whole screen as painted carries none of the hostile sequences.
        assert_inert(app.export_screenshot())
        assert app.is_running
