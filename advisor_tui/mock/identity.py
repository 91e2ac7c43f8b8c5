"""Identity mock backend: who the caller is, resolved from the bearer token.

``require_advisor`` is shared with the other mock routers (decisions) so every
backend resolves the caller the same way and answers 401 the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status

from advisor_tui.contract import (
    Advisor,
    AdvisorDirectoryPage,
    AdvisorEntry,
    ErrorBody,
    TokenGrant,
    routes,
)
from advisor_tui.contract._base import IdText
from advisor_tui.mock.state import MockState

_UNAUTHORISED: dict[int | str, dict[str, Any]] = {
    status.HTTP_401_UNAUTHORIZED: {"model": ErrorBody}
}
_FORBIDDEN: dict[int | str, dict[str, Any]] = {
    **_UNAUTHORISED,
    status.HTTP_403_FORBIDDEN: {"model": ErrorBody},
}


def require_advisor(state: MockState, authorization: str | None) -> Advisor:
    """The advisor the bearer token belongs to; HTTP 401 when missing or unknown.

    The detail never echoes the token: a mistyped secret must not end up in a
    client's error message or log.
    """
    token = routes.bearer_token(authorization)
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    advisor = state.advisor_for_token(token)
    if advisor is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="unknown bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return advisor


def current_advisor(state: MockState) -> Callable[..., Advisor]:
    """A FastAPI dependency resolving the caller: ``Depends(current_advisor(state))``."""

    def dependency(authorization: Annotated[str | None, Header()] = None) -> Advisor:
        return require_advisor(state, authorization)

    return dependency


def directory_page(state: MockState, after: str | None, limit: int) -> AdvisorDirectoryPage:
    """The scenarios' advisors (several tokens may name one) in id order, after ``after``."""
    people = {a.id: a for a in state.advisors.values()}
    ids = sorted(i for i in people if after is None or i > after)
    page = ids[:limit]
    entries = [
        AdvisorEntry(
            id=people[i].id,
            display_name=people[i].display_name,
            team=people[i].team,
            role=people[i].role,
        )
        for i in page
    ]
    return AdvisorDirectoryPage(items=entries, next_after=page[-1] if len(ids) > limit else None)


def build_router(state: MockState) -> APIRouter:
    router = APIRouter()
    # A default rather than an Annotated[...] alias: annotations are strings here
    # (postponed evaluation) and FastAPI cannot resolve a closure's ``state``.
    caller = Depends(current_advisor(state))

    @router.get(
        routes.ME,
        response_model=Advisor,
        responses=_UNAUTHORISED,
        summary="The advisor the bearer token belongs to",
    )
    def me(advisor: Advisor = caller) -> Advisor:
        return advisor

    @router.get(
        routes.ADVISORS,
        response_model=AdvisorDirectoryPage,
        responses=_FORBIDDEN,
        summary="Every advisor's name, team and role, in id order (team leads and supervisors)",
    )
    def advisors(
        advisor: Advisor = caller,
        after: Annotated[
            IdText | None, Query(description="The last id of the page before.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=routes.ADVISORS_PAGE_MAX)] = 100,
    ) -> AdvisorDirectoryPage:
        if not advisor.role.may_review:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail="the advisor directory is for team leads and supervisors; "
                "you are signed in as an advisor",
            )
        return directory_page(state, after, limit)

    @router.post(
        routes.TOKEN,
        response_model=TokenGrant,
        responses=_UNAUTHORISED,
        summary="Exchange the caller's credential for a signed JWT (EdDSA, demo key)",
    )
    def token(advisor: Advisor = caller) -> TokenGrant:
        return TokenGrant(access_token=state.tokens.issue(advisor), expires_in=state.tokens.ttl_s)

    @router.get(routes.JWKS, summary="The public keys the demo's JWTs verify with (JWKS)")
    def jwks() -> Response:
        return Response(state.tokens.jwks(), media_type="application/json")

    return router
