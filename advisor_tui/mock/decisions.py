"""Decisions mock backend: idempotent recording, filtered pages, reviews, chain heads, figures.

The storage and every rule about it live in ``advisor_tui.mock.ledger``; this
module is the HTTP face: who may call what, and which status each refusal gets.

Who may do what
- Anyone signed in records their *own* decisions (body ``advisor_id`` must be
  the caller) and reads their own decisions and chain head.
- Advisors list only their own decisions; team leads and supervisors list all,
  review, approve, and read the figures. Advisors get 403 on review calls.
"""

# No ``from __future__ import annotations`` here: FastAPI resolves string
# annotations against module globals, and the endpoints' ``Caller`` dependency
# is local to build_router (it closes over the state).

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from pydantic import BaseModel

from advisor_tui.contract import (
    Advisor,
    ApprovalState,
    ChainHead,
    Decision,
    DecisionKind,
    DecisionPage,
    DecisionReceipt,
    DecisionStats,
    DecisionView,
    ErrorBody,
    Review,
    ReviewCreate,
    ReviewState,
    UtcDatetime,
    routes,
)
from advisor_tui.contract._base import IdText, LineText, Ulid
from advisor_tui.mock.identity import current_advisor
from advisor_tui.mock.ledger import (
    AlreadyDecided,
    ApprovalLimitExceeded,
    DecisionFilters,
    DecisionLedger,
    DecisionNotFound,
    IdempotencyConflict,
    InvalidCursor,
    LedgerError,
    ReviewNotAllowed,
)
from advisor_tui.mock.state import MockState

DEFAULT_PAGE = 50

# Most specific first: InvalidCursor is also a ValueError, the rest are plain.
_STATUS_FOR: list[tuple[type[LedgerError], int]] = [
    (IdempotencyConflict, status.HTTP_409_CONFLICT),
    (AlreadyDecided, status.HTTP_409_CONFLICT),
    (DecisionNotFound, status.HTTP_404_NOT_FOUND),
    (ApprovalLimitExceeded, status.HTTP_403_FORBIDDEN),
    (ReviewNotAllowed, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (InvalidCursor, status.HTTP_422_UNPROCESSABLE_CONTENT),
]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in (status.HTTP_401_UNAUTHORIZED, *codes)}


def _http_error(exc: LedgerError) -> HTTPException:
    for kind, code in _STATUS_FOR:
        if isinstance(exc, kind):
            return HTTPException(code, detail=str(exc))
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


def build_router(
    state: MockState, db_path: Path | None = None, *, ledger: DecisionLedger | None = None
) -> APIRouter:
    """The decisions backend over one ledger: ``ledger`` if given, else one on ``db_path``
    (in memory when None; a file keeps decisions across restarts)."""
    store = ledger if ledger is not None else DecisionLedger(db_path)
    router = APIRouter()
    Caller = Annotated[Advisor, Depends(current_advisor(state))]

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
        summary="Record a decision (idempotent on its id)",
    )
    def record_decision(
        decision: Decision,
        caller: Caller,
        idempotency_key: Annotated[Ulid | None, Header(alias=routes.IDEMPOTENCY_HEADER)] = None,
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
        try:
            receipt, created = store.record(decision, caller, state.wall_clock())
        except LedgerError as exc:
            raise _http_error(exc) from exc
        return _json(receipt, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @router.get(
        routes.DECISIONS,
        response_model=DecisionPage,
        responses=_errors(status.HTTP_403_FORBIDDEN, status.HTTP_422_UNPROCESSABLE_CONTENT),
        summary="Decisions newest first, filtered, one page at a time",
    )
    def list_decisions(
        caller: Caller,
        advisor_id: IdText | None = None,
        team: LineText | None = None,
        customer_id: IdText | None = None,
        kind: DecisionKind | None = None,
        step_id: IdText | None = None,
        reason_code: IdText | None = None,
        needs_approval: bool | None = None,
        approval: ApprovalState | None = None,
        review_state: ReviewState | None = None,
        since: Annotated[
            UtcDatetime | None, Query(description="Decided at or after (inclusive).")
        ] = None,
        until: Annotated[
            UtcDatetime | None, Query(description="Decided before (exclusive).")
        ] = None,
        cursor: Annotated[
            IdText | None,
            Query(description="next_cursor of the previous page; empty or absent: the first."),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=routes.DECISIONS_PAGE_MAX)] = DEFAULT_PAGE,
    ) -> Response:
        if not caller.role.may_review:
            # Advisors see their own log only; asking for someone else's is refused
            # outright rather than silently answered with one's own.
            if advisor_id is not None and advisor_id != caller.id:
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, detail="advisors may list only their own decisions"
                )
            advisor_id = caller.id
        filters = DecisionFilters(
            advisor_id=advisor_id,
            team=team,
            customer_id=customer_id,
            kind=kind,
            step_id=step_id,
            reason_code=reason_code,
            needs_approval=needs_approval,
            approval=approval,
            review_state=review_state,
            since=since,
            until=until,
        )
        try:
            page = store.list(filters, cursor or None, limit)
        except LedgerError as exc:
            raise _http_error(exc) from exc
        return _json(page)

    @router.get(
        routes.DECISION,
        response_model=DecisionView,
        responses=_errors(status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND),
        summary="One decision with its receipt, approval, review state and reviews",
    )
    def get_decision(decision_id: IdText, caller: Caller) -> Response:
        view = store.get(decision_id)
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
    def add_review(decision_id: IdText, review: ReviewCreate, caller: Caller) -> Response:
        _forbid_advisor(caller, "reviewing decisions")
        try:
            stored, created = store.add_review(decision_id, review, caller, state.wall_clock())
        except LedgerError as exc:
            raise _http_error(exc) from exc
        return _json(stored, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @router.get(
        routes.CHAIN_HEAD,
        response_model=ChainHead,
        responses=_errors(status.HTTP_403_FORBIDDEN),
        summary="The head of an advisor's hash chain on the server",
    )
    def chain_head(advisor_id: IdText, caller: Caller) -> Response:
        if not caller.role.may_review and advisor_id != caller.id:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail="advisors may read only their own chain"
            )
        return _json(store.chain_head(advisor_id))

    @router.get(
        routes.STATS,
        response_model=DecisionStats,
        responses=_errors(status.HTTP_403_FORBIDDEN),
        summary="Override rates per advisor, step and day, and the most repeated overrides",
    )
    def stats(
        caller: Caller,
        since: Annotated[UtcDatetime | None, Query()] = None,
        until: Annotated[UtcDatetime | None, Query()] = None,
        team: LineText | None = None,
    ) -> Response:
        _forbid_advisor(caller, "decision figures")
        return _json(store.stats(since, until, team))

    return router


__all__ = ["DEFAULT_PAGE", "build_router"]
