"""The mock backends inside your own code and tests, like moto's ``mock_aws``.

    from advisor_tui.testing import mock_backends

    with mock_backends(faults={"faults": {"latency_ms": 300}}) as mock:
        result = asyncio.run(search(mock.backends, "@ballantyne70"))
        mock.set_fault("customers", error_rate=1.0)   # applies from the next call

``mock_backends`` starts the same backends the demo runs (``create_demo_app``
over the seed scenarios plus any scenario files you give), either in process
(``httpx.ASGITransport``: no socket, no thread; the default) or on a loopback
port (``loopback=True``: real TCP and real timeouts, and URLs another process
can use, e.g. a subprocess under test through ``mock.env()``). It yields a
``MockBackends``: the base URLs, a configured ``Backends``, tokens for the
demo advisors, and fault switches. pytest users get the same through the
``advisor_mock`` fixture (``advisor_tui.pytest_plugin``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from advisor_tui.clients import IN_PROCESS_BASE_URL, Backends
from advisor_tui.config.settings import ENV_PREFIX, TOKEN_ENV, Settings
from advisor_tui.contract import Advisor, Backend, FaultSpec, Role, routes
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.flags import parse_fault_flags
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.server import BackgroundServer
from advisor_tui.mock.state import MockState
from advisor_tui.scripting import demo_token

FaultsArg = Mapping[Backend | str, FaultSpec | Mapping[str, Any]] | Iterable[str]
"""Faults to start with: ``{"customers": {"error_rate": 0.3}}`` (a backend name,
or ``"all"``, to a ``FaultSpec`` or its fields), or the command line's flag form,
``["customers=errors:0.3", "faults=hang"]``."""


def _targets(backend: Backend | str) -> list[Backend]:
    if backend == "all":
        return list(Backend)
    return [Backend(backend)]


def _initial_faults(faults: FaultsArg | None) -> dict[Backend, FaultSpec]:
    if faults is None:
        return {}
    if isinstance(faults, Mapping):
        specs: dict[Backend, FaultSpec] = {}
        for name, spec in faults.items():
            value = spec if isinstance(spec, FaultSpec) else FaultSpec.model_validate(spec)
            specs.update(dict.fromkeys(_targets(name), value))
        return specs
    if isinstance(faults, str):
        faults = [faults]
    return parse_fault_flags((), faults)


@dataclass
class MockBackends:
    """Running mock backends: where they are, how to call them, and their fault switches."""

    state: MockState
    """The scenario data and fault table the mock serves (yours to read or change)."""
    app: FastAPI
    base_url: str
    """The mock's root URL; each backend is under ``/<backend>`` below it."""
    transport: httpx.AsyncBaseTransport | None
    """The in-process transport clients must use, or None over loopback."""
    role: Role = Role.ADVISOR
    """Whom ``backends`` signs in as."""
    _backends: Backends | None = field(default=None, repr=False)

    @property
    def in_process(self) -> bool:
        return self.transport is not None

    @property
    def urls(self) -> dict[Backend, str]:
        """Each backend's base URL, as a deployment's config would name them."""
        return {b: self.base_url + routes.PREFIXES[b] for b in Backend}

    def token(self, role: Role | None = None) -> str:
        """A bearer token for ``role`` (default ``self.role``): the demo's own when the
        scenarios have it, else the first advisor with that role in your scenario files."""
        wanted = role or self.role
        demo = demo_token(wanted)
        if demo in self.state.advisors:
            return demo
        for token, advisor in self.state.advisors.items():
            if advisor.role is wanted:
                return token
        raise LookupError(f"the scenarios have no advisor with role {wanted.value!r}")

    def advisor(self, role: Role | None = None) -> Advisor:
        """Who that token signs in as (their id, team and permissions)."""
        return self.state.advisors[self.token(role)]

    def settings(self, role: Role | None = None, **overrides: Any) -> Settings:
        """Settings pointing at this mock, signed in as ``role``.

        Over loopback every backend URL is set, as in a deployment; in process
        no URL is set and clients need ``transport`` (``connect`` does that).
        ``overrides`` are further settings, e.g. ``timeouts={"read": 0.5}``.
        """
        values: dict[str, Any] = {"token": SecretStr(self.token(role)), **overrides}
        if not self.in_process:
            values.setdefault("backends", {b.value: {"url": u} for b, u in self.urls.items()})
        return Settings.model_validate(values)

    def connect(
        self,
        role: Role | None = None,
        *,
        settings: Settings | None = None,
        display_safe: bool = True,
    ) -> Backends:
        """A new ``Backends`` on this mock; close it (``async with``) when done.

        ``display_safe=False``: strings exactly as served (see ``BackendHttp``)."""
        chosen = settings or self.settings(role)
        if self.in_process:
            return Backends.from_settings(chosen, self.transport, display_safe=display_safe)
        # No kept-alive connections: a Backends made here may be used from one
        # asyncio.run after another (each has its own loop) without a stale socket.
        transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
        return Backends.from_settings(chosen, transport, display_safe=display_safe)

    @property
    def backends(self) -> Backends:
        """One ``Backends`` signed in as ``role``, made on first use, closed on exit."""
        if self._backends is None:
            self._backends = self.connect()
        return self._backends

    def env(self, role: Role | None = None) -> dict[str, str]:
        """Environment variables that point a program (the app, ``advisor-tui call``,
        a script) at this mock over loopback; needs ``loopback=True``."""
        if self.in_process:
            raise RuntimeError("an in-process mock has no URL another process can use")
        values = {f"{ENV_PREFIX}BACKENDS__{b.name}__URL": u for b, u in self.urls.items()}
        values[TOKEN_ENV] = self.token(role)
        return values

    # -- faults --------------------------------------------------------------------------

    def set_fault(
        self, backend: Backend | str, spec: FaultSpec | None = None, **fields: Any
    ) -> None:
        """Replace the fault injection of ``backend`` (or ``"all"``), from the next call.

        ``set_fault("faults", hang=True)``, ``set_fault("all", latency_ms=200)``,
        or a whole ``FaultSpec``; ``set_fault("customers")`` makes it healthy.
        """
        value = spec if spec is not None else FaultSpec.model_validate(fields)
        for target in _targets(backend):
            self.state.faults[target] = value

    def clear_faults(self) -> None:
        """Every backend healthy again."""
        self.set_fault("all")

    @contextmanager
    def fault(
        self, backend: Backend | str, spec: FaultSpec | None = None, **fields: Any
    ) -> Iterator[None]:
        """``with mock.fault("faults", hang=True): ...``: a fault for one block only."""
        before = dict(self.state.faults)
        self.set_fault(backend, spec, **fields)
        try:
            yield
        finally:
            self.state.faults.clear()
            self.state.faults.update(before)

    def faults(self) -> dict[Backend, FaultSpec]:
        """The fault injection in force now, per backend."""
        return {b: self.state.faults.get(b, FaultSpec()) for b in Backend}


