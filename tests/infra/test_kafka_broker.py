"""Real-broker checks for scripts/kafka.sh and the kafka_* fixtures."""
from __future__ import annotations

import json
import time
import warnings

import pytest

from tests.fixtures.kafka_broker import (
    KafkaBroker,
    committed_offsets,
    consume_all,
    create_topics,
    end_offsets,
    kafka_admin,
    produce_json,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from kafka import KafkaConsumer, KafkaProducer

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def test_round_trip_with_consumer_group(kafka_bootstrap, kafka_names):
    topic, group = kafka_names.topic("rt"), kafka_names.group("rt")
    create_topics(kafka_bootstrap, [topic], partitions=3)

    admin = kafka_admin(kafka_bootstrap)
    try:
        assert topic in admin.list_topics()
        (described,) = admin.describe_topics([topic])
        assert len(described["partitions"]) == 3
    finally:
        admin.close()

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    sent = [{"id": i, "text": f"帖子 post {i}"} for i in range(20)]
    for rec in sent:
        producer.send(topic, key=str(rec["id"]).encode(), value=json.dumps(rec).encode("utf-8"))
    producer.flush(timeout=30)
    producer.close()

    # short session timeout: kafka-python's group join waits about half of it
    consumer = KafkaConsumer(topic, bootstrap_servers=kafka_bootstrap, group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             session_timeout_ms=6000, heartbeat_interval_ms=1000,
                             consumer_timeout_ms=20000)
    got = []
    try:
        for msg in consumer:
            got.append(json.loads(msg.value.decode("utf-8")))
            if len(got) == len(sent):
                break
        consumer.commit()
    finally:
        consumer.close()
    assert sorted(got, key=lambda r: r["id"]) == sent

    committed = committed_offsets(kafka_bootstrap, group, topic)
    assert committed == end_offsets(kafka_bootstrap, topic)
    assert sum(committed.values()) == len(sent)


def test_auto_created_topic(kafka_bootstrap, kafka_names):
    topic = kafka_names.topic("auto")
    produce_json(kafka_bootstrap, topic, [("k", {"n": 1})])
    records = consume_all(kafka_bootstrap, topic, expect=1)
    assert [json.loads(r.value) for r in records] == [{"n": 1}]


def test_broker_restart_keeps_topic_data(kafka_broker_factory, kafka_names):
    broker: KafkaBroker = kafka_broker_factory()
    topic = kafka_names.topic("durable")
    create_topics(broker.bootstrap, [topic], partitions=2)
    produce_json(broker.bootstrap, topic, [(str(i), {"n": i}) for i in range(10)])

    broker.stop(keep_data=True)  # clean shutdown
    assert not broker.is_running()
    broker.start()
    assert broker.is_running()
    produce_json(broker.bootstrap, topic, [("10", {"n": 10})])

    broker.restart(kill=True)  # SIGKILL, then start on the same data dir
    t0 = time.monotonic()
    records = consume_all(broker.bootstrap, topic, expect=11, timeout=60)
    assert sorted(json.loads(r.value)["n"] for r in records) == list(range(11)), (
        f"after {time.monotonic() - t0:.1f}s: {records}\n{broker.log_tail()}")


def test_script_is_idempotent_and_handles_stale_pid(kafka_broker_factory):
    broker: KafkaBroker = kafka_broker_factory()
    # start again while running: a no-op that reports the same broker
    broker.start()
    assert broker.is_running()
    pid_file = broker.state_dir / "kafka.pid"
    pid = int(pid_file.read_text())

    broker.stop(keep_data=True, kill=True)
    # a stale pid file pointing at a dead (or foreign) process must not block a start
    pid_file.write_text(str(pid))
    assert not broker.is_running()
    broker.start()
    assert int(pid_file.read_text()) != pid
    assert broker.is_running()
    broker.stop(keep_data=False)
    assert not broker.state_dir.exists() or not any(broker.state_dir.iterdir())
    broker.stop(keep_data=False)  # stopping a stopped broker is fine too
