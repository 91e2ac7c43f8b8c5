"""The ``advisor-tui`` command line.

With no subcommand it runs the app: against the configured backends, or, when
none are configured, against the embedded demo (mock backends with the seed
scenarios on loopback), and says so in its header.

Exit status: 0 ok, 1 operation failed, 2 bad usage or bad config.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from advisor_tui import __version__
from advisor_tui.config import (
    ConfigError,
    Protocol,
    Settings,
    config_path,
    load_settings,
    render_settings,
    write_default_config,
)
from advisor_tui.contract import ApprovalState, Backend, DecisionKind, ReviewState, Role
from advisor_tui.formatting import day
from advisor_tui.mock.flags import FAULT_KINDS, FlagError, parse_fault_flags

DEMO_TOKENS = {role: f"demo-{role.value.replace('_', '-')}" for role in Role}


class UsageError(Exception):
    """Bad flags or config: exit status 2 with the message, never a traceback."""


def _port(text: str) -> int:
    """argparse type: a TCP port, or 0 for any free one."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (1-65535, or 0 for any free one)")
    return port


def _mock_url(text: str) -> str:
    """argparse type: the root URL of a mock-style server, e.g. http://127.0.0.1:8765."""
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an http(s) URL, e.g. http://127.0.0.1:8765"
        )
    return text


def _add_fault_flags(parser: argparse.ArgumentParser, decisions_db_default: str) -> None:
    parser.add_argument(
        "--scenario",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="extra scenario file (JSON or TOML); repeatable",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed for faults (default 0)")
    parser.add_argument(
        "--as-of",
        type=_story_week,
        default=None,
        metavar="YYYY-MM-DD",
        help="replay the scenarios in the week nearest this date, keeping weekdays and times "
        "of day (default: the scenarios' own dates, so figures never change)",
    )
    parser.add_argument(
        "--latency",
        action="append",
        default=[],
        metavar="BACKEND=MS[+JITTER]",
        help="add latency to a backend ('all' for every one), e.g. faults=300+100",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="BACKEND=KIND[:RATE]",
        help=f"inject a fault; KIND is one of {', '.join(FAULT_KINDS)}, e.g. customers=errors:0.3",
    )
    parser.add_argument(
        "--decisions-db",
        type=Path,
        default=None,
        metavar="PATH",
        help="keep the mock decisions backend in this SQLite file "
        f"(default: {decisions_db_default})",
    )


def _add_tmf_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tmf-no-extensions",
        action="store_true",
        help="the mock's TMF answers leave out our extensions (ETA history, circumstances, "
        "price changes), like a standard-only vendor",
    )


