"""Faults backend client: per-customer service status with ETA history, and area incidents."""

from __future__ import annotations

from advisor_tui.clients._http import BackendHttp, path
from advisor_tui.contract import routes
from advisor_tui.contract.common import Backend
from advisor_tui.contract.faults import AreaIncident, FaultStatus


class FaultsClient(BackendHttp):
    """The faults backend: a customer's lines, faults (with every ETA they were given),
    appointments, and the area incidents behind them."""

    backend = Backend.FAULTS

    async def status(self, customer_id: str) -> FaultStatus:
        """Service status, open and recent faults with their ETA history, and appointments."""
        return await self.get_model(path(routes.FAULT_STATUS, customer_id=customer_id), FaultStatus)

    async def incidents(self, area: str | None = None) -> list[AreaIncident]:
        """Area incidents (cable theft, floods...), all or in one ``area``."""
        return await self.get_list(routes.INCIDENTS, AreaIncident, {"area": area})
