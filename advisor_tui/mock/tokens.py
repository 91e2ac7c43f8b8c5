"""The demo's token issuer: real signed JWTs (EdDSA) from a key made when the demo starts.

The mock identity backend hands these out in exchange for a demo credential
(``POST /v1/token``) and publishes the public key (``GET /v1/jwks``); the
decisions service verifies them exactly as it would an operator's identity
provider's. The private key lives only in this process's memory.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from advisor_tui.contract.identity import Advisor, advisor_claims, advisor_from_claims

DEMO_AUDIENCE = "advisor-tui"
DEMO_ISSUER = "advisor-tui-demo-identity"
DEMO_TOKEN_TTL_S = 12 * 3600
_KID = "demo-1"


@dataclass
class DemoTokenIssuer:
    audience: str = DEMO_AUDIENCE
    issuer: str = DEMO_ISSUER
    ttl_s: int = DEMO_TOKEN_TTL_S
    _key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate, repr=False)

    def issue(self, advisor: Advisor, *, now: float | None = None, ttl_s: int | None = None) -> str:
        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": issued,
            "exp": issued + (self.ttl_s if ttl_s is None else ttl_s),
            **advisor_claims(advisor),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": _KID})

    def jwks(self) -> str:
        """The public key as a JWKS document (what ``serve decisions --jwks`` reads)."""
        jwk = json.loads(OKPAlgorithm.to_jwk(self._key.public_key()))
        return json.dumps({"keys": [{**jwk, "kid": _KID, "alg": "EdDSA", "use": "sig"}]})

    def verify(self, token: str) -> Advisor | None:
        """The advisor a token of ours names, or None (bad signature, expired, not ours)."""
        try:
            claims = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["EdDSA"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "aud", "sub"]},
            )
            return advisor_from_claims(claims)
        except (jwt.PyJWTError, KeyError, ValueError):
            return None