def build_parser(*, services: bool = True) -> argparse.ArgumentParser:
    """Every command's parser; ``services=False`` leaves out the ``serve`` services' own
    flags, whose modules (a PostgreSQL driver among them) cost the app's cold start
    ~60 ms for nothing: ``main`` adds them only when ``serve`` is on the command line."""
    parser = argparse.ArgumentParser(
        prog="advisor-tui",
        description="One terminal screen for contact-centre advisors. "
        "With no command, runs the app (the demo if no backends are configured).",
    )
    parser.add_argument("--version", action="version", version=f"advisor-tui {__version__}")
    parser.add_argument("--config", type=Path, default=None, metavar="PATH", help="config file")
    parser.add_argument(
        "--mock-url",
        type=_mock_url,
        default=None,
        metavar="URL",
        help="use a running 'advisor-tui mock serve' at URL (its root, e.g. "
        "http://127.0.0.1:8765) for every backend, in the app and the decisions commands; "
        "mock_url in the config file, ADVISOR_TUI_MOCK_URL in the environment",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("run", help="run the app against the configured backends (the default)")

    demo = sub.add_parser(
        "demo", help="run the app against in-process mock backends with the seed scenarios"
    )
    _add_fault_flags(
        demo, "demo-mock-decisions.sqlite3 beside the demo's decision log, so it lasts"
    )
    demo.add_argument(
        "--role",
        choices=[r.value for r in Role],
        default=Role.ADVISOR.value,
        help="sign in as a demo advisor, team lead or supervisor (default advisor)",
    )
    demo.add_argument(
        "--protocol",
        choices=[p.value for p in Protocol],
        default=None,
        help="what the customers and faults backends speak: native (default) or tmf "
        "(TM Forum Open API v4, served by the same mock)",
    )
    _add_tmf_flag(demo)
    demo.add_argument(
        "--fresh",
        action="store_true",
        help="start with no decisions: a new, private decision log for this run only "
        "(deleted when it ends), instead of the demo log shared by every demo",
    )

    mock = sub.add_parser("mock", help="the mock backends")
    mock_sub = mock.add_subparsers(dest="mock_command", metavar="COMMAND", required=True)
    serve = mock_sub.add_parser("serve", help="serve the mock backends over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=8765, help="port (default 8765; 0 picks a free one)"
    )
    serve.add_argument(
        "--backends",
        default="all",
        metavar="LIST",
        help="comma-separated subset to serve, e.g. customers,faults (default all)",
    )
    _add_fault_flags(serve, "in memory, gone when the server stops")
    _add_tmf_flag(serve)
    openapi = mock_sub.add_parser("openapi", help="print the OpenAPI document of the contract")
    openapi.add_argument("--indent", type=int, default=2, help="JSON indent (default 2)")

    config = sub.add_parser("config", help="the config file")
    config_sub = config.add_subparsers(dest="config_command", metavar="COMMAND", required=True)
    config_sub.add_parser("path", help="print where the config file is read from")
    config_sub.add_parser("show", help="print the effective settings (secrets masked)")
    init = config_sub.add_parser("init", help="write a commented config file (mode 0600)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    _add_decisions_parser(sub)
    _add_web_parser(sub)
    from advisor_tui.scripting.call import add_call_parser

    add_call_parser(sub)
    serve = sub.add_parser("serve", help="run a deployable backend service")
    serve_sub = serve.add_subparsers(dest="serve_command", metavar="SERVICE", required=True)
    if not services:
        return parser
    from advisor_tui.services.actions import serve as serve_actions
    from advisor_tui.services.decisions import cli as decisions_service

    serve_actions.add_parser(serve_sub)
    decisions_service.add_parser(serve_sub)
    return parser


def _add_web_parser(sub: Any) -> None:
    web = sub.add_parser(
        "web",
        help="serve the app to a browser (one app process per browser session)",
        description="Serve the advisor screen to a browser with textual-serve. Binds to "
        "127.0.0.1; any other address needs --trusted-proxy, an authenticating reverse "
        "proxy in front (see 'Browser mode' in the README).",
    )
    web.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    web.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks one)")
    web.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL browsers use, when it is not http://HOST:PORT (e.g. behind a proxy)",
    )
    web.add_argument(
        "--demo", action="store_true", help="each session runs the demo ('advisor-tui demo')"
    )
    web.add_argument(
        "--max-sessions",
        type=int,
        default=8,
        metavar="N",
        help="most browser sessions at once, each its own app process (default 8)",
    )
    web.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="another page origin (scheme://host[:port]) allowed to open sessions; repeatable",
    )
    web.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="address or network of the authenticating reverse proxy; only it may connect, "
        "and its headers name the user; repeatable",
    )
    web.add_argument(
        "--user-header",
        default="X-Forwarded-User",
        metavar="NAME",
        help="header in which the proxy names the signed-in user (default X-Forwarded-User)",
    )
    web.add_argument(
        "--token-header",
        default="X-Forwarded-Access-Token",
        metavar="NAME",
        help="header in which the proxy passes the user's bearer token "
        "(default X-Forwarded-Access-Token)",
    )


