"""The hardening findings on the Kafka host: real `groundswell worker` processes on a real broker (findings 1, 2, 3
and 9). One worker run with chat bots, hostile lines and a post from 2099 is shared by the first tests; the last
starts a worker on a changelog that holds a pickle."""
from __future__ import annotations

import hashlib
import json
import pathlib
import pickle
import time

import orjson
import pytest

from tests.alerts.helpers import ThreadedApp
from tests.fixtures.kafka_broker import KafkaNames, consume_all
from tests.security.helpers import CHAT_ALERTING, FakeVendors, chat_env, leaked, small_stream
from tests.security.test_02_no_raw_author import hostile_lines_with_authors
from tests.streams.hosts import KafkaHost

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
FAR = orjson.dumps({"id": "from-2099", "text": "bridge collapsed", "created_at": "2099-06-01T00:00:00Z"})
CHANGELOG = "{app_id}-detector_snapshots-changelog"


@pytest.fixture(scope="module")
def worker_run(kafka_bootstrap, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kafka-hardening")
    vendors = FakeVendors()
    stream = small_stream()
    hostile = hostile_lines_with_authors()[20:35]          # the rejected lines, each naming an author
    lines = stream[:100] + [FAR] + hostile + stream[100:]
    (tmp / "alerting.yaml").write_text(CHAT_ALERTING)
    h = KafkaHost(kafka_bootstrap, KafkaNames("hardening"), tmp, workers=1, alerting=str(tmp / "alerting.yaml"))
    with ThreadedApp(vendors.app) as srv:
        h.env.update(chat_env(srv.port))
        try:
            h.start()
            h.send(lines)
            out = h.collect(expect_posts=len(lines), timeout=240)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and len({p.split("/")[1] for p, _ in vendors.requests}) < 5:
                time.sleep(0.5)
            time.sleep(2)
            changelog = consume_all(kafka_bootstrap, CHANGELOG.format(app_id=h.app_id), idle=1.0, timeout=30)
        finally:
            h.close()
    yield {"host": h, "out": out, "lines": lines, "stream": stream, "vendors": vendors,
           "log": "\n".join(w.log() for w in h.workers), "changelog": changelog}


def test_worker_log_has_no_secret(worker_run):
    paths = {p.split("/")[1] for p, _ in worker_run["vendors"].requests}
    assert {"robot", "cgi-bin", "open-apis", "services", "hook"} <= paths, "every chat bot must have been called"
    log = worker_run["log"]
    assert "HTTP Request" in log, "httpx's request lines are in the worker's log (INFO)"
    assert not leaked(log), leaked(log)[:5]


def test_post_rejects_topic_holds_no_author(worker_run):
    rejects = worker_run["out"].rejects
    assert len(rejects) >= 15
    text = json.dumps(rejects)
    assert "alice.clear.id" not in text
    assert all("raw" not in r and len(r["excerpt"]) <= 300 and r["reason"] and r["detail"] for r in rejects)


def test_a_post_from_2099_does_not_blind_the_kafka_host(worker_run):
    out = worker_run["out"]
    assigned = set(out.final_assignments())
    valid = {orjson.loads(x)["id"] for x in worker_run["stream"]}
    assert valid <= assigned, f"{len(valid - assigned)} valid posts not used"
    assert not [r for r in out.rejects if r["reason"] == "late"]
    future = [r for r in out.rejects if r["reason"] == "future"]
    assert len(future) == 1 and "from-2099" in future[0]["excerpt"] and "wall clock" in future[0]["detail"]


def test_checkpoints_are_not_pickles(worker_run):
    values = [r.value for r in worker_run["changelog"] if r.value]
    assert values, "no checkpoint was written"
    assert not [v for v in values if v[:1] == b"\x80"], "a pickled checkpoint"
    manifests = [json.loads(v) for v in values if v[:1] == b"{"]
    assert manifests and all(m.get("format") == "gsck/1" for m in manifests)


class _Touch:
    def __init__(self, path: pathlib.Path):
        self.path = path

    def __reduce__(self):
        return pathlib.Path.touch, (self.path,)


def test_a_pickle_in_the_changelog_is_never_run(kafka_bootstrap, tmp_path):
    """Whoever can write to the changelog topic writes a 'checkpoint' that runs code when unpickled."""
    from kafka import KafkaProducer
    marker = tmp_path / "code-ran-on-the-worker"
    h = KafkaHost(kafka_bootstrap, KafkaNames("pickle"), tmp_path, workers=1)
    try:
        h.create_topics()
        blob = pickle.dumps(_Touch(marker))
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        topic = CHANGELOG.format(app_id=h.app_id)
        from groundswell.streams.kafka_tools import ensure_topics
        ensure_topics(kafka_bootstrap, [(topic, 4, {"cleanup.policy": "compact"})], log=lambda *_: None)
        for q in range(4):
            manifest = {"gen": 0, "chunks": 1, "offset": -1, "at": time.time(),
                        "digest": hashlib.blake2b(blob, digest_size=16).hexdigest()}
            producer.send(topic, key=json.dumps(f"{q}/0/0").encode(), value=blob, partition=q)
            producer.send(topic, key=json.dumps(f"{q}").encode(), value=orjson.dumps(manifest), partition=q)
        producer.flush(30)
        producer.close()
        h.start()
        lines = small_stream()[:60]
        h.send(lines)
        try:
            out, stuck = h.collect(expect_posts=len(lines), timeout=120), None
        except TimeoutError as e:
            out, stuck = None, e
        log = "\n".join(w.log() for w in h.workers)
    finally:
        h.close()
    assert not marker.exists(), "the pickle was loaded: code ran on the worker"
    assert out is not None, stuck
    assert "checkpoint refused" in log
    assert len(out.final_assignments()) == len(lines)          # and the detector went on, cold
