"""Scripting the backends: connect the way the app does, from a script or the shell.

``open_backends`` gives a script the same ``Backends`` the app would use: the
configured backends (config file, ``ADVISOR_TUI_*`` environment), a mock-style
server (``mock_url``, e.g. a running ``advisor-tui mock serve``), or, when no
backend is configured at all, the embedded demo mock in process, saying so on
stderr. ``advisor-tui call`` (``advisor_tui.scripting.call``) is built on it.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from pydantic import SecretStr

from advisor_tui.clients import Backends
from advisor_tui.config import Settings, load_settings
from advisor_tui.contract import Role


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def demo_token(role: Role = Role.ADVISOR) -> str:
    """The bearer token the demo signs in with for ``role``."""
    # The demo's own table, so scripts and fixtures sign in exactly as
    # `advisor-tui demo` does.
    from advisor_tui.cli._common import DEMO_TOKENS

    return DEMO_TOKENS[role]


@asynccontextmanager
async def open_backends(
    settings: Settings | None = None,
    *,
    config: Path | None = None,
    mock_url: str | None = None,
    role: Role = Role.ADVISOR,
    notice: Callable[[str], None] = _to_stderr,
) -> AsyncIterator[Backends]:
    """``async with open_backends() as backends: await backends.customers.search(...)``.

    ``settings`` default to the app's (``config`` is its ``--config``). With
    ``mock_url`` every backend is taken from that one mock-style server. The
    token is the configured one; where there is none and the backends are a
    mock (``mock_url``, or the embedded demo), the demo token for ``role``.
    ``notice`` hears which backends were chosen when it is not the obvious
    configured set (default: printed on stderr, never on stdout).
    """
    if settings is None:
        settings, warnings = load_settings(config)
        for warning in warnings:
            notice(f"warning: {warning}")
    if mock_url is None and settings.mock_url is not None:
        mock_url = str(settings.mock_url)  # the config's mock_url, as the app takes it
    if mock_url is not None:
        if settings.token is None:
            settings = settings.model_copy(update={"token": SecretStr(demo_token(role))})
        # Strings exactly as served (display_safe=False): `call` prints JSON,
        # whose escapes keep the data intact and the terminal safe.
        async with Backends.from_settings(
            settings, base_url=mock_url, display_safe=False
        ) as backends:
            yield backends
        return
    if not settings.is_demo:
        async with Backends.from_settings(settings, display_safe=False) as backends:
            yield backends
        return
    # As `advisor-tui demo` does: the demo's mock and its token for the role.
    # Imported here: the mock (FastAPI, the actions service) is only loaded
    # when it is about to run, so a script against real backends starts faster.
    from advisor_tui.testing import mock_backends

    async with mock_backends(role=role) as mock:
        # The mock's own token for the role, so however the demo signs in, so do we.
        settings = settings.model_copy(update={"token": SecretStr(mock.token(role))})
        notice(
            f"no backends configured: using the embedded demo mock (seed scenarios, "
            f"in memory) as the demo {role.value}"
        )
        async with mock.connect(settings=settings, display_safe=False) as backends:
            yield backends


__all__ = ["demo_token", "open_backends"]
