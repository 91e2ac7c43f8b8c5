"""``advisor-tui call`` against the real mock over loopback HTTP: every generated
operation answers with contract JSON, each kind of failure has its exit status,
and hostile backend strings come out escaped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from ulid import ULID

from advisor_tui.contract import (
    Advisor,
    DecisionKind,
    FollowUpCreate,
    NextActions,
    NoteCreate,
    ReasonCode,
    ReviewCreate,
    Role,
    Verdict,
)
from advisor_tui.deciding import build_decision
from advisor_tui.scripting.call import EXIT_MEANINGS, ExitCode
from advisor_tui.scripting.operations import ALIASES, find, operations
from advisor_tui.testing import MockBackends, mock_backends
from tests.scripting.conftest import call

NOW = datetime(2025, 6, 12, 10, 0, tzinfo=UTC)
QUICK = {
    # One quick retry: the policy itself is tested with the clients.
    "ADVISOR_TUI_RETRY__ATTEMPTS": "2",
    "ADVISOR_TUI_RETRY__INITIAL": "0.01",
    "ADVISOR_TUI_RETRY__MAX": "0.02",
    "ADVISOR_TUI_RETRY__JITTER": "0",
    # Generous timeouts: the mock serves from a thread of this very process, and
    # on a busy 2-core CI machine a healthy answer can take over a second. Only
    # the hung call's test shortens them (SHORT).
    "ADVISOR_TUI_TIMEOUTS__READ": "30",
    "ADVISOR_TUI_TIMEOUTS__CONNECT": "30",
}
SHORT = {"ADVISOR_TUI_TIMEOUTS__READ": "0.5", "ADVISOR_TUI_TIMEOUTS__CONNECT": "0.3"}


@pytest.fixture(scope="module")
def mock() -> Iterator[MockBackends]:
    with mock_backends(loopback=True, now=NOW) as running:
        yield running


@pytest.fixture
def env(mock: MockBackends, monkeypatch: pytest.MonkeyPatch) -> MockBackends:
    """The app's own environment variables pointing every backend at the mock."""
    for name, value in {**mock.env(), **QUICK}.items():
        monkeypatch.setenv(name, value)
    mock.clear_faults()
    return mock


def _decision_file(tmp_path: Path, advisor: Advisor, kind: str, amount: int | None = None) -> Path:
    actions = NextActions.model_validate(call("actions", "list", "cus-outage").json())
    action = next(a for a in actions.actions if a.kind.value == "goodwill_credit")
    codes = TypeAdapter(list[ReasonCode]).validate_python(call("actions", "reason-codes").lines())
    usable = [c for c in codes if kind in c.applies_to]
    decision = build_decision(
        advisor=advisor,
        customer_id="cus-outage",
        action=action,
        kind=DecisionKind(kind),
        reason_code=usable[0].code if usable else None,
        codes=codes,
        free_text="customer asked twice",
        changed={"amount_pence": amount} if amount is not None else None,
    )
    path = tmp_path / f"decision-{decision.id}.json"
    path.write_text(decision.model_dump_json())
    return path


READS: dict[tuple[str, str], list[str]] = {
    ("identity", "me"): ["identity", "me"],
    ("identity", "advisors"): ["identity", "advisors", "--limit", "2"],
    ("identity", "health"): ["identity", "health"],
    ("customers", "search"): ["customers", "search", "@ballantyne70"],
    ("customers", "profile"): ["customers", "profile", "cus-outage"],
    ("customers", "names"): ["customers", "names", "cus-outage", "cus-nobody", "cus-outage"],
    ("customers", "history"): ["customers", "history", "cus-outage", "--channel", "sms"],
    ("customers", "history-event"): ["customers", "history-event", "cus-outage", "ev-out-05"],
    ("customers", "follow-ups"): ["customers", "follow-ups", "cus-outage"],
    ("customers", "notes"): ["customers", "notes", "cus-outage"],
    ("customers", "health"): ["customers", "health"],
    ("faults", "status"): ["faults", "status", "cus-outage"],
    ("faults", "incidents"): ["faults", "incidents"],
    ("faults", "health"): ["faults", "health"],
    ("actions", "next-actions"): ["actions", "next-actions", "cus-outage"],
    ("actions", "reason-codes"): ["actions", "reason-codes"],
    ("actions", "health"): ["actions", "health"],
    ("decisions", "list"): [
        *("--role", "supervisor", "decisions", "list", "--limit", "5"),
        *("--kind", "override", "--since", "2025-01-01T00:00Z"),
    ],
    ("decisions", "chain-head"): ["decisions", "chain-head", "adv-sam-carter"],
    ("decisions", "chain-links"): ["decisions", "chain-links", "adv-sam-carter"],
    ("decisions", "audit"): ["decisions", "audit"],
    ("decisions", "stats"): ["decisions", "stats"],
    ("decisions", "health"): ["decisions", "health"],
}
WRITES = {
    ("customers", "create-follow-up"),
    ("customers", "add-note"),
    ("decisions", "record"),
    ("decisions", "review"),
    ("decisions", "get"),  # needs a recorded decision: covered with the writes
}


