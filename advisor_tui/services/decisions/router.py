"""The decisions service's HTTP face: who may call what, and which status each refusal gets.

Storage and its rules live behind ``engine.DecisionEngine``; this module only
authenticates, authorises and maps ``LedgerError``s to status codes.

Who may do what
- Anyone signed in records their *own* decisions (body ``advisor_id`` must be
  the caller) and reads their own decisions and chain.
- Advisors list their own decisions, or every decision on one customer (the
  customer on their call: what was already given or promised, and by whom);
  team leads and supervisors list all, review, approve, audit the chains and
  read the figures. Advisors get 403 on those.
"""

# No ``from __future__ import annotations`` here: FastAPI resolves string
# annotations against module globals, and the endpoints' ``Caller`` dependency
# is local to build_router (it closes over the authenticator).

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from pydantic import BaseModel

from advisor_tui.contract import (
    Advisor,
    ChainAuditPage,
    ChainHead,
    ChainLinkPage,
    Decision,
    DecisionListQuery,
    DecisionPage,
    DecisionReceipt,
    DecisionStats,
    DecisionView,
    ErrorBody,
    Review,
    ReviewCreate,
    UtcDatetime,
    routes,
)
from advisor_tui.contract._base import IdText, LineText, Ulid
from advisor_tui.services.decisions.auth import Authenticator, Unauthorised
from advisor_tui.services.decisions.chain import Link
from advisor_tui.services.decisions.engine import DecisionEngine
from advisor_tui.services.decisions.errors import (
    AlreadyDecided,
    ApprovalLimitExceeded,
    ChainLinkBroken,
    DecisionNotFound,
    IdempotencyConflict,
    InvalidCursor,
    LedgerError,
    ReviewNotAllowed,
    StoreUnavailable,
)

RETRY_AFTER_S = 5
"""What a 503 asks the client to wait: about one failover of a PostgreSQL primary."""

# Most specific first: InvalidCursor is also a ValueError, the rest are plain.
_STATUS_FOR: list[tuple[type[LedgerError], int]] = [
    (IdempotencyConflict, status.HTTP_409_CONFLICT),
    (AlreadyDecided, status.HTTP_409_CONFLICT),
    (ChainLinkBroken, status.HTTP_409_CONFLICT),
    (DecisionNotFound, status.HTTP_404_NOT_FOUND),
    (ApprovalLimitExceeded, status.HTTP_403_FORBIDDEN),
    (ReviewNotAllowed, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (InvalidCursor, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (StoreUnavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {"model": ErrorBody}
        for code in (status.HTTP_401_UNAUTHORIZED, status.HTTP_503_SERVICE_UNAVAILABLE, *codes)
    }


def http_error(exc: LedgerError) -> HTTPException:
    for kind, code in _STATUS_FOR:
        if isinstance(exc, kind):
            headers = (
                {"Retry-After": str(RETRY_AFTER_S)}
                if code == status.HTTP_503_SERVICE_UNAVAILABLE
                else None
            )
            return HTTPException(code, detail=str(exc), headers=headers)
    return HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, detail=str(exc))


def _json(model: BaseModel, status_code: int = status.HTTP_200_OK) -> Response:
    # Serialised once by pydantic's Rust core: FastAPI would otherwise dump and
    # re-validate every item of a 500-row page against the response model.
    return Response(model.model_dump_json(), status_code, media_type="application/json")


def _forbid_advisor(caller: Advisor, what: str) -> None:
    if not caller.role.may_review:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"{what} is for team leads and supervisors; you are signed in as an advisor",
        )


_Row = TypeVar("_Row")


def _one_page(rows: list[_Row], limit: int) -> tuple[list[_Row], _Row | None]:
    """``rows`` fetched with ``limit + 1``: the page, and its last row if more follow
    (the cursor to the next page), else None."""
    page = rows[:limit]
    return page, page[-1] if len(rows) > limit else None


def caller_dependency(authenticator: Authenticator) -> Callable[..., Advisor]:
    """A FastAPI dependency resolving the caller from the Authorization header."""

    def dependency(authorization: Annotated[str | None, Header()] = None) -> Advisor:
        token = routes.bearer_token(authorization)
        try:
            if token is None:
                raise Unauthorised("missing bearer token")
            return authenticator.advisor_for(token)
        except Unauthorised as exc:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail=str(exc),
                headers={"WWW-Authenticate": "Bearer"},
            ) from None

    return dependency


