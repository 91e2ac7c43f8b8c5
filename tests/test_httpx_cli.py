"""The CLI imports httpx without httpx's own command line client, which still works."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import sys
from advisor_tui.cli._httpx_cli import skip_httpx_command_line
skip_httpx_command_line()
import httpx
print("click" in sys.modules, "pygments" in sys.modules)
sys.argv = ["httpx", "--help"]
httpx.main()
"""


def test_httpx_imports_without_its_command_line_client_which_still_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert first == "False False"
    assert "Usage: httpx" in "\n".join(rest)  # the real client, imported on use


def test_a_no_op_once_httpx_is_imported() -> None:
    import httpx

    from advisor_tui.cli._httpx_cli import skip_httpx_command_line

    before = sys.modules.get("httpx._main")
    skip_httpx_command_line()
    assert sys.modules.get("httpx._main") is before
    assert httpx.Client is not None
