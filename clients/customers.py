"""Customers backend client: search, profile, paged history, follow-ups and notes."""

from __future__ import annotations

from advisor_tui.clients._http import BackendHttp, path
from advisor_tui.contract import routes
from advisor_tui.contract.common import Backend
from advisor_tui.contract.customers import (
    Channel,
    CustomerNames,
    CustomerProfile,
    FollowUp,
    FollowUpCreate,
    HistoryEvent,
    HistoryPage,
    Note,
    NoteCreate,
    SearchResult,
)


def check_history_limit(limit: int) -> None:
    """A history page size the backend serves, whichever protocol it speaks."""
    if not 1 <= limit <= routes.HISTORY_PAGE_MAX:
        raise ValueError(f"limit must be 1..{routes.HISTORY_PAGE_MAX}, got {limit}")


def wanted_names(customer_ids: list[str]) -> list[str]:
    """The ids of a names lookup, each once, in order; ValueError past the bound."""
    unique = list(dict.fromkeys(customer_ids))
    if len(unique) > routes.CUSTOMER_NAMES_MAX:
        raise ValueError(
            f"at most {routes.CUSTOMER_NAMES_MAX} customer ids a lookup, got {len(unique)}"
        )
    return unique


class CustomersClient(BackendHttp):
    """The customers backend: find a customer, read their profile, history, follow-ups and
    notes, and add follow-ups and notes (idempotent: the body's ULID is the key)."""

    backend = Backend.CUSTOMERS

    async def search(self, q: str) -> SearchResult:
        """Account number, phone, email, postcode + surname, or social handle."""
        return await self.get_model(routes.SEARCH, SearchResult, {"q": q})

    async def profile(self, customer_id: str) -> CustomerProfile:
        """The customer's profile: products, contract, circumstances, contact details."""
        return await self.get_model(path(routes.PROFILE, customer_id=customer_id), CustomerProfile)

    async def names(self, customer_ids: list[str]) -> CustomerNames:
        """Names of up to 100 customers in one call; an id the backend does not know is
        absent from the answer."""
        unique = wanted_names(customer_ids)
        if not unique:
            return CustomerNames(items=[])
        return await self.get_model(routes.CUSTOMER_NAMES, CustomerNames, {"id": unique})

    async def history(
        self,
        customer_id: str,
        cursor: str | None = None,
        limit: int = 50,
        channel: Channel | None = None,
        query: str | None = None,
    ) -> HistoryPage:
        """One page of history, newest first; pass ``next_cursor`` back for older events."""
        check_history_limit(limit)
        params = {
            "cursor": cursor,
            "limit": limit,
            "channel": channel.value if channel is not None else None,
            "q": query or None,
        }
        return await self.get_model(
            path(routes.HISTORY, customer_id=customer_id), HistoryPage, params
        )

    async def history_event(self, customer_id: str, event_id: str) -> HistoryEvent:
        """One history event in full, body included."""
        return await self.get_model(
            path(routes.HISTORY_EVENT, customer_id=customer_id, event_id=event_id), HistoryEvent
        )

    async def follow_ups(self, customer_id: str) -> list[FollowUp]:
        """Every follow-up promised to the customer, each with its named owner and due time."""
        return await self.get_list(path(routes.FOLLOW_UPS, customer_id=customer_id), FollowUp)

    async def create_follow_up(self, customer_id: str, follow_up: FollowUpCreate) -> FollowUp:
        """Promise a follow-up. Safe to repeat: its id is the idempotency key."""
        # The client-chosen ULID is the idempotency key, so a retry after a lost
        # answer cannot create the follow-up twice.
        return await self.post_model(
            path(routes.FOLLOW_UPS, customer_id=customer_id),
            follow_up,
            FollowUp,
            idempotency_key=follow_up.id,
        )

    async def notes(self, customer_id: str) -> list[Note]:
        """The notes advisors left on the customer, newest first."""
        return await self.get_list(path(routes.NOTES, customer_id=customer_id), Note)

    async def add_note(self, customer_id: str, note: NoteCreate) -> Note:
        """Add a note. Safe to repeat: its id is the idempotency key."""
        return await self.post_model(
            path(routes.NOTES, customer_id=customer_id), note, Note, idempotency_key=note.id
        )