def _add_decisions_parser(sub: Any) -> None:
    decisions = sub.add_parser(
        "decisions", help="the local decision log: list, status, sync, verify, export"
    )
    decisions.add_argument(
        "--store",
        type=Path,
        default=None,
        metavar="PATH",
        help="decision store file (default: the one in the user data directory)",
    )
    decisions.add_argument(
        "--demo", action="store_true", help="use the demo's decision store instead of the live one"
    )
    dsub = decisions.add_subparsers(dest="decisions_command", metavar="COMMAND", required=True)
    kinds = [k.value for k in DecisionKind]
    listing = dsub.add_parser("list", help="list recorded decisions, newest first")
    listing.add_argument("--customer", help="only this customer id")
    listing.add_argument("--kind", choices=kinds, help="only this kind")
    listing.add_argument("--status", choices=["pending", "delivered", "rejected"])
    listing.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    dsub.add_parser("status", help="pending count and the last delivery error")
    sync = dsub.add_parser("sync", help="deliver pending decisions now; exit 1 if any remain")
    sync.add_argument(
        "--base-url",
        "--mock-url",
        dest="base_url",
        type=_mock_url,
        default=None,
        metavar="URL",
        help="deliver to a running 'advisor-tui mock serve' at URL (its root) instead of config",
    )
    verify = dsub.add_parser(
        "verify", help="check the hash chain; exit 1 naming the first broken record"
    )
    verify.add_argument(
        "--server",
        default=None,
        metavar="URL",
        help="also compare with the decisions service's chain at URL, sequence by sequence",
    )
    audit = dsub.add_parser(
        "audit", help="have the decisions service recompute every advisor's chain (reviewers)"
    )
    audit.add_argument("--server", required=True, metavar="URL", help="the decisions service")
    export = dsub.add_parser(
        "export",
        help="export decisions as CSV or JSON Lines, from the local log or the decisions backend",
    )
    export.add_argument("--format", choices=["csv", "jsonl"], default="csv", help="default csv")
    export.add_argument("--output", type=Path, default=None, metavar="PATH", help="default stdout")
    export.add_argument(
        "--source",
        choices=["local", "server"],
        default="local",
        help="local: this machine's log (default); server: the decisions backend, as a "
        "supervisor sees it, with the review screen's filters",
    )
    export.add_argument(
        "--base-url",
        "--mock-url",
        dest="base_url",
        type=_mock_url,
        default=None,
        metavar="URL",
        help="server: a running 'advisor-tui mock serve' at URL (its root) instead of config",
    )
    export.add_argument("--customer", help="only this customer id")
    export.add_argument("--kind", choices=kinds, help="only this kind")
    export.add_argument("--status", choices=["pending", "delivered", "rejected"], help="local only")
    export.add_argument("--advisor", help="server: only this advisor id")
    export.add_argument("--team", help="server: only this team")
    export.add_argument("--step", help="server: only this process step id")
    export.add_argument("--reason", help="server: only this reason code")
    export.add_argument(
        "--needs-approval", action="store_true", default=None, help="server: only those"
    )
    export.add_argument(
        "--approval", choices=[a.value for a in ApprovalState], help="server: approval state"
    )
    export.add_argument(
        "--review-state", choices=[r.value for r in ReviewState], help="server: review state"
    )
    export.add_argument("--since", metavar="YYYY-MM-DD", help="server: from this day")
    export.add_argument("--until", metavar="YYYY-MM-DD", help="server: to this day, inclusive")


def cmd_decisions(args: argparse.Namespace) -> int:
    from advisor_tui.store import cli as store_cli

    settings = _settings(args)
    store_path = args.store or _store_path(settings, demo=args.demo)
    command = args.decisions_command
    reads_store = not (command == "export" and args.source == "server")
    if args.store is not None and reads_store and not args.store.exists():
        # A path given by hand that is not there is a mistake (a typo, a
        # missing mount), not an empty log: say so instead of reporting nothing.
        raise UsageError(f"decisions {command}: no decision store at {args.store}")
    if command == "list":
        return store_cli.cmd_list(
            store_path,
            args.customer,
            args.kind,
            args.status,
            sys.stdout,
            limit=args.limit,
            times=settings.display.times,
        )
    if command == "status":
        return store_cli.cmd_status(store_path, sys.stdout, times=settings.display.times)
    if command == "verify":
        local = store_cli.cmd_verify(store_path, sys.stdout)
        if args.server is None or local == store_cli.EXIT_USAGE:
            return local
        server = store_cli.cmd_verify_server(store_path, _service_client(args.server, settings))
        return max(local, server)
    if command == "audit":
        return store_cli.cmd_audit(_service_client(args.server, settings))
    if command == "export" and args.source == "server":
        return _export_from_server(args, settings)
    if command == "export":
        return store_cli.cmd_export(
            store_path,
            args.format,
            args.output,
            sys.stdout,
            customer=args.customer,
            kind=args.kind,
            status=args.status,
        )

    return store_cli.cmd_sync(store_path, lambda: _decisions_client(args, settings), sys.stdout)


def _decisions_client(args: argparse.Namespace, settings: Settings) -> Any:
    from advisor_tui.clients import Backends

    if args.base_url is None and settings.is_demo:
        raise UsageError(
            f"decisions {args.decisions_command}: no decisions backend configured; pass "
            "--mock-url (e.g. a running advisor-tui mock serve), or use the demo's screens"
        )
    return Backends.from_settings(settings, base_url=args.base_url).decisions


