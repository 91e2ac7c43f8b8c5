"""Configuration: precedence, errors that name the key, masking, init, token file warning."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from advisor_tui.config import (
    CONFIG_ENV,
    MASK,
    ConfigError,
    Settings,
    config_path,
    default_config_text,
    load_settings,
    render_settings,
    write_default_config,
)
from advisor_tui.contract import Backend

ALL_URLS = "\n".join(
    f'[backends.{b.value}]\nurl = "http://{b.value}.example.net/"\n' for b in Backend
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from an environment without any ADVISOR_TUI_* variables."""
    for name in list(os.environ):
        if name.upper().startswith("ADVISOR_TUI_"):
            monkeypatch.delenv(name)


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


# -- where the file is -----------------------------------------------------------------------


def test_config_path_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = config_path(None)
    assert default.name == "config.toml"
    assert "advisor-tui" in default.parts
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "env.toml"))
    assert config_path(None) == tmp_path / "env.toml"
    assert config_path(tmp_path / "flag.toml") == tmp_path / "flag.toml"


def test_missing_default_file_means_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    settings, warnings = load_settings()
    assert settings == Settings()
    assert warnings == []
    assert settings.is_demo


def test_missing_explicit_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="nope.toml: no such config file"):
        load_settings(tmp_path / "nope.toml")
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "gone.toml"))
    with pytest.raises(ConfigError, match="gone.toml"):
        load_settings()


# -- precedence ------------------------------------------------------------------------------


def test_file_then_env_then_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = write(
        tmp_path / "config.toml",
        'theme = "from-file"\nslow_ms = 111\n[timeouts]\nread = 1.5\nconnect = 0.5\n' + ALL_URLS,
    )
    settings, _ = load_settings(file)
    assert (settings.theme, settings.slow_ms, settings.timeouts.read) == ("from-file", 111, 1.5)
    assert str(settings.backends.faults.url) == "http://faults.example.net/"
    assert not settings.is_demo

    monkeypatch.setenv("ADVISOR_TUI_THEME", "from-env")
    monkeypatch.setenv("ADVISOR_TUI_TIMEOUTS__READ", "2.5")
    monkeypatch.setenv("ADVISOR_TUI_BACKENDS__FAULTS__URL", "http://faults.env.net")
    settings, _ = load_settings(file)
    assert settings.theme == "from-env"
    assert settings.timeouts.read == 2.5
    assert settings.timeouts.connect == 0.5, "a sibling key from the file survives"
    assert str(settings.backends.faults.url) == "http://faults.env.net/"
    assert str(settings.backends.identity.url) == "http://identity.example.net/"
    assert settings.slow_ms == 111

    settings, _ = load_settings(
        file,
        theme="from-flag",
        timeouts={"read": 3.5},
        backends={"faults": {"url": "http://faults.flag.net"}},
        slow_ms=None,  # an option not given
    )
    assert settings.theme == "from-flag"
    assert settings.timeouts.read == 3.5
    assert settings.timeouts.connect == 0.5
    assert str(settings.backends.faults.url) == "http://faults.flag.net/"
    assert settings.slow_ms == 111


def test_config_env_var_selects_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = write(tmp_path / "elsewhere.toml", 'theme = "picked"\n')
    monkeypatch.setenv(CONFIG_ENV, str(file))
    settings, _ = load_settings()
    assert settings.theme == "picked"


def test_token_from_env_and_from_named_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = write(tmp_path / "c.toml", 'advisor_token_env = "TEAM_TOKEN"\n')
    settings, _ = load_settings(file)
    assert settings.token is None
    monkeypatch.setenv("TEAM_TOKEN", "team-secret")
    settings, _ = load_settings(file)
    assert settings.token is not None
    assert settings.token.get_secret_value() == "team-secret"
    monkeypatch.setenv("ADVISOR_TUI_TOKEN", "direct-secret")
    settings, _ = load_settings(file)
    assert settings.token is not None
    assert settings.token.get_secret_value() == "direct-secret"