def _link(sequence: str | None, prev_hash: str | None) -> Link | None:
    """The chain position a client claims; both headers or neither."""
    if sequence is None and prev_hash is None:
        return None
    if sequence is None or prev_hash is None or not sequence.isdigit() or len(prev_hash) != 64:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"{routes.CHAIN_SEQUENCE_HEADER} (a number) and {routes.CHAIN_PREV_HEADER} "
            "(a 64-digit hex hash) go together",
        )
    return Link(sequence=int(sequence), prev_hash=prev_hash)


def build_router(
    engine: DecisionEngine,
    authenticator: Authenticator,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    *,
    require_link: bool = True,
) -> APIRouter:
    """The decisions API over ``engine``. ``require_link``: every new record must say
    where it goes in its chain (the chain-position headers); off only for old clients."""
    router = APIRouter()
    Caller = Annotated[Advisor, Depends(caller_dependency(authenticator))]

    @router.post(
        routes.DECISIONS,
        response_model=DecisionReceipt,
        status_code=status.HTTP_201_CREATED,
        responses={
            status.HTTP_200_OK: {
                "model": DecisionReceipt,
                "description": "A replay of a decision already recorded with the same body.",
            },
            **_errors(
                status.HTTP_403_FORBIDDEN,
                status.HTTP_409_CONFLICT,
                status.HTTP_422_UNPROCESSABLE_CONTENT,
            ),
        },
        summary="Record a decision (idempotent on its id; checked against the chain head)",
        description=f"The {routes.CHAIN_SEQUENCE_HEADER} and {routes.CHAIN_PREV_HEADER} headers "
        "say where the record goes: the next sequence after, and the hash of, the last receipt "
        "the client holds for this advisor. A record that does not fit the server's head is "
        "refused with 409, counted, and not stored. A replay of a recorded id answers 200 with "
        "the first receipt whatever the headers say.",
    )
    async def record_decision(
        decision: Decision,
        caller: Caller,
        idempotency_key: Annotated[Ulid | None, Header(alias=routes.IDEMPOTENCY_HEADER)] = None,
        chain_sequence: Annotated[
            str | None, Header(alias=routes.CHAIN_SEQUENCE_HEADER, max_length=20)
        ] = None,
        chain_prev_hash: Annotated[
            str | None, Header(alias=routes.CHAIN_PREV_HEADER, max_length=64)
        ] = None,
    ) -> Response:
        if idempotency_key is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=f"the {routes.IDEMPOTENCY_HEADER} header is required and must equal the "
                "decision id",
            )
        if idempotency_key != decision.id:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=f"{routes.IDEMPOTENCY_HEADER} {idempotency_key!r} does not match the "
                f"decision id {decision.id!r}",
            )
        if decision.advisor_id != caller.id:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"decision is for advisor {decision.advisor_id!r} but you are "
                f"{caller.id!r}; advisors record only their own decisions",
            )
        link = _link(chain_sequence, chain_prev_hash)
        if link is None and require_link:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=f"the {routes.CHAIN_SEQUENCE_HEADER} and {routes.CHAIN_PREV_HEADER} "
                "headers are required: where this record goes in your chain",
            )
        try:
            receipt, created = await engine.record(decision, caller, clock(), link)
        except LedgerError as exc:
            raise http_error(exc) from exc
        return _json(receipt, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @router.get(
        routes.DECISIONS,
        response_model=DecisionPage,
        responses=_errors(status.HTTP_403_FORBIDDEN, status.HTTP_422_UNPROCESSABLE_CONTENT),
        summary="Decisions newest first, filtered, one page at a time",
    )
    async def list_decisions(
        caller: Caller, query: Annotated[DecisionListQuery, Query()]
    ) -> Response:
        if not caller.role.may_review and query.customer_id is None:
            # Advisors see their own log only; asking for someone else's is refused
            # outright rather than silently answered with one's own.
            if query.advisor_id is not None and query.advisor_id != caller.id:
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    detail="advisors may list only their own decisions, or one customer's",
                )
            query = query.model_copy(update={"advisor_id": caller.id})
        try:
            # An empty cursor means the first page, as for history.
            page = await engine.list(query.filters(), query.cursor or None, query.limit)
        except LedgerError as exc:
            raise http_error(exc) from exc
        return _json(page)

    @router.get(
        routes.DECISION,
        response_model=DecisionView,
        responses=_errors(status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND),
        summary="One decision with its receipt, approval, review state and reviews",
    )
    async def get_decision(decision_id: IdText, caller: Caller) -> Response:
        try:
            view = await engine.get(decision_id)
        except LedgerError as exc:
            raise http_error(exc) from exc
        if view is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no decision {decision_id}")
        if not caller.role.may_review and view.receipt.advisor_id != caller.id:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail="advisors may read only their own decisions"
            )
        return _json(view)

    @router.post(
        routes.REVIEWS,
        response_model=Review,
        status_code=status.HTTP_201_CREATED,
        responses={
            status.HTTP_200_OK: {
                "model": Review,
                "description": "A replay of a review already recorded with the same body.",
            },
            **_errors(
                status.HTTP_403_FORBIDDEN,
                status.HTTP_404_NOT_FOUND,
                status.HTTP_409_CONFLICT,
                status.HTTP_422_UNPROCESSABLE_CONTENT,
            ),
        },
        summary="Add a verdict to a decision (idempotent on the review id)",
        description="Endorse, coach or propose a process change; approve or reject a "
        "needs-approval override that is still pending. 409 when it is no longer pending "
        "or the review id was used with another body; 422 when the verdict does not apply; "
        "403 for advisors, for one's own decision, or above one's approval limit.",
    )
    async def add_review(decision_id: IdText, review: ReviewCreate, caller: Caller) -> Response:
        _forbid_advisor(caller, "reviewing decisions")
        try:
            stored, created = await engine.add_review(decision_id, review, caller, clock())
        except LedgerError as exc:
            raise http_error(exc) from exc
        return _json(stored, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _own_chain(caller: Advisor, advisor_id: str) -> None:
        if not caller.role.may_review and advisor_id != caller.id:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail="advisors may read only their own chain"
            )

    @router.get(
        routes.CHAIN_HEAD,
        response_model=ChainHead,
        responses=_errors(status.HTTP_403_FORBIDDEN),
        summary="The head of an advisor's hash chain on the server",
    )
    async def chain_head(advisor_id: IdText, caller: Caller) -> Response:
        _own_chain(caller, advisor_id)
        try:
            return _json(await engine.chain_head(advisor_id))
        except LedgerError as exc:
            raise http_error(exc) from exc

    @router.get(
        routes.CHAIN_LINKS,
        response_model=ChainLinkPage,
        responses=_errors(status.HTTP_403_FORBIDDEN),
        summary="An advisor's chain on the server, sequence by sequence (for verify --server)",
    )
    async def chain_links(
        advisor_id: IdText,
        caller: Caller,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=routes.CHAIN_LINKS_PAGE_MAX)] = 1000,
    ) -> Response:
        _own_chain(caller, advisor_id)
        try:
            links = await engine.chain_links(advisor_id, after, limit + 1)
        except LedgerError as exc:
            raise http_error(exc) from exc
        links, last = _one_page(links, limit)
        return _json(ChainLinkPage(items=links, next_after=last.sequence if last else None))

    @router.get(
        routes.AUDIT,
        response_model=ChainAuditPage,
        responses=_errors(status.HTTP_403_FORBIDDEN),
        summary="Recompute every advisor's chain from the stored bytes (reviewers)",
    )
    async def audit(
        caller: Caller,
        after: Annotated[IdText | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=routes.AUDIT_PAGE_MAX)] = 50,
    ) -> Response:
        _forbid_advisor(caller, "auditing the chains")
        try:
            items = await engine.audit(after, limit + 1)
        except LedgerError as exc:
            raise http_error(exc) from exc
        items, last = _one_page(items, limit)
        return _json(ChainAuditPage(items=items, next_after=last.advisor_id if last else None))

    @router.get(
        routes.STATS,
        response_model=DecisionStats,
        responses=_errors(status.HTTP_403_FORBIDDEN),
        summary="Override rates per advisor, step and day, and the most repeated overrides",
    )
    async def stats(
        caller: Caller,
        since: Annotated[UtcDatetime | None, Query()] = None,
        until: Annotated[UtcDatetime | None, Query()] = None,
        team: Annotated[LineText | None, Query()] = None,
    ) -> Response:
        _forbid_advisor(caller, "decision figures")
        try:
            return _json(await engine.stats(since, until, team))
        except LedgerError as exc:
            raise http_error(exc) from exc

    return router


__all__ = ["RETRY_AFTER_S", "build_router", "caller_dependency", "http_error"]
