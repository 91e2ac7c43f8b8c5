"""The HTTP layer every backend client shares: one reused ``httpx.AsyncClient``,
a retry policy, typed errors, response validation and a per-backend health record.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, ClassVar, NoReturn, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from advisor_tui.clients._display import display_safe, may_hold_unsafe
from advisor_tui.clients.errors import (
    AnswerTooLarge,
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
from advisor_tui.contract import routes
from advisor_tui.contract._base import utcnow
from advisor_tui.contract.common import Backend, Health
from advisor_tui.retry import RetryPolicy as RetryPolicy

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# Answers that mean "try again later" from a gateway or an overloaded service.
# Worth asking again: the backend (or a gateway in front of it) is unavailable or
# timed out. A 502 is not: by its meaning, and from this project's services, it
# says the upstream answered wrongly, which a retry repeats. (A proxy that gives
# 502 while a backend restarts costs one manual retry; the outbox re-sends writes.)
_RETRY_STATUSES = frozenset({503, 504})
_MAX_DETAIL = 200
# The default cap on one answer's body. The largest real answers (a history
# page, a decisions page of 200) are a few hundred KiB; a backend sending more
# than this is broken or hostile, and reading it would cost the advisor memory
# and a frozen screen.
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024
# Bodies above this are validated in a thread, so a large but allowed answer
# does not hold up keystrokes and the other panels.
_PARSE_OFF_LOOP_BYTES = 256 * 1024


class HealthState(StrEnum):
    """A backend's health light: its latest call was fine, slow, or failed."""

    UNKNOWN = "unknown"
    OK = "ok"
    SLOW = "slow"
    DOWN = "down"


@dataclass(frozen=True)
class CallHealth:
    """The outcome of the latest call to one backend, for a health light."""

    state: HealthState = HealthState.UNKNOWN
    latency_ms: float | None = None
    at: datetime | None = None
    reason: str | None = None


HealthCallback = Callable[[Backend, CallHealth], None]
Sleep = Callable[[float], Awaitable[None]]


