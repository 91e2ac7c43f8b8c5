"""The crash test's decisions backend: the real mock app on a fixed port, with its
ledger in a SQLite file so that it keeps every decision across SIGKILL restarts.

    python crash_server.py PORT DECISIONS_DB
"""

from __future__ import annotations

import sys
from pathlib import Path

from advisor_tui.demo import create_demo_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.server import serve

if __name__ == "__main__":
    port, db = int(sys.argv[1]), Path(sys.argv[2])
    state = load_state()
    app = create_demo_app(state, decisions_db=db)
    serve(app, host="127.0.0.1", port=port)
