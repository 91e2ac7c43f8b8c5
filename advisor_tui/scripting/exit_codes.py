"""Exit status of ``advisor-tui call``: one per kind of failure, documented once.

``EXIT_MEANINGS`` is the single description: ``call --help`` prints it and a
test holds the README's table to it.
"""

from __future__ import annotations

from enum import IntEnum

from advisor_tui.clients import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    Conflict,
    ContractViolation,
    Forbidden,
    NotFound,
    Unauthorised,
)


class ExitCode(IntEnum):
    """Exit status of ``advisor-tui call``: one per kind of failure (``EXIT_MEANINGS``)."""

    OK = 0
    FAILED = 1
    USAGE = 2
    NOT_FOUND = 3
    UNAUTHORISED = 4
    FORBIDDEN = 5
    TIMEOUT = 6
    UNAVAILABLE = 7
    BAD_DATA = 8
    REJECTED = 9
    CONFLICT = 10


EXIT_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "the answer is on stdout",
    ExitCode.FAILED: "anything not listed below (a bug, an unexpected error)",
    ExitCode.USAGE: "bad flags or config, or an input file that is not the contract's JSON",
    ExitCode.NOT_FOUND: "HTTP 404: no such customer, event, decision...",
    ExitCode.UNAUTHORISED: "HTTP 401: no token, or one the backend does not accept",
    ExitCode.FORBIDDEN: "HTTP 403: signed in, but not allowed to do this",
    ExitCode.TIMEOUT: "no answer within the configured timeouts, after the allowed retries",
    ExitCode.UNAVAILABLE: "could not connect, or 5xx/429 after the allowed retries",
    ExitCode.BAD_DATA: "the backend answered off-contract: bad JSON, wrong shape, unknown value",
    ExitCode.REJECTED: "HTTP 400/422 or another 4xx: the backend refused what was sent",
    ExitCode.CONFLICT: "HTTP 409: e.g. an id (the idempotency key) reused with another body",
}
"""What each exit status means; the help and the README table are made from it."""


_EXIT_FOR: tuple[tuple[type[BackendError], ExitCode], ...] = (
    (NotFound, ExitCode.NOT_FOUND),
    (Unauthorised, ExitCode.UNAUTHORISED),
    (Forbidden, ExitCode.FORBIDDEN),
    (BackendTimeout, ExitCode.TIMEOUT),
    (BackendUnavailable, ExitCode.UNAVAILABLE),
    (ContractViolation, ExitCode.BAD_DATA),
    (BadRequest, ExitCode.REJECTED),
    (Conflict, ExitCode.CONFLICT),
)


def exit_code_for(error: BackendError) -> ExitCode:
    for error_type, code in _EXIT_FOR:
        if isinstance(error, error_type):
            return code
    return ExitCode.FAILED


__all__ = ["EXIT_MEANINGS", "ExitCode", "exit_code_for"]
