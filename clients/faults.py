"""Faults backend client: per-customer service status with ETA history, and area incidents."""

from __future__ import annotations

from advisor_tui.clients._http import BackendHttp, path
from advisor_tui.contract import routes
from advisor_tui.contract.common import Backend
from advisor_tui.contract.faults import AreaIncident, FaultStatus


class FaultsClient(BackendHttp):
    backend = Backend.FAULTS

    async def status(self, customer_id: str) -> FaultStatus:
        return await self.get_model(path(routes.FAULT_STATUS, customer_id=customer_id), FaultStatus)

    async def incidents(self, area: str | None = None) -> list[AreaIncident]:
        return await self.get_list(routes.INCIDENTS, AreaIncident, {"area": area})
