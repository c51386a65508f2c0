"""Feedback used by backtests: the report joining officials' verdicts with the issues a run notified, per route
and detector, from a delivered log or from a run's issue events routed through a config; and the
`groundswell feedback serve|report` commands over real HTTP."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from groundswell.alerts.durations import parse_time
from groundswell.alerts.feedback_report import feedback_report, notified_from_delivered, notified_from_events
from groundswell.alerts.receiver import free_port
from groundswell.streams.cli import main as cli_main

from .helpers import T0, config_from, event, make_notifier

REPO = Path(__file__).resolve().parents[2]

ROUTES = {
    "route": {"receiver": "log", "group_wait": 0, "group_interval": 60,
              "routes": [{"name": "duty", "matchers": ['severity=~"orange|red"'], "receiver": "duty",
                          "continue": True},
                         {"name": "sh", "matchers": ['region="sh"'], "receiver": "log"}]},
    "receivers": [{"name": "log", "type": "file", "path": "log.jsonl"},
                  {"name": "duty", "type": "file", "path": "duty.jsonl"}],
    "inhibit_rules": [{"source_matchers": ['severity="red"'], "target_matchers": ['severity=~"yellow|orange"'],
                       "equal": ["issue_id"]}],
    "silences": [{"matchers": ['source="drill"'], "starts_at": "2024-01-01T00:00:00Z",
                  "ends_at": "2030-01-01T00:00:00Z", "created_by": "ops", "comment": "drill"}],
}


def run_events() -> list[dict]:
    """c1: Shanghai, yellow -> red (burst detector); c2: Beijing, yellow; c3: Shanghai, orange; c4: silenced."""
    return [
        event("c1", 1, "yellow", at=T0, labels={"region": "sh", "detector": "burst"}),
        event("c2", 1, "yellow", at=T0 + 10, labels={"region": "bj"}),
        event("c3", 1, "orange", at=T0 + 20, labels={"region": "sh"}),
        event("c4", 1, "red", at=T0 + 25, labels={"region": "sh", "source": "drill"}),
        event("c1", 2, "red", at=T0 + 300, labels={"region": "sh", "detector": "burst"}),
        event("c2", 2, "yellow", "resolved", at=T0 + 900, labels={"region": "bj"}),
    ]


VERDICTS = [   # what officials said, in the feedback API's record format
    {"issue_id": "c1", "action": "ack", "time_to_ack_s": 100.0},
    {"issue_id": "c1", "action": "resolve"},
    {"issue_id": "c2", "action": "false_alarm"},
    {"issue_id": "c3", "action": "ack", "time_to_ack_s": 300.0},
    {"issue_id": "c3", "action": "false_alarm"},
    {"issue_id": "c9", "action": "false_alarm"},        # an issue this run never notified
]


def rows_by_key(report) -> dict[tuple[str, str], tuple]:
    return {(r.route, r.detector): (r.notified, r.false_alarms, r.false_alarm_share, r.acked, r.resolved,
                                    r.without_feedback) for r in report.rows}


EXPECTED = {
    ("duty", "burst"): (1, 0, 0.0, 1, 1, 0),       # c1 (red)
    ("duty", "core"): (1, 1, 1.0, 1, 0, 0),        # c3 (orange)
    ("sh", "burst"): (1, 0, 0.0, 1, 1, 0),         # c1
    ("sh", "core"): (1, 1, 1.0, 1, 0, 0),          # c3; c4 silenced everywhere
    ("root", "core"): (1, 1, 1.0, 0, 0, 0),        # c2 (Beijing)
}


def test_report_from_events_routes_mutes_and_joins_verdicts():
    notified = notified_from_events(run_events(), config_from(ROUTES))
    assert notified == {("duty", "burst"): {"c1"}, ("duty", "core"): {"c3"}, ("sh", "burst"): {"c1"},
                        ("sh", "core"): {"c3"}, ("root", "core"): {"c2"}}
    report = feedback_report(VERDICTS, notified)
    assert rows_by_key(report) == EXPECTED
    t = report.total
    assert (t.notified, t.false_alarms, t.acked) == (3, 2, 2) and t.false_alarm_share == pytest.approx(2 / 3)
    assert (t.median_ack_s, t.p90_ack_s) == (100.0, 300.0)
    assert report.unmatched_feedback == ["c9"]
    # a changed routing tree changes the answer: without the silence, c4 reaches duty and sh unjudged
    unsilenced = config_from({k: v for k, v in ROUTES.items() if k != "silences"})
    other = feedback_report(VERDICTS, notified_from_events(run_events(), unsilenced))
    assert rows_by_key(other)[("duty", "core")] == (2, 1, 0.5, 1, 0, 1)


def test_report_from_a_delivered_log_of_a_real_run(tmp_path):
    n = make_notifier(config_from(ROUTES), tmp_path)
    for e in run_events():
        now = parse_time(e["at"])
        n.submit(e, now)
        n.tick(now)
    n.flush(T0 + 1000)
    assert n.deliver_pending(timeout_s=10).pending == 0
    n.close()
    report = feedback_report(VERDICTS, notified_from_delivered(tmp_path / "delivered.jsonl"))
    assert rows_by_key(report) == EXPECTED
    assert feedback_report([], {}).total.false_alarm_share is None


def test_feedback_report_command(tmp_path, capsys):
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text("".join(json.dumps(e) + "\n" for e in run_events()), encoding="utf-8")
    cfg = tmp_path / "alerting.yaml"
    cfg.write_text(yaml.safe_dump(ROUTES), encoding="utf-8")
    fb = tmp_path / "feedback.jsonl"
    fb.write_text("".join(json.dumps(v) + "\n" for v in VERDICTS), encoding="utf-8")

    assert cli_main(["feedback", "report", str(fb), "--alerts", str(alerts), "--alerting", str(cfg), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    got = {(r["route"], r["detector"]): (r["notified"], r["false_alarms"]) for r in doc["rows"]}
    assert got == {k: v[:2] for k, v in EXPECTED.items()} and doc["unmatched_feedback"] == ["c9"]

    assert cli_main(["feedback", "report", str(fb), "--alerts", str(alerts), "--alerting", str(cfg)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:5] == ["route", "detector", "notified", "false_alarms", "fa_share"]
    assert any(line.split()[:5] == ["duty", "core", "1", "1", "100.0%"] for line in table)
    assert table[-1].startswith("feedback for 1 issue(s) this run never notified: c9")

    assert cli_main(["feedback", "report", str(fb)]) == 2                             # no source of issues
    assert cli_main(["feedback", "report", str(fb), "--delivered", str(tmp_path / "nope.jsonl")]) == 2


def test_feedback_serve_command_records_measures_and_feeds_the_report(tmp_path):
    """`groundswell feedback serve` as an operator runs it: token-checked API, metrics on their own port, and
    the stored feedback read back by `groundswell feedback report` against the run's delivered log."""
    n = make_notifier(config_from(ROUTES), tmp_path)
    for e in run_events()[:4]:
        n.submit(e, T0 + 30)
    n.tick(T0 + 30)
    assert n.deliver_pending(timeout_s=10).delivered > 0
    n.close()
    cfg = tmp_path / "alerting.yaml"
    cfg.write_text(yaml.safe_dump(ROUTES), encoding="utf-8")
    port, metrics_port = free_port(), free_port()
    env = {**os.environ, "GROUNDSWELL_FEEDBACK_TOKEN": "tok-123-feedback-token-for-the-report-test"}
    proc = subprocess.Popen([sys.executable, "-m", "groundswell.streams.cli", "feedback", "serve", "--alerting",
                             str(cfg), "--outbox", str(tmp_path), "--port", str(port), "--metrics-port",
                             str(metrics_port)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "feedback server did not come up"
            time.sleep(0.2)
        assert httpx.post(url + "/api/v1/feedback", json={"issue_id": "c3", "action": "ack"}).status_code == 401
        auth = {"Authorization": "Bearer tok-123-feedback-token-for-the-report-test"}
        for body in ({"issue_id": "c3", "action": "ack"}, {"alert_id": "c3:1", "action": "false_alarm"},
                     {"issue_id": "c2", "action": "resolve"}):
            assert httpx.post(url + "/api/v1/feedback", json=body, headers=auth).status_code == 201
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert re.search(r'^groundswell_false_alarms_total\{detector="core",route="(duty|sh)"\} 1\.0$', scraped, re.M)
    assert re.search(r"^groundswell_time_to_acknowledge_seconds_count 1\.0$", scraped, re.M)
    assert re.search(r'^groundswell_feedback_total\{action="resolve"\} 1\.0$', scraped, re.M)
    assert "c3" not in scraped                                     # no issue ids as labels
    out = subprocess.run([sys.executable, "-m", "groundswell.streams.cli", "feedback", "report",
                          str(tmp_path / "feedback.jsonl"), "--delivered", str(tmp_path / "delivered.jsonl"),
                          "--json"], cwd=REPO, env=env, capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    doc = json.loads(out.stdout)
    duty = {r["detector"]: r for r in doc["rows"] if r["route"] == "duty"}
    assert duty["core"]["false_alarms"] == 1 and duty["core"]["acked"] == 1
    assert duty["core"]["median_ack_s"] is not None and duty["core"]["median_ack_s"] >= 0
