"""The mock backends' TMF profile: the same scenario state served as TM Forum Open
API v4 resources at the standard paths, under each backend's prefix (so the same
fault injection applies): e.g. ``/faults/tmf-api/troubleTicket/v4/troubleTicket``.

Kept out of the published OpenAPI document: the TMF APIs are documented by
TM Forum's own v4 specifications, and this document describes our contract.
"""

from __future__ import annotations

from fastapi import APIRouter

from advisor_tui.contract import Backend
from advisor_tui.mock.state import MockState


def build_router(backend: Backend, state: MockState) -> APIRouter | None:
    """The TMF routes a backend serves beside its native ones, or None if it has none."""
    if backend is Backend.FAULTS:
        from advisor_tui.mock.tmf import faults

        return faults.build_router(state)
    if backend is Backend.CUSTOMERS:
        from advisor_tui.mock.tmf import customers

        return customers.build_router(state)
    return None
