"""The quick start's fingerprint of a checked config (advisor_tui.startup) and
the command line's choice between checking first and painting first."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from advisor_tui import startup
from advisor_tui.cli import _plain_start
from advisor_tui.config.loading import config_path


@pytest.fixture(autouse=True)
def isolated(no_advisor_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The cache directory is the test's own already (tests/conftest.py).
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    config = tmp_path / "config.toml"
    config.write_text('theme = "textual-dark"\n')
    config.chmod(0o600)
    monkeypatch.setenv("ADVISOR_TUI_CONFIG", str(config))
    return config


def test_every_input_of_the_check_changes_the_fingerprint(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = {startup.fingerprint(None)}

    def changed() -> bool:
        value = startup.fingerprint(None)
        new = value not in seen
        seen.add(value)
        return new

    assert not changed()  # the same inputs, the same fingerprint
    isolated.write_text('theme = "nord"\n')
    assert changed(), "config bytes"
    isolated.chmod(0o644)
    assert changed(), "config file mode (a token in a readable file is warned about)"
    monkeypatch.setenv("ADVISOR_TUI_SLOW_MS", "500")
    assert changed(), "a variable added"
    monkeypatch.setenv("ADVISOR_TUI_SLOW_MS", "600")
    assert changed(), "a variable's value"
    monkeypatch.setenv("ADVISOR_TUI_TOKEN", "a" * 20)
    assert changed(), "a token set"
    other = tmp_path / "other.toml"
    other.write_bytes(isolated.read_bytes())
    other.chmod(isolated.stat().st_mode)
    assert startup.fingerprint(other) not in seen, "another file, the same bytes"
    isolated.unlink()
    assert changed(), "the file gone"


def test_a_token_is_in_the_fingerprint_by_length_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_TUI_TOKEN", "first-secret-token")
    first = startup.fingerprint(None)
    monkeypatch.setenv("ADVISOR_TUI_TOKEN", "other-secret-token")
    assert startup.fingerprint(None) == first
    monkeypatch.setenv("ADVISOR_TUI_TOKEN", "a-longer-secret-token")
    assert startup.fingerprint(None) != first


def test_the_stamp_is_private_and_holds_only_the_fingerprint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADVISOR_TUI_TOKEN", "secret-token-value")
    value = startup.fingerprint(None)
    assert not startup.checked_before(value)
    startup.remember_checked(value)
    assert startup.checked_before(value)
    path = startup.stamp_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == value + "\n"
    assert "secret" not in path.read_text()
    assert list(path.parent.iterdir()) == [path], "no temporary file left behind"
    startup.forget_checked(value)
    assert not startup.checked_before(value)


def test_the_last_few_checked_configs_are_kept() -> None:
    run, demo = startup.fingerprint(None, "run"), startup.fingerprint(None, "demo")
    startup.remember_checked(run)
    startup.remember_checked(demo)
    assert startup.checked_before(run) and startup.checked_before(demo)
    startup.forget_checked(demo)
    assert startup.checked_before(run) and not startup.checked_before(demo)
    others = [f"{n:064x}" for n in range(startup.KEPT)]
    for other in others:
        startup.remember_checked(other)
    assert not startup.checked_before(run), "the oldest goes once KEPT newer are kept"
    assert all(startup.checked_before(o) for o in others)


def test_a_damaged_stamp_means_check_first() -> None:
    path = startup.stamp_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe not a fingerprint")
    assert not startup.checked_before(startup.fingerprint(None))


def test_the_fingerprint_reads_the_file_the_config_loader_reads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    explicit = tmp_path / "explicit.toml"
    assert startup.config_file(explicit) == config_path(explicit) == explicit
    assert startup.config_file(None) == config_path(None)
    monkeypatch.delenv("ADVISOR_TUI_CONFIG")
    assert startup.config_file(None) == config_path(None)
    assert startup.config_file(None).is_relative_to(tmp_path / "xdg-config")


@pytest.mark.parametrize(
    ("words", "command", "config"),
    [
        ([], "", None),
        (["run"], "run", None),
        (["demo"], "demo", None),
        (["--config", "c.toml"], "", Path("c.toml")),
        (["--config=c.toml", "run"], "run", Path("c.toml")),
        (["--config"], None, None),
        (["--config", "--help"], None, None),
        (["run", "--help"], None, None),
        (["demo", "--role", "supervisor"], None, None),
        (["--help"], None, None),
        (["--mock-url", "http://127.0.0.1:8765"], None, None),
        (["mock"], None, None),
        (["run", "extra"], None, None),
    ],
)
def test_only_a_plain_start_may_paint_first(
    words: list[str], command: str | None, config: Path | None
) -> None:
    assert _plain_start(words) == (command, config)


def test_the_command_is_in_the_fingerprint() -> None:
    assert startup.fingerprint(None, "run") != startup.fingerprint(None, "demo")
