"""What every sink shares: the request it builds, how a response is judged, and the send loop step.

A sink turns one :class:`~groundswell.alerts.dispatcher.Notification` into one HTTP request (``prepare``),
signed at send time, and judges the answer (``classify``): delivered, worth retrying (5xx, 429, 408,
timeouts, connection errors, vendor "too fast" codes) or rejected for good (other 4xx, bad signature,
bad token). Delivery (:mod:`groundswell.alerts.delivery`) owns retries, rate limits and dead letters.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from ..config import AlertingConfig
from ..dispatcher import Notification
from ..redact import redact

USER_AGENT = "groundswell-alerts/1"


@dataclass
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass
class SendResult:
    ok: bool
    retryable: bool = False
    status: int | None = None
    error: str = ""
    retry_after_s: float | None = None

    @classmethod
    def delivered(cls, status: int | None = None) -> "SendResult":
        return cls(ok=True, status=status)


@dataclass
class SinkContext:
    """What a sink needs besides its receiver config: resolved URL and secret, display settings, a wall clock."""
    url: str | None
    secret: str | None
    language: str
    timezone: str
    config: AlertingConfig
    base_dir: str = "."
    clock: Callable[[], float] = time.time
    extra: dict[str, Any] = field(default_factory=dict)


class Sink:
    type = "base"

    def __init__(self, receiver, ctx: SinkContext):
        self.receiver = receiver
        self.name = receiver.name
        self.ctx = ctx

    # -- to override
    def prepare(self, n: Notification) -> HttpRequest:
        raise NotImplementedError

    def classify_body(self, status: int, body: bytes) -> SendResult:
        """Judge a 2xx answer; vendors report errors in the body of a 200."""
        return SendResult.delivered(status)

    # -- shared
    def view(self, n: Notification) -> Notification:
        """What this receiver may see of ``n``: without @handles when its ``redact_handles`` is on."""
        if getattr(self.receiver, "redacts_handles", False):
            from .text import without_handles
            return without_handles(n)
        return n

    def classify(self, status: int, body: bytes, headers: httpx.Headers | dict) -> SendResult:
        if 200 <= status < 300:
            return self.classify_body(status, body)
        retry_after = _retry_after(headers.get("retry-after") if headers else None)
        text = redact(body[:200].decode("utf-8", "replace"))
        if status in (408, 425, 429) or status >= 500:
            return SendResult(ok=False, retryable=True, status=status, error=f"HTTP {status}: {text}",
                              retry_after_s=retry_after)
        return SendResult(ok=False, retryable=False, status=status, error=f"HTTP {status}: {text}")

    async def send(self, n: Notification, client: httpx.AsyncClient, timeout_s: float) -> SendResult:
        req = self.prepare(self.view(n))
        try:
            resp = await client.request(req.method, req.url, headers=req.headers, content=req.body,
                                        timeout=timeout_s)
        except httpx.TimeoutException as e:
            return SendResult(ok=False, retryable=True, error=f"timeout after {timeout_s}s ({type(e).__name__})")
        except httpx.TransportError as e:     # its text may quote the URL: a credential for chat bots
            return SendResult(ok=False, retryable=True, error=f"{type(e).__name__}: {redact(str(e))}")
        except httpx.InvalidURL as e:
            return SendResult(ok=False, retryable=False, error=f"InvalidURL: {redact(str(e))}")
        return self.classify(resp.status_code, resp.content, resp.headers)

    async def aclose(self) -> None:
        pass


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def json_bytes(obj: Any) -> bytes:
    """Compact UTF-8 JSON (Chinese stays readable): the exact bytes that are signed and sent."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_headers(n: Notification) -> dict[str, str]:
    return {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
            "Idempotency-Key": n.notification_id}


def vendor_code(body: bytes, *keys: str) -> tuple[int | None, str]:
    """The first of ``keys`` found in a JSON body as an int, and the vendor's message."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return None, body[:200].decode("utf-8", "replace")
    if not isinstance(data, dict):
        return None, str(data)[:200]
    for k in keys:
        if k in data:
            try:
                return int(data[k]), str(data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or "")
            except (TypeError, ValueError):
                pass
    return None, str(data)[:200]
