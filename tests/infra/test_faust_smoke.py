"""Faust proof of concept against the real broker: agent + changelog-backed Table, survives SIGKILL.

The worker (tests/infra/faust_smoke_app.py) runs as a subprocess, exactly as in production:
``python -m faust -A tests.infra.faust_smoke_app worker``.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.kafka_broker import (
    committed_offsets,
    consume_all,
    create_topics,
    end_offsets,
    free_port,
    produce_json,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 90.0


class FaustWorker:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self._log_offset = 0

    def start(self) -> None:
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "faust", "-A", "tests.infra.faust_smoke_app", "worker", "-l", "info"],
            cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()

    def log_since_start(self) -> str:
        with open(self.log_path, "rb") as f:
            f.seek(self._log_offset)
            return f.read().decode("utf-8", "replace")

    def wait_for_log(self, needle: str, timeout: float = READY_TIMEOUT) -> float:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if needle in self.log_since_start():
                return time.monotonic() - t0
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"worker never logged {needle!r} (exit={self.proc and self.proc.poll()}):\n"
                             + self.log_since_start()[-6000:])

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def terminate(self, timeout: float = 30.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


def _listening_addresses(port: int) -> set[str]:
    """Local IPv4 addresses LISTENing on ``port`` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr_hex, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:
            found.add(".".join(str(b) for b in reversed(bytes.fromhex(addr_hex))))
    return found


def _wait_until(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_faust_table_recovers_from_changelog_after_sigkill(kafka_bootstrap, kafka_names, tmp_path):
    app_id = kafka_names.app_id("smoke")
    topic_in, topic_out = kafka_names.topic("words"), kafka_names.topic("counts")
    changelog = f"{app_id}-counts-changelog"
    # Faust does not create the source topic: if it is missing when the worker starts, the
    # worker is assigned nothing and never notices the topic later. Create topics up front.
    create_topics(kafka_bootstrap, [topic_in, topic_out], partitions=2)

    web_port = free_port()
    env = dict(os.environ, GS_SMOKE_BROKER=kafka_bootstrap, GS_SMOKE_APP_ID=app_id,
               GS_SMOKE_IN=topic_in, GS_SMOKE_OUT=topic_out, GS_SMOKE_WEB_PORT=str(web_port),
               GS_SMOKE_DATADIR=str(tmp_path / "faust-data"), PYTHONUNBUFFERED="1")
    worker = FaustWorker(env, tmp_path / "worker.log")
    timings: dict[str, float] = {}
    try:
        t0 = time.monotonic()
        worker.start()
        timings["first_start_to_ready"] = worker.wait_for_log("[^Worker]: Ready")
        worker.wait_for_log("Worker ready")  # recovery finished, partitions assigned
        assert f"{topic_in}" in worker.log_since_start()
        assert _listening_addresses(web_port) == {"127.0.0.1"}, "Faust web must bind loopback only"

        # keys chosen so both partitions get events (kafka-python murmur2: a,苹果 -> 0; d,香蕉 -> 1)
        words = ["a", "d", "a", "苹果", "a", "d"]
        produce_json(kafka_bootstrap, topic_in, [(w, {"word": w}) for w in words])
        out = consume_all(kafka_bootstrap, topic_out, expect=len(words), timeout=60)
        timings["first_start_to_first_outputs"] = time.monotonic() - t0
        final = {}
        for rec in out:
            value = json.loads(rec.value)
            final[value["word"]] = max(final.get(value["word"], 0), value["count"])
        assert final == {"a": 3, "d": 2, "苹果": 1}, out

        # Kill only once the input offsets are committed (else the restarted worker re-reads
        # uncommitted events: at-least-once) and every table update reached the changelog.
        def all_committed() -> bool:
            committed = committed_offsets(kafka_bootstrap, app_id, topic_in)
            return all(committed.get(p, 0) >= end for p, end in end_offsets(kafka_bootstrap, topic_in).items())
        _wait_until(all_committed, 30, "offset commit")
        _wait_until(lambda: sum(end_offsets(kafka_bootstrap, changelog).values()) == len(words),
                    30, "changelog writes")
        assert all(n > 0 for n in end_offsets(kafka_bootstrap, changelog).values())
        worker.kill()

        t1 = time.monotonic()
        worker.start()
        timings["restart_to_ready"] = worker.wait_for_log("[^Worker]: Ready")
        log = worker.log_since_start()
        assert "Restoring state from changelog topics" in log and "Recovery complete" in log, log

        more = ["a", "d", "香蕉"]
        produce_json(kafka_bootstrap, topic_in, [(w, {"word": w}) for w in more])
        out = consume_all(kafka_bootstrap, topic_out, expect=len(words) + len(more), timeout=90)
        timings["restart_to_new_outputs"] = time.monotonic() - t1
        tail = [json.loads(r.value) for r in out[len(words):]] if len(out) > len(words) else []
        counts_after = {v["word"]: v["count"] for v in sorted(
            (json.loads(r.value) for r in out), key=lambda v: v["count"])}
        assert len(out) == len(words) + len(more), (out, worker.log_since_start()[-4000:])
        # state recovered from the changelog: counting continues where it stopped
        assert counts_after == {"a": 4, "d": 3, "苹果": 1, "香蕉": 1}, (tail, worker.log_since_start()[-4000:])
    finally:
        worker.terminate()
        print("faust smoke timings (s):", {k: round(v, 2) for k, v in timings.items()})