def test_every_generated_operation_is_exercised_here() -> None:
    # A new client method is a new operation; this fails until it has a test.
    generated = {(o.backend.value, o.name) for o in operations()}
    assert generated == set(READS) | WRITES


def _check_against_contract(backend: str, name: str, result: Any) -> None:
    from advisor_tui.contract import Backend

    operation = find(Backend(backend), name)
    if operation.returns_list:
        TypeAdapter(operation.returns).validate_python(result.lines())
    else:
        TypeAdapter(operation.returns).validate_python(result.json())


@pytest.mark.parametrize("key", list(READS), ids=lambda k: " ".join(k))
def test_every_read_answers_contract_json(key: tuple[str, str], env: MockBackends) -> None:
    argv = READS[key]
    if key in {("decisions", "stats"), ("decisions", "audit"), ("identity", "advisors")}:
        argv = ["--role", "supervisor", *argv]
        env_token = env.token(Role.SUPERVISOR)
        os.environ["ADVISOR_TUI_TOKEN"] = env_token
    result = call(*argv)
    assert result.code == ExitCode.OK, result.stderr
    assert result.stderr == ""
    _check_against_contract(*key, result)


def test_writes_record_review_follow_up_and_note(env: MockBackends, tmp_path: Path) -> None:
    advisor = env.advisor(Role.ADVISOR)
    path = _decision_file(tmp_path, advisor, "override", amount=5000)
    first = call("decisions", "record", "--file", str(path))
    assert first.code == ExitCode.OK, first.stderr
    # The decision id is the idempotency key: the same file again, the same receipt.
    again = call("decisions", "record", "--file", "-", stdin=path.read_text())
    assert again.json() == first.json()
    decision_id = first.json()["id"]

    review = ReviewCreate(id=str(ULID()), verdict=Verdict.APPROVE, note="fair")
    review_file = tmp_path / "review.json"
    review_file.write_text(review.model_dump_json())
    os.environ["ADVISOR_TUI_TOKEN"] = env.token(Role.SUPERVISOR)
    reviewed = call("decisions", "review", decision_id, "--file", str(review_file))
    assert reviewed.code == ExitCode.OK, reviewed.stderr
    view = call("decisions", "get", decision_id)
    assert view.json()["reviews"][0]["id"] == review.id
    _check_against_contract("decisions", "get", view)

    note = NoteCreate(id=str(ULID()), author="Sam", text="called back")
    follow_up = FollowUpCreate(
        id=str(ULID()),
        owner="Sam Carter",
        due_at=datetime(2030, 1, 1, tzinfo=UTC),
        channel="sms",  # type: ignore[arg-type]
        created_by=advisor.id,
    )
    (tmp_path / "note.json").write_text(note.model_dump_json())
    (tmp_path / "fu.json").write_text(follow_up.model_dump_json())
    added = call("customers", "add-note", "cus-outage", "--file", str(tmp_path / "note.json"))
    assert added.code == ExitCode.OK, added.stderr
    promised = call(
        "customers", "create-follow-up", "cus-outage", "--file", str(tmp_path / "fu.json")
    )
    assert promised.code == ExitCode.OK, promised.stderr
    notes = call("customers", "notes", "cus-outage").lines()
    assert note.id in [n["id"] for n in notes]


def test_history_all_streams_every_row_of_every_page(env: MockBackends) -> None:
    one_page = call("history", "list", "cus-outage", "--limit", "200").json()
    assert one_page["next_cursor"] is None
    streamed = call("history", "list", "cus-outage", "--all", "--limit", "3")
    assert streamed.code == ExitCode.OK, streamed.stderr
    rows = streamed.lines()
    assert len(rows) > 3  # more than one page was followed
    assert rows == one_page["events"]
    sms = call("history", "list", "cus-outage", "--channel", "sms", "--all").lines()
    assert sms and {row["channel"] for row in sms} == {"sms"}


def test_aliases_name_real_operations() -> None:
    for backend, name in ALIASES.values():
        find(backend, name)
    assert call("identity", "whoami").code == ExitCode.OK