def test_keymap_from_file(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", '[keymap]\nquit = "ctrl+q"\n"focus.history" = "h"\n')
    settings, _ = load_settings(file)
    assert settings.keymap == {"quit": "ctrl+q", "focus.history": "h"}


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(Exception, match="frozen"):
        settings.theme = "other"  # type: ignore[misc]
    with pytest.raises(Exception, match="frozen"):
        settings.timeouts.read = 1  # type: ignore[misc]


# -- errors name the file and the key --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("colour = 'red'\n", "config.toml: colour: unknown key"),
        ("[timeouts]\nconect = 3\n", "config.toml: timeouts.conect: unknown key"),
        ("[backends.fautls]\nurl = 'http://x'\n", "config.toml: backends.fautls: unknown key"),
        ("slow_ms = 'fast'\n", "config.toml: slow_ms: Input should be a valid integer"),
        ("[retry]\nattempts = 0\n", "config.toml: retry.attempts: Input should be greater than"),
        ("[timeouts]\nread = -1\n", "config.toml: timeouts.read: Input should be greater than 0"),
        (
            "[backends.faults]\nurl = 'not a url'\n",
            "config.toml: backends.faults.url: Input should be a valid URL",
        ),
        ("keymap = 'ctrl+q'\n", "config.toml: keymap: Input should be a valid dictionary"),
    ],
)
def test_file_errors_name_the_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    file = write(tmp_path / "config.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(file)
    assert str(caught.value).startswith(f"{tmp_path}/{expected}"), str(caught.value)


def test_every_bad_key_is_reported(tmp_path: Path) -> None:
    file = write(tmp_path / "config.toml", "colour = 1\nslow_ms = 'x'\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(file)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert any("colour" in line for line in lines)
    assert any("slow_ms" in line for line in lines)


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    file = write(tmp_path / "config.toml", 'theme = "x"\nslow_ms = = 3\n')
    with pytest.raises(ConfigError, match=r"config.toml: not valid TOML: .*line 2"):
        load_settings(file)


def test_env_errors_name_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_TUI_TIMEOUTS__READ", "soon")
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path / "c.toml", ""))
    assert str(caught.value).startswith("ADVISOR_TUI_TIMEOUTS__READ: timeouts.read: ")

    monkeypatch.delenv("ADVISOR_TUI_TIMEOUTS__READ")
    monkeypatch.setenv("ADVISOR_TUI_KEYMAP", "not json")
    with pytest.raises(ConfigError, match="keymap"):
        load_settings(tmp_path / "c.toml")


def test_override_errors_name_the_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="^option backends.faults.url: Input should be a valid"):
        load_settings(write(tmp_path / "c.toml", ""), backends={"faults": {"url": "::"}})


