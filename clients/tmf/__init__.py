"""Adapters for backends that speak the TM Forum Open APIs (v4) instead of our contract.

One adapter per backend, each a subclass of the native client with the same
methods returning the same contract models, so screens, the actions service
and the decision log never learn which protocol a backend spoke. They share
the native clients' HTTP machinery (retries, timeouts, typed errors, health).
"""

from advisor_tui.clients.tmf.customers import TmfCustomersClient
from advisor_tui.clients.tmf.faults import TmfFaultsClient

__all__ = ["TmfCustomersClient", "TmfFaultsClient"]
