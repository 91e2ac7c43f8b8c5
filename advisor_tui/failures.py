"""The one wording for "what failed, and how", used by every screen and the CLI.

A backend failing is news for the advisor in a fixed shape: what they were
doing, which backend, how it failed, then the detail the client gave
('loading faults: faults backend timed out — GET …: no answer within 5s').
Anything that is not a ``BackendError`` is a bug of ours: it is worded as
such, never blamed on a service. No Textual here.
"""

from __future__ import annotations

from advisor_tui.clients.errors import BackendError, NotFound, Unauthorised
from advisor_tui.contract import Backend


def failure_reason(error: BaseException | None) -> str:
    """How it failed, in a few words: 'faults backend timed out'."""
    if isinstance(error, EndpointMissing):
        return f"{error.backend.value}: no such endpoint at {error.url}"
    if isinstance(error, Unauthorised):
        return f"{error.backend.value} backend refused the token (HTTP 401)"
    if isinstance(error, BackendError):
        return f"{error.backend.value} backend {error.reason}"
    name = type(error).__name__ if error is not None else "unknown error"
    return f"failed unexpectedly ({name}, a bug in the app)"


def describe_failure(what: str, error: BaseException | None) -> str:
    """One line: what the advisor was doing, then how it failed and the detail."""
    line = f"{what}: {failure_reason(error)}"
    if isinstance(error, EndpointMissing):
        return line + " (is the backend URL right?)"
    if isinstance(error, BackendError):
        return f"{line} — {error.message}"
    if error is not None and str(error):
        return f"{line}: {error}"
    return line


def is_bug(error: BaseException | None) -> bool:
    """Whether a failure is ours (a traceback worth logging), not a backend's answer."""
    return not isinstance(error, BackendError)


class EndpointMissing(NotFound):
    """The backend's own health route answered 404: the base URL points at
    something that is not this backend (a wrong prefix or host)."""

    reason = "no such endpoint"

    def __init__(self, backend: Backend, url: str) -> None:
        super().__init__(backend, f"GET {url}: HTTP 404", status=404)
        self.url = url


__all__ = ["EndpointMissing", "describe_failure", "failure_reason", "is_bug"]
