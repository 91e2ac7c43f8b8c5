"""Rules of the decision log that do not depend on the storage engine.

Both engines (SQLite, PostgreSQL) call these, so approval limits, what counts
as a repeated override and the cursor format mean the same on either.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

from advisor_tui.contract.actions import ParamValue
from advisor_tui.contract.decisions import (
    ApprovalState,
    Decision,
    DecisionKind,
    ReviewCreate,
    ReviewState,
    Verdict,
)
from advisor_tui.contract.identity import Advisor, Role
from advisor_tui.services.decisions.errors import (
    AlreadyDecided,
    ApprovalLimitExceeded,
    InvalidCursor,
    ReviewNotAllowed,
)

REVIEW_STATE_FOR: dict[Verdict, ReviewState] = {
    Verdict.ENDORSE: ReviewState.ENDORSED,
    Verdict.COACH: ReviewState.COACHED,
    Verdict.PROPOSE_PROCESS_CHANGE: ReviewState.PROPOSED,
}

ROLE_RANK = {Role.ADVISOR: 0, Role.TEAM_LEAD: 1, Role.SUPERVISOR: 2}

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_DAY = 86_400_000_000
_ULID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def ts(value: datetime) -> str:
    """Fixed-width UTC text, so string order is time order and [:10] is the day."""
    if value.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    # isoformat is several times faster than strftime, which matters in bulk loads.
    return value.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def from_ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def us(value: datetime) -> int:
    """Microseconds since the epoch: 8 bytes in every index instead of 27 of text."""
    if value.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def largest_pence_change(decision: Decision) -> int:
    """The largest money amount an override changes, 0 if it changes none."""
    return largest_pence(decision.changed_parameters)


def largest_pence(params: dict[str, ParamValue]) -> int:
    """Parameters carry no type in a decision record, so money is recognised by
    the contract's naming convention: integer pence under a ``*_pence`` name."""
    amounts = [
        value
        for name, value in params.items()
        if isinstance(value, int)
        and not isinstance(value, bool)
        and (name == "pence" or name.endswith("_pence"))
    ]
    return max(amounts, default=0)


def override_key(
    kind: DecisionKind, alternative: str | None, changed: dict[str, ParamValue]
) -> str | None:
    """What an override did instead, as a key for spotting repeats.

    Two overrides of the same step are "the same" when they chose the same
    alternative, or changed the same set of parameters (values differ case by
    case; the shape of the deviation is what could become process).
    """
    if kind is not DecisionKind.OVERRIDE:
        return None
    if alternative:
        return alternative
    if changed:
        return "changed " + ", ".join(sorted(changed))
    return "override without changes"


def check_may_approve(decision: Decision, reviewer: Advisor) -> None:
    """Raise ApprovalLimitExceeded unless ``reviewer`` may approve ``decision``."""
    if decision.approver_role is not None and (
        ROLE_RANK[reviewer.role] < ROLE_RANK[decision.approver_role]
    ):
        raise ApprovalLimitExceeded(
            f"this decision must be approved by a {decision.approver_role.value}"
        )
    amount = largest_pence_change(decision)
    limit = reviewer.permissions.may_approve_up_to_pence
    if amount > limit:
        raise ApprovalLimitExceeded(
            f"approving {amount} pence is above your approval limit of {limit} pence"
        )


def encode_cursor(*parts: str) -> str:
    """An opaque keyset cursor: ``v1:<id>`` (SQLite) or ``v2:<decided_us>:<id>`` (PostgreSQL)."""
    version = "v1" if len(parts) == 1 else "v2"
    raw = ":".join((version, *parts))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, version: str) -> list[str]:
    """The parts of a cursor this engine issued; InvalidCursor for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor("cursor is not one this server issued") from exc
    found, *parts = raw.split(":")
    if found != version or not parts or not _ULID_RE.match(parts[-1]):
        raise InvalidCursor("cursor is not one this server issued")
    if version == "v2" and (len(parts) != 2 or not parts[0].isdigit()):
        raise InvalidCursor("cursor is not one this server issued")
    return parts


def review_outcome(
    decision_id: str,
    review: ReviewCreate,
    reviewer: Advisor,
    advisor_id: str,
    needs_approval: bool,
    approval: str,
    body: str,
) -> tuple[ApprovalState | None, ReviewState | None]:
    """What a verdict changes (approval or review state), or the refusal it earns.

    Shared by both engines so the rules of review read the same on either.
    """
    if advisor_id == reviewer.id:
        raise ApprovalLimitExceeded("a reviewer may not review their own decision")
    if review.verdict in (Verdict.APPROVE, Verdict.REJECT):
        if not needs_approval:
            raise ReviewNotAllowed(
                f"decision {decision_id} does not need approval, so it cannot be "
                f"{'approved' if review.verdict is Verdict.APPROVE else 'rejected'}"
            )
        if approval != ApprovalState.PENDING.value:
            raise AlreadyDecided(f"decision {decision_id} is already {approval}")
        if review.verdict is Verdict.APPROVE:
            check_may_approve(Decision.model_validate_json(body), reviewer)
            return ApprovalState.APPROVED, None
        return ApprovalState.REJECTED, None
    return None, REVIEW_STATE_FOR[review.verdict]
