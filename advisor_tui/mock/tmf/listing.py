"""TMF630 list conventions for the mock: attribute filtering in the query string,
``fields`` selection, ``offset``/``limit`` paging with ``X-Total-Count`` and
``X-Result-Count``, and ``Error`` bodies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from advisor_tui.tmf.base import RESERVED_QUERY, RESULT_COUNT_HEADER, TOTAL_COUNT_HEADER, TmfError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Always returned whatever ``fields`` asks for: without them an item cannot be
# identified or read polymorphically.
ALWAYS = ("id", "href", "@type", "@baseType", "@schemaLocation")


class TmfProblem(Exception):
    """Answered as a TMF ``Error`` body with this status."""

    def __init__(self, status: int, reason: str, message: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.message = message

    def response(self) -> JSONResponse:
        body = TmfError(
            code=str(self.status),
            reason=self.reason,
            message=self.message or None,
            status=str(self.status),
        )
        return JSONResponse(body.to_json_dict(), status_code=self.status)


def not_found(kind: str, item_id: str) -> TmfProblem:
    return TmfProblem(404, "Not Found", f"no {kind} with id {item_id!r}")


def _values_at(node: Any, keys: Sequence[str]) -> Iterable[Any]:
    """Every value at the dotted path, descending into lists (any element may match)."""
    if isinstance(node, list):
        for item in node:
            yield from _values_at(item, keys)
        return
    if not keys:
        yield node
        return
    if isinstance(node, dict) and keys[0] in node:
        yield from _values_at(node[keys[0]], keys[1:])


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list) or value is None:
        return None
    # Case and spaces do not count: "TW119LL" finds "TW11 9LL", "02089774412"
    # finds "020 8977 4412", as a search box user expects.
    return "".join(str(value).split()).casefold()


def _same(value: Any, wanted: str, contains: bool) -> bool:
    text = _text(value)
    if text is None:
        return False
    key = "".join(wanted.split()).casefold()
    return key in text if contains else text == key


Filter = tuple[list[str], list[str], bool]


def filters(query: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[Filter]:
    """``attr.sub=value`` pairs as (path, accepted values, contains); a comma means
    "any of". ``attr.like=text`` (not TMF630, which has equality only) means contains."""
    pairs = query.items() if isinstance(query, Mapping) else query
    found: list[Filter] = []
    for name, raw in pairs:
        if name in RESERVED_QUERY:
            continue
        contains = name.endswith(".like")
        path = name.removesuffix(".like").split(".")
        found.append((path, raw.split(","), contains))
    return found


def matches(item: Mapping[str, Any], wanted: list[Filter]) -> bool:
    return all(
        any(_same(v, w, contains) for v in _values_at(item, path) for w in values)
        for path, values, contains in wanted
    )


def select(item: Mapping[str, Any], fields: str | None) -> dict[str, Any]:
    if not fields:
        return dict(item)
    keep = set(ALWAYS) | {f.strip() for f in fields.split(",") if f.strip()}
    return {k: v for k, v in item.items() if k in keep}


def paging(request: Request) -> tuple[int, int]:
    def number(name: str, default: int, low: int, high: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise TmfProblem(400, "Bad Request", f"{name} must be a whole number") from None
        if not low <= value <= high:
            raise TmfProblem(400, "Bad Request", f"{name} must be {low}..{high}")
        return value

    return number("offset", 0, 0, 10**9), number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)


def page_response(
    page: list[dict[str, Any]], total: int | None, fields: str | None
) -> JSONResponse:
    """One page: 200 when it is everything, 206 Partial Content when more exist (TMF630)."""
    headers = {RESULT_COUNT_HEADER: str(len(page))}
    if total is not None:
        headers[TOTAL_COUNT_HEADER] = str(total)
    status = 200 if total is not None and len(page) >= total else 206
    return JSONResponse([select(i, fields) for i in page], status_code=status, headers=headers)


def list_response(request: Request, items: Iterable[Mapping[str, Any]]) -> JSONResponse:
    """Filter, count, page and select ``items`` (TMF JSON dicts) as the request asks."""
    offset, limit = paging(request)
    wanted = filters(request.query_params.multi_items())
    found = [dict(i) for i in items if matches(i, wanted)]
    return page_response(
        found[offset : offset + limit], len(found), request.query_params.get("fields")
    )


def item_response(request: Request, item: Mapping[str, Any]) -> JSONResponse:
    return JSONResponse(select(item, request.query_params.get("fields")))


def add_collection(router: APIRouter, url: str, kind: str, source: Any) -> None:
    """A TMF collection at ``url`` (listing with paging and filters) and its items
    at ``url/{id}``, both answering TMF ``Error`` bodies."""

    @router.get(url, name=f"list_{kind}")
    def list_items(request: Request) -> JSONResponse:
        try:
            return list_response(request, source())
        except TmfProblem as problem:
            return problem.response()

    @router.get(url + "/{item_id}", name=f"get_{kind}")
    def get_item(request: Request, item_id: str) -> JSONResponse:
        for item in source():
            if item["id"] == item_id:
                return item_response(request, item)
        return not_found(kind, item_id).response()