def test_partial_backends_name_the_missing_ones(tmp_path: Path) -> None:
    file = write(
        tmp_path / "config.toml",
        "[backends.faults]\nurl = 'http://f.example.net'\n"
        "[backends.identity]\nurl = 'http://i.example.net'\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(file)
    message = str(caught.value)
    assert message.startswith(f"{file}: backends: no URL for customers, actions, decisions")


def test_demo_means_no_urls_at_all(tmp_path: Path) -> None:
    settings, _ = load_settings(write(tmp_path / "c.toml", "[backends.faults]\n"))
    assert settings.is_demo
    full, _ = load_settings(write(tmp_path / "full.toml", ALL_URLS))
    assert not full.is_demo
    assert full.backends.configured == list(Backend)


# -- the token -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_token_in_a_readable_file_warns(tmp_path: Path, mode: int) -> None:
    file = write(tmp_path / "config.toml", 'token = "abc123"\n', mode)
    settings, warnings = load_settings(file)
    assert settings.token is not None
    assert len(warnings) == 1
    assert str(file) in warnings[0]
    assert "readable by others" in warnings[0]
    assert "abc123" not in warnings[0]


def test_token_in_a_private_file_or_no_token_is_quiet(tmp_path: Path) -> None:
    _, warnings = load_settings(write(tmp_path / "a.toml", 'token = "abc123"\n', 0o600))
    assert warnings == []
    _, warnings = load_settings(write(tmp_path / "b.toml", 'theme = "x"\n', 0o644))
    assert warnings == []


def test_token_never_in_repr_or_errors(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", 'token = "abc123secret"\nslow_ms = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(file)
    assert "abc123secret" not in str(caught.value)
    file = write(tmp_path / "d.toml", 'token = "abc123secret"\n')
    settings, _ = load_settings(file)
    assert "abc123secret" not in repr(settings)
    assert "abc123secret" not in str(settings)


# -- show ------------------------------------------------------------------------------------


def test_render_masks_the_token_and_round_trips(tmp_path: Path) -> None:
    file = write(
        tmp_path / "c.toml",
        'token = "abc123secret"\ntheme = "nord"\n[keymap]\nquit = "ctrl+q"\n' + ALL_URLS,
    )
    settings, _ = load_settings(file)
    text = render_settings(settings)
    assert "abc123secret" not in text
    assert f'token = "{MASK}"' in text
    parsed = tomllib.loads(text)
    assert parsed["theme"] == "nord"
    assert parsed["keymap"] == {"quit": "ctrl+q"}
    assert parsed["backends"]["faults"]["url"] == "http://faults.example.net/"
    # Apart from the masked token, what show prints loads back to the same settings.
    parsed.pop("token")
    again = write(tmp_path / "again.toml", "")
    reloaded, _ = load_settings(again, **parsed)
    assert reloaded == settings.model_copy(update={"token": None})


def test_render_of_defaults_marks_unset_values() -> None:
    text = render_settings(Settings())
    assert "# token = (not set)" in text
    assert "# url = (not set)" in text
    assert tomllib.loads(text)["timeouts"]["read"] == 5.0


# -- init ------------------------------------------------------------------------------------


def test_init_writes_a_private_commented_file(tmp_path: Path) -> None:
    path = write_default_config(tmp_path / "sub" / "config.toml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text == default_config_text()
    for key in (
        "token",
        "advisor_token_env",
        "theme",
        "keymap",
        "data_dir",
        "slow_ms",
        "[timeouts]",
        "connect",
        "read",
        "write",
        "pool",
        "[retry]",
        "attempts",
        "initial",
        "max",
        "jitter",
        "total",
    ):
        assert key in text, key
    for backend in Backend:
        assert f"[backends.{backend.value}]" in text
    # Everything is commented out, so the file on its own is the embedded demo.
    settings, warnings = load_settings(path)
    assert settings == Settings()
    assert warnings == []


def test_init_is_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = write_default_config(tmp_path / "config.toml")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_init_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", 'theme = "mine"\n', 0o644)
    with pytest.raises(ConfigError, match="already exists"):
        write_default_config(path)
    assert path.read_text() == 'theme = "mine"\n'
    write_default_config(path, force=True)
    assert path.read_text() == default_config_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"], "no temp file left behind"


def test_uncommented_default_values_are_valid(tmp_path: Path) -> None:
    # Uncommenting the documented lines must give a loadable config, not a typo trap.
    lines = []
    for line in default_config_text().splitlines():
        body = line.removeprefix("# ")
        if line.startswith("# ") and " = " in body and not body.startswith(("token", "url")):
            lines.append(body)
        elif line.startswith("["):
            lines.append(line)
    path = write(tmp_path / "c.toml", "\n".join(lines) + "\n")
    settings, _ = load_settings(path)
    assert settings.keymap == {"quit": "ctrl+q"}
    assert settings.advisor_token_env == "MY_TEAM_TOKEN"
