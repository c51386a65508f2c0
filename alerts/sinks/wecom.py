"""WeCom (企业微信) group robot: markdown message to ``.../cgi-bin/webhook/send?key=<key>``.

The key in the URL is the only credential (no signing), so the URL comes from an environment variable.
Content is limited to 4096 bytes of UTF-8; answers are ``{"errcode": 0, "errmsg": "ok"}``.
"""
from __future__ import annotations

from ..dispatcher import Notification
from .base import HttpRequest, SendResult, Sink, json_bytes, json_headers, vendor_code
from .text import WECOM, fit_bytes, render_markdown

RETRYABLE = {-1, 45009, 45033}      # system busy; API frequency limit (20/min per robot); too many concurrent


class WeComSink(Sink):
    type = "wecom"

    def payload(self, n: Notification) -> dict:
        text = render_markdown(n, self.ctx.config, self.ctx.language, self.ctx.timezone, WECOM)
        return {"msgtype": "markdown", "markdown": {"content": fit_bytes(text, 4096)}}

    def prepare(self, n: Notification) -> HttpRequest:
        return HttpRequest("POST", self.ctx.url, json_headers(n), json_bytes(self.payload(n)))

    def classify_body(self, status: int, body: bytes) -> SendResult:
        code, msg = vendor_code(body, "errcode")
        if code == 0:
            return SendResult.delivered(status)
        return SendResult(ok=False, retryable=code in RETRYABLE, status=status, error=f"WeCom errcode {code}: {msg}")
