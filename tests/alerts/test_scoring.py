"""alerts/scoring.py (`groundswell evaluate`): the reference metrics on small streams whose answers are worked out
by hand here. (benchmarks/evaluate.py checks it against ../shared/eval/score.py to the digit on real streams.)"""
from __future__ import annotations

import json

import pytest

from groundswell.alerts.scoring import score
from groundswell.streams.cli import main

MIN = 60.0


def posts(spec: list[tuple[str, float, str | None]]) -> list[dict]:
    return [{"id": pid, "created_at": t, "event": ev} for pid, t, ev in spec]


def assign(pairs: dict[str, str | None]) -> list[dict]:
    return [{"post_id": p, "issue_id": i} for p, i in pairs.items()]


def test_perfect_clustering_and_an_early_alert():
    ps = posts([(f"f{i}", i * MIN, "flood") for i in range(6)] + [(f"q{i}", i * MIN, "quake") for i in range(4)])
    asg = assign({p["id"]: ("A" if p["event"] == "flood" else "B") for p in ps})
    m = score(ps, [{"issue_id": "A", "status": "firing", "at": 2 * MIN}], asg, truth_field="event", big=5,
              early=3)
    assert (m["bcubed_precision"], m["bcubed_recall"], m["bcubed_f1"]) == (1.0, 1.0, 1.0)
    assert m["event_recall"] == 0.5                      # quake was never alerted
    assert m["median_posts_at_first_alert"] == 3          # f0, f1, f2 by the alert's time
    assert m["median_minutes_to_first_alert"] == 2.0
    assert m["big_events"] == 1 and m["big_recall_within_3_posts"] == 1.0
    assert m["duplicate_alert_rate"] == m["impure_alert_rate"] == m["background_alert_rate"] == 0.0


def test_bcubed_of_a_merge_and_of_unassigned_posts():
    # two events of 2 posts in one cluster: precision 0.5, recall 1; a post with no issue is its own cluster
    ps = posts([("a1", 0, "a"), ("a2", 1, "a"), ("b1", 2, "b"), ("b2", 3, "b")])
    m = score(ps, [], assign({"a1": "X", "a2": "X", "b1": "X", "b2": "X"}), truth_field="event")
    assert (m["bcubed_precision"], m["bcubed_recall"]) == (0.5, 1.0)
    m = score(ps, [], assign({"a1": "X", "a2": None, "b1": "Y", "b2": "Y"}), truth_field="event")
    assert (m["bcubed_precision"], m["bcubed_recall"]) == (1.0, 0.75)
    assert m["alerted_issues"] == 0 and m["median_posts_at_first_alert"] is None


def test_duplicate_impure_and_background_alerts():
    ps = posts([(f"a{i}", i * MIN, "a") for i in range(10)] + [(f"n{i}", i * MIN, None) for i in range(5)])
    # A2: a5..a9 and two background posts, 5/7 of event a (impure: under .8); N: background only
    asg = assign({**{f"a{i}": ("A1" if i < 5 else "A2") for i in range(10)}, "n0": "A2", "n1": "A2",
                  **{f"n{i}": "N" for i in range(2, 5)}})
    alerts = [{"issue_id": "A1", "status": "firing", "at": 9 * MIN},
              {"issue_id": "A2", "status": "firing", "at": 9 * MIN + 1},   # a second issue for event a
              {"issue_id": "N", "status": "firing", "at": 9 * MIN},        # background
              {"issue_id": "E", "status": "firing", "at": 0.0},            # an issue with no posts
              {"issue_id": "A1", "status": "resolved", "at": 20 * MIN}]
    m = score(ps, alerts, asg, truth_field="event")
    assert m["alerted_issues"] == 4 and m["alert_lines"] == 5
    assert m["duplicate_alert_rate"] == 0.25
    assert m["background_alert_rate"] == 0.5
    assert m["impure_alert_rate"] == 0.25                 # A2 (also the duplicate: impure is counted first)
    assert m["event_recall"] == 1.0


def test_truth_file_and_rfc3339_times_and_the_cli(tmp_path, capsys):
    ps = [{"id": "p1", "created_at": "2024-05-01T00:00:00Z"}, {"id": "p2", "created_at": "2024-05-01T08:01:00+08:00"}]
    m = score(ps, [{"issue_id": "c", "at": "2024-05-01T00:01:00Z"}], assign({"p1": "c", "p2": "c"}),
              truth={"p1": "e", "p2": "e"})
    assert m["median_posts_at_first_alert"] == 2 and m["median_minutes_to_first_alert"] == 1.0
    with pytest.raises(ValueError):
        score(ps, [], [], truth_field="event", truth={})
    for name, rows in (("posts.jsonl", ps), ("alerts.jsonl", [{"issue_id": "c", "status": "firing",
                                                               "at": "2024-05-01T00:01:00Z"}]),
                       ("assignments.jsonl", assign({"p1": "c", "p2": "c"}))):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n")
    (tmp_path / "truth.json").write_text(json.dumps({"truth": {"p1": "e", "p2": "e"}}))
    rc = main(["evaluate", str(tmp_path / "posts.jsonl"), "--alerts", str(tmp_path / "alerts.jsonl"),
               "--assignments", str(tmp_path / "assignments.jsonl"), "--truth", str(tmp_path / "truth.json"),
               "--json"])
    out = capsys.readouterr()
    assert rc == 0 and json.loads(out.out) == m
    assert "3 unreadable lines skipped" in out.err
    rc = main(["evaluate", str(tmp_path / "posts.jsonl"), "--alerts", str(tmp_path / "alerts.jsonl"),
               "--assignments", str(tmp_path / "assignments.jsonl")])
    assert rc == 2


def test_alerted_says_what_each_alert_was_about_when_it_went_out():
    """An issue that fired on commute chatter and took in an outage's posts hours later did not catch the outage
    (the demo's report counted it as caught, 10 hours early)."""
    from groundswell.alerts.scoring import alerted
    ps = posts([(f"c{i}", i * MIN, None) for i in range(20)] + [(f"o{i}", 600 * MIN + i, "outage") for i in range(30)])
    asg = assign({p["id"]: "commute" for p in ps})
    rows = alerted(ps, [{"issue_id": "commute", "status": "firing", "at": 10 * MIN},
                        {"issue_id": "commute", "status": "firing", "at": 601 * MIN}], asg, truth_field="event")
    assert rows == [{"issue_id": "commute", "at": 10 * MIN, "event": None, "event_posts": 11, "posts": 11}]
    m = score(ps, [{"issue_id": "commute", "status": "firing", "at": 10 * MIN}], asg, truth_field="event")
    assert m["event_recall"] == 0.0 and m["background_alert_rate"] == 1.0


def test_the_demo_writes_a_labelled_stream(tmp_path, capsys):
    from groundswell.streams.demo import run_demo
    assert run_demo(tmp_path, seed=3, hours=2.0) == 0
    rows = [json.loads(line) for line in (tmp_path / "posts.jsonl").read_text().splitlines()]
    assert all("event" in r for r in rows)
    assert {r["event"] for r in rows} - {None} <= {"water_jiangchuan", "bridge_millbrook", "metro_line3",
                                                   "spill_harlow"}
    rc = main(["evaluate", str(tmp_path / "posts.jsonl"), "--alerts", str(tmp_path / "alerts.jsonl"),
               "--assignments", str(tmp_path / "assignments.jsonl"), "--labels-field", "event", "--json"])
    assert rc == 0 and json.loads(capsys.readouterr().out.splitlines()[-1])["posts"] == len(rows)
