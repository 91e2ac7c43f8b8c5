"""A quick start for a config that has been checked before.

Before the app takes the terminal, ``advisor-tui run`` reads and checks its
config: pydantic, pydantic-settings and the contract it refers to load first,
and they cost more than all of Textual (the first frame came at ~2.2x a bare
Textual app's). A config error is then said on a plain terminal, exit 2.

Most starts read the same config as the last one: the same file, the same
``ADVISOR_TUI_*`` variables, the same app. When the last start checked exactly
this, the app paints its first frame at once and opens the session just after
it (``AdvisorApp`` given an opener). Should that still fail (say a keymap
entry the new version no longer has), the app ends and the error is printed
with the same words and exit status, only after a glimpse of the screen. Any
change to what is read, or an app upgrade, means the check runs first again.

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

from advisor_tui import APP_NAME, __version__

ENV_PREFIX = "ADVISOR_TUI_"
STAMP_NAME = "config-checked"
_SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "KEY", "CREDENTIAL")


def stamp_path() -> Path:
    """Where the last checked fingerprint is kept: the platform's cache directory."""
    return Path(platformdirs.user_cache_dir(APP_NAME)) / STAMP_NAME


def config_file(explicit: Path | None = None) -> Path:
    """The config file to read: ``--config`` > ``$ADVISOR_TUI_CONFIG`` > the user
    config dir. (Here, not in ``advisor_tui.config``, which loads pydantic.)"""
    if explicit is not None:
        return explicit
    named = os.environ.get(ENV_PREFIX + "CONFIG")
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


def fingerprint(config: Path | None) -> str:
    """SHA-256 over the config file's bytes, the ``ADVISOR_TUI_*`` variables
    (secret ones by length only) and the app's code marks."""
    digest = hashlib.sha256()

    def add(part: str | bytes) -> None:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)

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


def checked_before(print_: str) -> bool:
    """True if the last full check was of exactly this fingerprint."""
    try:
        return stamp_path().read_text(encoding="ascii").strip() == print_
    except (OSError, UnicodeDecodeError):
        return False


def remember_checked(print_: str) -> None:
    """Keep the fingerprint of a config that passed the full check (best effort:
    a read-only cache only means the next start checks first again)."""
    path = stamp_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{STAMP_NAME}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(print_ + "\n")
        os.replace(temporary, path)
    except OSError:
        return


def forget_checked() -> None:
    """After a failed check: the next start checks before taking the terminal."""
    try:
        stamp_path().unlink(missing_ok=True)
    except OSError:
        return
