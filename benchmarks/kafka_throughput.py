"""End-to-end throughput, lag and alert latency of the Kafka pipeline on a real broker (Faust workers).

    python benchmarks/kafka_throughput.py [--posts 60000] [--workers 1,2] [--overload-s 60] [--json out.json]

Needs the broker jars (`bash scripts/kafka.sh install`); starts its own single-node broker on a free port (or uses
GROUNDSWELL_KAFKA_BOOTSTRAP). Input: the project's synthetic stream (Chinese and English chatter with planted
issues; no ../shared data needed), many days of it, ids unique.

What it measures, per worker count (fresh app id and topics each time, so nothing is shared between runs):

1. sustained: all posts are produced first, then the workers start; posts/s = posts / (time of the last post's
   assignment - time of the first), i.e. the workers' drain rate through the whole pipeline (clean ->
   repartition -> detect -> outputs). Worker start-up is excluded.
2. latency: with workers running and idle, posts are replayed paced at ``--latency-rate`` posts/s; for each
   alert, latency = when the alert arrived on issue-alerts - when the post whose event time is the alert's ``at``
   was produced. p50/p95/p99 over the firing alerts. The detector holds posts ``event_time.reorder_s`` of event
   time for ordering (``--reorder-s`` sets it here; see the printout); at replay pace that is a few posts.
3. overload (``--overload-s`` > 0, with the largest worker count): `groundswell replay --rate` (its own process)
   sends 2x the sustained rate measured in 1 worth of posts for ``--overload-s`` seconds, then 0.5x; the input
   lag (end offsets of the posts topic - the worker group's committed offsets) is sampled every 2 s until it is
   back under 500 posts. If the producer cannot reach 2x on this machine, the time the 2x phase really took is
   printed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
warnings.simplefilter("ignore")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    def __init__(self):
        self.external = os.environ.get("GROUNDSWELL_KAFKA_BOOTSTRAP")
        self.state = None
        if self.external:
            self.bootstrap = self.external
            return
        self.port = free_port()
        self.state = tempfile.mkdtemp(prefix="gs-bench-kafka-")
        self.env = dict(os.environ, KAFKA_PORT=str(self.port), KAFKA_CONTROLLER_PORT=str(free_port()),
                        KAFKA_STATE_DIR=self.state, KAFKA_NUM_PARTITIONS="1")
        self.bootstrap = f"127.0.0.1:{self.port}"

    def start(self):
        if not self.external:
            subprocess.run(["bash", str(REPO / "scripts/kafka.sh"), "start"], env=self.env, check=True,
                           stdout=subprocess.DEVNULL)

    def stop(self):
        if not self.external:
            subprocess.run(["bash", str(REPO / "scripts/kafka.sh"), "stop"], env=self.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


SETTINGS = """\
bootstrap: {bootstrap}
app_id: {app_id}
topic_prefix: {prefix}
shard_partitions: 4
assignments: true
worker: {{web_port: 0, session_timeout_s: 10, heartbeat_s: 2, commit_interval_s: 1, snapshot_every_s: 10,
          idle_after_s: 5, mark_every_posts: 500}}
