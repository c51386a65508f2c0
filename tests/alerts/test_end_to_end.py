"""End to end: a generated post stream through the detector core, its issue events through the Notifier
(driven on event time, as the embedded runner does), delivered to a real local webhook receiver."""
from __future__ import annotations

import json
import random
from collections import defaultdict

import pytest

from groundswell.alerts import BackgroundReceiver, WebhookReceiver
from groundswell.alerts.durations import format_time

from .helpers import assert_in_order_per_issue, config_from, make_notifier

SECRET = "e2e-secret"
T0 = 1714521600.0          # 2024-05-01T00:00:00Z
WORDS = ("coffee lunch weather train movie game music book dog cat garden weekend football beach pizza rain "
         "snow office school party").split()
BRIDGE = ["millbrook bridge collapse river road closed", "bridge collapse at millbrook river road",
          "river road closed after millbrook bridge collapse", "millbrook bridge collapse people hurt"]
WATER = ["临江市 江川区 停水 三天 没人管", "江川区 停水 三天 临江市 自来水", "临江市 自来水 停水 江川区 居民"]


def generate_posts(seed: int = 5) -> list[dict]:
    """Background chatter for 14 h; an English burst (260 voices) at ~6 h and a Chinese one (70) at ~2 h."""
    rng = random.Random(seed)
    posts, t, i = [], T0, 0
    while t < T0 + 14 * 3600:
        t += rng.expovariate(1 / 40)
        posts.append({"id": f"b{i}", "text": " ".join(rng.sample(WORDS, 5)), "t": t, "author": f"u{rng.randrange(3000)}",
                      "lang": "en", "source": "forum", "region": "eastport"})
        i += 1
    for k in range(260):
        posts.append({"id": f"x{k}", "text": rng.choice(BRIDGE) + " " + rng.choice(WORDS), "t": T0 + 6 * 3600 + 12 * k,
                      "author": f"v{k}", "lang": "en", "source": "forum", "region": "eastport"})
    for k in range(70):
        posts.append({"id": f"w{k}", "text": rng.choice(WATER), "t": T0 + 2 * 3600 + 30 * k, "author": f"z{k}",
                      "lang": "zh", "source": "weibo", "region": "linjiang"})
    return sorted(posts, key=lambda p: p["t"])


def e2e_config_dict() -> dict:
    return {
        "global": {"dashboard_url": "http://127.0.0.1:3000/d/groundswell/issues?var-issue={issue_id}"},
        "route": {"receiver": "hook", "group_by": ["issue_id"], "group_wait": "30s", "group_interval": "5m",
                  "repeat_interval": "4h",
                  "routes": [{"name": "log-all", "receiver": "log", "continue": True},
                             {"name": "hook-all", "receiver": "hook"}]},
        "receivers": [{"name": "log", "type": "file", "path": "notifications.jsonl"},
                      {"name": "hook", "type": "webhook", "url_env": "E2E_URL", "secret_env": "E2E_SECRET",
                       "language": "en"}],
        "inhibit_rules": [{"source_matchers": ['severity="orange"'], "target_matchers": ['severity=~"blue|yellow"'],
                           "equal": ["issue_id"]},
                          {"source_matchers": ['severity="yellow"'], "target_matchers": ['severity="blue"'],
                           "equal": ["issue_id"]}],
        "delivery": {"timeout_s": 2, "backoff_initial_s": 0.02, "backoff_max_s": 0.1},
    }


def e2e_config():
    return config_from(e2e_config_dict())


def check_delivery(rx: WebhookReceiver, made, events, outbox_dir, *, every_rise: bool = True) -> None:
    """Exactly once, in order, every issue notified, rises in order; ``every_rise`` when ticks were frequent
    enough that no rise fell inside another's group_wait (a rise within it replaces the lower severity)."""
    hook = [n for n in made if n.receiver == "hook"]
    got = [b["notification_id"] for b in rx.accepted]
    assert rx.rejected == [] and len(got) == len(set(got)) == len(hook)
    assert got == [n.notification_id for n in hook]           # one receiver, one queue: arrival order = made order
    by_issue = defaultdict(list)
    for b in rx.accepted:
        a = b["alerts"][0]
        if b["repeat"] == 0:                                  # reminders (repeat_interval) aside
            by_issue[a["labels"]["issue_id"]].append((b["status"], a["labels"]["severity"]))
    fired = {e["issue_id"] for e in events}
    assert set(by_issue) == fired
    for issue, seq in by_issue.items():
        assert seq[0][0] == "firing"
        rises = [e["severity"] for e in events if e["issue_id"] == issue and e["status"] == "firing"]
        notified = [s for st, s in seq if st == "firing"]
        if every_rise:
            assert notified == list(dict.fromkeys(rises))                    # each rise notified once
        else:
            assert notified == [r for r in dict.fromkeys(rises) if r in notified] and notified[-1] == rises[-1]
        if any(e["issue_id"] == issue and e["status"] == "resolved" for e in events):
            assert seq[-1][0] == "resolved"
    logged = [json.loads(line)["notification_id"]
              for line in (outbox_dir / "notifications.jsonl").read_text(encoding="utf-8").splitlines()]
    assert logged == [n.notification_id for n in made if n.receiver == "log"]


