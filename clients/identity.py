"""Identity backend client: who the signed-in advisor is, what they may do, and
(for reviewers) who the other advisors are."""

from __future__ import annotations

from advisor_tui.clients._http import BackendHttp
from advisor_tui.contract import routes
from advisor_tui.contract.common import Backend
from advisor_tui.contract.identity import Advisor, AdvisorDirectoryPage, AdvisorEntry

DIRECTORY_MAX = 5_000
"""At most this many advisors are read by ``read_directory`` (ten pages): a contact
centre's reviewers need names, not an unbounded download."""


class IdentityClient(BackendHttp):
    """The identity backend: who the bearer token belongs to, and the advisor directory."""

    backend = Backend.IDENTITY

    async def me(self) -> Advisor:
        """The advisor the bearer token belongs to."""
        return await self.get_model(routes.ME, Advisor)

    async def advisors(
        self, after: str | None = None, limit: int = routes.ADVISORS_PAGE_MAX
    ) -> AdvisorDirectoryPage:
        """One page of the advisor directory, in id order (team leads and supervisors;
        Forbidden for an advisor). Pass ``next_after`` back for the next page."""
        if not 1 <= limit <= routes.ADVISORS_PAGE_MAX:
            raise ValueError(f"limit must be 1..{routes.ADVISORS_PAGE_MAX}, got {limit}")
        return await self.get_model(
            routes.ADVISORS, AdvisorDirectoryPage, {"after": after, "limit": limit}
        )


async def read_directory(
    client: IdentityClient, max_entries: int = DIRECTORY_MAX
) -> list[AdvisorEntry]:
    """The advisor directory, page by page, up to ``max_entries`` advisors.

    A function, not a method: ``advisor-tui call identity advisors --all`` is the
    scripted form, and every client method is a ``call`` operation."""
    entries: list[AdvisorEntry] = []
    after: str | None = None
    while len(entries) < max_entries:
        page = await client.advisors(
            after, min(routes.ADVISORS_PAGE_MAX, max_entries - len(entries))
        )
        entries.extend(page.items)
        if page.next_after is None or not page.items:
            break
        after = page.next_after
    return entries[:max_entries]
