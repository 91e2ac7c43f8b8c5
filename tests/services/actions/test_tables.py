"""The regulation tables are data: the shipped file validates, an operator's file is
checked and every problem names its line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from advisor_tui.services.actions.catalogue import catalogue
from advisor_tui.services.actions.tables import SHIPPED_FILE, TablesError, load_tables

SHIPPED = Path(__file__).resolve().parents[3] / "advisor_tui/services/actions" / SHIPPED_FILE


def test_the_shipped_file_has_a_source_on_every_row() -> None:
    tables = load_tables()
    rows = [*tables.compensation_rates, *tables.adr_rules, *tables.bank_holidays]
    assert rows and all(row.source.strip() for row in rows)
    assert tables.rates_on(date(2026, 4, 1)).repair_per_day_pence == 1034


def test_next_aprils_uprating_is_a_data_change(tmp_path: Path) -> None:
    own = tmp_path / "rates.toml"
    own.write_text(
        SHIPPED.read_text(encoding="utf-8")
        + "\n[[compensation_rates]]\neffective_from = 2027-04-01\n"
        "repair_per_day_pence = 1070\nmissed_appointment_pence = 3344\n"
        'provision_per_day_pence = 669\nsource = "operator: our reading of the 2027 notice"\n',
        encoding="utf-8",
    )
    tables = load_tables(own)
    assert tables.rates_on(date(2027, 4, 1)).repair_per_day_pence == 1070
    assert tables.rates_on(date(2027, 3, 31)).repair_per_day_pence == 1034


def test_a_bad_value_is_reported_with_its_line(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "repair_per_day_pence = 998", "repair_per_day_pence = -5", 1
    )
    own = tmp_path / "rates.toml"
    own.write_text(text, encoding="utf-8")
    line = text.splitlines().index("repair_per_day_pence = -5") + 1
    with pytest.raises(TablesError) as caught:
        load_tables(own)
    message = str(caught.value)
    assert f"{own}:{line}: compensation_rates.1.repair_per_day_pence" in message
    assert "greater than 0" in message


def test_a_missing_source_and_rows_out_of_order_are_refused(tmp_path: Path) -> None:
    own = tmp_path / "rates.toml"
    own.write_text(
        "[[compensation_rates]]\neffective_from = 2026-04-01\nrepair_per_day_pence = 1\n"
        "missed_appointment_pence = 1\nprovision_per_day_pence = 1\n"
        "[[adr_rules]]\neffective_from = 2018-10-01\nweeks = 8\nsource = 'x'\n"
        "[[bank_holidays]]\nyear = 2026\ndays = [2026-01-01]\nsource = 'x'\n",
        encoding="utf-8",
    )
    with pytest.raises(TablesError, match=r"rates.toml:1: compensation_rates.0.source: Field"):
        load_tables(own)


def test_broken_toml_names_the_line(tmp_path: Path) -> None:
    own = tmp_path / "rates.toml"
    own.write_text("[[compensation_rates]]\neffective_from = \n", encoding="utf-8")
    with pytest.raises(TablesError, match=r"not valid TOML: .*line 2"):
        load_tables(own)


def test_a_holiday_outside_its_year_is_refused(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("2026-12-28]", "2027-12-28]")
    own = tmp_path / "rates.toml"
    own.write_text(text, encoding="utf-8")
    with pytest.raises(TablesError, match="2027-12-28 is not in 2026"):
        load_tables(own)


def test_the_process_step_catalogue_is_data_with_bounds() -> None:
    steps = catalogue()
    from advisor_tui.contract import ActionKind

    comp = steps.step(ActionKind.AUTOMATIC_COMPENSATION)
    assert (comp.id, comp.version) == ("PS-AUTO-COMP", 6)
    assert comp.permission_limit == "max_goodwill_credit_pence"
    assert comp.bounds["max_multiple_of_owed"] == 3
    assert steps.outcome_step("PS-NUM-RESTORE").version == 2
    assert steps.outcome_step("PS-UNKNOWN").version == 1