def _hostile_scenario(tmp_path: Path) -> Path:
    seed = Path(__file__).parents[2] / "advisor_tui" / "mock" / "scenarios" / "price_rise.json"
    data = json.loads(seed.read_text())
    customer = data["customers"][0]
    profile = customer["profile"]
    profile.update(
        id="cus-hostile",
        account_number="6666 0000 66",
        name="Eve \x1b]52;c;ZXZpbA==\x07 \u202eevil\u202c \x9b2J\u200b\u2028 [bold]x",
        social_handles=["@hostile"],
    )
    data = {"anchor": data["anchor"], "customers": [customer]}
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data))
    return path


def test_hostile_strings_come_out_escaped(advisor_mock_factory: Any, tmp_path: Path) -> None:
    # The plugin's factory: a second, loopback mock with a hostile customer in it.
    mock = advisor_mock_factory(_hostile_scenario(tmp_path), loopback=True)
    result = call("--mock-url", mock.base_url, "customers", "profile", "cus-hostile")
    assert result.code == ExitCode.OK, result.stderr
    text = result.stdout.decode("utf-8")
    for raw in ("\x1b", "\x07", "\u202e", "\u202c", "\x9b", "\u200b", "\u2028"):
        assert raw not in text
    assert "\\u001b]52" in text and "\\u202e" in text
    # Escaped, not dropped: a JSON parser gets the backend's string back intact.
    assert result.json()["name"] == mock.state.customers["cus-hostile"].profile.name


def test_no_backends_configured_answers_from_the_embedded_demo() -> None:
    result = call("customers", "search", "@ballantyne70")
    assert result.code == ExitCode.OK
    assert result.json()["matches"][0]["id"] == "cus-outage"
    assert "embedded demo mock" in result.stderr


def _expect(result: Any, code: ExitCode, words: str) -> None:
    assert result.code == code, (result.code, result.stderr)
    assert result.stdout == b""
    line = result.stderr.strip()
    assert "\n" not in line and words in line and line.startswith("advisor-tui call: ")


def test_each_kind_of_failure_has_its_exit_status(env: MockBackends, tmp_path: Path) -> None:
    _expect(call("faults", "status", "nobody"), ExitCode.NOT_FOUND, "not found")
    with env.fault("faults", hang=True), pytest.MonkeyPatch.context() as short:
        for name, value in SHORT.items():
            short.setenv(name, value)
        _expect(call("faults", "status", "cus-outage"), ExitCode.TIMEOUT, "timed out")
    with env.fault("customers", error_rate=1.0):
        _expect(call("customers", "search", "x"), ExitCode.UNAVAILABLE, "HTTP 5")
    with env.fault("actions", wrong_schema=True):
        _expect(call("actions", "list", "cus-outage"), ExitCode.BAD_DATA, "bad data")
    with env.fault("identity", malformed_json=True):
        _expect(call("identity", "me"), ExitCode.BAD_DATA, "not valid JSON")
    _expect(call("decisions", "stats"), ExitCode.FORBIDDEN, "not allowed")
    _expect(call("decisions", "list", "--cursor", "garbage"), ExitCode.REJECTED, "rejected")

    advisor = env.advisor(Role.ADVISOR)
    path = _decision_file(tmp_path, advisor, "accept")
    assert call("decisions", "record", "--file", str(path)).code == ExitCode.OK
    changed = json.loads(path.read_text()) | {"free_text": "something else"}
    path.write_text(json.dumps(changed))
    _expect(call("decisions", "record", "--file", str(path)), ExitCode.CONFLICT, "conflict")

    os.environ["ADVISOR_TUI_TOKEN"] = "not-a-token"
    _expect(call("identity", "me"), ExitCode.UNAUTHORISED, "not signed in")