def _service_client(url: str, settings: Settings) -> Any:
    """A client for the decisions service at ``url`` itself (not a mock-style base)."""
    from advisor_tui.clients import DecisionsClient, http_timeout, retry_policy

    return DecisionsClient(
        url, token=settings.token, timeout=http_timeout(settings), retry=retry_policy(settings)
    )


def _export_from_server(args: argparse.Namespace, settings: Settings) -> int:
    """Stream the backend's decisions page by page (memory stays flat), written
    beside the target and renamed at the end so a failed export leaves no file."""
    import asyncio

    from advisor_tui.clients import BackendError
    from advisor_tui.store.export import open_export
    from advisor_tui.supervision import DecisionQuery, day_bounds, export_server, parse_day

    try:
        since, until = day_bounds(
            parse_day(args.since or "", "since"), parse_day(args.until or "", "until")
        )
    except ValueError as error:
        raise UsageError(f"decisions export: {error}") from None
    query = DecisionQuery(
        advisor_id=args.advisor,
        team=args.team,
        customer_id=args.customer,
        kind=DecisionKind(args.kind) if args.kind else None,
        step_id=args.step,
        reason_code=args.reason,
        needs_approval=args.needs_approval,
        approval=ApprovalState(args.approval) if args.approval else None,
        review_state=ReviewState(args.review_state) if args.review_state else None,
        since=since,
        until=until,
    )
    client = _decisions_client(args, settings)

    async def run(out: Any) -> int:
        try:
            rows: int = await export_server(client, query, args.format, out)
            return rows
        finally:
            await client.aclose()

    try:
        if args.output is None:
            rows = asyncio.run(run(sys.stdout))
        else:
            with open_export(args.output.resolve()) as out:
                rows = asyncio.run(run(out))
    except BackendError as error:
        print(f"decisions export: {error}", file=sys.stderr)
        return 1
    print(f"exported {rows} decisions ({query.describe() or 'no filters'})", file=sys.stderr)
    return 0


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    overrides.setdefault("mock_url", getattr(args, "mock_url", None))
    settings, warnings = load_settings(args.config, **overrides)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    # The app's alternate screen hides stderr: it shows these again itself.
    args.startup_warnings = warnings
    return settings


def _story_week(text: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), time(12), tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-04-08") from None


def _mock_state(args: argparse.Namespace) -> Any:
    from advisor_tui.mock.scenario import ScenarioError, load_state

    try:
        state = load_state(args.scenario, seed=args.seed, as_of=args.as_of)
        state.faults.update(parse_fault_flags(args.latency, args.fault))
        state.tmf_extensions = not getattr(args, "tmf_no_extensions", False)
    except (ScenarioError, FlagError) as error:
        raise UsageError(str(error)) from None
    return state


def _run_app(
    settings: Settings,
    *,
    base_url: str | None,
    mode: Any,
    store_path: Path,
    warnings: list[str] | None = None,
) -> int:
    from advisor_tui.app import AdvisorApp, validate_session_keymap
    from advisor_tui.clients import Backends
    from advisor_tui.session import Session
    from advisor_tui.store.decisions import open_for_app

    try:
        keymap = validate_session_keymap(settings.keymap)
    except ValueError as error:
        raise UsageError(f"config: {error}") from None
    store, damaged = open_for_app(store_path)
    warnings = [*(warnings or []), *([damaged] if damaged else [])]
    if damaged:
        print(f"warning: {damaged}", file=sys.stderr)
    backends = Backends.from_settings(settings, base_url=base_url)
    session = Session(
        backends=backends,
        mode=mode,
        keymap=keymap,
        settings=settings,
        store=store,
        startup_warnings=warnings,
    )
    AdvisorApp(session).run()
    return 0


def _store_path(settings: Settings, *, demo: bool) -> Path:
    from advisor_tui.store.decisions import default_store_path

    path = default_store_path(settings.data_dir)
    # The demo's decisions go to a log of their own, never mixed with live ones;
    # so do those made against a mock server (mock_url).
    if demo:
        return path.with_name(f"demo-{path.name}")
    if settings.mock_url is not None:
        return path.with_name(f"mock-{path.name}")
    return path


