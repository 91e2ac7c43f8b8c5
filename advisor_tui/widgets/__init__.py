"""Reusable widgets: the four panels, the status bar and the review pieces. Each carries
its own CSS."""

from advisor_tui.widgets._panel import BackendPanel
from advisor_tui.widgets.actions_panel import ActionsPanel
from advisor_tui.widgets.approval_outcomes import ApprovalOutcomes
from advisor_tui.widgets.customer_panel import CustomerPanel
from advisor_tui.widgets.decision_record import DecisionRecord
from advisor_tui.widgets.faults_panel import FaultsPanel
from advisor_tui.widgets.history_panel import HistoryPanel
from advisor_tui.widgets.override_figures import FiguresPanel
from advisor_tui.widgets.review_filters import ReviewFilters
from advisor_tui.widgets.status_bar import StatusBar

__all__ = [
    "ActionsPanel",
    "ApprovalOutcomes",
    "BackendPanel",
    "CustomerPanel",
    "DecisionRecord",
    "FaultsPanel",
    "FiguresPanel",
    "HistoryPanel",
    "ReviewFilters",
    "StatusBar",
]
