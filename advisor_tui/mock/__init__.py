"""Mock backends: FastAPI services implementing the whole contract with seed scenarios.

Import ``create_app`` to serve them in-process (``httpx.ASGITransport``) or run
``advisor-tui mock serve`` to put them on a port.
"""
