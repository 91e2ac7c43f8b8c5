"""The dated regulation tables (rates, ombudsman rules, bank holidays) as a checked model.

The figures live in ``regulation.toml`` beside this module, shipped with the
package; an operator can point the service at a file of their own (``--rates``).
Either way the file is validated here and every problem is reported as
``path:line: what is wrong``, so a typo in next April's row is found when the
service starts, not when a customer is owed money.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SHIPPED_FILE = "regulation.toml"


class RegulationError(ValueError):
    """A date outside what the tables cover: better to say so than to guess."""


class TablesError(ValueError):
    """A regulation file that cannot be used; the message names the file and line."""


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Dated(_Row):
    effective_from: date


_D = TypeVar("_D", bound=_Dated)


def _in_force(rows: Sequence[_D], day: date) -> _D | None:
    """The last of ``rows`` (in date order) already in force on ``day``."""
    found: _D | None = None
    for row in rows:
        if row.effective_from <= day:
            found = row
    return found


class CompensationRates(_Dated):
    """One row of the automatic compensation table, in force from ``effective_from``."""

    repair_per_day_pence: int = Field(gt=0)
    missed_appointment_pence: int = Field(gt=0)
    provision_per_day_pence: int = Field(gt=0)
    source: str = Field(min_length=1)


class AdrRule(_Dated):
    """When a complaint may go to an ombudsman (ADR), for complaints made from a date."""

    weeks: int = Field(ge=1, le=52)
    source: str = Field(min_length=1)


class BankHolidays(_Row):
    year: int = Field(ge=2000, le=2100)
    days: tuple[date, ...]
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _days_in_year(self) -> Self:
        for day in self.days:
            if day.year != self.year:
                raise ValueError(f"{day.isoformat()} is not in {self.year}")
        return self


def _increasing(rows: tuple[Any, ...], what: str) -> None:
    for before, after in zip(rows, rows[1:], strict=False):
        if after.effective_from <= before.effective_from:
            raise ValueError(
                f"{what} must be oldest first with distinct dates: "
                f"{after.effective_from} follows {before.effective_from}"
            )


class RegulationTables(_Row):
    compensation_rates: tuple[CompensationRates, ...] = Field(min_length=1)
    adr_rules: tuple[AdrRule, ...] = Field(min_length=1)
    bank_holidays: tuple[BankHolidays, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _increasing(self.compensation_rates, "compensation_rates")
        _increasing(self.adr_rules, "adr_rules")
        years = [b.year for b in self.bank_holidays]
        if len(set(years)) != len(years):
            raise ValueError("bank_holidays: a year appears twice")
        return self

    @functools.cached_property
    def _holidays(self) -> dict[int, frozenset[date]]:
        return {b.year: frozenset(b.days) for b in self.bank_holidays}

    def rates_on(self, day: date) -> CompensationRates:
        """The rates in force on ``day`` (a UK calendar date)."""
        found = _in_force(self.compensation_rates, day)
        if found is None:
            first = self.compensation_rates[0].effective_from
            raise RegulationError(f"no compensation rates before {first.isoformat()} (asked {day})")
        return found

    def adr_rule_on(self, day: date) -> AdrRule:
        """The ombudsman rule for a complaint made on UK date ``day``."""
        found = _in_force(self.adr_rules, day)
        if found is None:
            first = self.adr_rules[0].effective_from
            raise RegulationError(f"no ADR rule for complaints before {first}")
        return found

    def is_bank_holiday(self, day: date) -> bool:
        holidays = self._holidays.get(day.year)
        if holidays is None:
            have = sorted(self._holidays)
            raise RegulationError(
                f"no bank-holiday table for {day.year} (have {have[0]}-{have[-1]})"
            )
        return day in holidays

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, not an England and Wales bank holiday."""
        return day.weekday() < 5 and not self.is_bank_holiday(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        candidate = day + timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate += timedelta(days=1)
        return candidate


def load_tables(path: Path | None = None) -> RegulationTables:
    """The tables in ``path``, or the shipped ones; ``TablesError`` names the line."""
    if path is None:
        text = resources.files(__package__).joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
        name = SHIPPED_FILE
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TablesError(f"{path}: cannot read: {exc}") from None
        name = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already says "(at line N, column M)".
        raise TablesError(f"{name}: not valid TOML: {exc}") from None
    try:
        return RegulationTables.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = error.get("loc", ())
            line = _line_of(text, loc)
            where = ".".join(str(p) for p in loc) or "file"
            problems.append(f"{name}:{line}: {where}: {error.get('msg', 'invalid')}")
        raise TablesError("; ".join(problems)) from None


@functools.cache
def shipped_tables() -> RegulationTables:
    """The tables shipped with the package (validated once per process)."""
    return load_tables(None)


_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z_]+)\s*\]\]")
_KEY = re.compile(r"^\s*([A-Za-z_]+)\s*=")


def _line_of(text: str, loc: tuple[int | str, ...]) -> int:
    """Best line for a validation error at ``loc`` (table, index, key), 1-based.

    tomllib keeps no positions, so this finds the ``index``-th ``[[table]]`` header
    and the ``key`` line under it; failing that, the header, else line 1.
    """
    lines = text.splitlines()
    table = str(loc[0]) if loc else ""
    index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    key = str(loc[2]) if len(loc) > 2 else None
    seen = -1
    header_line = 0
    for number, line in enumerate(lines, start=1):
        match = _HEADER.match(line)
        if match is None:
            continue
        if match.group(1) == table:
            seen += 1
            if index is None or seen == index:
                header_line = number
                break
    if header_line == 0:
        return 1
    if key is not None:
        for number in range(header_line + 1, len(lines) + 1):
            line = lines[number - 1]
            if _HEADER.match(line):
                break
            match = _KEY.match(line)
            if match is not None and match.group(1) == key:
                return number
    return header_line
