"""The README's commands and the `groundswell` CLI, run as a user runs them (subprocesses, real files)."""
from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GROUNDSWELL = str(BIN / "groundswell")


def run(*args, input=None, env=None, timeout=300):
    return subprocess.run([GROUNDSWELL, *args], input=input, capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_readme_starts_with_the_two_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["bash scripts/setup.sh && .venv/bin/groundswell demo", "bash scripts/test.sh"]
    ci = (REPO / ".ci" / "run").read_text()
    assert ci.strip().splitlines()[-1] == "bash scripts/test.sh"   # CI runs exactly the README's test command
    for script in ("scripts/setup.sh", "scripts/test.sh", "scripts/kafka.sh", "scripts/prometheus.sh"):
        assert os.access(REPO / script, os.X_OK), script


def test_setup_script_is_idempotent_and_installs_the_console_script():
    res = subprocess.run(["bash", "scripts/setup.sh"], cwd=REPO, capture_output=True, timeout=600)
    assert res.returncode == 0, res.stderr.decode()
    assert (REPO / ".venv" / "bin" / "groundswell").exists()


def test_test_script_fails_when_no_tests_are_collected(tmp_path):
    res = subprocess.run(["bash", "scripts/test.sh", str(tmp_path), "-q"], cwd=REPO, capture_output=True,
                         timeout=120)
    assert res.returncode == 1
    assert b"no tests" in res.stderr


def test_demo_catches_the_planted_issue_early(tmp_path):
    res = run("demo", "--out", str(tmp_path), "--hours", "12")
    out = res.stdout.decode()
    assert res.returncode == 0, res.stderr.decode()
    caught = re.search(r"caught  water_jiangchuan: first alert at \S+ with (\d+) posts \((\d+) in all\)", out)
    assert caught, out
    assert int(caught.group(1)) <= 60 < int(caught.group(2))
    alerts = [json.loads(line) for line in (tmp_path / "alerts.jsonl").open()]
    assert alerts and all(a["status"] in ("firing", "resolved") for a in alerts)
    post_ids = [json.loads(line)["id"] for line in (tmp_path / "posts.jsonl").open()]
    assigned = [json.loads(line)["post_id"] for line in (tmp_path / "assignments.jsonl").open()]
    assert list(dict.fromkeys(assigned)) == post_ids   # every post, in order; re-assignments come later
    assert (tmp_path / "outbox" / "notifications.jsonl").exists()
    # alerts that are not a planted issue are marked as a cold start exactly when they came in the stream's first
    # hour (the default burst window), when the detector had no past to compare with
    start = datetime.datetime.fromisoformat(
        json.loads((tmp_path / "posts.jsonl").open().readline())["created_at"].replace("Z", "+00:00"))
    for line in re.findall(r"^other alert: .*$", out, re.M):
        at = datetime.datetime.fromisoformat(re.search(r" at (\S+?)(?: \[|: )", line).group(1).replace("Z", "+00:00"))
        assert ("[cold start:" in line) == ((at - start).total_seconds() < 3600), line


def test_run_rejects_bad_lines_with_reasons_and_goes_on(tmp_path):
    good = [{"id": f"p{i}", "text": f"bridge closed on river road {i}", "created_at": 1700000000 + 60 * i,
             "author": f"a{i}"} for i in range(30)]
    lines = [json.dumps(p).encode() for p in good[:10]]
    lines += [b"{not json", b"\xff\xfe not utf8", b"[1, 2]", json.dumps({"id": "x", "text": "no time"}).encode(),
              json.dumps({"id": "y", "text": "t", "created_at": True}).encode(),
              json.dumps({"id": "z", "text": "a" * 20_000, "created_at": 1700000000}).encode(),
              json.dumps({"id": "w", "text": "old", "created_at": "1969-01-01T00:00:00Z"}).encode()]
    lines += [json.dumps(p).encode() for p in good[10:]]
    src = tmp_path / "posts.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    res = run("run", str(src), "--alerts-out", str(tmp_path / "a.jsonl"), "--assignments-out",
              str(tmp_path / "s.jsonl"), "--rejects-out", str(tmp_path / "r.jsonl"))
    assert res.returncode == 0, res.stderr.decode()
    rejects = [json.loads(line) for line in (tmp_path / "r.jsonl").open()]
    assert [r["reason"] for r in rejects] == ["invalid_json", "invalid_utf8", "not_an_object", "missing_field",
                                              "wrong_type", "text_too_long", "timestamp_out_of_range"]
    assert all(r["detail"] and r["line_no"] for r in rejects)
    assigned = [json.loads(line)["post_id"] for line in (tmp_path / "s.jsonl").open()]
    assert list(dict.fromkeys(assigned)) == [p["id"] for p in good]   # later lines only re-assign (merges)
    assert b"30 posts accepted, 7 rejected" in res.stderr


def test_run_reads_stdin_and_writes_stdout():
    posts = "".join(json.dumps({"id": f"p{i}", "text": "hello world again", "created_at": 1700000000 + i}) + "\n"
                    for i in range(5))
    res = run("run", "-", "--alerts-out", "-", input=posts.encode())
    assert res.returncode == 0, res.stderr.decode()
    assert b"5 posts accepted" in res.stderr


def test_invalid_config_names_file_field_and_rule(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("burst:\n  false_alarms_per_day: -2\nclustering:\n  colour: blue\n")
    res = run("check", "detector", str(bad))
    err = res.stderr.decode()
    assert res.returncode == 2
    assert f"{bad}: burst.false_alarms_per_day = -2: Input should be greater than 0" in err
    assert "clustering.colour: unknown field" in err