def test_unreachable_backend_is_unavailable(
    env: MockBackends, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only_mock_url(env, monkeypatch)
    # A port nobody listens on: the mock's own, once stopped.
    with mock_backends(loopback=True) as gone:
        url = gone.base_url
    result = call("--mock-url", url, "identity", "me")
    _expect(result, ExitCode.UNAVAILABLE, "down")


def test_usage_errors_exit_2(env: MockBackends, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"customer_id": "cus-outage"}')
    _expect(call("decisions", "record", "--file", str(bad)), ExitCode.USAGE, "not a Decision")
    _expect(
        call("decisions", "record", "--file", str(tmp_path / "missing.json")),
        ExitCode.USAGE,
        "No such file",
    )
    _expect(call("history", "list", "cus-outage", "--limit", "0"), ExitCode.USAGE, "limit")
    _expect(call("--url", "nowhere", "identity", "me"), ExitCode.USAGE, "BACKEND=URL")
    assert call("customers", "no-such-operation").code == ExitCode.USAGE
    assert call("decisions", "list", "--since", "yesterday").code == ExitCode.USAGE


def test_a_single_url_flag_is_half_a_deployment(tmp_path: Path) -> None:
    # The same all-or-none rule as the app's config: named, exit 2.
    result = call("--url", "customers=http://127.0.0.1:9", "identity", "me")
    _expect(result, ExitCode.USAGE, "no URL for identity")


def test_help_lists_every_operation_and_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        from advisor_tui.cli import build_parser

        build_parser().parse_args(["call", "--help"])
    shown = capsys.readouterr().out
    for operation in operations():
        assert f"{operation.backend.value} {operation.usage()}" in shown
    for code, meaning in EXIT_MEANINGS.items():
        assert f"{code.value:>2}  {meaning}" in shown


def test_the_installed_command_over_a_pipe(env: MockBackends) -> None:
    run_env = {**os.environ}
    found = subprocess.run(
        [sys.executable, "-m", "advisor_tui", "call", "customers", "search", "@ballantyne70"],
        capture_output=True,
        env=run_env,
        timeout=60,
    )
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["matches"][0]["id"] == "cus-outage"
    missing = subprocess.run(
        [sys.executable, "-m", "advisor_tui", "call", "faults", "status", "nobody"],
        capture_output=True,
        env=run_env,
        timeout=60,
    )
    assert missing.returncode == ExitCode.NOT_FOUND
    assert missing.stdout == b"" and missing.stderr.decode().count("\n") == 1


def test_readme_exit_table_is_the_code() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for code, meaning in EXIT_MEANINGS.items():
        assert f"| {code.value} | {code.name.lower()} | {meaning} |" in readme


def _only_mock_url(env: MockBackends, monkeypatch: pytest.MonkeyPatch) -> None:
    # --mock-url is instead of backend URLs, not beside them (as in the config).
    for name in env.env():
        monkeypatch.delenv(name)


def test_connection_options_go_before_or_after_the_operation(
    env: MockBackends, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only_mock_url(env, monkeypatch)  # and no token: --role decides whom the mock sees
    before = call("--mock-url", env.base_url, "--role", "supervisor", "identity", "me")
    after = call("identity", "me", "--mock-url", env.base_url, "--role", "supervisor")
    assert before.code == after.code == ExitCode.OK, (before.stderr, after.stderr)
    assert before.json() == after.json() and after.json()["role"] == "supervisor"
    # Given before and not after, the earlier value stands.
    mixed = call("--role", "team_lead", "identity", "me", "--mock-url", env.base_url)
    assert mixed.json()["role"] == "team_lead"


def test_a_closed_pipe_ends_the_stream_quietly(env: MockBackends) -> None:
    # `advisor-tui call history list ... --all | head -1`: the reader goes away mid-stream.
    argv = ["history", "list", "cus-bighistory", "--all", "--limit", "200"]
    with subprocess.Popen(
        [sys.executable, "-m", "advisor_tui", "call", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        first = json.loads(process.stdout.readline())
        process.stdout.close()
        code = process.wait(timeout=120)
        errors = process.stderr.read().decode()
    assert first["customer_id"] == "cus-bighistory"
    assert code == ExitCode.OK and errors == ""


@pytest.mark.parametrize("operation", operations(), ids=lambda o: f"{o.backend.value} {o.name}")
def test_every_operation_has_help(operation: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from advisor_tui.cli import build_parser

    with pytest.raises(SystemExit) as exit:
        build_parser().parse_args(["call", operation.backend.value, operation.name, "--help"])
    assert exit.value.code == 0
    shown = capsys.readouterr().out
    assert operation.summary in " ".join(shown.split())
    assert "Prints" in shown


def test_mock_url_is_the_apps_setting(env: MockBackends, monkeypatch: pytest.MonkeyPatch) -> None:
    _only_mock_url(env, monkeypatch)
    # Before `call` (the app's own flag), after the operation, or from the environment.
    top = build_parser_args(["--mock-url", env.base_url, "call", "identity", "me"])
    assert top.code == ExitCode.OK, top.stderr
    monkeypatch.setenv("ADVISOR_TUI_MOCK_URL", env.base_url)
    assert call("identity", "me").code == ExitCode.OK
    # Beside backend URLs it is refused, as in the config.
    urls = [f"--url={backend.value}={url}" for backend, url in env.urls.items()]
    both = call(*urls, "identity", "me")
    _expect(both, ExitCode.USAGE, "mock_url")
    monkeypatch.delenv("ADVISOR_TUI_MOCK_URL")
    _expect(call("--mock-url", "not a url", "identity", "me"), ExitCode.USAGE, "mock_url")


def build_parser_args(argv: list[str]) -> Any:
    import io

    from advisor_tui.cli import build_parser
    from advisor_tui.scripting.call import run_call
    from tests.scripting.conftest import CallResult

    out, err = io.BytesIO(), io.StringIO()
    code = run_call(build_parser().parse_args(argv), stdout=out, stderr=err)
    return CallResult(code, out.getvalue(), err.getvalue())
