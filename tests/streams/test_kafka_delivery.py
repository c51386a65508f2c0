"""Alert delivery on the Kafka host: notifications wait in a Faust table while the webhook is down, survive a
SIGKILLed worker, and reach the receiver (a real HTTP server) once it is up, each idempotency key once."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

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
    h.env.update(TEST_HOOK_URL=f"http://127.0.0.1:{port}/", TEST_HOOK_SECRET="s3cret")
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
        restored = re.search(r"alert delivery: (\d+) notifications pending from before", h.workers[-1].log())
        assert restored and int(restored.group(1)) > 0, "the new worker found no pending notifications"
    finally:
        h.close()
        if rx is not None:
            rx.terminate()
            rx.wait(timeout=10)
