"""config/kafka.yaml: validation, environment overrides, topic names, the CLI's check and topics list."""
from __future__ import annotations

import pytest

from groundswell.config.schema import ConfigError
from groundswell.streams.cli import main
from groundswell.streams.kafka_settings import default_kafka_path, load_kafka_settings
from groundswell.streams.kafka_tools import topic_specs


def test_shipped_file_matches_the_defaults():
    from groundswell.streams.kafka_settings import KafkaSettings
    assert load_kafka_settings(env={}) == KafkaSettings()


def test_environment_overrides_and_prefix():
    s = load_kafka_settings(env={"GROUNDSWELL_KAFKA_BOOTSTRAP": "k1:9092,k2:9092", "GROUNDSWELL_APP_ID": "gs-x",
                                 "GROUNDSWELL_TOPIC_PREFIX": "stage-", "GROUNDSWELL_WEB_PORT": "0"})
    assert s.bootstrap == "k1:9092,k2:9092" and s.app_id == "gs-x" and s.worker.web_port == 0
    names = [n for n, _, _ in topic_specs(s)]
    assert names == ["stage-posts", "stage-post-rejects", "stage-clean-posts", "stage-issue-alerts",
                     "stage-issue-assignments", "stage-alert-dead-letters", "stage-gs-x-clean-posts-by-shard"]
    assert all(c["retention.ms"].isdigit() for _, _, c in topic_specs(s))


@pytest.mark.parametrize("text, field", [
    ("topics:\n  posts: {name: Posts_In, partitions: 4, retention_s: 60}\n", "topics.posts.name"),
    ("shard_partitions: 0\n", "shard_partitions"),
    ("worker: {web_port: 70000}\n", "worker.web_port"),
    ("wroker: {}\n", "wroker"),
])
def test_errors_name_file_and_field(tmp_path, text, field):
    p = tmp_path / "k.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_kafka_settings(p, env={})
    assert str(p) in str(e.value) and field in str(e.value)


def test_cli_check_and_topics_list(capsys, tmp_path):
    assert main(["check", "kafka", str(default_kafka_path())]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("shard_partitions: -1\n")
    assert main(["check", "kafka", str(bad)]) == 2
    assert main(["topics", "list"]) == 0
    out = capsys.readouterr().out
    assert "posts\t4 partitions" in out and "issue-alerts\t1 partitions" in out


def test_replay_requires_to_kafka(capsys, tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text("{}\n")
    assert main(["replay", str(f)]) == 2