class mock_backends:  # noqa: N801 - used like a function, as contextlib's are
    """Start the mock backends for a ``with`` (or ``async with``) block.

    ``scenarios``: extra scenario files (JSON or TOML, see the mock's scenario
    README); ``seed_scenarios=False`` leaves the bundled ones out. ``faults``:
    see ``FaultsArg``. The mock's clock is pinned to the scenarios' own story
    (the seed's Thu 12 Jun 2025, running on from there), so answers never depend
    on the real date; ``now`` replays the story in the week nearest that moment
    instead (whole weeks, weekdays and UK times of day kept); ``seed`` seeds the fault
    dice. ``loopback=True`` serves on 127.0.0.1 with a free port instead of in
    process. ``decisions_db`` keeps the decisions backend in that SQLite file
    (default: in memory). ``role`` is whom ``mock.backends`` signs in as.
    """

    def __init__(
        self,
        scenarios: Iterable[str | os.PathLike[str]] = (),
        *,
        faults: FaultsArg | None = None,
        seed_scenarios: bool = True,
        now: datetime | None = None,
        seed: int = 0,
        loopback: bool = False,
        decisions_db: str | os.PathLike[str] | None = None,
        role: Role = Role.ADVISOR,
    ) -> None:
        self._scenarios = [Path(p) for p in scenarios]
        self._faults = faults
        self._seed_scenarios = seed_scenarios
        self._now = now
        self._seed = seed
        self._loopback = loopback
        self._decisions_db = Path(decisions_db) if decisions_db is not None else None
        self._role = role
        self._server: BackgroundServer | None = None
        self._mock: MockBackends | None = None

    def start(self) -> MockBackends:
        state = load_state(
            self._scenarios, include_seed=self._seed_scenarios, as_of=self._now, seed=self._seed
        )
        state.faults.update(_initial_faults(self._faults))
        # The same composition `advisor-tui demo` runs: the mock plus the actions service.
        app = create_demo_app(state, decisions_db=self._decisions_db)
        if self._loopback:
            self._server = BackgroundServer(app)
            self._server.start()
            base_url, transport = self._server.base_url, None
        else:
            base_url, transport = IN_PROCESS_BASE_URL, httpx.ASGITransport(app=app)
        self._mock = MockBackends(state, app, base_url, transport, self._role)
        return self._mock

    def stop(self) -> None:
        # ``mock.backends`` keeps no connection open (in process there is none;
        # over loopback keep-alive is off), so a plain ``with`` leaks nothing.
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._mock = None

    async def astop(self) -> None:
        if self._mock is not None and self._mock._backends is not None:
            await self._mock._backends.aclose()
        self.stop()

    def __enter__(self) -> MockBackends:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> MockBackends:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.astop()


__all__ = ["FaultsArg", "MockBackends", "demo_token", "mock_backends"]
