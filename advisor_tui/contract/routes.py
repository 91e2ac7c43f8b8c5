"""Paths of every backend, relative to that backend's base URL.

Both the clients and the mock services take their paths from here. A real
deployment points each backend at its own base URL (config); the mock serves
all five on one port under ``/<backend>`` prefixes (``PREFIXES``).
"""

from __future__ import annotations

from advisor_tui.contract.common import Backend

PREFIXES: dict[Backend, str] = {b: f"/{b.value}" for b in Backend}
ADMIN_PREFIX = "/admin"

HEALTH = "/v1/health"

# identity
ME = "/v1/me"
TOKEN = "/v1/token"  # POST: the caller's credential exchanged for a signed JWT (TokenGrant)
JWKS = "/v1/jwks"  # GET: the public keys those JWTs verify with
ADVISORS = "/v1/advisors"  # ?after=&limit= -> AdvisorDirectoryPage (reviewers)

# customers
SEARCH = "/v1/customers/search"  # ?q=
CUSTOMER_NAMES = "/v1/customers"  # ?id=a&id=b (1..CUSTOMER_NAMES_MAX) -> CustomerNames
PROFILE = "/v1/customers/{customer_id}"
HISTORY = "/v1/customers/{customer_id}/history"  # ?cursor=&limit=&channel=&q=
HISTORY_EVENT = "/v1/customers/{customer_id}/history/{event_id}"
FOLLOW_UPS = "/v1/customers/{customer_id}/follow-ups"  # GET list, POST FollowUpCreate
NOTES = "/v1/customers/{customer_id}/notes"  # GET list, POST NoteCreate

# faults
FAULT_STATUS = "/v1/customers/{customer_id}/status"
INCIDENTS = "/v1/incidents"  # ?area=

# next actions
NEXT_ACTIONS = "/v1/customers/{customer_id}/next-actions"
REASON_CODES = "/v1/reason-codes"

# decisions
DECISIONS = "/v1/decisions"  # POST Decision (Idempotency-Key header = id); GET list + filters
DECISION = "/v1/decisions/{decision_id}"
REVIEWS = "/v1/decisions/{decision_id}/reviews"  # POST ReviewCreate
CHAIN_HEAD = "/v1/chain/{advisor_id}"
CHAIN_LINKS = "/v1/chain/{advisor_id}/links"  # ?after=&limit= -> ChainLinkPage
AUDIT = "/v1/audit"  # ?after=&limit= -> ChainAuditPage (reviewers)
STATS = "/v1/stats"

# mock admin (fault injection), not part of a real deployment
ADMIN_FAULTS = "/faults/{backend}"  # GET / PUT FaultSpec

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Where a recorded decision goes in its advisor's chain, as the client last
# acknowledged it: the record is stored only if this is the server's head.
CHAIN_SEQUENCE_HEADER = "Chain-Sequence"
CHAIN_PREV_HEADER = "Chain-Prev-Hash"
# How the detail of a 409 for a record that does not fit the chain head begins.
CHAIN_BROKEN_DETAIL = "chain link broken"
HISTORY_PAGE_MAX = 200
DECISIONS_PAGE_MAX = 500
CHAIN_LINKS_PAGE_MAX = 5000
AUDIT_PAGE_MAX = 100
ADVISORS_PAGE_MAX = 500
CUSTOMER_NAMES_MAX = 100
"""Ids one customer-names lookup takes (422 beyond): a page of the review list."""


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
