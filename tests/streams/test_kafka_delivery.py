"""Alert delivery on the Kafka host: notifications wait in a Faust table while the webhook is down, survive a
SIGKILLed worker, and reach the receiver (a real HTTP server) once it is up, each idempotency key once, in order
per issue; a receiver that keeps failing past the retry budget gets its notifications on the dead-letter topic,
counted in the worker's metrics."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

import httpx

from groundswell.alerts import BackgroundReceiver, FaultPlan, WebhookReceiver
from groundswell.alerts.feedback_report import notified_from_delivered
from tests.alerts.helpers import assert_in_order_per_issue
from tests.fixtures.kafka_broker import consume_all, free_port
from tests.streams.hosts import REPO_ROOT, KafkaHost
from tests.streams.hosts import stream_lines

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

ALERTING = """\
version: 1
route:
  receiver: hook
  group_by: [issue_id]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 4h
receivers:
  - name: hook
    type: webhook
    url_env: TEST_HOOK_URL
    secret_env: TEST_HOOK_SECRET
delivery: {timeout_s: 1, max_attempts: 100, backoff_initial_s: 0.2, backoff_max_s: 1, rate_limit_per_min: 60000}
"""


def test_pending_notifications_survive_a_killed_worker(kafka_bootstrap, kafka_names, tmp_path, reference):
    port = free_port()
    alerting = tmp_path / "alerting.yaml"
    alerting.write_text(ALERTING)
    h = KafkaHost(kafka_bootstrap, kafka_names, tmp_path, workers=1, alerting=str(alerting))
    h.env.update(TEST_HOOK_URL=f"http://127.0.0.1:{port}/", TEST_HOOK_SECRET="s3cret",
                 GROUNDSWELL_ALERTS_OUTBOX=str(tmp_path / "alerts"))
    received = tmp_path / "received.jsonl"
    rx = None
    try:
        h.start()
        lines = list(stream_lines())
        h.send(lines)
        # every alert is on issue-alerts, and the worker had time to route them into its outbox table
        expected = {a["issue_id"] for a in reference.unique_alerts() if a["status"] == "firing"}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            alerts = [json.loads(r.value) for r in consume_all(kafka_bootstrap, h.topic("alerts"), idle=0.5)]
            if {a["issue_id"] for a in alerts} >= expected:
                break
            time.sleep(1)
        time.sleep(3)
        h.workers[0].kill()                                     # the receiver was down the whole time: nothing delivered
        env = dict(os.environ, TEST_HOOK_SECRET="s3cret")
        rx = subprocess.Popen([sys.executable, "-m", "groundswell.streams.cli", "receiver", "--host", "127.0.0.1",
                               "--port", str(port), "--out", str(received), "--secret-env", "TEST_HOOK_SECRET"],
                              cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        h.start()                                    # a new worker: restores the outbox table and delivers
        got: set[str] = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            docs = [json.loads(x) for x in received.read_text().splitlines()] if received.exists() else []
            got = {a["labels"]["issue_id"] for d in docs for a in d["alerts"]}
            if got >= expected:
                break
            time.sleep(1)
        assert got >= expected, f"missing notifications for {sorted(expected - got)}"
        keys = [d["notification_id"] for d in docs]
        assert len(keys) == len(set(keys))           # the receiver accepted each idempotency key once
        assert_in_order_per_issue(docs)              # re-sent after the restart in the order they were made
        # the delivered log lands in the shared folder, for the feedback service and backtests
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            logged = notified_from_delivered(tmp_path / "alerts" / "delivered.jsonl")
            if {i for issues in logged.values() for i in issues} >= expected:
                break
            time.sleep(0.5)
        assert {i for issues in logged.values() for i in issues} >= expected
        assert set(logged) == {("root", "core")}
        restored = re.search(r"alert delivery: (\d+) notifications pending from before", h.workers[-1].log())
        assert restored and int(restored.group(1)) > 0, "the new worker found no pending notifications"
    finally:
        h.close()
        if rx is not None:
            rx.terminate()
            rx.wait(timeout=10)


def test_undeliverable_notifications_go_to_the_dead_letter_topic(kafka_bootstrap, kafka_names, tmp_path, reference):
    alerting = tmp_path / "alerting.yaml"
    alerting.write_text(ALERTING.replace("max_attempts: 100", "max_attempts: 2").replace(
        "backoff_initial_s: 0.2, backoff_max_s: 1", "backoff_initial_s: 0.05, backoff_max_s: 0.1"))
    metrics_port = free_port()
    rx = WebhookReceiver("s3cret", faults=FaultPlan(always_status=503))      # up, verifying, always failing
    h = KafkaHost(kafka_bootstrap, kafka_names, tmp_path, workers=1, alerting=str(alerting))
    with BackgroundReceiver(rx) as srv:
        h.env.update(TEST_HOOK_URL=f"http://127.0.0.1:{srv.port}/", TEST_HOOK_SECRET="s3cret",
                     GROUNDSWELL_METRICS_PORT=str(metrics_port))
        try:
            h.start()
            h.send(list(stream_lines()))
            expected = {a["issue_id"] for a in reference.unique_alerts() if a["status"] == "firing"}
            dead: list = []
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                dead = consume_all(kafka_bootstrap, h.topic("dead_letters"), idle=0.5)
                if {i for r in dead for i in json.loads(r.value)["issue_ids"]} >= expected:
                    break
                time.sleep(1)
            time.sleep(2)                             # let the last counter updates land
            dead = consume_all(kafka_bootstrap, h.topic("dead_letters"), idle=0.5)
            scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        finally:
            h.close()
    records = [json.loads(r.value) for r in dead]
    assert {i for d in records for i in d["issue_ids"]} >= expected, "a notification is missing from dead letters"
    keys = [d["notification_id"] for d in records]
    assert len(keys) == len(set(keys))                                      # each notification once
    assert [r.key.decode() for r in dead] == keys                           # keyed by notification id
    assert all(d["receiver"] == "hook" and d["attempts"] == 2 and "503" in d["last_error"] for d in records)
    assert all(d["notification"]["notification_id"] == d["notification_id"] for d in records)
    assert_in_order_per_issue([d["notification"] for d in records])        # in order per issue there too
    assert rx.requests == 2 * len(records) and rx.accepted == [] and rx.rejected == []
    counted = re.search(r'^groundswell_dead_letters_total\{receiver="hook"\} (\S+)$', scraped, re.M)
    assert counted and float(counted.group(1)) == len(records), scraped[:2000]
    failed = re.search(r'^groundswell_notifications_total\{outcome="dead_lettered",receiver="hook"\} (\S+)$',
                       scraped, re.M)
    assert failed and float(failed.group(1)) == len(records)
