"""Decision filters as the review screen and the exports use them.

A filter means the same thing on screen, in the CLI and in a spreadsheet
because all three build a ``DecisionQuery`` and page through ``list_page``.
No Textual here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from advisor_tui.clients.decisions import DecisionsClient
from advisor_tui.contract.decisions import DecisionFilters, DecisionPage
from advisor_tui.supervision.names import AdvisorNames


class DecisionQuery(DecisionFilters):
    """The contract's decision filters, as the review screen and export use them.

    ``until`` is exclusive, as the backend reads it; ``day_bounds`` turns the
    inclusive dates a person types into these bounds.
    """

    def describe(self, names: AdvisorNames | None = None) -> str:
        """The filters in force, as one line: 'kind override · step goodwill'; the
        advisor by name ('advisor Sam Carter (adv-sam-carter)') when ``names`` knows it."""
        parts: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "advisor_id" and names is not None:
                value = names.label(value)
            elif isinstance(value, datetime):
                value = _describe_bound(value, inclusive_end=name == "until")
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            parts.append(f"{name.replace('_id', '').replace('_', ' ')} {value}")
        return " · ".join(parts) or "none"


def _describe_bound(at: datetime, *, inclusive_end: bool) -> str:
    """A bound as typed: whole days as dates (an exclusive midnight ``until`` as the
    last day it includes, as ``day_bounds`` made it), anything else in full."""
    if at.time() != time() or at.utcoffset() != timedelta(0):
        return at.isoformat()
    return (at.date() - timedelta(days=1) if inclusive_end else at.date()).isoformat()


async def list_page(
    client: DecisionsClient, query: DecisionQuery, *, cursor: str | None = None, limit: int = 50
) -> DecisionPage:
    """One page of decisions matching ``query``, newest first."""
    return await client.list(query, cursor=cursor, limit=limit)


def parse_day(text: str, label: str) -> date | None:
    """A YYYY-MM-DD date typed into a filter; blank means no bound."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{label}: {text!r} is not a date (YYYY-MM-DD)") from None


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """UTC bounds for an inclusive range of days: 'until 2026-11-26' includes that day."""
    if since is not None and until is not None and until < since:
        raise ValueError(f"until {until.isoformat()} is before since {since.isoformat()}")
    start = datetime.combine(since, time(), UTC) if since is not None else None
    end = datetime.combine(until + timedelta(days=1), time(), UTC) if until is not None else None
    return start, end
