"""Finding 6: configs. A 479-byte alias bomb made `check` build a 269 MB error; deep nesting raised RecursionError
in all three loaders; `.inf`, `1e20` and `max_year: 9999` passed `check` and crashed `run`; `true` and "64" were
coerced silently; duplicate keys passed; a file receiver's path could leave the outbox folder. Now every loader
refuses them quickly, with a message that names the file (and the field), and `check` says exactly what `run`
says."""
from __future__ import annotations

import time

import pytest

from tests.security.helpers import run_cli, small_stream, write_lines


def bomb(levels: int = 6, field: str = "x") -> str:
    """An alias bomb: 9**levels strings from a few hundred bytes."""
    lines = [f"a0: &a0 [{', '.join([field] * 9)}]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def deep(n: int = 2000) -> str:
    return "[" * n + "]" * n


DETECTOR = {
    "alias-bomb": bomb() + "clustering: {everyday_languages: *a5}\n",
    "deep-nesting": "burst: " + deep() + "\n",
    "deep-block": "burst:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(1000)),
    "inf-window": "burst: {window_s: .inf}\n",
    "huge-interval": "burst: {interval_s: 1.0e+18, window_s: 1.0e+20}\n",
    "year-9999": "input: {max_year: 9999}\n",
    "bool-as-int": "text: {max_tokens: true}\n",
    "str-as-int": 'text: {max_tokens: "64"}\n',
    "duplicate-key": "burst:\n  window_s: 600\n  window_s: 7200\n",
    "no-upper-bound": "near_duplicates: {max_items: 100000000000}\n",
    "inf-growth": "burst: {min_growth: .inf}\n",
}
ALERTING_BASE = "route: {receiver: log}\nreceivers: [{name: log, type: file, path: %s}]\n"
ALERTING = {
    "alias-bomb": bomb(6, '"a=b"') + ALERTING_BASE % "x"
                  + "inhibit_rules: [{source_matchers: *a5, target_matchers: [a=b]}]\n",
    "deep-nesting": ALERTING_BASE % "x" + "silences: " + deep() + "\n",
    "duplicate-key": ALERTING_BASE % "x" + "route: {receiver: log}\n",
    "path-escapes-outbox": ALERTING_BASE % "../../outside/notifications.jsonl",
    "inf-timeout": ALERTING_BASE % "x" + "delivery: {timeout_s: .inf}\n",
    "huge-wait": "route: {receiver: log, group_wait: 1.0e+300}\nreceivers: [{name: log, type: file, path: x}]\n",
    "str-as-int": ALERTING_BASE % "x" + 'delivery: {max_attempts: "3"}\n',
}
KAFKA = {
    "alias-bomb": bomb() + "bootstrap: *a5\n",
    "deep-nesting": "topics: " + deep() + "\n",
    "inf-snapshot": "worker: {snapshot_every_s: .inf}\n",
    "duplicate-key": "app_id: one\napp_id: two\n",
    "bool-as-int": "shard_partitions: true\n",
}


def _check(kind: str, path) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    rc, out, err = run_cli(["check", kind, str(path)])
    return rc, out + err, time.perf_counter() - t0


@pytest.mark.parametrize("kind, name, text", [("detector", k, v) for k, v in DETECTOR.items()]
                         + [("alerting", k, v) for k, v in ALERTING.items()]
                         + [("kafka", k, v) for k, v in KAFKA.items()], ids=lambda x: x if len(x) < 40 else "")
def test_check_refuses_quickly_naming_the_file(tmp_path, kind, name, text):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    rc, msg, seconds = _check(kind, path)
    assert rc == 2, f"`check {kind}` accepted {name}: {msg[:300]}"
    assert str(path) in msg
    assert len(msg) < 5_000, f"a {len(msg):,}-character error"
    assert seconds < 5, f"{seconds:.1f} s"


def _check_then_run(tmp_path, kind: str, text: str, name: str):
    """`check KIND` on the config, then `run` with it (as --config or --alerting): (check rc, check message, run
    rc, run stdout, run stderr)."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    posts = write_lines(tmp_path / "posts.jsonl", small_stream()[:50])
    rc_check, msg_check, _ = _check(kind, path)
    flag = "--config" if kind == "detector" else "--alerting"
    rc_run, out, err = run_cli(["run", str(posts), flag, str(path), "--alerts-out", str(tmp_path / "alerts.jsonl"),
                                "--no-progress"])
    return rc_check, msg_check, rc_run, out, err


@pytest.mark.parametrize("name", sorted(DETECTOR))
def test_run_says_what_check_says(tmp_path, name):
    rc_check, msg_check, rc_run, out, err = _check_then_run(tmp_path, "detector", DETECTOR[name], name)
    assert (rc_check, rc_run) == (2, 2)
    assert msg_check.strip() in (out + err)
    assert len(out + err) < 5_000


@pytest.mark.parametrize("name", sorted(ALERTING))
def test_run_refuses_the_alerting_config_check_refuses(tmp_path, name):
    rc_check, msg_check, rc_run, out, err = _check_then_run(tmp_path, "alerting", ALERTING[name], name)
    assert (rc_check, rc_run) == (2, 2), (msg_check[:300], err[-300:])
    assert len(out + err) < 5_000
    assert not (tmp_path.parent / "outside").exists()
