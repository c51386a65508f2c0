"""Slack incoming webhook: Block Kit message (header + mrkdwn section) with a plain ``text`` fallback.

The webhook URL is the credential (Slack does not sign incoming-webhook calls), so it comes from an
environment variable. Success is HTTP 200 with body ``ok``; 429 carries ``Retry-After``.
"""
from __future__ import annotations

from ..dispatcher import Notification
from .base import HttpRequest, SendResult, Sink, json_bytes, json_headers
from .text import SLACK, headline, render_markdown


class SlackSink(Sink):
    type = "slack"

    def payload(self, n: Notification) -> dict:
        cfg, lang = self.ctx.config, self.ctx.language
        title = headline(n, cfg, lang)
        body = render_markdown(n, cfg, lang, self.ctx.timezone, SLACK, heading=False)
        if len(body) > 2900:
            body = body[:2899] + "…"
        return {"text": title, "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body}},
        ]}

    def prepare(self, n: Notification) -> HttpRequest:
        return HttpRequest("POST", self.ctx.url, json_headers(n), json_bytes(self.payload(n)))

    def classify_body(self, status: int, body: bytes) -> SendResult:
        text = body.decode("utf-8", "replace").strip()
        if text in ("ok", ""):
            return SendResult.delivered(status)
        return SendResult(ok=False, retryable=False, status=status, error=f"Slack: {text[:200]}")
