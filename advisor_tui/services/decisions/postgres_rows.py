"""PostgreSQL rows to contract models and filters to SQL, for ``postgres_engine``."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from psycopg import sql

from advisor_tui.contract.decisions import (
    DecisionFilters,
)

VIEW = (
    "id, advisor_id, team, approval, review_state, body, sequence, prev_hash, hash, "
    "recorded_at, decided_at"
)

# Enum-valued filters are written as literals (from a fixed set, never caller
# text) so the planner can match the partial indexes; the rest are parameters.
_LITERAL_COLUMNS = ("kind", "approval", "review_state", "needs_approval")
_PARAM_COLUMNS = ("advisor_id", "team", "customer_id", "step_id", "reason_code")


def _literal(value: object) -> sql.Composable:
    if isinstance(value, bool):
        return sql.SQL("true" if value else "false")
    return sql.Literal(str(value))


def where(filters: DecisionFilters) -> tuple[list[sql.Composable], builtins.list[Any]]:
    conditions: builtins.list[sql.Composable] = []
    args: builtins.list[Any] = []
    for column in _LITERAL_COLUMNS:
        value = getattr(filters, column)
        if value is not None:
            conditions.append(sql.SQL("{} = {}").format(sql.Identifier(column), _literal(value)))
    for column in _PARAM_COLUMNS:
        value = getattr(filters, column)
        if value is not None:
            conditions.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
            args.append(value)
    if filters.since is not None:
        conditions.append(sql.SQL("decided_at >= %s"))
        args.append(filters.since)
    if filters.until is not None:
        conditions.append(sql.SQL("decided_at < %s"))
        args.append(filters.until)
    return conditions, args


# where reads the filters by column name; a filter added without its column would be ignored.
assert set(DecisionFilters.model_fields) == {
    *_LITERAL_COLUMNS,
    *_PARAM_COLUMNS,
    "since",
    "until",
}


def sql_where(conditions: Sequence[sql.Composable]) -> sql.Composable:
    if not conditions:
        return sql.SQL("")
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions)


def from_us(value: int) -> datetime:
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)
