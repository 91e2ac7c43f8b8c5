"""Typed errors raised by the backend clients.

A screen tells the advisor *which* backend failed and *how* by catching these,
never by matching strings. Every error carries its backend and a short
``reason`` a status bar can show as-is. Messages are built by the clients from
status codes, paths and server details (with the bearer token scrubbed), so
``str(error)`` is safe to show and to log.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import ValidationError

from advisor_tui.contract.common import Backend


class BackendError(Exception):
    """Base of every client error: a call to ``backend`` did not give a usable answer."""

    reason: ClassVar[str] = "failed"

    def __init__(self, backend: Backend, message: str, *, status: int | None = None) -> None:
        super().__init__(backend, message)
        self.backend = backend
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return f"{self.backend.value}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.backend.value!r}, {self.message!r})"


class BackendUnavailable(BackendError):
    """Could not connect, or the backend kept answering 5xx after the allowed retries."""

    reason = "down"


class BackendTimeout(BackendError):
    """The backend did not answer within the configured timeouts."""

    reason = "timed out"


class NotFound(BackendError):
    """404: no such customer, event, decision... (or the backend is not served there)."""

    reason = "not found"


class Unauthorised(BackendError):
    """401: the token is missing, wrong or expired."""

    reason = "not signed in"


class Forbidden(BackendError):
    """403: the advisor is known but may not do this."""

    reason = "not allowed"


class Conflict(BackendError):
    """409: e.g. an idempotency key reused with a different body."""

    reason = "conflict"


class BadRequest(BackendError):
    """400/422 and other 4xx: the backend rejected what we sent."""

    reason = "rejected"


class ContractViolation(BackendError):
    """The backend answered, but not with what the contract says (bad JSON, wrong shape,
    unknown enum value). ``field`` is the dotted path of the first offending field."""

    reason = "bad data"

    def __init__(
        self,
        backend: Backend,
        message: str,
        *,
        field: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(backend, message, status=status)
        self.field = field

    @classmethod
    def from_validation(
        cls, backend: Backend, exc: ValidationError, *, status: int | None = None
    ) -> ContractViolation:
        errors = exc.errors(include_url=False, include_input=False)
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        if first["type"] == "json_invalid":
            return cls(backend, f"response is not valid JSON: {first['msg']}", status=status)
        path = ".".join(str(part) for part in first["loc"])
        if not path:
            return cls(backend, f"response body: {first['msg']}{more}", status=status)
        return cls(
            backend,
            f"response field '{path}': {first['msg']}{more}",
            field=path,
            status=status,
        )


class AnswerTooLarge(ContractViolation):
    """The answer's body was over the configured cap; it was not read to the end."""

    reason = "answer too large"


__all__ = [
    "AnswerTooLarge",
    "BackendError",
    "BackendTimeout",
    "BackendUnavailable",
    "BadRequest",
    "Conflict",
    "ContractViolation",
    "Forbidden",
    "NotFound",
    "Unauthorised",
]
