"""TMF REST conventions on top of the shared HTTP layer: ``Error`` bodies,
``offset``/``limit`` paging with ``X-Total-Count``, ``fields`` selection."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError

from advisor_tui.clients._http import BackendHttp
from advisor_tui.clients.errors import ContractViolation
from advisor_tui.tmf.base import TOTAL_COUNT_HEADER, TmfError

MAX_PAGES = 1000
"""A server that keeps announcing more must not keep us paging forever."""


@functools.cache
def adapter(item_type: Any) -> TypeAdapter[Any]:
    return TypeAdapter(item_type)


@functools.cache
def list_adapter(item_type: Any) -> TypeAdapter[Any]:
    return TypeAdapter(list[item_type])


def _http_date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None  # a malformed Date is no statement of the server's clock
    return moment if moment.tzinfo is not None else None


class TmfHttp(BackendHttp):
    """Base of the TMF adapters."""

    page_size = 100
    """Items asked for per request when following paging to the end."""

    server_date: datetime | None = None
    """The ``Date`` of the latest list answer: the server's clock, when it said."""

    async def tmf_get(self, url: str, item_type: Any, fields: Sequence[str] = ()) -> Any:
        """One resource by its path; ``item_type`` is a model or an annotated union."""
        params = {"fields": ",".join(fields)} if fields else None
        return await self._call("GET", url, adapter(item_type), params=params)

    async def tmf_page(
        self,
        url: str,
        item_type: Any,
        params: Mapping[str, Any],
        *,
        offset: int,
        limit: int,
        fields: Sequence[str] = (),
    ) -> tuple[list[Any], int | None]:
        """One page and the server's total (None when it gives no ``X-Total-Count``)."""
        query: dict[str, Any] = {**params, "offset": offset, "limit": limit}
        if fields:
            query["fields"] = ",".join(fields)
        headers: dict[str, str] = {}
        items: list[Any] = await self._call(
            "GET", url, list_adapter(item_type), params=query, response_headers=headers
        )
        self.server_date = _http_date(headers.get("date"))
        return items, self._total(headers)

    async def tmf_list(
        self,
        url: str,
        item_type: Any,
        params: Mapping[str, Any],
        fields: Sequence[str] = (),
    ) -> list[Any]:
        """Every item matching ``params``, following ``offset``/``limit`` to the end."""
        items: list[Any] = []
        for _ in range(MAX_PAGES):
            page, total = await self.tmf_page(
                url, item_type, params, offset=len(items), limit=self.page_size, fields=fields
            )
            items.extend(page)
            if not page:
                break
            if total is not None and len(items) >= total:
                break
            if total is None and len(page) < self.page_size:
                break
        return items

    def _total(self, headers: Mapping[str, str]) -> int | None:
        raw = headers.get(TOTAL_COUNT_HEADER.lower())
        if raw is None:
            return None
        try:
            total = int(raw)
        except ValueError:
            raise ContractViolation(
                self.backend, f"{TOTAL_COUNT_HEADER} is not a number: {raw[:40]!r}"
            ) from None
        if total < 0:
            raise ContractViolation(self.backend, f"{TOTAL_COUNT_HEADER} is negative: {total}")
        return total

    def _detail(self, response: httpx.Response) -> str:
        # A TMF Error body says {code, reason, message}; anything else (a gateway's
        # own error page, FastAPI's detail) is left to the native reading.
        try:
            error = TmfError.model_validate_json(response.content)
        except ValidationError:
            return super()._detail(response)
        text = error.reason + (f": {error.message}" if error.message else "")
        return self._scrub(text)[:200]
