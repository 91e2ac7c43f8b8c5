"""Faults backend client: per-customer service status with ETA history, and area incidents."""

from __future__ import annotations

from advisor_tui.clients._http import BackendHttp, path
from advisor_tui.contract import routes
from advisor_tui.contract.common import Backend
from advisor_tui.contract.faults import RESOLVED_WITHIN_DAYS, AreaIncident, FaultStatus


class FaultsClient(BackendHttp):
    """The faults backend: a customer's lines, faults (with every ETA they were given),
    appointments, and the area incidents behind them."""

    backend = Backend.FAULTS

    async def status(
        self, customer_id: str, resolved_within_days: int = RESOLVED_WITHIN_DAYS
    ) -> FaultStatus:
        """Service status, open faults and those fixed within ``resolved_within_days``
        (with their ETA history), and appointments."""
        found = await self.get_model(
            path(routes.FAULT_STATUS, customer_id=customer_id),
            FaultStatus,
            {"resolved_within_days": resolved_within_days},
        )
        return found.resolved_within(resolved_within_days)

    async def incidents(self, area: str | None = None) -> list[AreaIncident]:
        """Area incidents (cable theft, floods...), all or in one ``area``."""
        return await self.get_list(routes.INCIDENTS, AreaIncident, {"area": area})
