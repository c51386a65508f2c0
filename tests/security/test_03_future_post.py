"""Finding 3: one post dated 2099 blinded the detector. Event time only moves forward, so a single in-range post far
in the future made every later valid post `late`. It is now rejected as `future` (more than
event_time.max_future_s ahead of the stream's recent median), and the posts after it are used (Kafka, where the
wall clock is the reference: test_kafka_hardening.py)."""
from __future__ import annotations

import orjson
import pytest

from tests.security.helpers import T0, read_jsonl, run_cli, write_lines


def _posts(n: int, start: int = 0) -> list[bytes]:
    return [orjson.dumps({"id": f"p{i:05d}", "text": f"ferry timetable change {i % 13}", "author": f"u{i % 97}",
                          "created_at": T0 + 20 * i}) for i in range(start, start + n)]


FAR = orjson.dumps({"id": "from-2099", "text": "ferry timetable", "created_at": "2099-06-01T00:00:00Z"})
NEXT_WEEK = orjson.dumps({"id": "next-week", "text": "ferry timetable", "created_at": T0 + 8 * 86400})


@pytest.mark.parametrize("where", ["first", "after-50", "two-outliers"])
def test_a_post_from_the_future_does_not_make_later_posts_late(tmp_path, where):
    if where == "first":
        lines = [FAR] + _posts(1000)
    elif where == "after-50":
        lines = _posts(50) + [FAR] + _posts(1000, start=50)
    else:
        lines = _posts(50) + [FAR] + _posts(500, start=50) + [NEXT_WEEK] + _posts(500, start=550)
    path = write_lines(tmp_path / "posts.jsonl", lines)
    rc, out, err = run_cli(["run", str(path), "--alerts-out", str(tmp_path / "alerts.jsonl"),
                            "--assignments-out", str(tmp_path / "assignments.jsonl"),
                            "--rejects-out", str(tmp_path / "rejects.jsonl"), "--no-progress"])
    assert rc == 0, err
    rejects = read_jsonl(tmp_path / "rejects.jsonl")
    assigned = {a["post_id"] for a in read_jsonl(tmp_path / "assignments.jsonl")}
    valid = {orjson.loads(x)["id"] for x in lines} - {"from-2099", "next-week"}
    assert valid <= assigned, f"{len(valid - assigned)} valid posts were not used; rejects: " \
                              f"{sorted({r['reason'] for r in rejects})}"
    assert {r["reason"] for r in rejects} == {"future"}
    assert all("from-2099" in r["excerpt"] or "next-week" in r["excerpt"] for r in rejects)
