"""``advisor-tui web``'s own rules, over real HTTP in-process (no browser, no app processes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from advisor_tui.cli import main
from advisor_tui.web import (
    AdvisorWebServer,
    Visitor,
    WebError,
    WebOptions,
    identify,
    session_environment,
)


async def _client(options: WebOptions) -> TestClient[web.Request, web.Application]:
    server = AdvisorWebServer(options)
    return TestClient(TestServer(await server._make_app()))


def _ws_headers(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }


def test_any_address_but_loopback_needs_a_sign_on_proxy() -> None:
    with pytest.raises(WebError, match="--trusted-proxy"):
        WebOptions(host="0.0.0.0").validate()
    WebOptions(host="0.0.0.0", trusted_proxies=frozenset({"10.0.0.5"})).validate()


def test_cli_refuses_an_unprotected_public_bind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["web", "--host", "0.0.0.0", "--port", "8089"]) == 2
    err = capsys.readouterr().err
    assert "authenticating reverse proxy" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (WebOptions(port=70000), "--port"),
        (WebOptions(max_sessions=0), "--max-sessions"),
        (WebOptions(host="::", trusted_proxies=frozenset({"proxy.example"})), "not an IP"),
        (WebOptions(allowed_origins=frozenset({"https://a.example/path"})), "scheme://host"),
        (WebOptions(public_url="ftp://x"), "http"),
    ],
)
def test_bad_settings_are_named(options: WebOptions, message: str) -> None:
    with pytest.raises(WebError, match=message):
        options.validate()


def test_loopback_origins_are_the_pages_own() -> None:
    origins = WebOptions(port=8123).origins()
    assert "http://127.0.0.1:8123" in origins and "http://localhost:8123" in origins
    assert "http://127.0.0.1:9999" not in origins
    public = WebOptions(
        host="10.1.2.3",
        public_url="https://advisor.example.com/",
        trusted_proxies=frozenset({"10.1.2.0/24"}),
    )
    assert public.origins() == {"https://advisor.example.com"}


def test_behind_a_proxy_only_the_proxy_may_name_the_user() -> None:
    options = WebOptions(host="10.0.0.2", trusted_proxies=frozenset({"10.0.0.0/29"}))
    good = {"X-Forwarded-User": "sam.carter", "X-Forwarded-Access-Token": "t0k"}
    assert identify(options, "10.0.0.1", good, demo=False) == Visitor("sam.carter", "t0k")
    with pytest.raises(web.HTTPForbidden):
        identify(options, "10.0.0.9", good, demo=False)  # not the proxy
    with pytest.raises(web.HTTPForbidden):
        identify(options, "10.0.0.1", {**good, "X-Forwarded-User": "../../etc"}, demo=False)
    with pytest.raises(web.HTTPUnauthorized):
        identify(options, "10.0.0.1", {"X-Forwarded-User": "sam"}, demo=False)
    assert identify(options, "10.0.0.1", {"X-Forwarded-User": "sam"}, demo=True).token is None
    # On loopback without a proxy the session runs as the server's own user.
    assert identify(WebOptions(), "127.0.0.1", {}, demo=False) == Visitor()


def test_a_visitor_never_inherits_the_servers_token(tmp_path: Path) -> None:
    base = {
        "PATH": "/usr/bin",
        "ADVISOR_TUI_TOKEN": "server-secret",
        "CRM_ACCESS_TOKEN": "server-secret-2",
        "ADVISOR_TUI_BACKENDS__FAULTS__URL": "https://faults.example",
    }
    env = session_environment(base, Visitor("sam.carter", "sams-token"), tmp_path)
    assert env["ADVISOR_TUI_TOKEN"] == "sams-token"
    assert "CRM_ACCESS_TOKEN" not in env
    assert env["ADVISOR_TUI_DATA_DIR"] == str(tmp_path / "sam.carter")
    assert env["ADVISOR_TUI_BACKENDS__FAULTS__URL"] == "https://faults.example"
    # Without a proxy the session is the server's user: the environment is theirs.
    assert session_environment(base, Visitor(), tmp_path) == base
    assert "sams-token" not in repr(Visitor("sam", "sams-token"))


async def test_page_headers_and_no_static_listing() -> None:
    async with await _client(WebOptions()) as client:
        page = await client.get("/")
        assert page.status == 200
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Cache-Control"] == "no-store"
        assert (await client.get("/static/")).status in {403, 404}
        assert (await client.get("/static/js/textual.js")).status == 200
        assert (await client.get("/download/anything")).status == 404


async def test_another_origin_cannot_open_a_session() -> None:
    async with await _client(WebOptions()) as client:
        for origin in ("http://evil.example", "http://127.0.0.1:1", ""):
            response = await client.get("/ws", headers=_ws_headers(origin))
            assert response.status == 403, origin


async def test_behind_a_proxy_direct_visitors_are_refused() -> None:
    options = WebOptions(host="10.0.0.2", trusted_proxies=frozenset({"10.9.9.9"}))
    async with await _client(options) as client:
        # The test client connects from 127.0.0.1, which is not the proxy.
        response = await client.get("/", headers={"X-Forwarded-User": "mallory"})
        assert response.status == 403
