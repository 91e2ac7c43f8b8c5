"""The installed wheel puts screens/clients/config under advisor_tui, nothing top-level.

Run from a temporary directory against a wheel installed into a fresh virtualenv:
from the repo root the root folders are on sys.path and the check passes wrongly.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import importlib.metadata, importlib.util, json, sys
dist = importlib.metadata.distribution("advisor-tui")
top = sorted({f.parts[0] for f in dist.files or [] if f.suffix == ".py"})
specs = {name: getattr(importlib.util.find_spec(name), "origin", None)
         for name in ("advisor_tui.screens", "advisor_tui.clients", "advisor_tui.config",
                      "advisor_tui.contract", "advisor_tui.mock", "advisor_tui.store")}
stray = {name: importlib.util.find_spec(name) is not None
         for name in ("screens", "clients", "config")}
print(json.dumps({"top": top, "specs": specs, "stray": stray, "prefix": sys.prefix}))
"""


def test_wheel_installs_subpackages_under_advisor_tui(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = wheel_dir.glob("advisor_tui-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # Dependencies are not needed to find where modules live; --no-deps keeps
    # the test fast and offline-friendly.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        cwd=tmp_path,
    )
    out = subprocess.run(
        [str(python), "-c", PROBE], check=True, cwd=tmp_path, capture_output=True, text=True
    ).stdout
    found = json.loads(out)
    assert found["top"] == ["advisor_tui"]
    assert found["stray"] == {"screens": False, "clients": False, "config": False}
    for name, origin in found["specs"].items():
        assert origin is not None, name
        assert origin.startswith(found["prefix"]), (name, origin)
    assert found["specs"]["advisor_tui.screens"].endswith("advisor_tui/screens/__init__.py")
