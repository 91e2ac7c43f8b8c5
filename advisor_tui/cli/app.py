"""The app itself: ``advisor-tui run`` against the configured backends (or a
mock server), and ``advisor-tui demo`` against in-process mock backends."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from advisor_tui.cli._common import DEMO_TOKENS, UsageError, _settings, _store_path
from advisor_tui.cli.mock import add_fault_flags, add_tmf_flag, mock_state
from advisor_tui.config import ConfigError, Protocol, Settings
from advisor_tui.contract import Backend, Role
from advisor_tui.formatting import day
from advisor_tui.startup import remember_checked

if TYPE_CHECKING:
    from advisor_tui.session import Session


def add_app_parsers(sub: Any) -> None:
    sub.add_parser("run", help="run the app against the configured backends (the default)")

    demo = sub.add_parser(
        "demo", help="run the app against in-process mock backends with the seed scenarios"
    )
    add_fault_flags(demo, "demo-mock-decisions.sqlite3 beside the demo's decision log, so it lasts")
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
    add_tmf_flag(demo)
    demo.add_argument(
        "--fresh",
        action="store_true",
        help="start with no decisions: a new, private decision log for this run only "
        "(deleted when it ends), instead of the demo log shared by every demo",
    )


def _open_session(
    settings: Settings,
    *,
    base_url: str | None,
    mode: Any,
    store_path: Path,
    warnings: list[str] | None = None,
    echo: bool = True,
) -> Session:
    """The app's session: keymap checked, decision log open, clients made. A
    warning goes to stderr too unless ``echo`` is off (the app has the terminal)."""
    from advisor_tui.app import validate_session_keymap
    from advisor_tui.clients import Backends
    from advisor_tui.session import Session
    from advisor_tui.store.decisions import open_for_app

    try:
        keymap = validate_session_keymap(settings.keymap)
    except ValueError as error:
        raise UsageError(f"config: {error}") from None
    store, damaged = open_for_app(store_path)
    warnings = [*(warnings or []), *([damaged] if damaged else [])]
    if damaged and echo:
        print(f"warning: {damaged}", file=sys.stderr)
    backends = Backends.from_settings(settings, base_url=base_url)
    return Session(
        backends=backends,
        mode=mode,
        keymap=keymap,
        settings=settings,
        store=store,
        startup_warnings=warnings,
    )


Opener = Callable[[argparse.Namespace, ExitStack, bool], "Session"]
"""Opens a command's session: (args, what to close when the app ends, echo)."""


def _run(args: argparse.Namespace, opener: Opener) -> int:
    from advisor_tui.app import AdvisorApp

    with ExitStack() as stack:
        session = opener(args, stack, True)
        checked_as = getattr(args, "checked_as", None)
        if checked_as is not None:
            # Checked in full: the next start on the same config paints first.
            remember_checked(checked_as)
        app = AdvisorApp(session)
        app.run()
    return app.return_code or 0


def open_checked(words: list[str], stack: ExitStack) -> Session:
    """What ``advisor-tui <words>`` opens, for a config checked before: opened
    by the app just after its first frame, on another thread, saying nothing on
    stderr (``advisor_tui.startup``). What would exit 2 raises ``StartupFailed``."""
    from advisor_tui.app import StartupFailed
    from advisor_tui.cli import build_parser

    args = build_parser(services=False, call=False).parse_args(words)
    opener = _open_demo if args.command == "demo" else _open_run
    try:
        return opener(args, stack, False)
    except (ConfigError, UsageError) as error:
        raise StartupFailed(str(error)) from None


def cmd_run(args: argparse.Namespace) -> int:
    return _run(args, _open_run)


def _open_run(args: argparse.Namespace, stack: ExitStack, echo: bool) -> Session:
    settings = _settings(args, echo=echo)
    if settings.is_demo:
        args.scenario, args.seed, args.latency, args.fault = [], 0, [], []
        args.as_of = None
        args.decisions_db, args.role = None, Role.ADVISOR.value
        return _open_demo(args, stack, echo, label="DEMO (no backends configured)")
    from advisor_tui.session import LIVE, RunKind, RunMode

    if settings.mock_url is not None:
        store_path = _store_path(settings, demo=False)
        # A mock is styled as the demo is: nothing decided there is real.
        mode = RunMode(RunKind.DEMO, f"MOCK ({settings.mock_url})", decision_log=store_path)
        return _open_session(
            _with_demo_token(settings, echo),
            base_url=None,
            mode=mode,
            store_path=store_path,
            echo=echo,
        )
    return _open_session(
        settings,
        base_url=None,
        mode=LIVE,
        store_path=_store_path(settings, demo=False),
        warnings=args.startup_warnings,
        echo=echo,
    )


def _with_demo_token(settings: Settings, echo: bool) -> Settings:
    """Against a mock server with no token configured, sign in as the demo advisor
    (the tokens are in the mock's advisors.json), as ``advisor-tui call`` does."""
    if settings.token is not None:
        return settings
    token = DEMO_TOKENS[Role.ADVISOR]
    if echo:
        print(
            f"mock: signing in as the demo advisor ({token}); set ADVISOR_TUI_TOKEN to "
            f"demo-team-lead or demo-supervisor for another role",
            file=sys.stderr,
        )
    return settings.model_copy(update={"token": SecretStr(token)})


def cmd_demo(args: argparse.Namespace) -> int:
    return _run(args, _open_demo)


def _open_demo(
    args: argparse.Namespace, stack: ExitStack, echo: bool, label: str = "DEMO (mock backends)"
) -> Session:
    import tempfile

    from advisor_tui.demo import create_demo_app
    from advisor_tui.mock.server import BackgroundServer
    from advisor_tui.services.actions.serve import rules_from
    from advisor_tui.session import RunKind, RunMode

    protocol = getattr(args, "protocol", None)
    speaks = {"protocol": protocol} if protocol else None
    settings = _settings(
        args,
        echo=echo,
        token=SecretStr(DEMO_TOKENS[Role(args.role)]),
        backends={"customers": speaks, "faults": speaks} if speaks else None,
    )
    if protocol == Protocol.TMF.value:
        label = label.replace(")", ", TM Forum APIs)")
    state = mock_state(args)
    # The demo's clock is the story's (see advisor_tui.mock.scenario): say which day it is.
    story_date = day(settings.display.times.local(state.clock()).date())
    label += f" · story date {story_date}"
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
    if echo:
        print(f"demo: mock backends and the actions service on {server.base_url}", file=sys.stderr)
        print(f"demo: decisions logged in {store_path}", file=sys.stderr)
    mode = RunMode(RunKind.DEMO, label, decision_log=store_path, story_date=story_date)
    # Sign in as the real flow does: the demo credential buys a signed JWT
    # from the identity backend, which every backend then verifies.
    token = _demo_signed_token(server.base_url, DEMO_TOKENS[Role(args.role)])
    # The settings read above, with the signed token: read again, the config
    # would lose --protocol (an override) and say its warnings twice.
    settings = settings.model_copy(update={"token": token})
    return _open_session(
        settings,
        base_url=server.base_url,
        mode=mode,
        store_path=store_path,
        warnings=getattr(args, "startup_warnings", []),
        echo=echo,
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
