"""`groundswell demo`: a seeded synthetic stream (Chinese and English chatter, traps, emerging issues) through the
embedded pipeline, alerts printed as they fire, files written to a demo folder, and how it went against the truth."""
from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

from groundswell.alerts.durations import parse_time
from groundswell.config.schema import load_config

from .pseudonym import Pseudonymizer
from .run import run_files
from .synthetic import generate, write_jsonl


def run_demo(out_dir: Path, seed: int = 7, hours: float = 24.0, config_path: str | None = None,
             alerting: str | None = None) -> int:
    from groundswell.alerts.config import default_config_path
    from .cli import _severity_line
    from .notify import EventTimeNotifier

    out_dir.mkdir(parents=True, exist_ok=True)
    stream = generate(seed, hours=hours)
    posts_path = out_dir / "posts.jsonl"
    # a labelled stream, like the real ones: `event` is the planted issue a post belongs to (null: chatter and the
    # traps), so that any run of it scores with `groundswell evaluate posts.jsonl ... --labels-field event`
    write_jsonl([{**p, "event": _planted(stream.groups.get(p["id"]))} for p in stream.posts], str(posts_path))
    print(f"demo: {len(stream.posts):,} synthetic posts over {hours:g} h (seed {seed}) -> {posts_path}")
    for e in stream.events:
        print(f"      emerging issue planted: {e.name} ({e.lang}) from {e.onset}, {e.n_posts} posts")
    config = load_config(config_path)
    alerting = alerting or str(default_config_path())
    notifier = EventTimeNotifier(alerting, out_dir / "outbox")
    alerts: list[dict] = []

    def on_alert(a: dict) -> None:
        alerts.append(a)
        print(_severity_line(a), flush=True)
        notifier.on_alert(a)

    summary = run_files([str(posts_path)], config, alerts_out=str(out_dir / "alerts.jsonl"),
                        assignments_out=str(out_dir / "assignments.jsonl"),
                        rejects_out=str(out_dir / "rejects.jsonl"), progress=False,
                        pseudonymizer=Pseudonymizer(b"groundswell-demo"), on_alert=on_alert,
                        on_time=notifier.on_time)
    result = notifier.close()
    print(summary.line())
    _report(stream, alerts, out_dir, config.burst.window_s, posts_path)
    print(f"notifications routed with {alerting}: {notifier.notifications} (delivery: {result}); "
          f"see {out_dir / 'outbox'}")
    if result.pending:
        print(f"{result.pending} notifications wait in the outbox (rate-limited chat bots); send them with: "
              f"groundswell deliver --alerting {alerting} --outbox {out_dir / 'outbox'}")
    print(f"files: {out_dir}/alerts.jsonl, assignments.jsonl, rejects.jsonl, posts.jsonl")
    return 0


def _planted(group: str | None) -> str | None:
    return group[len("event:"):] if group and group.startswith("event:") else None


def _report(stream, alerts: list[dict], out_dir: Path, window_s: float, posts_path: Path) -> None:
    """How early each planted issue was caught, and what else fired.

    A planted issue is caught by the first alert whose posts, when it went out, were mostly that issue's (the
    scorer's definition: ``groundswell evaluate``); an alert about anything else is listed with what most of its
    posts were (a trap, chatter). An alert within ``window_s`` of the stream's first post is marked as a cold start:
    the detector had not yet seen a window of the stream before it, so a topic that was already big when watching
    began looks new (by design: a stream that starts during a crisis reports it; see README, burst test)."""
    from groundswell.alerts.jsonl_file import iter_jsonl
    from groundswell.alerts.scoring import alerted
    with open(out_dir / "assignments.jsonl", "rb") as f:
        assignments = [json.loads(line) for line in f]
    first = {}
    for a in alerts:
        if a["status"] == "firing":
            first.setdefault(a["issue_id"], a)
    about = alerted(iter_jsonl(posts_path), alerts, assignments, truth_field="event")
    members = collections.defaultdict(list)
    for row in assignments:   # every post ever reported under an issue: what its alert was about
        if row["issue_id"] is not None:
            members[row["issue_id"]].append(row["post_id"])
    group = stream.groups
    caught = {}
    others = []
    for row in about:
        a = first[row["issue_id"]]
        if row["event"] is not None and row["event"] not in caught:
            caught[row["event"]] = a
            continue
        kinds = collections.Counter(group.get(pid, "?") for pid in members[row["issue_id"]])
        kind = kinds.most_common(1)[0][0] if kinds else "?"
        others.append((kind if row["event"] is None else f"again:{row['event']}", a))
    for e in stream.events:
        a = caught.get(e.name)
        if a:
            print(f"caught  {e.name}: first alert at {a['at']} with {a['posts']} posts ({e.n_posts} in all)")
        else:
            print(f"MISSED  {e.name}")
    start = parse_time(stream.posts[0]["created_at"]) if stream.posts else 0.0
    for kind, a in others:
        since = parse_time(a["at"]) - start
        note = f" [cold start: {since / 60:.0f} min after the stream's first post]" if since < window_s else ""
        print(f"other alert: {a['issue_id']} ({kind}) at {a['at']}{note}: {a['title'][:60]}")
    sys.stdout.flush()
