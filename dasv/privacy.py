"""Pseudonymisation: raw client and case IDs become keyed hashes before anything is stored."""

from __future__ import annotations

import hashlib
import hmac

from dasv.settings import DEMO_PSEUDONYM_KEY, Settings

try:  # OpenSSL's one-shot HMAC, which hmac.digest calls after checks of its own (a fifth of the time)
    from _hashlib import hmac_digest as _DIGEST
except ImportError:  # pragma: no cover - CPython without OpenSSL
    _DIGEST = hmac.digest  # type: ignore[assignment]  # the same call, typed more loosely by typeshed


class MissingKeyError(RuntimeError):
    """No pseudonym key is configured where one is required."""


class Pseudonymiser:
    """HMAC-SHA256 under the partnership's secret key.

    The same person gets the same key in every load made with the same secret, so repeats
    can be found across quarters; without the secret the key cannot be reversed or
    recomputed from a known client ID.
    """

    def __init__(self, secret: str):
        if not secret:
            raise MissingKeyError("the pseudonym key is empty")
        self._secret = secret.encode("utf-8")

    def key(self, kind: str, raw_id: str) -> str:
        """The pseudonymous key (64 hex characters) of one ID of a kind (``person``, ``referral``...)."""
        message = f"{kind}\x1f{raw_id.strip()}".encode()
        return hmac.digest(self._secret, message, "sha256").hex()

    def keys(self, kind: str, raw_ids) -> list[str]:
        """``key(kind, id)`` of many IDs, in order (the same keys, without the per-call overhead)."""
        secret, prefix = self._secret, f"{kind}\x1f".encode()
        return [_DIGEST(secret, prefix + raw.strip().encode(), "sha256").hex() for raw in raw_ids]

    @property
    def fingerprint(self) -> str:
        """Identifies the secret without revealing it: stored with the warehouse to refuse mixing keys."""
        return hmac.new(self._secret, b"dasv-key-fingerprint", hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"Pseudonymiser(fingerprint={self.fingerprint})"


def pseudonymiser_from_settings(settings: Settings, demo: bool = False) -> Pseudonymiser:
    """The pseudonymiser for this run.

    Raises:
        MissingKeyError: ``DASV_PSEUDONYM_KEY`` is not set and this is not the demo.
    """
    if settings.pseudonym_key is not None and settings.pseudonym_key.get_secret_value():
        return Pseudonymiser(settings.pseudonym_key.get_secret_value())
    if demo or settings.demo:
        return Pseudonymiser(DEMO_PSEUDONYM_KEY)
    raise MissingKeyError(
        "DASV_PSEUDONYM_KEY is not set: client IDs cannot be pseudonymised without the "
        "partnership's secret key. Set it in the environment (or a .secrets/.env file that "
        "is not committed); `dasv demo` uses a built-in demo key."
    )
