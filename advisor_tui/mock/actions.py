"""Next-actions mock backend: ranked actions for a customer, and the reason codes.

The ranking lives in ``advisor_tui.mock.next_actions`` (pure, tested on its own);
this module only turns it into HTTP. The decisions screen takes its decline and
override reasons from ``REASON_CODES`` so a new code needs no client release.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, status

from advisor_tui.contract import ErrorBody, NextActions, ReasonCode, ReasonUse, routes
from advisor_tui.mock.fault_status import fault_status
from advisor_tui.mock.identity import bearer_token
from advisor_tui.mock.next_actions import next_actions_for
from advisor_tui.mock.state import MockState

_D = ReasonUse.DECLINE
_O = ReasonUse.OVERRIDE

REASON_CODES: tuple[ReasonCode, ...] = (
    ReasonCode(code="customer_declined", label="Customer declined", applies_to=[_D]),
    ReasonCode(code="not_relevant", label="Not relevant to this customer", applies_to=[_D]),
    ReasonCode(code="already_done", label="Already done", applies_to=[_D]),
    ReasonCode(
        code="customer_circumstances", label="The customer's circumstances", applies_to=[_O]
    ),
    # Free text is required where the code alone would tell a supervisor nothing:
    # what is wrong with the process, who the senior was, what "other" means.
    ReasonCode(
        code="process_wrong",
        label="The process is wrong here",
        applies_to=[_O],
        free_text_required=True,
    ),
    ReasonCode(code="goodwill", label="Goodwill", applies_to=[_O]),
    ReasonCode(code="vulnerability", label="Vulnerability", applies_to=[_O]),
    ReasonCode(
        code="escalated_to_senior",
        label="Escalated to a senior",
        applies_to=[_O],
        free_text_required=True,
    ),
    ReasonCode(code="other", label="Other", applies_to=[_D, _O], free_text_required=True),
)


def build_router(state: MockState) -> APIRouter:
    router = APIRouter()

    @router.get(
        routes.NEXT_ACTIONS,
        response_model=NextActions,
        responses={status.HTTP_404_NOT_FOUND: {"model": ErrorBody}},
        summary="Ranked next actions for a customer, with why, process step and limits",
    )
    def next_actions(
        customer_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> NextActions:
        record = state.customers.get(customer_id)
        if record is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, detail=f"customer {customer_id} not found"
            )
        # The caller is optional here: reading actions changes nothing, and knowing
        # who asks only fills the default follow-up owner when there is no named one.
        advisor = state.advisor_for_token(bearer_token(authorization))
        # Rank on the status the faults backend serves (every product has a line,
        # incidents as currently known), so the actions and the Faults panel agree
        # on what is working.
        served = replace(record, fault_status=fault_status(state, record))
        return next_actions_for(served, state.clock(), advisor)

    @router.get(
        routes.REASON_CODES,
        response_model=list[ReasonCode],
        summary="Reason codes for declining or overriding an action",
    )
    def reason_codes() -> list[ReasonCode]:
        return list(REASON_CODES)

    return router
