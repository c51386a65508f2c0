"""The verification snippet shipped in docs/alerts.md works on what the webhook sink sends."""
from __future__ import annotations

import re
import time
from pathlib import Path

from groundswell.alerts.dispatcher import Notification
from groundswell.alerts.sinks.base import SinkContext
from groundswell.alerts.sinks.webhook import WebhookSink, sign_body

from .helpers import config_from

DOC = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"


def snippet() -> dict:
    text = DOC.read_text(encoding="utf-8")
    code = re.search(r"<!-- verify-snippet -->\s*```python\n(.*?)```", text, re.S).group(1)
    ns: dict = {}
    exec(compile(code, str(DOC), "exec"), ns)
    return ns


def test_docs_verification_snippet_accepts_real_requests_and_rejects_tampering():
    verify = snippet()["verify_groundswell"]
    cfg = config_from({"route": {"receiver": "hook"},
                       "receivers": [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:1/x",
                                      "secret_env": "S"}]})
    sink = WebhookSink(cfg.receivers[0], SinkContext(url="http://127.0.0.1:1/x", secret="k3y", language="en",
                                                      timezone="UTC", config=cfg))
    n = Notification("nid", "hook", "root", "g", {}, "firing", 0, [])
    req = sink.prepare(n)
    ts, sig = req.headers["X-Groundswell-Timestamp"], req.headers["X-Groundswell-Signature"]
    assert verify("k3y", ts, sig, req.body)
    assert not verify("k3y", ts, sig, req.body + b" ")
    assert not verify("other", ts, sig, req.body)
    old = int(time.time()) - 400                          # correctly signed, but too old: a replay
    assert not verify("k3y", str(old), sign_body("k3y", old, req.body), req.body)
    assert req.headers["Idempotency-Key"] == "nid"


def test_docs_mention_every_metric_and_receiver_type():
    text = DOC.read_text(encoding="utf-8")
    for name in ("groundswell_notifications_total", "groundswell_dead_letters_total", "groundswell_notification_queue",
                 "groundswell_notification_delivery_seconds", "groundswell_feedback_total",
                 "groundswell_time_to_acknowledge_seconds", "groundswell_false_alarms_total",
                 "groundswell_issues_answered_total", "groundswell_issues_notified_total"):
        assert name in text
    for t in ("webhook", "dingtalk", "wecom", "feishu", "slack", "file"):
        assert f"`{t}`" in text


def test_commands_named_in_the_docs_exist():
    """Every `groundswell <command> [<action>]` the docs and README show is a real command of the CLI."""
    import argparse

    from groundswell.streams.cli import build_parser
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    readme = DOC.parents[1] / "README.md"
    text = DOC.read_text(encoding="utf-8") + readme.read_text(encoding="utf-8")
    seen = set()
    for cmd, action in re.findall(r"(?:^|[\s/`])groundswell ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", text, re.M):
        assert cmd in sub.choices, f"groundswell {cmd}"
        choices = next((a.choices for a in sub.choices[cmd]._actions if a.dest in ("action", "kind")), None)
        if choices and action:
            assert action in choices, f"groundswell {cmd} {action}"
        seen.add(cmd)
    assert {"run", "receiver", "feedback", "worker"} <= seen
