"""Reusable widgets: the four panels and the status bar. Each carries its own CSS."""

from advisor_tui.widgets._panel import BackendPanel
from advisor_tui.widgets.actions_panel import ActionsPanel
from advisor_tui.widgets.customer_panel import CustomerPanel
from advisor_tui.widgets.faults_panel import FaultsPanel
from advisor_tui.widgets.history_panel import HistoryPanel
from advisor_tui.widgets.status_bar import StatusBar

__all__ = [
    "ActionsPanel",
    "BackendPanel",
    "CustomerPanel",
    "FaultsPanel",
    "HistoryPanel",
    "StatusBar",
]
