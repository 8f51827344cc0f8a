"""HMAC-signed values: the CSRF token bound to the browser's CSRF cookie (sign-in sessions are kept
on the server: sessions.py).

The CSRF cookie holds a random nonce; the token a page carries is HMAC(secret, nonce). Another site can
neither read the token (same-origin policy) nor compute it for a nonce it planted (it lacks the secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

NONCE_BYTES = 24


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _mac(key: bytes, message: str) -> str:
    return _b64(hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest())


class Signer:
    """Makes and checks CSRF tokens and session cookies with one process-wide secret."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    @staticmethod
    def new_nonce() -> str:
        return _b64(secrets.token_bytes(NONCE_BYTES))

    @staticmethod
    def valid_nonce(nonce: str | None) -> bool:
        return (
            nonce is not None and 16 <= len(nonce) <= 64 and nonce.replace("-", "").replace("_", "").isalnum()
        )

    def csrf_token(self, nonce: str) -> str:
        """The token the pages of the browser holding `nonce` in its cookie must send back."""
        return _mac(self._secret, "csrf:" + nonce)

    def csrf_matches(self, nonce: str | None, token: str | None) -> bool:
        if nonce is None or not self.valid_nonce(nonce) or not token:
            return False
        return hmac.compare_digest(self.csrf_token(nonce).encode(), token.strip().encode("utf-8", "replace"))
