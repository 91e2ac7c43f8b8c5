"""``import httpx`` without httpx's own command line client.

httpx's ``__init__`` imports its command line client (``httpx._main``: click,
pygments' lexers, rich.syntax and rich.progress) whenever those are installed,
and here they always are (uvicorn brings click, rich brings pygments). Nothing
in this project runs that client, and it cost the app's cold start ~20 ms of
CPU to first frame (~700 ms; 5 interleaved pairs, load ~5; no other module on
the way to the first frame imports those). ``skip_httpx_command_line`` puts a
stand-in in its place before httpx is first imported; ``httpx.main()`` still
runs the real client, imported then.
"""

from __future__ import annotations

import importlib
import sys
import types

_NAME = "httpx._main"


def _real_main() -> None:
    if sys.modules.get(_NAME) is _STAND_IN:
        del sys.modules[_NAME]
    importlib.import_module(_NAME).main()


_STAND_IN = types.ModuleType(_NAME, "Stand-in for httpx's command line client, imported on use.")
_STAND_IN.main = _real_main  # type: ignore[attr-defined]


def skip_httpx_command_line() -> None:
    """Before httpx is imported: leave its command line client out. A no-op after."""
    if "httpx" not in sys.modules and _NAME not in sys.modules:
        sys.modules[_NAME] = _STAND_IN