def test_detector_stream_to_a_local_webhook_receiver(tmp_path):
    from groundswell.config.schema import DetectorConfig
    from groundswell.detectors.pipeline import IssueDetector, PostIn

    det = IssueDetector(DetectorConfig(), tokenize=str.split)
    rx = WebhookReceiver(SECRET)
    events, made = [], []
    with BackgroundReceiver(rx) as srv:
        n = make_notifier(e2e_config(), tmp_path, {"E2E_URL": f"http://127.0.0.1:{srv.port}/hook",
                                                   "E2E_SECRET": SECRET})
        for k, p in enumerate(generate_posts()):
            _, out = det.learn_one(PostIn(p["id"], p["text"], p["t"], p["author"], None, p["lang"], p["source"],
                                          p["region"]))
            for e in out:
                events.append(e)
                n.submit(e, p["t"])
            made += n.tick(p["t"])
            if k % 200 == 0:
                n.deliver_pending(timeout_s=5)
        made += n.flush(p["t"])
        result = n.deliver_pending(timeout_s=20)
        n.close()
    severities = {(e["issue_id"], e["severity"]) for e in events}
    assert len({e["issue_id"] for e in events}) >= 2 and len(severities) >= 4, events
    assert result.pending == 0 and result.dead_lettered == 0
    check_delivery(rx, made, events, tmp_path)
    assert_in_order_per_issue(rx.accepted)
    sample = rx.accepted[0]["alerts"][0]["annotations"]
    assert sample["dashboard_url"].startswith("http://127.0.0.1:3000/") and sample["sample_posts"]


def test_groundswell_run_with_a_webhook_receiver(tmp_path):
    """The `groundswell run --alerting FILE` command, as a user runs it, delivering to a real local receiver."""
    import os
    import subprocess
    import sys

    import yaml
    src = tmp_path / "posts.jsonl"
    with src.open("w", encoding="utf-8") as f:
        for p in generate_posts():
            f.write(json.dumps({"id": p["id"], "text": p["text"], "created_at": format_time(p["t"]),
                                "author": p["author"], "lang": p["lang"], "source": p["source"],
                                "region": p["region"]}, ensure_ascii=False) + "\n")
    cfg = tmp_path / "alerting.yaml"
    cfg.write_text(yaml.safe_dump(e2e_config_dict()), encoding="utf-8")
    rx = WebhookReceiver(SECRET)
    with BackgroundReceiver(rx) as srv:
        env = {**os.environ, "E2E_URL": f"http://127.0.0.1:{srv.port}/hook", "E2E_SECRET": SECRET}
        res = subprocess.run([os.path.join(os.path.dirname(sys.executable), "groundswell"), "run", str(src),
                              "--alerts-out", str(tmp_path / "alerts.jsonl"), "--alerting", str(cfg),
                              "--outbox", str(tmp_path / "outbox")], env=env, capture_output=True, timeout=300)
    assert res.returncode == 0, res.stderr.decode()
    events = [json.loads(line) for line in (tmp_path / "alerts.jsonl").open(encoding="utf-8")]
    assert {e["status"] for e in events} >= {"firing"}
    assert rx.rejected == []                                   # every request carried a valid signature
    got = [b["notification_id"] for b in rx.accepted]
    assert got and len(got) == len(set(got))                   # delivered, each once
    notified = {b["alerts"][0]["labels"]["issue_id"] for b in rx.accepted}
    assert notified == {e["issue_id"] for e in events}          # every issue that fired reached the receiver
    assert_in_order_per_issue(rx.accepted)                     # in emission order per issue
    last_event = {e["issue_id"]: e["status"] for e in events}
    last_body = {b["alerts"][0]["labels"]["issue_id"]: b["status"] for b in rx.accepted}
    assert last_body == last_event                             # resolved issues were announced resolved
    assert "resolved" in last_event.values()
