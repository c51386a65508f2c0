"""One suite, two hosts: the embedded runner and Faust workers on a real Kafka broker run the same logic and must
behave the same. The Kafka-only tests below (scale-out, SIGKILL, broker restart) compare with the embedded run.
"""
from __future__ import annotations

import json
import re
import time
import warnings
from collections import Counter

import orjson
import pytest

from aiokafka.partitioner import DefaultPartitioner

from tests.fixtures.kafka_broker import commit_offsets, end_offsets, produce_json
from tests.streams.hosts import EmbeddedHost, KafkaHost, assert_same_outputs, planted, stream_lines

KAFKA = [pytest.mark.kafka, pytest.mark.slow]


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=KAFKA)])
def host(request, tmp_path):
    if request.param == "embedded":
        yield EmbeddedHost(tmp_path)
        return
    h = KafkaHost(request.getfixturevalue("kafka_bootstrap"), request.getfixturevalue("kafka_names"), tmp_path)
    try:
        yield h
    finally:
        h.close()


def test_planted_issues_alerted_while_small(host, reference):
    out = host.run(list(stream_lines()))
    s = planted()
    alerts = out.unique_alerts()
    firing = [a for a in alerts if a["status"] == "firing"]
    assert firing, "no alerts at all"
    caught = set()
    for a in firing:
        events = {s.truth.get(pid) for pid in a["sample_post_ids"]} - {None}
        caught |= events
        if events and a["alert_id"].endswith(":1"):
            e = next(x for x in s.events if x.name in events)
            assert a["posts"] <= e.n_posts / 2, f"{e.name} first alerted at {a['posts']} of {e.n_posts} posts"
    assert len(caught) >= 3, f"caught only {caught} of {[e.name for e in s.events]}"
    # every accepted post has an issue report; nothing was rejected from this clean stream
    assert len(out.final_assignments()) == len(stream_lines())
    assert out.rejects == []
    # and this host agrees with the embedded reference exactly
    assert_same_outputs(out, reference)


def _bad_lines() -> list[tuple[bytes, str]]:
    huge = json.dumps({"id": "huge", "text": "x" * 20_000, "created_at": "2026-03-02T01:00:00Z"}).encode()
    return [
        (b"{not json", "invalid_json"),
        (b'{"id": 7, "text": "a", "created_at": "2026-03-02T01:00:00Z"}', "wrong_type"),
        (b'{"id": "bad-utf8", "text": "\xff\xfe", "created_at": "2026-03-02T01:00:00Z"}', "invalid_utf8"),
        (b'["a list"]', "not_an_object"),
        (b'{"id": "no-time", "text": "hello"}', "missing_field"),
        (huge, "text_too_long"),
        (b'{"id": "old", "text": "ancient post", "created_at": "1970-01-02T00:00:00Z"}', "timestamp_out_of_range"),
    ]


def test_bad_messages_go_to_rejects_with_reasons(host):
    good = [orjson.dumps({"id": f"g{i}", "text": f"bus route {i % 7} delayed again today", "author": f"u{i}",
                          "created_at": 1_772_409_600 + 60 * i}) for i in range(40)]
    bad = _bad_lines()
    lines = good[:20] + [b for b, _ in bad] + good[20:]
    out = host.run(lines)
    assert sorted(r["reason"] for r in out.rejects) == sorted(reason for _, reason in bad)
    assert all(r["detail"] for r in out.rejects)
    # the posts after the bad ones were processed: the pipeline went on
    assert set(out.final_assignments()) == {f"g{i}" for i in range(40)}


