"""``advisor-tui web``: the app served to a browser, one process per session."""

from __future__ import annotations

import argparse
from typing import Any

from advisor_tui.cli._common import UsageError, _settings, _store_path


def add_web_parser(sub: Any) -> None:
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
