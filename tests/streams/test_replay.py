"""`groundswell replay --to-kafka` and `groundswell topics create` against the real broker."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.fixtures.kafka_broker import consume_all
from tests.streams.hosts import REPO_ROOT

pytestmark = [pytest.mark.kafka]


def _cli(args, env):
    return subprocess.run([sys.executable, "-m", "groundswell.streams.cli", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_topics_create_then_replay_paced(kafka_bootstrap, kafka_names, tmp_path):
    prefix = kafka_names.prefix.lower().replace("_", "-") + "-"
    env = dict(os.environ, GROUNDSWELL_KAFKA_BOOTSTRAP=kafka_bootstrap, GROUNDSWELL_TOPIC_PREFIX=prefix,
               GROUNDSWELL_APP_ID="gs-replay-test", PYTHONWARNINGS="ignore")
    r = _cli(["topics", "create"], env)
    assert r.returncode == 0, r.stderr
    assert f"{prefix}posts: created, 4 partitions" in r.stdout
    again = _cli(["topics", "create"], env)          # idempotent
    assert again.returncode == 0 and f"{prefix}posts: exists" in again.stdout

    f = tmp_path / "posts.jsonl"
    lines = [json.dumps({"id": f"p{i}", "text": "x", "created_at": 1_772_409_600 + i}) for i in range(40)]
    f.write_text("\n".join(lines + ["not json"]) + "\n")
    t0 = time.monotonic()
    r = _cli(["replay", str(f), "--to-kafka", "--rate", "40"], env)   # 41 lines at 40/s: about a second
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert "41 lines sent" in r.stderr and took >= 0.9
    records = consume_all(kafka_bootstrap, f"{prefix}posts", expect=41)
    assert len(records) == 41
    by_key = {rec.key.decode(): rec.value.decode() for rec in records if rec.key}
    assert by_key["p7"] == lines[7]
    assert [rec.value for rec in records if rec.key is None] == [b"not json"]   # sent as is: workers reject it
    # within a partition, file order
    for p in {rec.partition for rec in records}:
        ids = [int(rec.key.decode()[1:]) for rec in records if rec.partition == p and rec.key]
        assert ids == sorted(ids)

    # --speed: 3 posts 20 s apart in event time at 40x: about a second
    g = tmp_path / "slow.jsonl"
    g.write_text("\n".join(json.dumps({"id": f"s{i}", "text": "y", "created_at": 1_772_409_600 + 20 * i})
                           for i in range(3)) + "\n")
    t0 = time.monotonic()
    r = _cli(["replay", str(g), "--to-kafka", "--speed", "40"], env)
    assert r.returncode == 0 and time.monotonic() - t0 >= 0.95
