"""The verifier receivers use to check a Groundswell webhook: signature, freshness, nothing else.

Stdlib only, so it can be copied into any receiver (the same code is in docs/alerts.md).

    >>> import time
    >>> from groundswell.alerts.sinks.webhook import sign_body
    >>> body, ts = b'{"version":"1"}', int(time.time())
    >>> verify_signature("s3cret", str(ts), sign_body("s3cret", ts, body), body, now=time.time())
    True
    >>> verify_signature("s3cret", str(ts), sign_body("s3cret", ts, body), body + b" ", now=time.time())
    False
    >>> verify_signature("s3cret", str(ts - 600), sign_body("s3cret", ts - 600, body), body, now=time.time())
    False
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Iterable


def verify_signature(secret: str | Iterable[str], timestamp_header: str | None, signature_header: str | None,
                     body: bytes, *, now: float, tolerance_s: float = 300) -> bool:
    """True when ``signature_header`` is a valid ``v1=`` HMAC-SHA256 of ``"<timestamp>.<body>"`` under
    ``secret`` (or any of several secrets, for rotation) and the timestamp is within ``tolerance_s`` of
    ``now`` in either direction. Comparison is constant-time. Never raises on bad input: a timestamp of other
    digits than ASCII ones ("²", full-width), header bytes that are not ASCII, a body that is not bytes are all
    simply not valid.
    """
    try:
        return _verify(secret, timestamp_header, signature_header, body, now, tolerance_s)
    except Exception:       # the contract: a verdict, never an exception
        return False


def _verify(secret, timestamp_header, signature_header, body, now, tolerance_s) -> bool:
    if not isinstance(timestamp_header, str) or not isinstance(signature_header, str):
        return False
    ts_text = timestamp_header.strip()
    if not (ts_text.isascii() and ts_text.isdigit()) or len(ts_text) > 12:
        return False
    if abs(now - int(ts_text)) > tolerance_s:
        return False
    secrets = [secret] if isinstance(secret, str) else list(secret)
    candidates = [p.strip()[3:] for p in signature_header.split(",") if p.strip().startswith("v1=")]
    candidates = [c.encode("ascii") for c in candidates if c.isascii()]
    if not candidates or not secrets:
        return False
    signed = ts_text.encode("ascii") + b"." + bytes(body)
    ok = False
    for s in secrets:
        if not s:
            continue
        expected = hmac.new(s.encode("utf-8"), signed, hashlib.sha256).hexdigest().encode("ascii")
        for c in candidates:
            ok |= hmac.compare_digest(expected, c)   # no early exit: constant-time across candidates
    return ok
