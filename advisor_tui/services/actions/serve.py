"""``advisor-tui serve actions``: run the actions service over HTTP.

Configured like the app: the config file, then ``ADVISOR_TUI_*`` environment,
then flags. The service reads the customers, faults and identity backends named
in the ``[backends]`` section (or ``--upstream`` for one mock-style server with
``/<backend>`` prefixes, such as ``advisor-tui mock serve``), with the same
timeouts and retry policy as the app; and, when one is configured, asks the
decisions backend (as the caller) what compensation was already given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from advisor_tui.config import ConfigError, Protocol, Settings
from advisor_tui.contract import Backend, routes
from advisor_tui.services.actions.regulation import RateReading
from advisor_tui.services.actions.service import ActionsService, ClientOptions, Upstreams
from advisor_tui.services.actions.situation import RuleSettings
from advisor_tui.services.actions.tables import TablesError, load_tables

DEFAULT_PORT = 8766
DEFAULT_DEADLINE_S = 3.0
"""Below the app's default client timeout (2 s connect + 5 s read), so a slow
faults backend gives the app a partial answer rather than a timeout."""


UPSTREAM_BACKENDS = (Backend.CUSTOMERS, Backend.FAULTS, Backend.IDENTITY, Backend.DECISIONS)
"""What the service reads: decisions only to see what was already given to a customer."""


class ServeError(Exception):
    """Bad flags or config for the service: the CLI prints it and exits 2."""


def add_parser(services: Any) -> None:
    """Add ``actions`` to the ``serve`` command's subcommands."""
    actions = services.add_parser(
        "actions",
        help="the next-actions service, computing actions from the configured backends",
    )
    actions.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    actions.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    actions.add_argument(
        "--upstream",
        default=None,
        metavar="URL",
        help="one mock-style server for customers, faults, identity and decisions "
        "(e.g. http://127.0.0.1:8765 from advisor-tui mock serve); else [backends] from config",
    )
    for backend in UPSTREAM_BACKENDS:
        actions.add_argument(
            f"--{backend.value}-url",
            default=None,
            metavar="URL",
            help=f"base URL of the {backend.value} backend (overrides config)",
        )
    actions.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_DEADLINE_S,
        metavar="SECONDS",
        help="how long to wait for the backends before answering without what is missing "
        f"(default {DEFAULT_DEADLINE_S:g}; keep it below the app's timeout)",
    )
    actions.add_argument(
        "--rates",
        type=Path,
        default=None,
        metavar="PATH",
        help="regulation tables (TOML, same layout as the shipped regulation.toml; "
        "config [rules] rates); default: the shipped tables",
    )
    actions.add_argument(
        "--rate-reading",
        choices=[r.value for r in RateReading],
        default=None,
        help="a loss spanning 1 April: each day at its own rate (each-day, the default), or "
        "every day at the rate when the problem started (at-start); config [rules] rate_reading",
    )


def upstreams_from(settings: Settings, upstream: str | None) -> Upstreams:
    def url(backend: Backend) -> str | None:
        if upstream is not None:
            return upstream.rstrip("/") + routes.PREFIXES[backend]
        configured = settings.backends.url(backend)
        return str(configured).rstrip("/") if configured is not None else None

    customers, faults = url(Backend.CUSTOMERS), url(Backend.FAULTS)
    if customers is None or faults is None:
        raise ServeError(
            "serve actions: no customers or faults backend configured; set [backends] "
            "in the config, pass --customers-url and --faults-url, or --upstream URL"
        )
    from advisor_tui.clients import http_timeout, retry_policy

    options = ClientOptions(
        timeout=http_timeout(settings), retry=retry_policy(settings), token=settings.token
    )
    return Upstreams(
        customers_url=customers,
        faults_url=faults,
        identity_url=url(Backend.IDENTITY),
        decisions_url=url(Backend.DECISIONS),
        options=options,
        tmf=frozenset(b for b in Backend if settings.backends.protocol(b) is Protocol.TMF),
    )


def rules_from(settings: Settings) -> RuleSettings:
    """The rules' settings from the config's ``[rules]`` and ``[faults]`` (flags applied)."""
    try:
        tables = load_tables(settings.rules.rates)
    except TablesError as error:
        raise ConfigError(f"rates (--rates or [rules] rates): {error}") from None
    return RuleSettings(
        tables=tables,
        rate_reading=RateReading(settings.rules.rate_reading),
        resolved_within_days=settings.faults.resolved_within_days,
    )


def build_service(settings: Settings, args: argparse.Namespace) -> ActionsService:
    if not args.deadline > 0:
        raise ServeError("serve actions: --deadline must be more than 0 seconds")
    return ActionsService(
        upstreams=upstreams_from(settings, args.upstream),
        rules=rules_from(settings),
        deadline=args.deadline,
    )


def settings_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Flags as ``load_settings`` overrides (None where not given)."""
    backends = {
        b.value: {"url": getattr(args, f"{b.value}_url")}
        for b in UPSTREAM_BACKENDS
        if getattr(args, f"{b.value}_url") is not None
    }
    rules = {
        key: value
        for key, value in (("rates", args.rates), ("rate_reading", args.rate_reading))
        if value is not None
    }
    return {"backends": backends or None, "rules": rules or None}


def run(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from advisor_tui.services.actions.app import create_app

    service = build_service(settings, args)
    up = service.upstreams
    print(
        f"serving actions on http://{args.host}:{args.port} (Ctrl+C stops); reading "
        f"customers {up.customers_url}, faults {up.faults_url}, "
        f"identity {up.identity_url or 'not configured'}, "
        f"decisions {up.decisions_url or 'not configured'}",
        file=sys.stderr,
    )
    uvicorn.run(create_app(service), host=args.host, port=args.port, log_level="info")
    return 0
