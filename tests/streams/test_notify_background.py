"""Delivery never holds detection back: a replay's event-time notifier queues what a rate-limited chat bot cannot
take yet in the outbox (real local receiver), instead of waiting on the bot's 20 messages a minute."""
from __future__ import annotations

import time

import yaml

from groundswell.alerts import Notifier
from groundswell.alerts.durations import parse_time
from groundswell.streams.notify import EventTimeNotifier

from tests.alerts.helpers import RecordingBot, T0, ThreadedApp, event


def test_rate_limited_bot_queues_in_the_outbox_instead_of_blocking(tmp_path):
    bot = RecordingBot(lambda rec: (True, ""), {"errcode": 0, "errmsg": "ok"}, {"errcode": 0})
    cfg = tmp_path / "alerting.yaml"
    cfg.write_text(yaml.safe_dump({
        "route": {"receiver": "ding", "group_by": ["issue_id"], "group_wait": 0, "group_interval": 60},
        "receivers": [{"name": "ding", "type": "dingtalk", "url_env": "BG_DING_URL"}],   # 20 a minute, burst 3
    }), encoding="utf-8")
    with ThreadedApp(bot.app) as srv:
        env = {"BG_DING_URL": f"http://127.0.0.1:{srv.port}/robot/send?access_token=t"}
        notifier = Notifier(str(cfg), outbox_dir=tmp_path / "outbox", environ=env)
        etn = EventTimeNotifier(cfg, tmp_path / "outbox", notifier=notifier)
        started = time.perf_counter()
        for i in range(8):                        # eight issues over 80 minutes of event time
            e = event(f"c{i}", 1, "orange", at=T0 + 600 * i)
            etn.on_alert(e)
            etn.on_time(parse_time(e["at"]) + 300)
        fed = time.perf_counter() - started
        result = etn.close()
        closed = time.perf_counter() - started
        assert fed < 2.0 and closed < 4.0, (fed, closed)      # was: 10 s per 5 min of event time while it waited
        assert result.pending > 0 and len(bot.requests) + result.pending == 8
        # the queued ones go out later (same ids, in order) from the durable outbox
        later = Notifier(str(cfg), outbox_dir=tmp_path / "outbox", environ=env)
        try:
            assert later.deliver_pending(timeout_s=60).pending == 0
        finally:
            later.close()
    issues = [r["json"]["markdown"]["title"] for r in bot.requests]
    assert len(issues) == 8 and len(set(issues)) == 8
