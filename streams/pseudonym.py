"""Keyed pseudonymisation of author ids.

Authors are replaced by ``blake2b(author, key=key)`` truncated to 16 hex chars
(64 bits) before a post leaves the parser, so clear ids are never stored,
logged or published.  The mapping is stable for one key and unlinkable across
keys; whoever holds the key can re-identify authors by hashing candidates, so
the key is a secret.

The key comes from ``GROUNDSWELL_PSEUDONYM_KEY`` (see :meth:`Pseudonymizer.from_env`,
the only place that reads it).  Without it a public default key is used and a
:class:`DefaultKeyWarning` is emitted: pseudonyms made with the default key are
re-identifiable by anyone, so use it for demos and tests only.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Mapping

ENV_VAR = "GROUNDSWELL_PSEUDONYM_KEY"
#: Public, documented fallback key. NOT a secret: only for demos and tests.
DEFAULT_KEY = b"groundswell-default-pseudonym-key--not-secret"
#: keys that were written in Groundswell's own files (the built-in default, the old docker-compose fallback):
#: using one of them is as good as using none
PUBLIC_KEYS = frozenset({DEFAULT_KEY, b"groundswell-demo-pseudonym-key"})
_MAX_BLAKE2B_KEY = 64


class DefaultKeyWarning(UserWarning):
    """The public default pseudonymisation key is in use."""


class Pseudonymizer:
    """Callable mapping a clear author id to a stable 16-hex-char pseudonym."""

    __slots__ = ("_key", "_cache", "_max_cache", "using_default_key")

    def __init__(self, key: bytes, *, max_cache: int = 100_000) -> None:
        if not isinstance(key, (bytes, bytearray)) or not key:
            raise ValueError("pseudonymisation key must be non-empty bytes")
        if len(key) > _MAX_BLAKE2B_KEY:  # blake2b keys are at most 64 bytes
            key = hashlib.blake2b(key).digest()
        self._key = bytes(key)
        self._cache: dict[str, str] = {}
        self._max_cache = max_cache
        self.using_default_key = self._key in PUBLIC_KEYS

    def __call__(self, author: str) -> str:
        hit = self._cache.get(author)
        if hit is not None:
            return hit
        data = author.encode("utf-8", "surrogatepass")
        out = hashlib.blake2b(data, key=self._key, digest_size=8).hexdigest()
        if len(self._cache) >= self._max_cache:
            self._cache.clear()  # bounded; a full reset is cheap and rare
        self._cache[author] = out
        return out

    def __repr__(self) -> str:  # never print the key
        return f"Pseudonymizer(default_key={self.using_default_key})"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, var: str = ENV_VAR
    ) -> Pseudonymizer:
        """Build from ``environ[var]`` (UTF-8 encoded); warn and use
        :data:`DEFAULT_KEY` when the variable is absent or empty."""
        env = os.environ if environ is None else environ
        value = env.get(var)
        if value:
            from groundswell.alerts.redact import register_secret
            register_secret(value)
            if value.encode("utf-8", "surrogatepass") in PUBLIC_KEYS:
                warnings.warn(f"{var} holds a key published in Groundswell's own files: author pseudonyms are "
                              "re-identifiable by anyone; set it to a long random secret", DefaultKeyWarning,
                              stacklevel=2)
            return cls(value.encode("utf-8", "surrogatepass"))
        warnings.warn(
            f"{var} is not set: using the PUBLIC default pseudonymisation key. "
            "Author pseudonyms are re-identifiable by anyone who knows it; "
            f"set {var} to a long random secret for real data.",
            DefaultKeyWarning,
            stacklevel=2,
        )
        return cls(DEFAULT_KEY)