"""


def make_posts(n: int) -> list[bytes]:
    """``n`` posts: one generated synthetic day, repeated day after day with fresh ids and shifted times."""
    import orjson

    from groundswell.streams.contract import PostParser, format_time
    from groundswell.streams.synthetic import generate
    parser = PostParser(pseudonymizer=lambda a: a)
    base = []
    for p in generate(100, hours=24, background_rate_per_min=30.0).posts:
        base.append((p, parser.parse(orjson.dumps(p)).t))
    out: list[bytes] = []
    day = 0
    while len(out) < n:
        for p, t in base:
            q = dict(p, id=f"d{day}-{p['id']}", created_at=format_time(t + 86400 * day))
            if p.get("repost_of"):
                q["repost_of"] = f"d{day}-{p['repost_of']}"
            out.append(orjson.dumps(q))
            if len(out) >= n:
                break
        day += 1
    return out


class Collector(threading.Thread):
    """Reads issue-assignments and issue-alerts from the beginning; records when each post got its first
    assignment and when each alert arrived."""

    def __init__(self, bootstrap: str, topics: dict[str, str]):
        super().__init__(daemon=True)
        from kafka import KafkaConsumer, TopicPartition
        self.c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                               auto_offset_reset="earliest", fetch_max_bytes=50 * 1024 * 1024)
        tps = []
        for name in topics.values():
            while not self.c.partitions_for_topic(name):
                time.sleep(0.2)
            tps += [TopicPartition(name, p) for p in self.c.partitions_for_topic(name)]
        self.c.assign(tps)
        self.topics = topics
        self.assigned: dict[str, float] = {}
        self.alerts: list[tuple[float, dict]] = []
        self.stop = False

    def run(self):
        import orjson
        a_name, al_name = self.topics["assignments"], self.topics["alerts"]
        while not self.stop:
            for tp, records in self.c.poll(timeout_ms=200, max_records=20000).items():
                now = time.time()
                if tp.topic == a_name:
                    for r in records:
                        for a in orjson.loads(r.value)["assignments"]:
                            self.assigned.setdefault(a["post_id"], now)
                elif tp.topic == al_name:
                    for r in records:
                        self.alerts.append((now, orjson.loads(r.value)))
        self.c.close()


class App:
    def __init__(self, bootstrap: str, tmp: Path, workers: int, reorder_s: float):
        from groundswell.streams.kafka_settings import load_kafka_settings
        tag = uuid.uuid4().hex[:6]
        self.settings_path = tmp / f"kafka-{tag}.yaml"
        self.settings_path.write_text(SETTINGS.format(bootstrap=bootstrap, app_id=f"gs-bench-{tag}",
                                                      prefix=f"bench-{tag}-"))
        self.config_path = tmp / f"detector-{tag}.yaml"
        self.config_path.write_text(f"event_time: {{reorder_s: {reorder_s}}}\n")
        self.settings = load_kafka_settings(self.settings_path, env={})
        self.n, self.tmp, self.tag = workers, tmp, tag
        self.procs: list[subprocess.Popen] = []
        from groundswell.streams.kafka_tools import create_topics
        create_topics(self.settings, log=lambda *_: None)

    def start(self):
        env = dict(os.environ, GROUNDSWELL_PSEUDONYM_KEY="bench", PYTHONWARNINGS="ignore")
        for v in ("GROUNDSWELL_KAFKA_BOOTSTRAP", "GROUNDSWELL_APP_ID", "GROUNDSWELL_TOPIC_PREFIX"):
            env.pop(v, None)
        for i in range(self.n):
            log = open(self.tmp / f"worker-{self.tag}-{i}.log", "wb")
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "groundswell.streams.cli", "worker", "--kafka-config", str(self.settings_path),
                 "--config", str(self.config_path), "-l", "warning"],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True))

    def cpu_seconds(self) -> list[float]:
        out = []
        for p in self.procs:
            try:
                fields = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
                out.append((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
            except OSError:
                out.append(float("nan"))
        return out

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def produce(settings, lines: list[bytes], rate: float | None = None, sent_at: dict | None = None,
            times: list | None = None, ids: list | None = None, sent_id: dict | None = None):
    from kafka import KafkaProducer
    prod = KafkaProducer(bootstrap_servers=settings.bootstrap, acks=1, linger_ms=10, batch_size=512 * 1024)
    topic = settings.topic("posts")
    t0 = time.time()
    for i, raw in enumerate(lines):
        if rate:
            wait = i / rate - (time.time() - t0)
            if wait > 0:
                time.sleep(wait)
        prod.send(topic, key=_key(raw), value=raw)   # keyed by post id, as `groundswell replay` does
        if sent_at is not None:
            sent_at[times[i]] = time.time()
        if sent_id is not None:
            sent_id[ids[i]] = time.time()
    prod.flush()
    prod.close()


def _sum_offsets(bootstrap: str, topic: str) -> int:
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        parts = c.partitions_for_topic(topic) or set()
        return sum(c.end_offsets([TopicPartition(topic, p) for p in parts]).values())
    finally:
        c.close()


def _committed(bootstrap: str, group: str, topic: str) -> int:
    from kafka.admin import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        offs = (admin.list_group_offsets(group).get(group, {}) if hasattr(admin, "list_group_offsets")
                else admin.list_consumer_group_offsets(group))
        return sum(m.offset for tp, m in offs.items() if tp.topic == topic and m.offset >= 0)
    finally:
        admin.close()


def _key(raw: bytes) -> bytes:
    """Post id as the message key. Keyless messages go through kafka-python's sticky partitioner, which fills
    one partition for seconds at a time: the others' event time stalls and holds every post back."""
    import orjson
    return orjson.loads(raw)["id"].encode()


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=60_000)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--latency-rate", type=float, default=500.0)
    ap.add_argument("--latency-posts", type=int, default=30_000)
    ap.add_argument("--overload-s", type=float, default=60.0)
    ap.add_argument("--reorder-s", type=float, default=60.0)
    ap.add_argument("--json")
    a = ap.parse_args()
    import orjson

    from groundswell.streams.contract import PostParser
    broker = Broker()
    broker.start()
    tmp = Path(tempfile.mkdtemp(prefix="gs-bench-"))
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                     "posts": a.posts, "reorder_s": a.reorder_s, "runs": {}}
    print(f"broker {broker.bootstrap}; generating {a.posts:,} synthetic posts ...", flush=True)
    lines = make_posts(max(a.posts, a.latency_posts))
    parser = PostParser(pseudonymizer=lambda x: x)
    try:
        sustained = {}
        for n in [int(x) for x in a.workers.split(",")]:
            app = App(broker.bootstrap, tmp, n, a.reorder_s)
            produce(app.settings, lines[: a.posts])
            col = Collector(broker.bootstrap, {"assignments": app.settings.topic("assignments"),
                                               "alerts": app.settings.topic("alerts")})
            col.start()
            app.start()
            cpu0 = None
            lag = []
            t_start = time.time()
            while len(col.assigned) < a.posts:
                time.sleep(1.0)
                lag.append((round(time.time() - t_start, 1), a.posts - len(col.assigned)))
                if cpu0 is None and col.assigned:
                    cpu0 = app.cpu_seconds()
                if time.time() - t_start > 1800:
                    print("  gave up after 30 min", flush=True)
                    break
            ts = sorted(col.assigned.values())
            rate = (len(ts) - 1) / (ts[-1] - ts[0]) if len(ts) > 1 else float("nan")
            cpu = [b - c for b, c in zip(app.cpu_seconds(), cpu0 or [0] * n)]
            sustained[n] = rate
            print(f"workers={n}: {len(ts):,} posts end to end at {rate:,.0f} posts/s "
                  f"(worker CPU s while draining: {', '.join(f'{c:.0f}' for c in cpu)}; wall {ts[-1] - ts[0]:.0f} s)",
                  flush=True)
            results["runs"][f"sustained_{n}"] = {"posts_per_s": rate, "worker_cpu_s": cpu,
                                                  "drain_s": ts[-1] - ts[0], "lag": lag[::5]}
            # latency: same workers, now idle; new posts paced (fresh ids: a later day)
            more = [orjson.dumps(dict(orjson.loads(x), id="L" + orjson.loads(x)["id"]))
                    for x in lines[a.posts - a.latency_posts: a.posts]] if a.latency_posts else []
            if more:
                base = ts[-1]
                # shift event times after the drained stream so they are not late
                shift = 86400 * 40
                shifted, times, ids = [], [], []
                for x in more:
                    d = orjson.loads(x)
                    p = parser.parse(x)
                    d["created_at"] = p.t + shift
                    shifted.append(orjson.dumps(d))
                    times.append(p.t + shift)
                    ids.append(d["id"])
                sent_at: dict[float, float] = {}
                sent_id: dict[str, float] = {}
                n_alerts = len(col.alerts)
                produce(app.settings, shifted, rate=a.latency_rate, sent_at=sent_at, times=times, ids=ids,
                        sent_id=sent_id)
                deadline = time.time() + 120
                while len(col.assigned) < a.posts + len(shifted) and time.time() < deadline:
                    time.sleep(0.5)
                lat = []
                for got, al in col.alerts[n_alerts:]:
                    if al["status"] != "firing":
                        continue
                    t = datetime_seconds(al["at"])
                    if t in sent_at:
                        lat.append(got - sent_at[t])
                post_lat = [col.assigned[i] - t for i, t in sent_id.items() if i in col.assigned]
                print(f"  post -> assignment (paced): p50 {pct(post_lat, .5):.2f} s, p95 {pct(post_lat, .95):.2f} s, "
                      f"p99 {pct(post_lat, .99):.2f} s over {len(post_lat):,} posts", flush=True)
                print(f"  latency (paced {a.latency_rate:.0f} posts/s, reorder_s={a.reorder_s:g}): "
                      f"{len(lat)} firing alerts, p50 {pct(lat, .5):.2f} s, p95 {pct(lat, .95):.2f} s, "
                      f"p99 {pct(lat, .99):.2f} s", flush=True)
                results["runs"][f"latency_{n}"] = {"alerts": len(lat), "p50": pct(lat, .5), "p95": pct(lat, .95),
                                                    "p99": pct(lat, .99), "rate": a.latency_rate, "since": base}
            col.stop = True
            app.stop()
        n = max(sustained)
        if a.overload_s > 0 and sustained.get(n, 0) > 0:
            cap = sustained[n]
            over = int(2 * cap * a.overload_s)
            under_s = 2.5 * a.overload_s
            total = over + int(0.5 * cap * under_s)
            print(f"overload: workers={n}, {over:,} posts at {2 * cap:,.0f}/s for {a.overload_s:.0f} s, then "
                  f"{0.5 * cap:,.0f}/s; generating {total:,} posts ...", flush=True)
            data = make_posts(total)
            app = App(broker.bootstrap, tmp, n, a.reorder_s)
            app.start()
            time.sleep(15)   # join the group
            t0 = time.time()
            # the producer is `groundswell replay --rate` in its own process (a thread here would share the
            # GIL with the collector); lag is read from Kafka: end offsets minus the group's committed offsets
            fast, slow = tmp / "over-fast.jsonl", tmp / "over-slow.jsonl"
            fast.write_bytes(b"\n".join(data[:over]) + b"\n")
            slow.write_bytes(b"\n".join(data[over:]) + b"\n")
            env = dict(os.environ, PYTHONWARNINGS="ignore")
            cmd = [sys.executable, "-m", "groundswell.streams.cli", "replay", "--to-kafka", "--no-progress",
                   "--kafka-config", str(app.settings_path)]
            feeder = subprocess.Popen(f"{' '.join(cmd)} --rate {2 * cap:.0f} {fast} && "
                                      f"{' '.join(cmd)} --rate {0.5 * cap:.0f} {slow}", shell=True, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            samples = []
            recovered = None
            fast_done = None
            while time.time() - t0 < a.overload_s + under_s + 120:
                time.sleep(2.0)
                el = time.time() - t0
                ends = _sum_offsets(app.settings.bootstrap, app.settings.topic("posts"))
                done = _committed(app.settings.bootstrap, app.settings.app_id, app.settings.topic("posts"))
                lag_n = ends - done
                samples.append((round(el, 1), lag_n, ends))
                if fast_done is None and ends >= over:
                    fast_done = el
                if fast_done is not None and lag_n <= 500 and recovered is None and el > fast_done + 2:
                    recovered = el
                    break
                if feeder.poll() is not None and ends >= total and lag_n <= 500:
                    recovered = recovered or el
                    break
            feeder.kill()
            peak = max(x[1] for x in samples)
            print(f"  input lag (posts topic, end - committed): peak {peak:,} posts; the 2x phase took "
                  f"{fast_done if fast_done else float('nan'):.0f} s to produce; lag back under 500 at "
                  f"{recovered if recovered else float('nan'):.0f} s", flush=True)
            print("  lag every ~10 s: " + " ".join(f"{int(t)}s:{n_}" for t, n_, _ in samples[::5]), flush=True)
            results["runs"]["overload"] = {"workers": n, "capacity": cap, "peak_lag": peak, "recovered_s": recovered,
                                           "fast_phase_s": fast_done, "lag": samples}
            app.stop()
    finally:
        broker.stop()
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))
    return 0


def datetime_seconds(s: str) -> float:
    import datetime as dt
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


if __name__ == "__main__":
    sys.exit(main())
