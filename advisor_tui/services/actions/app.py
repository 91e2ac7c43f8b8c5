"""The actions service over HTTP: the contract's next-actions and reason-code routes.

``build_router`` is the routes alone (the demo mounts them under ``/actions``
beside the mock's stand-in backends); ``create_app`` is the deployable service
with its health route, OpenAPI document and one error shape (``ErrorBody``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, HTTPException, status

from advisor_tui.contract import Backend, ErrorBody, Health, NextActions, ReasonCode, routes
from advisor_tui.contract._base import IdText
from advisor_tui.http_errors import answer_validation_errors
from advisor_tui.services.actions.reasons import REASON_CODES
from advisor_tui.services.actions.service import ActionsService, CustomerNotFound, UpstreamFailed

_ERRORS: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"model": ErrorBody, "description": "Unknown customer"},
    status.HTTP_502_BAD_GATEWAY: {
        "model": ErrorBody,
        "description": "The customers backend answered wrongly (off the contract, too "
        "large, or refusing the service): asking again gives the same; the detail says how",
    },
    status.HTTP_503_SERVICE_UNAVAILABLE: {
        "model": ErrorBody,
        "description": "The customers backend is unavailable; try again after Retry-After",
    },
    status.HTTP_504_GATEWAY_TIMEOUT: {
        "model": ErrorBody,
        "description": "The customers backend did not answer in time",
    },
}


def build_router(service: ActionsService) -> APIRouter:
    router = APIRouter()

    @router.get(
        routes.NEXT_ACTIONS,
        response_model=NextActions,
        responses=_ERRORS,
        summary="Ranked next actions for a customer, with why, process step and limits",
        description="Computed from the customer, history and faults backends at the time "
        "of the call. If the history or faults backend fails the answer is partial and "
        "`facts_missing` names what is missing; the actions needing it are left out.",
    )
    async def next_actions(
        customer_id: IdText, authorization: Annotated[str | None, Header()] = None
    ) -> NextActions:
        # The caller is optional: reading actions changes nothing, and knowing who
        # asks only fills the default follow-up owner when there is no named one.
        try:
            return await service.next_actions(customer_id, routes.bearer_token(authorization))
        except CustomerNotFound:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, detail=f"customer {customer_id} not found"
            ) from None
        except UpstreamFailed as failure:
            # Clients retry 503 and 504, not 502: an upstream that answered off the
            # contract answers the same way again, and retrying only delays the error.
            if failure.timed_out:
                raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, detail=str(failure)) from None
            if failure.transient:
                raise HTTPException(
                    status.HTTP_503_SERVICE_UNAVAILABLE,
                    detail=str(failure),
                    headers={"Retry-After": "1"},
                ) from None
            raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail=str(failure)) from None

    @router.get(
        routes.REASON_CODES,
        response_model=list[ReasonCode],
        summary="Reason codes for declining or overriding an action",
    )
    def reason_codes() -> list[ReasonCode]:
        return list(REASON_CODES)

    return router


def create_app(service: ActionsService) -> FastAPI:
    """The deployable actions service; its clients are closed when the app shuts down."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await service.aclose()

    app = FastAPI(
        title="Advisor TUI actions service",
        version="1",
        description="Ranked next actions for a customer, computed from live customer, "
        "history and fault data read through the contract's backends.",
        lifespan=lifespan,
    )

    @app.get(routes.HEALTH, response_model=Health, summary="Health of the actions service")
    def health() -> Health:
        return Health(backend=Backend.ACTIONS, ok=True, at=service.clock())

    app.include_router(build_router(service), tags=[Backend.ACTIONS.value])
    app.state.actions_service = service

    answer_validation_errors(app)

    return app
