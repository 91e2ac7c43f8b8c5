"""Who is calling: the bearer token resolved to an ``Advisor``, or 401.

Two ways, chosen when the service starts:
- ``JwtAuthenticator``: signed JWTs only, verified with a configured public key
  or JWKS file; expiry and audience checked; role, team and limits from claims.
- ``TokenTable``: a fixed token → advisor table. Only for the demo and tests,
  and refused by ``serve decisions`` unless started with ``--insecure-demo-tokens``.

The 401 detail never echoes the token: a mistyped secret must not end up in a
client's error message or log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import jwt
from pydantic import ValidationError

from advisor_tui.contract.identity import Advisor, advisor_from_claims


class Unauthorised(Exception):
    """No usable credentials; the message is safe to show (no token in it)."""


class Authenticator(Protocol):
    def advisor_for(self, token: str) -> Advisor:
        """The advisor ``token`` belongs to; raise Unauthorised otherwise."""
        ...


class TokenTable:
    """Static demo tokens looked up in a table (the mock's scenario advisors)."""

    def __init__(self, lookup: Callable[[str], Advisor | None]) -> None:
        self._lookup = lookup

    def advisor_for(self, token: str) -> Advisor:
        advisor = self._lookup(token)
        if advisor is None:
            raise Unauthorised("unknown bearer token")
        return advisor


_VERIFIED_MAX = 10_000


class JwtAuthenticator:
    """Signed bearer tokens (JWT) only: signature, expiry, audience (and issuer
    if configured) checked by PyJWT; the advisor comes from the claims.

    Claims: ``sub`` (advisor id), ``role`` (advisor, team_lead, supervisor),
    ``team``, ``name``, and ``permissions`` (the contract's Permissions). Keys
    come from a PEM public key or a JWKS file (``kid`` picks the key).
    """

    ALGORITHMS = ("RS256", "ES256", "EdDSA")

    def __init__(
        self,
        keys: dict[str | None, Any],
        *,
        audience: str,
        issuer: str | None = None,
        leeway_s: int = 30,
    ) -> None:
        if not keys:
            raise ValueError("no verification keys")
        self._keys = keys
        self._audience = audience
        self._issuer = issuer
        self._leeway = leeway_s
        # Verified tokens until they expire: an advisor's client sends the same
        # token with every decision, and a signature check costs more than the
        # rest of recording one. Bounded, and cleared whole when full.
        self._verified: dict[str, tuple[float, Advisor]] = {}

    @classmethod
    def from_public_key(cls, pem: bytes, **kwargs: Any) -> JwtAuthenticator:
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        return cls({None: load_pem_public_key(pem)}, **kwargs)

    @classmethod
    def from_jwks(cls, document: str, **kwargs: Any) -> JwtAuthenticator:
        keys = jwt.PyJWKSet.from_json(document).keys
        return cls({key.key_id: key for key in keys}, **kwargs)

    def advisor_for(self, token: str) -> Advisor:
        cached = self._verified.get(token)
        if cached is not None and cached[0] > time.time():
            return cached[1]
        advisor, expires = self._verify(token)
        if len(self._verified) >= _VERIFIED_MAX:
            self._verified.clear()
        self._verified[token] = (expires, advisor)
        return advisor

    def _verify(self, token: str) -> tuple[Advisor, float]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._keys.get(kid) or (
                next(iter(self._keys.values())) if len(self._keys) == 1 else None
            )
            if key is None:
                raise Unauthorised("bearer token signed with an unknown key")
            claims = jwt.decode(
                token,
                key,
                algorithms=list(self.ALGORITHMS),
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorised("bearer token expired") from None
        except jwt.InvalidAudienceError:
            raise Unauthorised("bearer token is for another service (audience)") from None
        except jwt.PyJWTError as exc:
            raise Unauthorised(f"invalid bearer token ({type(exc).__name__})") from None
        try:
            return advisor_from_claims(claims), float(claims["exp"])
        except (ValidationError, KeyError, ValueError, TypeError):
            raise Unauthorised("bearer token lacks the role, team or permissions claims") from None


class EitherAuthenticator:
    """JWTs, and static demo tokens too: what ``--insecure-demo-tokens`` turns on."""

    def __init__(self, first: Authenticator, second: Authenticator) -> None:
        self._first = first
        self._second = second

    def advisor_for(self, token: str) -> Advisor:
        try:
            return self._first.advisor_for(token)
        except Unauthorised:
            return self._second.advisor_for(token)
