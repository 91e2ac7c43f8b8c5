"""Turning an advisor's choice on a next action into a Decision record.

Pure functions, no Textual and no HTTP: the decision form calls them to
validate as the advisor types and to build the record on confirm, and tests
call them directly. Limits come from two places: the action's parameter
bounds (hard: a value outside them is refused) and the advisor's permissions
(soft: beyond them the decision is still recorded, marked as needing approval).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from ulid import ULID

from advisor_tui.contract import (
    ActionKind,
    Advisor,
    Channel,
    Decision,
    DecisionKind,
    FollowUpCreate,
    NextAction,
    ParameterSpec,
    ParamType,
    ParamValue,
    ReasonCode,
    ReasonUse,
    Role,
    utcnow,
)
from advisor_tui.contract._base import LINE_MAX, PROSE_MAX
from advisor_tui.formatting import pounds
from advisor_tui.text import clean, typed_text


class InputError(ValueError):
    """A field the advisor must fix; ``field`` names it for the form."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_parameter(spec: ParameterSpec, raw: str) -> ParamValue:
    """Read what the advisor typed for ``spec`` (money as pounds, e.g. ``12.50``)."""
    text = raw.strip()
    if spec.type is ParamType.PENCE:
        try:
            amount = Decimal(text.removeprefix("£").replace(",", ""))
        except InvalidOperation:
            raise InputError(
                spec.name, f"{spec.label}: enter an amount in pounds, e.g. 12.50"
            ) from None
        if amount != amount.quantize(Decimal("0.01")):
            raise InputError(spec.name, f"{spec.label}: at most two decimal places")
        value: ParamValue = int(amount * 100)
    elif spec.type is ParamType.INTEGER:
        try:
            value = int(text)
        except ValueError:
            raise InputError(spec.name, f"{spec.label}: enter a whole number") from None
    elif spec.type is ParamType.BOOLEAN:
        if text.lower() not in {"yes", "no", "true", "false", "y", "n"}:
            raise InputError(spec.name, f"{spec.label}: enter yes or no")
        value = text.lower() in {"yes", "true", "y"}
    elif spec.type is ParamType.DATETIME:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise InputError(
                spec.name, f"{spec.label}: enter a time like 2026-11-27T10:00Z"
            ) from None
        if moment.tzinfo is None:
            raise InputError(spec.name, f"{spec.label}: include the zone, e.g. Z for UTC")
        value = moment.isoformat().replace("+00:00", "Z")
    elif spec.type is ParamType.CHOICE:
        if spec.choices and text not in spec.choices:
            raise InputError(spec.name, f"{spec.label}: one of {', '.join(spec.choices)}")
        value = text
    else:
        if not text:
            raise InputError(spec.name, f"{spec.label}: must not be empty")
        value = text
    if isinstance(value, int) and not isinstance(value, bool):
        show = pounds if spec.type is ParamType.PENCE else str
        if spec.minimum is not None and value < spec.minimum:
            raise InputError(spec.name, f"{spec.label}: at least {show(spec.minimum)}")
        if spec.maximum is not None and value > spec.maximum:
            raise InputError(spec.name, f"{spec.label}: at most {show(spec.maximum)}")
    return value


def format_parameter(spec: ParameterSpec, value: ParamValue | None = None) -> str:
    """The inverse of ``parse_parameter``: what the form shows to start with."""
    value = spec.value if value is None else value
    if spec.type is ParamType.PENCE and isinstance(value, int):
        return f"{value / 100:.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass(frozen=True)
class Approval:
    needed: bool
    approver: Role | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)


def allowed_without_approval(spec: ParameterSpec, advisor: Advisor) -> tuple[int, int] | None:
    """The range a capped value may take without approval: from the action's
    minimum (what the process gives anyway) to that plus the advisor's limit;
    None if the advisor's permissions do not cap this parameter."""
    if spec.permission_limit is None:
        return None
    limit = getattr(advisor.permissions, spec.permission_limit, None)
    if not isinstance(limit, int) or isinstance(limit, bool):
        return None
    base = spec.minimum or 0
    return base, base + limit


def _approver_above(role: Role) -> Role:
    return Role.TEAM_LEAD if role is Role.ADVISOR else Role.SUPERVISOR


