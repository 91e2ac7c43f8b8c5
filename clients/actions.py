"""Next-actions backend client: ranked actions for a customer, and reason codes."""

from __future__ import annotations

from advisor_tui.clients._http import BackendHttp, path
from advisor_tui.contract import routes
from advisor_tui.contract.actions import NextActions, ReasonCode
from advisor_tui.contract.common import Backend


class ActionsClient(BackendHttp):
    backend = Backend.ACTIONS

    async def next_actions(self, customer_id: str) -> NextActions:
        return await self.get_model(path(routes.NEXT_ACTIONS, customer_id=customer_id), NextActions)

    async def reason_codes(self) -> list[ReasonCode]:
        return await self.get_list(routes.REASON_CODES, ReasonCode)
