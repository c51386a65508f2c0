"""Chat messages of each sink, as a real local receiver gets them, against expected text in fixture files.

The scenario: an issue fires (its growth ends in the current, incomplete interval; its samples have urls), and
another issue merges into it (it resolves with ``merged_into``). Regenerate the fixtures after a deliberate change
with ``GROUNDSWELL_REGEN_FIXTURES=1`` and review the diff."""
from __future__ import annotations

import json
import os

import pytest

from groundswell.alerts.durations import parse_time

from .helpers import FIXTURES, RecordingBot, T0, ThreadedApp, config_from, event, make_notifier

MESSAGES = FIXTURES / "messages"
SINKS = {   # type -> (extra receiver settings, ok answer, text of the message)
    "webhook": ({"secret_env": "HOOK_SECRET"}, {}, lambda j: json.dumps(
        [{k: a[k] for k in ("status", "labels", "annotations", "ends_at")} for a in j["alerts"]],
        ensure_ascii=False, indent=1, sort_keys=True)),
    "dingtalk": ({}, {"errcode": 0}, lambda j: j["markdown"]["title"] + "\n----\n" + j["markdown"]["text"]),
    "wecom": ({}, {"errcode": 0}, lambda j: j["markdown"]["content"]),
    "feishu": ({}, {"code": 0}, lambda j: j["card"]["header"]["title"]["content"] + "\n----\n"
               + j["card"]["elements"][0]["content"]),
    "slack": ({}, "ok", lambda j: j["text"] + "\n----\n" + j["blocks"][1]["text"]["text"]),
}


def _events() -> list[dict]:
    fire = event("c7", 1, "orange", posts=40, title="江川区停水 water cut in Jiangchuan")
    fire["growth"] = {"interval_s": 300, "counts": [2, 5, 9, 16, 3], "current_s": 72.5}
    fire["sample_posts"] = [{"id": "wb1", "text": "江川区停水了，家里有老人", "url": "https://weibo.example/u1/status/wb1"},
                            {"id": "tw2", "text": "No water in Jiangchuan since noon", "url": "https://t.example/2"}]
    first = event("c9", 1, "yellow", at=T0 + 60, posts=12, title="江川 自来水 异味")
    merged = event("c9", 2, "yellow", status="resolved", at=T0 + 900, posts=12, title="江川 自来水 异味")
    merged["merged_into"] = "c7"
    return [fire, first, merged]


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("sink", sorted(SINKS))
def test_chat_message_text_matches_fixture(tmp_path, sink, language):
    extra, ok_body, text_of = SINKS[sink]
    bot = RecordingBot(lambda rec: (True, ""), ok_body, ok_body)
    receiver = {"name": "r", "type": sink, "url_env": "BOT_URL", "language": language, **extra}
    cfg = config_from({
        "global": {"dashboard_url": "http://127.0.0.1:3000/issues/{issue_id}", "timezone": "Asia/Shanghai"},
        "route": {"receiver": "r", "group_by": ["issue_id"], "group_wait": 0, "group_interval": 60},
        "receivers": [receiver],
        "delivery": {"timeout_s": 2, "max_attempts": 2, "backoff_initial_s": 0.01, "backoff_max_s": 0.02,
                     "rate_limit_per_min": 60000},
    })
    with ThreadedApp(bot.app) as srv:
        n = make_notifier(cfg, tmp_path / "outbox", {"BOT_URL": f"http://127.0.0.1:{srv.port}/hook",
                                                     "HOOK_SECRET": "s"})
        try:
            for e in _events():
                n.submit(e, parse_time(e["at"]))
                n.tick(parse_time(e["at"]))
            n.tick(T0 + 3600)
            n.deliver_pending(timeout_s=10)
        finally:
            n.close()
    got = "\n\n=====\n\n".join(text_of(r["json"]) for r in bot.requests) + "\n"
    path = MESSAGES / f"{sink}.{language}.txt"
    if os.environ.get("GROUNDSWELL_REGEN_FIXTURES"):
        MESSAGES.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")


def test_times_in_chat_messages_use_the_route_time_zone(tmp_path):
    """A route's ``timezone`` (inherited by its children) wins over the receiver's and the global one; JSON keeps
    RFC 3339 UTC."""
    bot = RecordingBot(lambda rec: (True, ""), {"errcode": 0}, {"errcode": 0})
    cfg = config_from({
        "global": {"timezone": "Asia/Shanghai"},
        "route": {"receiver": "log", "group_wait": 0, "timezone": "Europe/London",
                  "routes": [{"name": "to-wecom", "receiver": "wecom", "matchers": ['severity="orange"']}]},
        "receivers": [{"name": "log", "type": "file", "path": "n.jsonl"},
                      {"name": "wecom", "type": "wecom", "url_env": "BOT_URL", "timezone": "UTC"}],
        "delivery": {"timeout_s": 2, "max_attempts": 2, "rate_limit_per_min": 60000},
    })
    assert cfg.display_timezone("to-wecom", "UTC") == "Europe/London"
    with ThreadedApp(bot.app) as srv:
        n = make_notifier(cfg, tmp_path / "outbox", {"BOT_URL": f"http://127.0.0.1:{srv.port}/hook"})
        try:
            e = _events()[0]
            n.submit(e, parse_time(e["at"]))
            n.tick(parse_time(e["at"]))
            n.deliver_pending(timeout_s=10)
        finally:
            n.close()
    text = bot.requests[0]["json"]["markdown"]["content"]
    assert "2024-05-01 00:50 (Europe/London)" in text and "Asia/Shanghai" not in text
