"""Identity backend: who the advisor is, their role and what they may do."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from advisor_tui.contract._base import BoundedList, ContractModel, IdText, LineText, Pence
from advisor_tui.contract.routes import ADVISORS_PAGE_MAX


class Role(StrEnum):
    """What a signed-in person is: team leads and supervisors may review and approve."""

    ADVISOR = "advisor"
    TEAM_LEAD = "team_lead"
    SUPERVISOR = "supervisor"

    @property
    def may_review(self) -> bool:
        return self is not Role.ADVISOR


class Permissions(ContractModel):
    """What a person may do without anyone's approval, and what they may approve."""

    max_goodwill_credit_pence: Pence = Field(
        ge=0, description="Largest goodwill credit this person may give without approval."
    )
    may_waive_fees: bool = False
    overridable_steps: BoundedList[IdText] = Field(
        default_factory=list,
        description="Process step ids this person may override without approval; '*' is all.",
    )
    may_approve_up_to_pence: Pence = Field(
        default=0, ge=0, description="Largest needs-approval credit this person may approve."
    )

    def may_override(self, step_id: str) -> bool:
        return "*" in self.overridable_steps or step_id in self.overridable_steps


class Advisor(ContractModel):
    """The person a bearer token belongs to (identity backend, ``GET /v1/me``)."""

    id: IdText = Field(min_length=1)
    display_name: LineText
    role: Role
    team: LineText
    permissions: Permissions


class AdvisorEntry(ContractModel):
    """Who an advisor id is, as the advisor directory lists them: what a reviewer
    needs to read a decision log by name (no permissions: those are the person's own)."""

    id: IdText = Field(min_length=1)
    display_name: LineText
    team: LineText
    role: Role


class AdvisorDirectoryPage(ContractModel):
    """A page of the advisor directory in id order (``GET /v1/advisors``; team
    leads and supervisors only)."""

    items: Annotated[list[AdvisorEntry], Field(max_length=ADVISORS_PAGE_MAX)]
    next_after: IdText | None = Field(
        default=None, description="Pass as after= for the next page of advisors."
    )


class TokenGrant(ContractModel):
    """A signed bearer token (JWT) for the other backends, from the identity backend."""

    access_token: Annotated[str, Field(max_length=8192)]
    token_type: IdText = "Bearer"
    expires_in: int = Field(ge=1, description="Seconds until it expires.")


# The JWT claims that carry an advisor: what the demo identity backend signs and
# the decisions service reads from any issuer's token.
def advisor_claims(advisor: Advisor) -> dict[str, Any]:
    """The claims that carry ``advisor`` (what ``advisor_from_claims`` reads)."""
    return {
        "sub": advisor.id,
        "name": advisor.display_name,
        "role": advisor.role.value,
        "team": advisor.team,
        "permissions": advisor.permissions.model_dump(mode="json"),
    }


def advisor_from_claims(claims: dict[str, Any]) -> Advisor:
    """The advisor a verified token's claims name; KeyError or ValueError (a pydantic
    ValidationError among them) when a claim is missing or wrong."""
    return Advisor(
        id=claims["sub"],
        display_name=claims.get("name") or claims["sub"],
        role=Role(claims["role"]),
        team=claims["team"],
        permissions=Permissions.model_validate(claims.get("permissions") or {}),
    )
