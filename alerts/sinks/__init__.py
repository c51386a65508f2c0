"""Sinks: one module per receiver type. ``make_sink(receiver, ctx)`` picks the class by ``receiver.type``.

=========  ===============================================  ==========================================
type       message                                          authenticity
=========  ===============================================  ==========================================
webhook    versioned JSON body (``webhook.webhook_body``)   HMAC-SHA256 ``X-Groundswell-Signature``
dingtalk   markdown                                          "加签": ``timestamp`` + ``sign`` query params
wecom      markdown (≤ 4096 bytes)                           key in the URL
feishu     interactive card with markdown                   ``timestamp`` + ``sign`` in the body
slack      Block Kit header + mrkdwn                         the URL itself
file       JSON lines of webhook bodies                     —
=========  ===============================================  ==========================================
"""
from __future__ import annotations

from .base import HttpRequest, SendResult, Sink, SinkContext
from .dingtalk import DingTalkSink, dingtalk_sign
from .feishu import FeishuSink, feishu_sign
from .file import FileSink
from .slack import SlackSink
from .webhook import WebhookSink, sign_body, webhook_body
from .wecom import WeComSink

SINK_TYPES: dict[str, type[Sink]] = {
    "webhook": WebhookSink, "dingtalk": DingTalkSink, "wecom": WeComSink, "feishu": FeishuSink,
    "slack": SlackSink, "file": FileSink,
}


def make_sink(receiver, ctx: SinkContext) -> Sink:
    return SINK_TYPES[receiver.type](receiver, ctx)


__all__ = ["Sink", "SinkContext", "SendResult", "HttpRequest", "make_sink", "SINK_TYPES", "sign_body",
           "webhook_body", "dingtalk_sign", "feishu_sign", "WebhookSink", "DingTalkSink", "WeComSink",
           "FeishuSink", "SlackSink", "FileSink"]
