"""Generic webhook: a versioned JSON body, an idempotency key and an HMAC-SHA256 signature.

Headers of every request:

* ``Idempotency-Key: <notification_id>`` — the same on every retry and after a restart; a new notification
  (change, escalation, resolution, reminder) has a new one. Also in the body as ``notification_id``.
* ``X-Groundswell-Timestamp: <unix seconds>`` — when this attempt was signed.
* ``X-Groundswell-Signature: v1=<hex>`` — HMAC-SHA256 with the shared secret over ``"<timestamp>.<body>"``.

Verify with :func:`groundswell.alerts.verify.verify_signature` (or the snippet in docs/alerts.md): reject a bad
signature, and a timestamp older (or newer) than 5 minutes, then deduplicate on the idempotency key.

    >>> sign_body("s3cret", 1714550400, b'{"version":"1"}')[:11]
    'v1=32fd4a4e'
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Any

from ..dispatcher import Notification
from .base import HttpRequest, Sink, json_bytes, json_headers

BODY_VERSION = "1"
SIGNATURE_HEADER = "X-Groundswell-Signature"
TIMESTAMP_HEADER = "X-Groundswell-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def sign_body(secret: str, timestamp: int | str, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256 of "<timestamp>.<body>">``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def webhook_body(n: Notification, *, dashboard_url: str | None = None) -> dict[str, Any]:
    """The documented v1 body (docs/alerts.md). New fields may be added within v1; removals bump the version."""
    labels = [a["labels"] for a in n.alerts]
    common = dict(labels[0]) if labels else {}
    for lab in labels[1:]:
        common = {k: v for k, v in common.items() if lab.get(k) == v}
    body = {
        "version": BODY_VERSION,
        "notification_id": n.notification_id,
        "receiver": n.receiver,
        "route": n.route,
        "status": n.status,
        "repeat": n.repeat,
        "group_key": n.group_key,
        "group_labels": n.group_labels,
        "common_labels": common,
        "alerts": n.alerts,
        "truncated_alerts": n.truncated_alerts,
        "created_at": n.to_dict()["created_at"],
    }
    return body


class WebhookSink(Sink):
    type = "webhook"

    def prepare(self, n: Notification) -> HttpRequest:
        body = json_bytes(webhook_body(n))
        headers = json_headers(n)
        ts = int(self.ctx.clock())
        headers[TIMESTAMP_HEADER] = str(ts)
        if self.ctx.secret:
            headers[SIGNATURE_HEADER] = sign_body(self.ctx.secret, ts, body)
        return HttpRequest("POST", self.ctx.url, headers, body)
