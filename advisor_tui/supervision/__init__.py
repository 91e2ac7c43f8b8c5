"""Supervisor review without a UI, one module per concern.

- ``filters``: which decisions (``DecisionQuery``, typed day bounds, paging);
- ``outcome``: what a decision did, in words;
- ``chain``: whether a record still hashes to what the server chained;
- ``figures``: override rates of a period, shaped for display;
- ``export``: every matching decision from the backend as CSV or JSON Lines;
- ``names``: advisor ids shown and typed as names (the identity directory), and
  customer ids shown as names (the customers backend's batched lookup).

The review screen and ``decisions export --source server`` share them, so a
filter means the same thing on screen and in a spreadsheet. No Textual here.
"""

from advisor_tui.supervision.chain import (
    CHAIN_BROKEN,
    CHAIN_OK,
    chain_intact,
    chain_status,
    head_status,
)
from advisor_tui.supervision.export import (
    EXPORT_PAGE,
    export_server,
    iter_decisions,
)
from advisor_tui.supervision.figures import (
    PERIODS,
    FiguresSummary,
    daily_rates,
    percent,
    period_since,
    ranked,
    summarise,
)
from advisor_tui.supervision.filters import (
    DecisionQuery,
    day_bounds,
    list_page,
    parse_day,
)
from advisor_tui.supervision.names import AdvisorNames, KnownCustomerNames, reviewer_name
from advisor_tui.supervision.outcome import (
    done_summary,
    format_param,
    param_label,
)

__all__ = [
    "AdvisorNames",
    "CHAIN_BROKEN",
    "CHAIN_OK",
    "EXPORT_PAGE",
    "PERIODS",
    "DecisionQuery",
    "FiguresSummary",
    "KnownCustomerNames",
    "chain_intact",
    "chain_status",
    "daily_rates",
    "day_bounds",
    "done_summary",
    "export_server",
    "format_param",
    "head_status",
    "iter_decisions",
    "list_page",
    "param_label",
    "parse_day",
    "percent",
    "period_since",
    "ranked",
    "reviewer_name",
    "summarise",
]
