"""Cross-backend models: health and fault injection (mock admin)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ConfigDict, Field

from advisor_tui.contract._base import ContractModel, ProseText, UtcDatetime

FAULT_DELAY_MAX_MS = 60_000
"""A minute: longer than any client timeout, short enough that one PUT cannot
pin a backend's requests forever."""


class Backend(StrEnum):
    """The five backends; each value is also the backend's path prefix on the mock."""

    IDENTITY = "identity"
    CUSTOMERS = "customers"
    FAULTS = "faults"
    ACTIONS = "actions"
    DECISIONS = "decisions"


class Health(ContractModel):
    """A backend's answer to its health route."""

    backend: Backend
    ok: bool
    at: UtcDatetime


class FaultSpec(ContractModel):
    """Fault injection for one mock backend. All off by default.

    Strict: ``{"wrong_schema": 0}`` is a mistake to refuse, not a false to guess.
    """

    model_config = ConfigDict(strict=True)

    latency_ms: int = Field(
        default=0, ge=0, le=FAULT_DELAY_MAX_MS, description="Added to every response."
    )
    jitter_ms: int = Field(
        default=0,
        ge=0,
        le=FAULT_DELAY_MAX_MS,
        description="Uniform extra latency, 0..jitter_ms.",
    )
    error_rate: float = Field(
        default=0.0, ge=0, le=1, description="Share of calls answered 500/503."
    )
    hang: bool = Field(default=False, description="Never answer; the client must time out.")
    malformed_json: bool = Field(default=False, description="Answer 200 with broken JSON.")
    wrong_schema: bool = Field(
        default=False, description="Answer 200 with JSON of the wrong shape."
    )


class ErrorBody(ContractModel):
    """The body of every error answer: one human-readable sentence."""

    detail: ProseText
