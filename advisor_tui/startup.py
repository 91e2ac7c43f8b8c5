"""A quick start for a config that has been checked before.

Before the app takes the terminal, ``advisor-tui`` (``run``, or ``demo``) reads
and checks its config: pydantic, pydantic-settings and the contract it refers
to load first, and they cost more than all of Textual (the live app's first
frame came at ~2.2x a bare Textual app's; the demo's, which also starts its mock
servers, at ~4x). A config error is then said on a plain terminal, exit 2.

Most starts read the same config as the last one: the same command, file,
``ADVISOR_TUI_*`` variables and app. When the last start checked exactly this,
the app paints a starting screen at once (its search box already takes typing)
and opens the session behind it, on another thread (``AdvisorApp`` given an
opener). Should that still fail (say a keymap entry the new version no longer
has), the app ends and the error is printed with the same words and exit
status, after a glimpse of the screen. Any change to what is read, or an app
upgrade, means the check runs first again. Only a plain start qualifies
(``advisor-tui [--config PATH] [run|demo]``); any other flag takes the full path.

The fingerprint is a SHA-256 over what the check reads. Secret values (tokens)
are not in it, only their length, so the file holds nothing derived from a
secret; it is written 0600 all the same, like every file of the app's.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path

import platformdirs

from advisor_tui import APP_NAME, CONFIG_ENV, ENV_PREFIX, __version__

STAMP_NAME = "config-checked"
KEPT = 8
"""Fingerprints kept: one per command and config a person switches between."""
_SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "KEY", "CREDENTIAL")


def stamp_path() -> Path:
    """Where the last checked fingerprint is kept: the platform's cache directory."""
    return Path(platformdirs.user_cache_dir(APP_NAME)) / STAMP_NAME


def config_file(explicit: Path | None = None) -> Path:
    """The config file to read: ``--config`` > ``$ADVISOR_TUI_CONFIG`` > the user
    config dir. (Here, not in ``advisor_tui.config``, which loads pydantic.)"""
    if explicit is not None:
        return explicit
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _code_marks() -> list[str]:
    """What identifies the app's code: its version, and the size and time of
    each module of the check, so an edited checkout counts as a new app."""
    marks = [__version__, sys.version]
    config = importlib.util.find_spec("advisor_tui.config")
    folders = [Path(f) for f in (config.submodule_search_locations or [])] if config else []
    modules = [p for folder in folders for p in sorted(folder.glob("*.py"))]
    for path in [*modules, Path(__file__).with_name("keymap.py")]:
        try:
            stat = path.stat()
        except OSError:
            continue
        marks.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return marks


def fingerprint(config: Path | None, command: str = "run") -> str:
    """SHA-256 over the command, the config file's bytes, the ``ADVISOR_TUI_*``
    variables (secret ones by length only) and the app's code marks."""
    digest = hashlib.sha256()

    def add(part: str | bytes) -> None:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)

    add(command)
    for mark in _code_marks():
        add(mark)
    path = config_file(config)
    add(str(path.absolute()))
    try:
        # Its mode too: a token in a file others can read is warned about.
        add(f"mode {path.stat().st_mode:o}")
        add(path.read_bytes())
    except OSError as error:
        add(f"unreadable: {type(error).__name__}")
    for name in sorted(n for n in os.environ if n.upper().startswith(ENV_PREFIX)):
        value = os.environ[name]
        secret = any(word in name.upper() for word in _SECRET_WORDS)
        add(name)
        add(f"<secret of {len(value)} characters>" if secret else value)
    return digest.hexdigest()


def _kept() -> list[str]:
    try:
        return stamp_path().read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return []


def checked_before(print_: str) -> bool:
    """True if a recent full check was of exactly this fingerprint."""
    return print_ in _kept()


def _keep(prints: list[str]) -> None:
    path = stamp_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{STAMP_NAME}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write("".join(f"{p}\n" for p in prints))
        os.replace(temporary, path)
    except OSError:
        return  # best effort: a read-only cache only means the next start checks first


def remember_checked(print_: str) -> None:
    """Keep the fingerprint of a config that passed the full check, with the
    last few others (``run`` and ``demo``, or two configs, take turns)."""
    _keep([print_, *(p for p in _kept() if p != print_)][:KEPT])


def forget_checked(print_: str) -> None:
    """After a failed check: the next start on this config checks first."""
    kept = _kept()
    if print_ in kept:
        _keep([p for p in kept if p != print_])