def cmd_demo(args: argparse.Namespace, label: str = "DEMO (mock backends)") -> int:
    import tempfile

    from advisor_tui.demo import create_demo_app
    from advisor_tui.mock.server import BackgroundServer
    from advisor_tui.services.actions.serve import rules_from
    from advisor_tui.session import RunKind, RunMode

    protocol = getattr(args, "protocol", None)
    speaks = {"protocol": protocol} if protocol else None
    settings = _settings(
        args,
        token=SecretStr(DEMO_TOKENS[Role(args.role)]),
        backends={"customers": speaks, "faults": speaks} if speaks else None,
    )
    if protocol == Protocol.TMF.value:
        label = label.replace(")", ", TM Forum APIs)")
    state = _mock_state(args)
    # The demo's clock is the story's (see advisor_tui.mock.scenario): say which day it is.
    label += f" · story date {day(settings.display.times.local(state.clock()).date())}"
    with ExitStack() as stack:
        if getattr(args, "fresh", False):
            # A private directory: a fresh demo never wipes the log another
            # demo running at the same time is using.
            private = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="advisor-demo-")))
            store_path = private / "demo-decisions.sqlite3"
            label += ", fresh"
        else:
            store_path = _store_path(settings, demo=True)
        # The mock decisions backend keeps its log beside the demo's local store,
        # so a restarted demo (as another role) still sees what was decided.
        decisions_db = args.decisions_db or store_path.with_name("demo-mock-decisions.sqlite3")
        tmf = frozenset(b for b in Backend if settings.backends.protocol(b) is Protocol.TMF)
        app = create_demo_app(
            state,
            decisions_db=decisions_db,
            rules=rules_from(settings),
            tmf=tmf,
            insecure_demo_tokens=False,
        )
        server = stack.enter_context(BackgroundServer(app))
        print(f"demo: mock backends and the actions service on {server.base_url}", file=sys.stderr)
        print(f"demo: decisions logged in {store_path}", file=sys.stderr)
        mode = RunMode(RunKind.DEMO, label, decision_log=store_path)
        # Sign in as the real flow does: the demo credential buys a signed JWT
        # from the identity backend, which every backend then verifies.
        token = _demo_signed_token(server.base_url, DEMO_TOKENS[Role(args.role)])
        settings = _settings(args, token=token)
        return _run_app(
            settings,
            base_url=server.base_url,
            mode=mode,
            store_path=store_path,
            warnings=getattr(args, "startup_warnings", []),
        )


def _demo_signed_token(base_url: str, credential: str) -> SecretStr:
    import httpx

    from advisor_tui.contract import TokenGrant, routes

    response = httpx.post(
        base_url + routes.PREFIXES[Backend.IDENTITY] + routes.TOKEN,
        headers={"Authorization": f"Bearer {credential}"},
        timeout=10,
    )
    response.raise_for_status()
    return SecretStr(TokenGrant.model_validate_json(response.content).access_token)


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.is_demo:
        args.scenario, args.seed, args.latency, args.fault = [], 0, [], []
        args.as_of = None
        args.decisions_db, args.role = None, Role.ADVISOR.value
        return cmd_demo(args, label="DEMO (no backends configured)")
    from advisor_tui.session import LIVE, RunKind, RunMode

    if settings.mock_url is not None:
        store_path = _store_path(settings, demo=False)
        # A mock is styled as the demo is: nothing decided there is real.
        mode = RunMode(RunKind.DEMO, f"MOCK ({settings.mock_url})", decision_log=store_path)
        return _run_app(_with_demo_token(settings), base_url=None, mode=mode, store_path=store_path)
    return _run_app(
        settings,
        base_url=None,
        mode=LIVE,
        store_path=_store_path(settings, demo=False),
        warnings=args.startup_warnings,
    )


def _with_demo_token(settings: Settings) -> Settings:
    """Against a mock server with no token configured, sign in as the demo advisor
    (the tokens are in the mock's advisors.json), as ``advisor-tui call`` does."""
    if settings.token is not None:
        return settings
    token = DEMO_TOKENS[Role.ADVISOR]
    print(
        f"mock: signing in as the demo advisor ({token}); set ADVISOR_TUI_TOKEN to "
        f"demo-team-lead or demo-supervisor for another role",
        file=sys.stderr,
    )
    return settings.model_copy(update={"token": SecretStr(token)})


