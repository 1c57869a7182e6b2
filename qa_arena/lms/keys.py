"""The tool's RSA keys: made on first use, kept in the QA Arena database (never in a file of the checkout).

The newest live key signs the tool's JWTs (client assertions, deep-linking responses); every live key is
in the public JWKS, so a rotation (`rotate`: a new signing key) publishes two `kid`s until the old key is
retired (`retire_all_but_newest`), once platforms have fetched the new JWKS.
"""

from __future__ import annotations

import json
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from qa_arena.lms.models import ToolKey
from qa_arena.service.models import utcnow
from qa_arena.service.store import SubmissionStore

KEY_BITS = 2048


def _new_key() -> ToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return ToolKey(kid=uuid.uuid4().hex, private_pem=pem, created_at=utcnow())


class ToolKeys:
    """The key pairs in the database of `store`."""

    def __init__(self, store: SubmissionStore) -> None:
        self.store = store

    def _live(self, session) -> list[ToolKey]:
        query = select(ToolKey).where(ToolKey.retired_at.is_(None)).order_by(ToolKey.created_at, ToolKey.kid)
        return list(session.scalars(query))

    def signing_key(self) -> tuple[str, str]:
        """(kid, private PEM) of the newest live key; the first key is made here."""
        with self.store.session() as session:
            live = self._live(session)
            if not live:
                live = [_new_key()]
                session.add(live[0])
            return live[-1].kid, live[-1].private_pem

    def jwks(self) -> dict:
        """The public JWKS: every live key (a signing key is made if there is none)."""
        self.signing_key()
        with self.store.session() as session:
            keys = []
            for key in self._live(session):
                public = serialization.load_pem_private_key(key.private_pem.encode(), password=None).public_key()
                jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
                keys.append({**jwk, "kid": key.kid, "alg": "RS256", "use": "sig"})
            return {"keys": keys}

    def rotate(self) -> str:
        """A new signing key (the old ones stay published until retired); its kid."""
        key = _new_key()
        with self.store.session() as session:
            session.add(key)
        return key.kid

    def retire_all_but_newest(self) -> list[str]:
        """End a rotation: every live key but the newest leaves the JWKS; their kids."""
        with self.store.session() as session:
            retired = self._live(session)[:-1]
            for key in retired:
                key.retired_at = utcnow()
            return [key.kid for key in retired]

    def sign(self, claims: dict) -> str:
        """A JWT of these claims, RS256, with the signing key's kid in its header."""
        kid, pem = self.signing_key()
        return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})