def approval_needed(
    advisor: Advisor,
    action: NextAction,
    kind: DecisionKind,
    changed: Mapping[str, ParamValue],
) -> Approval:
    """Whether this decision goes beyond what the advisor may do alone, and why."""
    if kind is not DecisionKind.OVERRIDE:
        return Approval(False)
    reasons: list[str] = []
    step = action.process_step
    if step.outcome and not advisor.permissions.may_override(step.id):
        reasons.append(f"overriding {step.id} ('{step.outcome}') is beyond your permission")
    for name, value in changed.items():
        spec = action.parameter(name)
        if spec is None or not isinstance(value, int) or isinstance(value, bool):
            continue
        allowed = allowed_without_approval(spec, advisor)
        # The limit caps what the advisor gives above the action's minimum
        # (what the process must give anyway): paying owed compensation never
        # needs approval, a goodwill credit counts from zero.
        if allowed is not None and value > allowed[1]:
            base, top = allowed
            if base:
                reasons.append(
                    f"{spec.label} {pounds(value)} is more than your {pounds(top - base)} "
                    f"above the {pounds(base)} owed (up to {pounds(top)} without approval)"
                )
            else:
                reasons.append(f"{spec.label} {pounds(value)} is above your limit of {pounds(top)}")
    if not reasons:
        return Approval(False)
    return Approval(True, _approver_above(advisor.role), tuple(reasons))


def check_reason(
    kind: DecisionKind, reason_code: str | None, free_text: str, codes: Sequence[ReasonCode]
) -> None:
    if kind is DecisionKind.ACCEPT:
        return
    use = ReasonUse.DECLINE if kind is DecisionKind.DECLINE else ReasonUse.OVERRIDE
    if not reason_code:
        raise InputError("reason", f"Choose a reason for the {kind.value}")
    code = next((c for c in codes if c.code == reason_code), None)
    if code is None or use not in code.applies_to:
        raise InputError("reason", f"{reason_code!r} is not a {kind.value} reason")
    if code.free_text_required and not free_text.strip():
        raise InputError("free_text", f"'{code.label}' needs a note saying what happened")


def build_decision(
    *,
    advisor: Advisor,
    customer_id: str,
    action: NextAction,
    kind: DecisionKind,
    reason_code: str | None = None,
    free_text: str = "",
    changed: Mapping[str, ParamValue] | None = None,
    alternative: str = "",
    codes: Sequence[ReasonCode] = (),
    now: datetime | None = None,
) -> Decision:
    """Validate and build the record; raises ``InputError`` naming the field to fix.

    What the advisor typed or pasted goes into the hash-chained record as they
    meant it: ``typed_text`` drops pasted escape sequences and controls rather
    than storing them, or symbols standing for them, for ever.
    """
    free_text, alternative = typed_text(free_text), typed_text(alternative)
    if len(free_text) > PROSE_MAX:
        raise InputError(
            "free_text", f"The note is {len(free_text):,} characters; at most {PROSE_MAX:,}"
        )
    if len(alternative) > LINE_MAX:
        raise InputError("alternative", f"Say what you did in at most {LINE_MAX} characters")
    check_reason(kind, reason_code, free_text, codes)
    proposed = {p.name: p.value for p in action.parameters}
    changed = {k: v for k, v in (changed or {}).items() if proposed.get(k) != v}
    if kind is DecisionKind.OVERRIDE and not changed and not alternative.strip():
        raise InputError("parameters", "Change a parameter or say what you did instead")
    approval = approval_needed(advisor, action, kind, changed)
    return Decision(
        id=str(ULID()),
        customer_id=customer_id,
        action_id=action.id,
        action_kind=action.kind,
        action_label=action.label,
        process_step=action.process_step,
        proposed_parameters=proposed,
        kind=kind,
        reason_code=reason_code if kind is not DecisionKind.ACCEPT else None,
        free_text=free_text or None,
        changed_parameters=dict(changed) if kind is DecisionKind.OVERRIDE else {},
        alternative=alternative or None if kind is DecisionKind.OVERRIDE else None,
        advisor_id=advisor.id,
        decided_at=now or utcnow(),
        needs_approval=approval.needed,
        approver_role=approval.approver,
        # Label and value are each within a line's bound; joined they may not be.
        situation=[clean(f"{fact.label}: {fact.value}", LINE_MAX) for fact in action.why],
    )


def follow_up_for(decision: Decision, advisor: Advisor) -> FollowUpCreate | None:
    """The follow-up a decision commits to, if it accepts or overrides a follow-up
    action: owner, due time and channel as decided (changed values win)."""
    if decision.action_kind is not ActionKind.FOLLOW_UP or decision.kind is DecisionKind.DECLINE:
        return None
    values = {**decision.proposed_parameters, **decision.changed_parameters}
    owner = str(values.get("owner") or advisor.display_name)
    due = datetime.fromisoformat(str(values["due_at"]))
    channel = Channel(str(values.get("channel", Channel.PHONE.value)))
    # Derived from the decision id, so recording the same decision again can
    # never create a second follow-up (the customers backend is idempotent on it).
    return FollowUpCreate(
        id=decision.id,
        owner=owner,
        due_at=due,
        channel=channel,
        note=decision.free_text or decision.action_label,
        created_by=advisor.id,
    )
