"""Every refusal the decisions service makes, as exceptions the router maps to statuses.

The message of each is safe to show a caller: it never carries a token, and it
names the record (id, sequence) so a person can find it.
"""

from __future__ import annotations

from advisor_tui.contract.routes import CHAIN_BROKEN_DETAIL


class LedgerError(Exception):
    """Base of every refusal the ledger makes; the message is safe to show a caller."""


class IdempotencyConflict(LedgerError):
    """The same id (idempotency key) arrived again with a different body."""


class DecisionNotFound(LedgerError):
    pass


class ReviewNotAllowed(LedgerError):
    """The verdict does not apply to this decision (e.g. approving one that needs no approval)."""


class AlreadyDecided(LedgerError):
    """An approve/reject arrived for a decision whose approval is no longer pending."""


class ApprovalLimitExceeded(LedgerError):
    """The reviewer may not approve this decision (limit, role, or their own decision)."""


class InvalidCursor(LedgerError, ValueError):
    pass


class ChainLinkBroken(LedgerError):
    """A new record does not chain from its advisor's last acknowledged hash.

    Refused and counted, never stored: storing it would either fork the chain
    or hide that the client's log and the server's disagree.
    """

    def __init__(self, advisor_id: str, expected_sequence: int, head_hash: str, got: str) -> None:
        super().__init__(
            f"{CHAIN_BROKEN_DETAIL} for advisor {advisor_id}: record #{expected_sequence} must "
            f"chain from the acknowledged head {head_hash[:16]}…, but it chains from "
            f"{got[:16]}…; the local log and the server disagree (run 'advisor-tui decisions "
            "verify --server URL')"
        )
        self.advisor_id = advisor_id
        self.expected_sequence = expected_sequence


class StoreUnavailable(LedgerError):
    """The database cannot be reached (down, failing over, pool exhausted): try again later."""