def test_late_posts_rejected_in_order_posts_used(host):
    t0 = 1_772_409_600
    lines = [orjson.dumps({"id": f"p{i}", "text": f"ferry timetable change {i}", "created_at": t0 + 30 * i})
             for i in range(20)]
    # 30 s out of order: within event_time.reorder_s (60 s), used in order
    lines.insert(10, orjson.dumps({"id": "slightly-late", "text": "ferry timetable", "created_at": t0 + 30 * 8}))
    # two hours behind, sent after the rest was used: rejected as late
    later = [orjson.dumps({"id": "very-late", "text": "ferry timetable", "created_at": t0 - 7200})]
    out = host.run(lines, later=later)
    assert [r["reason"] for r in out.rejects] == ["late"]
    assert out.rejects[0]["excerpt"].startswith('{"id": "very-late"')
    assigned = out.final_assignments()
    assert "slightly-late" in assigned and "very-late" not in assigned


# ---------------------------------------------------------------------------- Kafka only

def _issues_match(reference, out, min_overlap: float) -> bool:
    """Each issue that fired in ``reference`` fired in ``out`` as the issue holding most of its posts, and that
    issue holds at least ``min_overlap`` of them."""
    ref_of, out_of = reference.final_assignments(), out.final_assignments()
    fired_out = {a["issue_id"] for a in out.unique_alerts() if a["status"] == "firing"}
    for issue in {a["issue_id"] for a in reference.unique_alerts() if a["status"] == "firing"}:
        posts = [p for p, i in ref_of.items() if i == issue]
        if not posts:
            continue   # it merged into another issue, and its posts went with it (that issue is checked instead)
        counts = Counter(out_of.get(p) for p in posts)
        best, n = counts.most_common(1)[0]
        if best not in fired_out or n < min_overlap * len(posts):
            return False
    return True


def _worker_did_work(log: str) -> bool:
    return "cleaning input partition" in log


@pytest.mark.kafka
@pytest.mark.slow
def test_two_workers_split_partitions_and_agree(kafka_bootstrap, kafka_names, tmp_path, reference):
    h = KafkaHost(kafka_bootstrap, kafka_names, tmp_path, workers=2)
    try:
        h.create_topics()
        h.send(list(stream_lines()))        # the whole file first (a backlog), then the workers
        h.start()
        out = h.collect(expect_posts=len(stream_lines()), timeout=240)
        logs = [w.log() for w in h.workers]
        assert all(_worker_did_work(log) for log in logs), "a worker got no input partition"
        assert_same_outputs(out, reference)
    finally:
        h.close()


