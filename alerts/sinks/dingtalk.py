"""DingTalk (钉钉) custom group robot: markdown message, optional "加签" signing.

Signing (DingTalk's documented algorithm): ``sign = base64(HMAC-SHA256(key=secret, msg=f"{ts_ms}\\n{secret}"))``,
sent URL-encoded as ``&timestamp=<ms>&sign=<sign>`` query parameters; DingTalk rejects timestamps more
than an hour off. Answers are HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}`` on success.

    >>> dingtalk_sign("SECabc", 1714550400000)
    'kymU2dNT0YipSf/FmVq543dHIYOEz2B501JkOW2kAbI='
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus

from ..dispatcher import Notification
from .base import HttpRequest, SendResult, Sink, json_bytes, json_headers, vendor_code
from .text import MARKDOWN, fit_bytes, headline, render_markdown

RETRYABLE = {-1, 130101, 130102}     # system busy; sending too fast (20/min per robot)


def dingtalk_sign(secret: str, timestamp_ms: int | str) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


class DingTalkSink(Sink):
    type = "dingtalk"

    def payload(self, n: Notification) -> dict:
        lang, tz, cfg = self.ctx.language, self.ctx.timezone, self.ctx.config
        text = fit_bytes(render_markdown(n, cfg, lang, tz, MARKDOWN), 18000)
        at_all = n.status == "firing" and any(
            a["status"] == "firing" and a["labels"].get("severity") in set(self.receiver.at_all_severities)
            for a in n.alerts)
        return {"msgtype": "markdown",
                "markdown": {"title": headline(n, cfg, lang), "text": text + ("\n\n@all" if at_all else "")},
                "at": {"isAtAll": at_all}}

    def prepare(self, n: Notification) -> HttpRequest:
        url = self.ctx.url
        if self.ctx.secret:
            ts = int(self.ctx.clock() * 1000)
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}timestamp={ts}&sign={quote_plus(dingtalk_sign(self.ctx.secret, ts))}"
        return HttpRequest("POST", url, json_headers(n), json_bytes(self.payload(n)))

    def classify_body(self, status: int, body: bytes) -> SendResult:
        code, msg = vendor_code(body, "errcode")
        if code == 0:
            return SendResult.delivered(status)
        return SendResult(ok=False, retryable=code in RETRYABLE, status=status,
                          error=f"DingTalk errcode {code}: {msg}")
