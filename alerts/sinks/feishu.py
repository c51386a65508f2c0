"""Feishu / Lark custom bot: an interactive card with a coloured header and a markdown body.

Signing (Feishu's documented algorithm, "签名校验"): the key is ``f"{timestamp}\\n{secret}"`` and the message
is empty: ``sign = base64(HMAC-SHA256(key=f"{ts}\\n{secret}", msg=b""))``, with ``timestamp`` (seconds, as a
string) and ``sign`` in the JSON body. Answers are ``{"code": 0, ...}`` (older: ``{"StatusCode": 0}``).

    >>> feishu_sign("abc", 1714550400)
    'rTP+a4bKgSC3xyTJFabI4wUfcMkuGN2z5dXriqaJGec='
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from ..dispatcher import Notification
from .base import HttpRequest, SendResult, Sink, json_bytes, json_headers, vendor_code
from .text import LARK_MD, fit_bytes, headline, render_markdown

RETRYABLE = {9499, 11232, 11233}     # bad gateway-ish / frequency limited (100/min, 5/s per bot)
_TEMPLATES = {"blue", "wathet", "turquoise", "green", "yellow", "orange", "red", "carmine", "violet", "purple",
              "indigo", "grey"}


def feishu_sign(secret: str, timestamp_s: int | str) -> str:
    mac = hmac.new(f"{timestamp_s}\n{secret}".encode("utf-8"), b"", hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


class FeishuSink(Sink):
    type = "feishu"

    def payload(self, n: Notification) -> dict:
        cfg, lang = self.ctx.config, self.ctx.language
        sev = cfg.severity(n.alerts[0]["labels"].get("severity", ""))
        template = "green" if n.status == "resolved" else (sev.colour if sev.colour in _TEMPLATES else "grey")
        body = render_markdown(n, cfg, lang, self.ctx.timezone, LARK_MD, heading=False)
        return {"msg_type": "interactive", "card": {
            "config": {"wide_screen_mode": True},
            "header": {"template": template,
                       "title": {"tag": "plain_text", "content": headline(n, cfg, lang)}},
            "elements": [{"tag": "markdown", "content": fit_bytes(body, 20000)}],
        }}

    def prepare(self, n: Notification) -> HttpRequest:
        payload = self.payload(n)
        if self.ctx.secret:
            ts = str(int(self.ctx.clock()))
            payload = {"timestamp": ts, "sign": feishu_sign(self.ctx.secret, ts), **payload}
        return HttpRequest("POST", self.ctx.url, json_headers(n), json_bytes(payload))

    def classify_body(self, status: int, body: bytes) -> SendResult:
        code, msg = vendor_code(body, "code", "StatusCode")
        if code == 0:
            return SendResult.delivered(status)
        return SendResult(ok=False, retryable=code in RETRYABLE, status=status, error=f"Feishu code {code}: {msg}")
