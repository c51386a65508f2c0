"""The two hosts of the same pipeline logic behind one interface, for tests parametrised over both
(as getsentry/arroyo runs its backend tests on an in-memory and a Kafka backend).

``host.run(lines)`` feeds raw JSON Lines (bytes) through the host and returns :class:`Outputs`.
The Kafka host runs real ``groundswell worker`` subprocesses against the real broker.
"""
from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from groundswell.streams.synthetic import generate
from tests.fixtures.kafka_broker import KafkaNames, consume_all

REPO_ROOT = Path(__file__).resolve().parents[2]
PSEUDONYM_KEY = "groundswell-tests-key"

# short timeouts: a killed worker's partitions move within seconds; checkpoints every second
KAFKA_TEST_SETTINGS = """\
bootstrap: {bootstrap}
app_id: {app_id}
topic_prefix: {prefix}
topics:
  posts:       {{name: posts, partitions: 4, retention_s: 86400}}
  rejects:     {{name: post-rejects, partitions: 1, retention_s: 86400}}
  clean:       {{name: clean-posts, partitions: 4, retention_s: 86400}}
  alerts:      {{name: issue-alerts, partitions: 1, retention_s: 86400}}
  assignments: {{name: issue-assignments, partitions: 4, retention_s: 86400}}
shard_partitions: 4
assignments: true
worker:
  web_bind: 127.0.0.1
  web_port: 0
  session_timeout_s: 6
  heartbeat_s: 1
  commit_interval_s: 0.5
  snapshot_every_s: 1
  idle_after_s: 2
  mark_every_posts: 50
"""


@functools.lru_cache(maxsize=None)
def planted(seed: int = 5):
    """A synthetic day (15k posts: zh and en chatter, four planted issues, traps)."""
    return generate(seed, hours=24, background_rate_per_min=4.0)


@functools.lru_cache(maxsize=None)
def stream_lines(seed: int = 5) -> tuple[bytes, ...]:
    return tuple(orjson.dumps(p) for p in planted(seed).posts)


@dataclass
class Outputs:
    alerts: list[dict] = field(default_factory=list)
    assignments: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)

    def final_assignments(self) -> dict[str, str | None]:
        """post id -> issue id, last report wins (what the scorer reads)."""
        return {a["post_id"]: a["issue_id"] for a in self.assignments}

    def unique_alerts(self) -> list[dict]:
        """Alerts with re-deliveries (same alert_id) dropped, as a receiver does; asserts duplicates are equal."""
        seen: dict[str, dict] = {}
        out = []
        for a in self.alerts:
            prev = seen.get(a["alert_id"])
            if prev is None:
                seen[a["alert_id"]] = a
                out.append(a)
            else:
                assert prev == a, f"two different alerts share the id {a['alert_id']}"
        return out


def alert_key(a: dict) -> tuple:
    return (a["alert_id"], a["issue_id"], a["status"], a["severity"], a["at"], a["posts"], a["authors"])


def canonical(alerts: list[dict]) -> list[tuple]:
    return sorted(alert_key(a) for a in alerts)


def assert_same_outputs(out: Outputs, reference: Outputs) -> None:
    """The same alerts (issue, status, severity, event time, posts, authors) and final assignments."""
    assert canonical(out.unique_alerts()) == canonical(reference.unique_alerts())
    assert out.final_assignments() == reference.final_assignments()


