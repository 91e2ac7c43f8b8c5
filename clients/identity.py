"""Identity backend client: who the signed-in advisor is and what they may do."""

from __future__ import annotations

from advisor_tui.clients._http import BackendHttp
from advisor_tui.contract import routes
from advisor_tui.contract.common import Backend
from advisor_tui.contract.identity import Advisor


class IdentityClient(BackendHttp):
    """The identity backend: who the bearer token belongs to."""

    backend = Backend.IDENTITY

    async def me(self) -> Advisor:
        """The advisor the bearer token belongs to."""
        return await self.get_model(routes.ME, Advisor)