def cmd_mock(args: argparse.Namespace) -> int:
    from advisor_tui.demo import create_demo_app

    if args.mock_command == "openapi":
        from advisor_tui.mock.scenario import load_state

        # The whole contract: the mock's backends and the actions service's routes.
        document = create_demo_app(load_state(include_seed=False)).openapi()
        print(json.dumps(document, indent=args.indent))
        return 0
    from advisor_tui.mock.server import serve

    backends: set[Backend] | None = None
    if args.backends != "all":
        try:
            backends = {Backend(name.strip()) for name in args.backends.split(",")}
        except ValueError:
            names = ", ".join(b.value for b in Backend)
            raise UsageError(f"--backends {args.backends!r}: names are {names}") from None
    state = _mock_state(args)
    # The demo's composition: the mock backends and the real actions service, so
    # one --mock-url gives the app all five backends.
    app = create_demo_app(state, backends=backends, decisions_db=args.decisions_db)

    def announce(url: str) -> None:
        # The real URL: with --port 0 the port is only known once bound.
        print(
            f"serving mock backends on {url} (Ctrl+C stops)\n"
            f"  the app:   advisor-tui --mock-url {url}\n"
            f"  decisions: advisor-tui --mock-url {url} decisions sync\n"
            f"  TM Forum APIs too: {url}/customers/tmf-api/... and {url}/faults/tmf-api/... "
            '(set protocol = "tmf" for those backends)',
            file=sys.stderr,
            flush=True,
        )

    try:
        serve(app, args.host, args.port, announce=announce)
    except OSError as error:
        print(f"mock serve: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from advisor_tui.services.actions import serve as serve_actions

    settings = _settings(args, **serve_actions.settings_overrides(args))
    try:
        return serve_actions.run(settings, args)
    except serve_actions.ServeError as error:
        raise UsageError(str(error)) from None


def cmd_config(args: argparse.Namespace) -> int:
    if args.config_command == "path":
        print(config_path(args.config))
    elif args.config_command == "show":
        print(render_settings(_settings(args)))
    else:
        path = write_default_config(config_path(args.config), force=args.force)
        print(f"wrote {path} (mode 0600)")
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    from advisor_tui.web import AdvisorWebServer, WebError, WebOptions, free_port

    settings = _settings(args)  # a bad config fails here, not in every session
    app_args: list[str] = []
    if args.config is not None:
        app_args += ["--config", str(args.config.resolve())]
    app_args.append("demo" if args.demo else "run")
    data_dir = _store_path(settings, demo=False).parent
    options = WebOptions(
        host=args.host,
        port=args.port if args.port != 0 else free_port(args.host),
        public_url=args.public_url,
        app_args=tuple(app_args),
        max_sessions=args.max_sessions,
        allowed_origins=frozenset(o.lower().rstrip("/") for o in args.allow_origin),
        trusted_proxies=frozenset(args.trusted_proxy),
        user_header=args.user_header,
        token_header=args.token_header,
        users_dir=data_dir / "web-users",
    )
    try:
        server = AdvisorWebServer(options)
    except WebError as error:
        raise UsageError(str(error)) from None
    server.serve()
    return 0


def _innermost_parser(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> argparse.ArgumentParser:
    """The parser of the (sub)command the arguments chose, e.g. that of ``mock serve``."""
    while True:
        chooser = next(
            (a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None
        )
        chosen = getattr(args, chooser.dest, None) if chooser is not None else None
        if chooser is None or chosen not in chooser.choices:
            return parser
        parser = chooser.choices[chosen]


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(services="serve" in words)
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse reports a subcommand's unknown flag with the top-level usage,
        # which does not show the flags that subcommand does take.
        _innermost_parser(parser, args).error(f"unrecognized arguments: {' '.join(unknown)}")
    command = args.command or "run"
    try:
        if command == "run":
            return cmd_run(args)
        if command == "demo":
            return cmd_demo(args)
        if command == "mock":
            return cmd_mock(args)
        if command == "config":
            return cmd_config(args)
        if command == "decisions":
            return cmd_decisions(args)
        if command == "web":
            return cmd_web(args)
        if command == "call":
            from advisor_tui.scripting.call import run_call

            return run_call(args)
        if command == "serve":
            if args.serve_command == "decisions":
                from advisor_tui.mock.scenario import load_state
                from advisor_tui.services.decisions.cli import cmd_serve_decisions

                # The wiring, not the service, knows the demo's static tokens.
                return cmd_serve_decisions(args, demo_tokens=lambda: load_state().advisors)
            return cmd_serve(args)
        parser.error(f"unknown command {command}")
    except (ConfigError, UsageError) as error:
        print(f"advisor-tui: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
