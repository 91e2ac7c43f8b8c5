"""The 422 answer of every server here: the mock and the deployable services.

Shared by the mock and the services, as ``http_limits`` is (neither imports the
other). Every error body is an ``ErrorBody``, so a client has one error shape to
parse; FastAPI's own 422 carries a list there instead of a string.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from advisor_tui.contract import ErrorBody
from advisor_tui.contract._base import PROSE_MAX


def describe_validation(exc: RequestValidationError) -> str:
    """Every problem as ``where: what``, joined by ``; `` and cut to fit an ``ErrorBody``."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    detail = "; ".join(problems) or "invalid request"
    # ErrorBody.detail is bounded too: a body with a thousand bad items is cut,
    # not turned into a 500 by an ErrorBody that cannot hold its description.
    return detail if len(detail) <= PROSE_MAX else detail[: PROSE_MAX - 1] + "…"


def answer_validation_errors(app: FastAPI) -> None:
    """Answer a request the contract refuses with a 422 ``ErrorBody``."""

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        body = ErrorBody(detail=describe_validation(exc))
        return JSONResponse(body.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
