"""The reason codes an advisor picks when declining or overriding an action.

Served by the actions service so the decisions screen takes its choices from the
same place as the actions: a new code needs no client release.
"""

from __future__ import annotations

from advisor_tui.contract import ReasonCode, ReasonUse

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
