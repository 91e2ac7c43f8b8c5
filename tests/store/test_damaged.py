"""A damaged decision log never crashes the app, is never written to, and is kept.

Issue 10: ``file is not a database`` crashed the app with a traceback, mid-file
damage went unnoticed while new decisions were appended to the broken file,
and ``decisions list`` / ``status`` turned an empty file into an empty store
that ``verify`` then called intact.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from decision_samples import make_decision

from advisor_tui.store import cli as store_cli
from advisor_tui.store.decisions import (
    DecisionStore,
    StoreDamaged,
    check_store,
    open_for_app,
)

NOW = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)


def garbage(path: Path) -> bytes:
    data = b"this was never a database " * 100
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def damaged_mid_file(path: Path) -> None:
    """A real log whose pages past the first are overwritten, as a bad sector or a
    half-copied file leaves it: SQLite still opens it."""
    with DecisionStore(path, synchronous="NORMAL") as store:
        for n in range(400):
            store.append(make_decision(n, free_text="x" * 200))
    data = bytearray(path.read_bytes())
    assert len(data) > 40 * 4096
    page = 4096
    for offset in range(10 * page, 30 * page, page):
        data[offset + 8 : offset + 400] = b"\xa5" * 392
    path.write_bytes(bytes(data))


def test_not_a_database_is_reported_not_raised_as_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "decisions.sqlite3"
    garbage(path)
    with pytest.raises(StoreDamaged) as caught:
        DecisionStore(path)
    assert "file is not a database" in str(caught.value)
    assert str(path) in str(caught.value)


def test_mid_file_damage_is_found_at_start(tmp_path: Path) -> None:
    path = tmp_path / "decisions.sqlite3"
    damaged_mid_file(path)
    problem = check_store(path)
    assert problem is not None and "integrity check failed" in problem
    before = path.read_bytes()
    with pytest.raises(StoreDamaged):
        DecisionStore(path)
    assert path.read_bytes() == before, "nothing written into the damaged log"


@pytest.mark.parametrize("damage", [garbage, damaged_mid_file], ids=["garbage", "mid-file"])
def test_the_app_gets_a_fresh_log_and_the_damaged_one_is_kept(
    tmp_path: Path, damage: object
) -> None:
    path = tmp_path / "decisions.sqlite3"
    damage(path)  # type: ignore[operator]
    before = path.read_bytes()
    store, warning = open_for_app(path, now=NOW)
    try:
        kept = tmp_path / "decisions.sqlite3.damaged-20261129T180000Z"
        assert kept.read_bytes() == before, "the damaged log is kept, untouched"
        assert warning is not None
        assert str(path) in warning and str(kept) in warning and "damaged" in warning
        # The advisor goes on recording, into the fresh log.
        store.append(make_decision(1))
        assert store.status().pending == 1
    finally:
        store.close()
    assert check_store(path) is None


def test_a_sound_log_opens_without_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "decisions.sqlite3"
    with DecisionStore(path) as store:
        store.append(make_decision(1))
    store, warning = open_for_app(path, now=NOW)
    store.close()
    assert warning is None
    assert [p.name for p in tmp_path.iterdir() if "damaged" in p.name] == []


def run(command: str, path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    if command == "list":
        code = store_cli.cmd_list(path, None, None, None, out, err=err)
    elif command == "status":
        code = store_cli.cmd_status(path, out, err=err)
    elif command == "verify":
        code = store_cli.cmd_verify(path, out, err=err)
    else:
        code = store_cli.cmd_export(path, "jsonl", None, out, err=err)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("command", ["list", "status", "verify", "export"])
def test_read_only_commands_report_an_empty_file_and_leave_it_empty(
    tmp_path: Path, command: str
) -> None:
    path = tmp_path / "decisions.sqlite3"
    path.touch()
    code, text = run(command, path)
    assert code == store_cli.EXIT_USAGE, text
    assert "empty (0 bytes)" in text
    assert path.stat().st_size == 0, f"{command} turned an empty file into a store"
    # ... so verify still refuses it afterwards, rather than calling it intact.
    assert run("verify", path)[0] == store_cli.EXIT_USAGE


@pytest.mark.parametrize("command", ["list", "status", "verify", "export"])
def test_read_only_commands_report_a_damaged_store_without_a_traceback(
    tmp_path: Path, command: str
) -> None:
    path = tmp_path / "decisions.sqlite3"
    data = garbage(path)
    code, text = run(command, path)
    assert code == store_cli.EXIT_USAGE
    assert "file is not a database" in text and "Traceback" not in text
    assert path.read_bytes() == data


@pytest.mark.parametrize("command", ["list", "status", "verify", "export"])
def test_read_only_commands_never_create_a_store(tmp_path: Path, command: str) -> None:
    path = tmp_path / "decisions.sqlite3"
    run(command, path)
    assert not path.exists()