class EmbeddedHost:
    name = "embedded"

    def __init__(self, tmp: Path, config_path: str | None = None):
        self.tmp = tmp
        self.config_path = config_path

    def run(self, lines: list[bytes], later: list[bytes] = ()) -> Outputs:
        """``later``: lines that arrive after everything before them was used (here: simply appended)."""
        lines = list(lines) + list(later)
        from groundswell.config.schema import load_config
        from groundswell.streams.pseudonym import Pseudonymizer
        from groundswell.streams.run import run_files
        path = self.tmp / "embedded-in.jsonl"
        path.write_bytes(b"".join(line.rstrip(b"\n") + b"\n" for line in lines))
        out = {k: self.tmp / f"embedded-{k}.jsonl" for k in ("alerts", "assignments", "rejects")}
        run_files([str(path)], load_config(self.config_path), alerts_out=str(out["alerts"]),
                  assignments_out=str(out["assignments"]), rejects_out=str(out["rejects"]), progress=False,
                  pseudonymizer=Pseudonymizer(PSEUDONYM_KEY.encode()))
        return Outputs(*(read_jsonl(out[k]) for k in ("alerts", "assignments", "rejects")))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class Worker:
    """One `groundswell worker` subprocess."""

    def __init__(self, env: dict[str, str], log_path: Path, settings_path: Path, config_path: str | None,
                 alerting: str | None = None):
        self.env, self.log_path = env, log_path
        self.args = [sys.executable, "-m", "groundswell.streams.cli", "worker", "--kafka-config", str(settings_path),
                     "-l", "info"] + (["--config", config_path] if config_path else []) + (
                         ["--alerting", alerting] if alerting else ["--no-alerting"])
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Worker":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 90.0) -> None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if "Worker]: Ready" in self.log():
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}:\n{self.log()[-4000:]}")
            time.sleep(0.2)
        raise TimeoutError(f"worker not ready after {timeout:.0f} s:\n{self.log()[-4000:]}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class KafkaHost:
    name = "kafka"

    def __init__(self, bootstrap: str, names: KafkaNames, tmp: Path, config_path: str | None = None,
                 workers: int = 1, alerting: str | None = None):
        self.bootstrap, self.tmp, self.config_path, self.n_workers = bootstrap, tmp, config_path, workers
        self.alerting = alerting
        self.prefix = names.prefix.lower().replace("_", "-").replace("--", "-") + "-"
        self.app_id = names.app_id()
        self.settings_path = tmp / "kafka.yaml"
        self.settings_path.write_text(KAFKA_TEST_SETTINGS.format(
            bootstrap=bootstrap, app_id=self.app_id, prefix=self.prefix.lower()))
        self.env = dict(os.environ)
        for var in ("GROUNDSWELL_KAFKA_BOOTSTRAP", "GROUNDSWELL_APP_ID", "GROUNDSWELL_TOPIC_PREFIX",
                    "GROUNDSWELL_WEB_PORT", "GROUNDSWELL_METRICS_PORT"):
            self.env.pop(var, None)
        self.env["GROUNDSWELL_PSEUDONYM_KEY"] = PSEUDONYM_KEY
        self.env["PYTHONWARNINGS"] = "ignore"
        self.env["PYTHONUNBUFFERED"] = "1"     # tests watch the log: see lines as they are written
        self.workers: list[Worker] = []
        self._created = False

    @property
    def settings(self):
        from groundswell.streams.kafka_settings import load_kafka_settings
        return load_kafka_settings(self.settings_path, env={})

    def topic(self, which: str) -> str:
        return self.settings.topic(which)

    def create_topics(self) -> None:
        if not self._created:
            from groundswell.streams.kafka_tools import create_topics
            create_topics(self.settings, log=lambda *_: None)
            self._created = True

    def start_worker(self) -> Worker:
        self.create_topics()
        w = Worker(self.env, self.tmp / f"worker-{len(self.workers)}.log", self.settings_path, self.config_path,
                   self.alerting)
        self.workers.append(w.start())
        return w

    def start(self) -> None:
        for _ in range(self.n_workers - len([w for w in self.workers if w.proc.poll() is None])):
            self.start_worker()
        for w in self.workers:
            if w.proc.poll() is None:
                w.wait_ready()

    def send(self, lines: list[bytes]) -> None:
        from groundswell.streams.kafka_tools import replay
        path = self.tmp / f"replay-{time.monotonic_ns()}.jsonl"
        path.write_bytes(b"".join(line.rstrip(b"\n") + b"\n" for line in lines))
        replay([str(path)], self.settings, progress=False)

    def collect(self, expect_posts: int, timeout: float = 120.0, quiet_s: float = 6.0) -> Outputs:
        """Read outputs until every accepted-or-rejected post is accounted for and nothing new came for
        ``quiet_s`` (the final flush comes ``idle_after_s`` after the input stops)."""
        deadline = time.monotonic() + timeout
        last_sizes, last_change = None, time.monotonic()
        while True:
            out = self.read()
            done = len({a["post_id"] for a in out.assignments}) + len(out.rejects)
            sizes = (len(out.alerts), len(out.assignments), len(out.rejects))
            if sizes != last_sizes:
                last_sizes, last_change = sizes, time.monotonic()
            if done >= expect_posts and time.monotonic() - last_change >= quiet_s:
                return out
            if time.monotonic() > deadline:
                logs = "\n".join(w.log()[-3000:] for w in self.workers)
                raise TimeoutError(f"outputs incomplete after {timeout:.0f} s: {done}/{expect_posts} posts "
                                   f"accounted for, sizes {sizes}\n{logs}")
            time.sleep(1.0)

    def read(self) -> Outputs:
        def values(which):
            return [json.loads(r.value) for r in consume_all(self.bootstrap, self.topic(which), idle=0.5,
                                                             timeout=20)]
        assignments = [a for batch in values("assignments") for a in batch["assignments"]]
        return Outputs(values("alerts"), assignments, values("rejects"))

    def trace(self, post_ids: set[str]) -> str:
        """Where ``post_ids`` went: which of the pipeline's topics hold them (to locate a loss)."""
        from groundswell.streams.faust_app import shard_topic_name
        found = []
        for name, topic in (("posts", self.topic("posts")), ("clean", self.topic("clean")),
                            ("shard", shard_topic_name(self.settings))):
            where = []
            for r in consume_all(self.bootstrap, topic, idle=1.0, timeout=30):
                try:
                    v = json.loads(r.value)
                except ValueError:
                    continue
                if not isinstance(v, dict):
                    continue
                ids = {v.get("id")} if name == "posts" else {x["post"]["id"] for x in v.get("posts", ())}
                n = len(ids & post_ids)
                if n:
                    where.append(f"{r.partition}@{r.offset}:{n}" + (f"(src {v['src']})" if "src" in v else ""))
            found.append(f"{name}: {len(where)} records {' '.join(where[:12])}")
        return "; ".join(found)

    def run(self, lines: list[bytes], later: list[bytes] = ()) -> Outputs:
        """``later`` is sent once the outputs of ``lines`` are complete (after the idle flush)."""
        self.start()
        self.send(lines)
        out = self.collect(expect_posts=len(lines))
        if later:
            self.send(list(later))
            out = self.collect(expect_posts=len(lines) + len(later))
        return out

    def close(self) -> None:
        for w in self.workers:
            w.stop()