class _BearerAuth(httpx.Auth):
    """Adds the bearer token per request, so it never sits in ``client.headers``
    (which a debugging ``repr`` or a log line could show)."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request

    def __repr__(self) -> str:
        return "_BearerAuth(**********)"


class _Retry(Exception):
    """Internal: this attempt failed in a way that may be retried; carries the final error."""

    def __init__(self, error: BackendError) -> None:
        self.error = error


@dataclass
class _Attempts:
    started: float
    count: int = 0


# Building a TypeAdapter compiles a validator; do it once per response type, not per call.
@functools.cache
def _adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    return TypeAdapter(model)


@functools.cache
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _parse(adapter: TypeAdapter[Any], body: bytes, safe: bool = True) -> Any:
    """Validate against the contract, then make every string safe to show: the
    one place backend text becomes display text (see ``_display``)."""
    value = adapter.validate_json(body)
    return display_safe(value) if safe and may_hold_unsafe(body) else value


def path(template: str, **params: str) -> str:
    """Fill a route template, escaping each value so an id cannot change the path."""
    return template.format(**{k: quote(v, safe="") for k, v in params.items()})


class BackendHttp:
    """Base of the five backend clients.

    One ``httpx.AsyncClient`` per backend, made once and reused, so connections
    are pooled. Subclasses set ``backend`` and add typed methods on top of
    ``get_model`` / ``get_list`` / ``post_model``.

    The ``httpx.AsyncClient`` is made on first use, not here: making one imports
    httpcore's transports and, through ``verify``, may load the CA bundle (~45 ms
    together), which the app's first frame need not wait for (its first call,
    sign-in, starts just after that frame). ``verify`` may be a function that
    returns the SSL context, called then.
    """

    backend: ClassVar[Backend]

    def __init__(
        self,
        base_url: str,
        *,
        token: SecretStr | str | None = None,
        timeout: httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        slow_ms: float = 1000,
        on_health: HealthCallback | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        display_safe: bool = True,
        verify: ssl.SSLContext | bool | Callable[[], ssl.SSLContext] = True,
    ) -> None:
        self.timeout = timeout or httpx.Timeout(connect=2.0, read=5.0, write=5.0, pool=2.0)
        self.retry = retry or RetryPolicy()
        self.slow_ms = slow_ms
        self.max_response_bytes = max_response_bytes
        # Off only for callers that escape every string themselves (scripts'
        # JSON output); what a screen shows always goes through the boundary.
        self.display_safe = display_safe
        self.on_health = on_health
        self.last_call = CallHealth()
        secret = SecretStr(token) if isinstance(token, str) else token
        # Kept to scrub it from any server text we quote in an error message.
        self._secret = secret
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._base_url = base_url
        self._transport = transport
        self._verify = verify
        self._http: httpx.AsyncClient | None = None

    @property
    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            verify = self._verify() if callable(self._verify) else self._verify
            self._http = httpx.AsyncClient(
                base_url=self._base_url,
                timeout=self.timeout,
                transport=self._transport,
                auth=_BearerAuth(self._secret) if self._secret is not None else None,
                headers={"Accept": "application/json"},
                verify=verify,
            )
        return self._http

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- typed calls ---------------------------------------------------------------------

    async def health(self) -> Health:
        """The backend's own health route (the ``last_call`` record is updated too)."""
        return await self.get_model(routes.HEALTH, Health)

    async def get_model(
        self, url: str, model: type[M], params: Mapping[str, Any] | None = None
    ) -> M:
        """GET ``url`` (relative to the base URL) and validate the answer as ``model``.

        For subclasses: retried as the policy allows; raises a ``BackendError``."""
        result: M = await self._call("GET", url, _adapter(model), params=params)
        return result

    async def get_list(
        self, url: str, model: type[M], params: Mapping[str, Any] | None = None
    ) -> list[M]:
        """GET ``url`` and validate the answer as a list of ``model`` (see ``get_model``)."""
        result: list[M] = await self._call("GET", url, _list_adapter(model), params=params)
        return result

    async def post_model(
        self,
        url: str,
        body: BaseModel,
        model: type[M],
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> M:
        """POST ``body`` as JSON and validate the answer as ``model``.

        Retried only with an ``idempotency_key`` (sent as the Idempotency-Key
        header), since only then does the backend answer a repeat as the first."""
        headers = {"Content-Type": "application/json", **(extra_headers or {})}
        if idempotency_key is not None:
            headers[routes.IDEMPOTENCY_HEADER] = idempotency_key
        result: M = await self._call(
            "POST",
            url,
            _adapter(model),
            content=body.model_dump_json().encode(),
            headers=headers,
            retryable=idempotency_key is not None,
        )
        return result

    # -- machinery -----------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        url: str,
        adapter: TypeAdapter[Any],
        *,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        retryable: bool | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> Any:
        """Send with retries where they are safe; return the validated body or raise.

        ``response_headers``, when given, receives the successful answer's headers
        (paging counts such as TMF's ``X-Total-Count`` travel there).
        """
        # GETs are safe to repeat; a POST only when it carries its idempotency
        # key, because then the backend answers a repeat as it answered the first.
        may_retry = method == "GET" if retryable is None else retryable
        query = {k: v for k, v in (params or {}).items() if v is not None}
        attempts = _Attempts(started=time.monotonic())
        while True:
            attempts.count += 1
            try:
                response = await self._attempt(method, url, query, content, headers)
            except _Retry as retry:
                delay = self._next_delay(attempts) if may_retry else None
                if delay is None:
                    self._fail(attempts, retry.error)
                log.info(
                    "%s %s %s: %s; retry %d in %.2fs",
                    self.backend.value,
                    method,
                    url,
                    retry.error.message,
                    attempts.count,
                    delay,
                )
                await self._sleep(delay)
                continue
            except BackendError as error:
                self._fail(attempts, error)
            try:
                if len(response.content) > _PARSE_OFF_LOOP_BYTES:
                    value = await asyncio.to_thread(
                        _parse, adapter, response.content, self.display_safe
                    )
                else:
                    value = _parse(adapter, response.content, self.display_safe)
            except ValidationError as exc:
                violation = ContractViolation.from_validation(
                    self.backend, exc, status=response.status_code
                )
                log.warning("%s %s: %s", method, url, violation)
                self._fail(attempts, violation)
            if response_headers is not None:
                response_headers.update(response.headers)
            self._record_ok(attempts)
            return value

    def _next_delay(self, attempts: _Attempts) -> float | None:
        if attempts.count >= self.retry.attempts:
            return None
        delay = self.retry.backoff(attempts.count, self._rng)
        if time.monotonic() - attempts.started + delay > self.retry.total:
            return None
        return delay

    def _record_ok(self, attempts: _Attempts) -> None:
        latency = (time.monotonic() - attempts.started) * 1000
        state = HealthState.SLOW if latency > self.slow_ms else HealthState.OK
        self._record(state, latency, None)

    def _fail(self, attempts: _Attempts, error: BackendError) -> NoReturn:
        if isinstance(error, BackendTimeout) and attempts.count > 1:
            # "no answer within 7s" alone undersells a call that retried for
            # 10 s before giving up: say what the advisor actually waited.
            elapsed = time.monotonic() - attempts.started
            error = BackendTimeout(
                error.backend,
                f"{error.message} ({attempts.count} tries, {elapsed:.1f}s in all)",
                status=error.status,
            )
        # A 4xx means the backend is up and answered; failing to answer, or
        # answering off-contract, is what turns the light red.
        if isinstance(error, BackendUnavailable | BackendTimeout | ContractViolation):
            latency = (time.monotonic() - attempts.started) * 1000
            self._record(HealthState.DOWN, latency, error.reason)
        else:
            self._record_ok(attempts)
        raise error from None

    async def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any],
        content: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        # httpx's own timeouts do not apply to in-process transports such as
        # ASGITransport, so a hung handler would hang us too; this deadline
        # bounds every attempt whatever the transport.
        deadline = self.timeout.connect or 0.0
        deadline += self.timeout.read or 0.0
        try:
            async with asyncio.timeout(deadline or None):
                request = self._client.build_request(
                    method, url, params=params, content=content, headers=headers
                )
                streamed = await self._client.send(request, stream=True)
                try:
                    body = await self._read_capped(method, url, streamed)
                finally:
                    await streamed.aclose()
                response = httpx.Response(
                    streamed.status_code, headers=streamed.headers, content=body, request=request
                )
        except (TimeoutError, httpx.TimeoutException):
            raise _Retry(
                BackendTimeout(self.backend, f"{method} {url}: no answer within {deadline:g}s")
            ) from None
        except httpx.TransportError as exc:
            raise _Retry(
                BackendUnavailable(
                    self.backend, f"{method} {url}: {type(exc).__name__}: {self._scrub(str(exc))}"
                )
            ) from None
        if response.is_success:
            return response
        raise self._status_error(method, url, response)

    async def _read_capped(self, method: str, url: str, response: httpx.Response) -> bytes:
        """The body, refused as soon as it is known to be over the cap: from
        Content-Length before reading, or while streaming when there is none
        (or it lies). Counted after decompression, so a small gzip bomb is
        refused too."""
        cap = self.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise self._too_large(method, url, f"{int(declared):,} bytes announced")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > cap:
                raise self._too_large(method, url, f"more than {cap:,} bytes sent")
        return bytes(body)

    def _too_large(self, method: str, url: str, what: str) -> AnswerTooLarge:
        return AnswerTooLarge(
            self.backend,
            f"{method} {url}: answer too large ({what}; the limit is "
            f"{self.max_response_bytes:,} bytes)",
        )

    def _status_error(self, method: str, url: str, response: httpx.Response) -> Exception:
        status = response.status_code
        detail = self._detail(response)
        message = f"{method} {url}: HTTP {status}" + (f": {detail}" if detail else "")
        if status in _RETRY_STATUSES or (status == 500 and method == "GET"):
            return _Retry(BackendUnavailable(self.backend, message, status=status))
        error_type: type[BackendError]
        if status >= 500 or status == 429:
            error_type = BackendUnavailable
        elif status == 401:
            error_type = Unauthorised
        elif status == 403:
            error_type = Forbidden
        elif status == 404:
            error_type = NotFound
        elif status == 409:
            error_type = Conflict
        elif 400 <= status < 500:
            error_type = BadRequest
        else:
            # 1xx/3xx: we never ask for redirects, so one is a misconfigured URL
            # or a backend off-contract.
            return ContractViolation(self.backend, message, status=status)
        return error_type(self.backend, message, status=status)

    def _detail(self, response: httpx.Response) -> str:
        """The server's explanation, short and token-free, for the error message."""
        try:
            body = response.json()
        except ValueError:
            return ""
        detail = body.get("detail") if isinstance(body, dict) else None
        if isinstance(detail, list):
            # FastAPI's 422: a list of {loc, msg}; name the fields it complains about.
            parts = []
            for item in detail[:3]:
                if isinstance(item, dict):
                    loc = ".".join(str(p) for p in item.get("loc", []))
                    parts.append(f"{loc}: {item.get('msg', '')}")
            detail = "; ".join(parts)
        if not isinstance(detail, str):
            return ""
        return self._scrub(detail)[:_MAX_DETAIL]

    def _scrub(self, text: str) -> str:
        if self._secret is not None:
            token = self._secret.get_secret_value()
            if token:
                text = text.replace(token, "**********")
        return text

    def _record(self, state: HealthState, latency_ms: float | None, reason: str | None) -> None:
        self.last_call = CallHealth(state=state, latency_ms=latency_ms, at=utcnow(), reason=reason)
        if self.on_health is not None:
            self.on_health(self.backend, self.last_call)