@pytest.mark.kafka
@pytest.mark.slow
def test_sigkill_mid_stream_loses_no_alert(kafka_bootstrap, kafka_names, tmp_path, reference):
    lines = list(stream_lines())
    h = KafkaHost(kafka_bootstrap, kafka_names, tmp_path, workers=1)
    try:
        h.start()
        h.send(lines[: len(lines) // 2])
        w = h.workers[0]
        deadline = time.monotonic() + 60
        while "checkpoint" not in w.log() and time.monotonic() < deadline:
            time.sleep(0.3)
        assert "checkpoint" in w.log(), w.log()[-3000:]
        time.sleep(0.5)
        w.kill()                                # SIGKILL: no clean shutdown, no final commit
        h.send(lines[len(lines) // 2:])
        h.start()                               # a new worker restores the checkpoint and re-reads the rest
        try:
            out = h.collect(expect_posts=len(lines))
        except TimeoutError:
            # say where missing posts stopped (seen on loaded machines before the gap check): in the warnings summary
            missing = {json.loads(x)["id"] for x in lines} - set(h.read().final_assignments())
            logs = [line for w in h.workers for line in w.log().splitlines() if "partition 1: checkpoint" in line]
            warnings.warn(f"SIGKILL test: {len(missing)} posts missing, e.g. {sorted(missing)[:5]}; "
                          f"{h.trace(missing)}; checkpoints: {logs[:2] + logs[-2:]}")
            raise
        assert "restored detector state" in h.workers[1].log()
        assert_same_outputs(out, reference)
    finally:
        h.close()


@pytest.mark.kafka
@pytest.mark.slow
def test_sharded_detection_agrees_with_embedded(kafka_bootstrap, kafka_names, tmp_path):
    """sharding.by: source runs one detector per source; here both sources land on one partition of the
    repartitioned topic (before they were sent as one message per shard, so that partition saw event time go
    backwards and rejected 2,730 posts as late). The outputs are the embedded run's with that config."""
    config = tmp_path / "detector.yaml"
    config.write_text("sharding:\n  by: source\n")
    lines = list(stream_lines())
    expected = EmbeddedHost(tmp_path, str(config)).run(lines)
    assert {a["issue_id"].split("-")[0] for a in expected.unique_alerts()} == {"weibo", "twitter"}
    h = KafkaHost(kafka_bootstrap, kafka_names, tmp_path, config_path=str(config))
    try:
        out = h.run(lines)
        assert_same_outputs(out, expected)
    finally:
        h.close()


@pytest.mark.kafka
@pytest.mark.slow
@pytest.mark.parametrize("by, lost", [("none", "input"), ("source", "input"), ("none", "posts message")])
def test_input_acknowledged_but_never_processed_is_read_again(by, lost, kafka_bootstrap, kafka_names, tmp_path,
                                                              reference):
    """Faust can acknowledge (and commit) a message it never processed when a worker dies or its group
    rebalances at the wrong moment. The detector sees the gap in input offsets and reads what is missing from
    the input topic. Here a third of the stream is committed as read before any worker saw it ("input"), or,
    in addition, the clean-posts mark of that stretch arrived while its posts message did not ("posts message":
    the mark must not count as having used those posts)."""
    lines = list(stream_lines())
    config = tmp_path / "detector.yaml"
    config.write_text(f"sharding:\n  by: {by}\n")
    expected = reference if by == "none" else EmbeddedHost(tmp_path, str(config)).run(lines)
    h = KafkaHost(kafka_bootstrap, kafka_names, tmp_path, config_path=str(config))
    try:
        h.create_topics()
        h.send(lines[:5000])
        ends = end_offsets(kafka_bootstrap, h.topic("posts"))
        commit_offsets(kafka_bootstrap, h.app_id, h.topic("posts"), ends)
        if lost == "posts message":
            posts_partition = DefaultPartitioner()(b"", list(range(4)), list(range(4)))
            produce_json(kafka_bootstrap, h.topic("clean"), [(str(src), {
                "v": 1, "kind": "mark", "src": src, "off": end - 1, "t": None, "sources": 4, "from": 0,
                "to": end - 1, "parts": [posts_partition]}) for src, end in ends.items()])
        h.start()
        h.send(lines[5000:])
        out = h.collect(expect_posts=len(lines))
        assert "never arrived" in h.workers[0].log()
        assert_same_outputs(out, expected)
    finally:
        h.close()


@pytest.mark.kafka
@pytest.mark.slow
def test_broker_restart_mid_stream(kafka_broker_factory, kafka_names, tmp_path, reference):
    broker = kafka_broker_factory(num_partitions=1)
    lines = list(stream_lines())
    h = KafkaHost(broker.bootstrap, kafka_names, tmp_path, workers=1)
    try:
        h.start()
        h.send(lines[: len(lines) // 2])
        time.sleep(2)
        broker.restart()
        h.send(lines[len(lines) // 2:])
        out = h.collect(expect_posts=len(lines), timeout=180)
        assert h.workers[0].proc.poll() is None, "the worker died with the broker"
        # nothing lost: every post got an issue report (or, at worst, a late reject with its reason)
        late = {re.match(r'\{"id": "([^"]*)"', r["excerpt"]).group(1) for r in out.rejects if r["reason"] == "late"}
        assert set(out.final_assignments()) | late == {json.loads(x)["id"] for x in lines}
        assert {r["reason"] for r in out.rejects} <= {"late"}
        # and every issue the embedded run alerted on was alerted here too, with (nearly) the same posts. Issue ids
        # are sequence numbers, so they are not compared: after the broker's pause every input partition went idle
        # and, when the replay resumed, partitions that were fetched later lost their first posts as late (the
        # replay is far faster than event time), which shifts the numbering of later clusters.
        assert _issues_match(reference, out, min_overlap=0.8), f"{len(late)} posts rejected as late"
    finally:
        h.close()
