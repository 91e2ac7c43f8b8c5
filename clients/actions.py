"""Next-actions backend client: ranked actions for a customer, and reason codes."""

from __future__ import annotations

from advisor_tui.clients._http import BackendHttp, path
from advisor_tui.contract import routes
from advisor_tui.contract.actions import NextActions, ReasonCode
from advisor_tui.contract.common import Backend


class ActionsClient(BackendHttp):
    """The next-actions backend: what the process says to do next, and the reason codes
    an advisor may give for declining or overriding it."""

    backend = Backend.ACTIONS

    async def next_actions(self, customer_id: str) -> NextActions:
        """The ranked next actions for the customer, each with its process step."""
        return await self.get_model(path(routes.NEXT_ACTIONS, customer_id=customer_id), NextActions)

    async def reason_codes(self) -> list[ReasonCode]:
        """The reason codes a decline or an override may give."""
        return await self.get_list(routes.REASON_CODES, ReasonCode)
