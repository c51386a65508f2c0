#!/usr/bin/env python3
"""Score Groundswell on every labelled stream in ../shared/data, beside two peers, with the shared scorer.

One command, one config (default: config/detector.yaml), every labelled stream: CED Weibo cascades (three slices,
with repost links and text only), CrisisNLP and CrisisLex T6/T26 (originals and time-overlapped variants). Each
stream runs `groundswell run`'s code path, then ../shared/eval/score.py; streams run in parallel over the cores.
Beside every figure stand two peers on the same stream and the same tokens:

- `links`: following repost links alone (each post joins its root's cascade; a cascade alerts at its 5th post):
  the floor a detector must tie where links exist (CED `_linked` streams only).
- `textclust`: river's TextClust on the same rjieba/Snowball tokens, with the settings that scored best of a few
  documented choices on that stream (a micro-cluster alerts at its 5th post). Peer figures are cached per stream
  in benchmarks/.cache/ and recomputed with --recompute-peers.

Prints one table per language (Chinese, English) with every stream's figures and its targets, plus totals; --json
prints one object per stream and peer. Every score is computed twice, by ../shared/eval/score.py and by the
product's own `groundswell evaluate`, and the run stops if they differ in any digit. Needs ../shared beside the repo (it is not part of the product): says so
and exits 0 without it.

usage: benchmarks/evaluate.py [--config FILE] [--set section.field=value ...] [--streams a,b,...] [--group zh|en]
                              [--jobs N] [--out DIR] [--no-peers] [--recompute-peers] [--json]
                              [--posts NAME=FILE[:FIELD] ...]
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CACHE = REPO / "benchmarks" / ".cache"

# name -> (file under shared/data, label field, language, has repost links)
STREAMS: dict[str, tuple[str, str, str, bool]] = {}
for _slice in ("2012-11a", "2013-04a", "2014-03"):
    STREAMS[f"ced_{_slice}_linked"] = (f"ced/ced_{_slice}_linked.jsonl.gz", "cascade", "zh", True)
    STREAMS[f"ced_{_slice}_text"] = (f"ced/ced_{_slice}_text.jsonl.gz", "cascade", "zh", False)
STREAMS.update({
    "crisisnlp": ("crisisnlp/crisisnlp.jsonl.gz", "event", "en", False),
    "crisisnlp_overlap": ("crisisnlp/crisisnlp_overlap.jsonl.gz", "event", "en", False),
    "t6": ("crisislex/crisislext6.jsonl.gz", "event", "en", False),
    "t26": ("crisislex/crisislext26.jsonl.gz", "event", "en", False),
    "t6_overlap": ("crisislex/crisislext6_overlap.jsonl.gz", "event", "en", False),
    "t26_overlap": ("crisislex/crisislext26_overlap.jsonl.gz", "event", "en", False),
})

BIG_POSTS, EARLY_POSTS = 300, 50   # "big cascades (>= 300 posts) alerted within their first 50 posts"
BIG = f"big_recall_within_{EARLY_POSTS}_posts"
# per kind of stream: metric -> (op, bound), as issue #16 states them
TARGETS = {
    "linked": {"bcubed_f1": (">=", 0.95), "event_recall": (">=", 0.95), BIG: (">=", 0.90),
               "duplicate_alert_rate": ("<=", 0.05)},
    "text": {"bcubed_f1": (">=", 0.60), BIG: (">=", 0.60), "duplicate_alert_rate": ("<=", 0.10)},
    "en": {"event_recall": (">=", 0.95), "median_posts_at_first_alert": ("<=", 15),
           "duplicate_alert_rate": ("<=", 0.05), "background_alert_rate": ("<=", 0.10), "bcubed_f1": (">=", 0.85)},
}
COLUMNS = ["events", "alerted_issues", "bcubed_precision", "bcubed_recall", "bcubed_f1", "event_recall", BIG,
           "median_posts_at_first_alert", "median_minutes_to_first_alert", "duplicate_alert_rate",
           "background_alert_rate", "impure_alert_rate", "posts_per_s"]
SHORT = {"bcubed_precision": "B3 P", "bcubed_recall": "B3 R", "bcubed_f1": "B3 F1", "event_recall": "recall",
         BIG: f"big<={EARLY_POSTS}", "median_posts_at_first_alert": "med posts", "alerted_issues": "alerts",
         "median_minutes_to_first_alert": "med min", "duplicate_alert_rate": "dup", "events": "events",
         "background_alert_rate": "backgr", "impure_alert_rate": "impure", "posts_per_s": "posts/s"}
PEER_ALERT_AT = 5   # peers alert a cluster at its 5th post

# river TextClust settings tried per stream; the best B-cubed F1 of them is the peer's figure. Chinese: the setting
# issue #16 names (radius 1.0: a post joins the nearest micro-cluster it shares any word with; 1 h real-time fading)
# and the same without term fading (clusters keep their words and take more posts: best on the CED text-only
# streams); English: radius 0.9 with 1 h fading (best on CrisisNLP, T6 and T26 of the settings tried) and the
# adaptive radius benchmarks/throughput.py chose on CrisisLex (best on T26 overlapped). Radius 1.0 on the English
# streams is many times slower (a micro-cluster per few posts, each re-faded at every predict_one) and merges events.
TEXTCLUST = {
    "radius1_1h": dict(radius=1.0, fading_factor=1.0, tgap=1, term_fading=True, real_time_fading=True,
                       auto_r=False, auto_merge=True),
    "radius1_1h_keep_terms": dict(radius=1.0, fading_factor=1.0, tgap=1, term_fading=False, real_time_fading=True,
                                  auto_r=False, auto_merge=True),
    "radius0.9_1h": dict(radius=0.9, fading_factor=1.0, tgap=1, term_fading=True, real_time_fading=True,
                         auto_r=False, auto_merge=True),
    "auto_r_6h_sigma2": dict(radius=0.7, fading_factor=1 / 6, tgap=1, term_fading=True, real_time_fading=True,
                             auto_r=True, auto_merge=True, sigma=2),
}
TEXTCLUST_BY_LANG = {"zh": ("radius1_1h", "radius1_1h_keep_terms"), "en": ("radius0.9_1h", "auto_r_6h_sigma2")}


def kind(name: str) -> str:
    lang, linked = STREAMS[name][2], STREAMS[name][3]
    return "linked" if linked else ("text" if lang == "zh" else "en")


def meets(metric: str, value, targets: dict) -> bool | None:
    if metric not in targets:
        return None
    op, bound = targets[metric]
    return value is not None and (value >= bound if op == ">=" else value <= bound)


def read_jsonl(path: Path):
    with (gzip.open if str(path).endswith(".gz") else open)(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


class ScorerMismatch(AssertionError):
    pass


def score(posts: Path, field: str, alerts: Path, assigns: Path) -> dict:
    """The reference scorer's figures; the product's scorer (`groundswell evaluate`) must agree with them to the
    digit, or the run stops."""
    res = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), "--posts", str(posts), "--alerts",
                          str(alerts), "--assignments", str(assigns), "--truth-field", field,
                          "--big", str(BIG_POSTS), "--early", str(EARLY_POSTS)],
                         capture_output=True, text=True, check=True)
    reference = json.loads(res.stdout)
    ours = subprocess.run([sys.executable, "-m", "groundswell.streams.cli", "evaluate", str(posts), "--alerts",
                           str(alerts), "--assignments", str(assigns), "--labels-field", field, "--big",
                           str(BIG_POSTS), "--early", str(EARLY_POSTS), "--json"],
                          capture_output=True, text=True, check=True)
    if json.loads(ours.stdout) != reference:
        raise ScorerMismatch(f"groundswell evaluate disagrees with score.py on {posts} / {alerts}:\n"
                             f"  ours      {ours.stdout.strip()}\n  reference {res.stdout.strip()}")
    return reference


# ------------------------------------------------------------------------------------------------- Groundswell

def run_groundswell(name: str, posts: Path, field: str, config_file, overrides: dict, out: Path) -> dict:
    from groundswell.config.schema import load_config
    from groundswell.streams.pseudonym import Pseudonymizer
    from groundswell.streams.run import run_files
    config = load_config(config_file, overrides)
    alerts, assigns = out / f"{name}.alerts.jsonl", out / f"{name}.assignments.jsonl"
    summary = run_files([str(posts)], config, alerts_out=str(alerts), assignments_out=str(assigns),
                        rejects_out=str(out / f"{name}.rejects.jsonl"), progress=False,
                        pseudonymizer=Pseudonymizer(b"evaluation"))
    metrics = score(posts, field, alerts, assigns)
    metrics["posts_per_s"] = round(summary.accepted / summary.seconds)
    return metrics


# ------------------------------------------------------------------------------------------------------- peers

def _ordered(posts: Path) -> list[dict]:
    from groundswell.alerts.durations import parse_time
    rows = list(read_jsonl(posts))
    for r in rows:
        r["_t"] = parse_time(r["created_at"])
    rows.sort(key=lambda r: (r["_t"], r["id"]))
    return rows


def _write_peer(out: Path, tag: str, assign: dict, alerts: list[tuple[str, float]]) -> tuple[Path, Path]:
    from groundswell.alerts.durations import format_time
    a_path, s_path = out / f"{tag}.alerts.jsonl", out / f"{tag}.assignments.jsonl"
    with open(a_path, "w") as f:
        for cid, t in alerts:
            f.write(json.dumps({"issue_id": cid, "status": "firing", "at": format_time(t)}) + "\n")
    with open(s_path, "w") as f:
        for pid, cid in assign.items():
            f.write(json.dumps({"post_id": pid, "issue_id": cid}) + "\n")
    return a_path, s_path


def peer_links(posts: Path, field: str, out: Path, tag: str) -> dict:
    """Each post joins its root's cascade (following repost_of up; an unknown parent is a root)."""
    rows = _ordered(posts)
    t0 = time.process_time()
    parent = {r["id"]: r.get("repost_of") for r in rows}
    root_of: dict[str, str] = {}

    def root(pid: str) -> str:
        seen = []
        while pid in parent and parent[pid] is not None and pid not in root_of and len(seen) < 10000:
            seen.append(pid)
            pid = parent[pid]
        r = root_of.get(pid, pid)
        for s in seen:
            root_of[s] = r
        return r

    assign, size, alerts = {}, collections.Counter(), []
    for r in rows:
        c = root(r["id"])
        assign[r["id"]] = c
        size[c] += 1
        if size[c] == PEER_ALERT_AT:
            alerts.append((c, r["_t"]))
    cpu = time.process_time() - t0
    metrics = score(posts, field, *_write_peer(out, tag, assign, alerts))
    metrics["posts_per_s"] = round(len(rows) / max(cpu, 1e-9))
    return metrics


def peer_textclust(posts: Path, field: str, out: Path, tag: str, setting: str) -> dict:
    """river TextClust on Groundswell's tokens with one of TEXTCLUST's settings."""
    from river import cluster

    from groundswell.config.schema import load_config
    from groundswell.streams.embedded import make_tokenizer
    rows = _ordered(posts)
    tokenize = make_tokenizer(load_config(None, {}))
    model = cluster.TextClust(micro_distance="tfidf_cosine_distance", macro_distance="tfidf_cosine_distance",
                              num_macro=10, min_weight=0, **TEXTCLUST[setting])
    assign, size, alerts = {}, collections.Counter(), []
    t0 = time.process_time()
    for r in rows:
        x = collections.Counter(tokenize(r["text"])) if r.get("text") else None
        if not x:
            assign[r["id"]] = None
            continue
        model.learn_one(x, t=r["_t"] / 3600.0)
        c = f"m{model.predict_one(x)}"
        assign[r["id"]] = c
        size[c] += 1
        if size[c] == PEER_ALERT_AT:
            alerts.append((c, r["_t"]))
    cpu = time.process_time() - t0
    metrics = score(posts, field, *_write_peer(out, f"{tag}.{setting}", assign, alerts))
    metrics["posts_per_s"] = round(len(rows) / max(cpu, 1e-9))
    metrics["setting"] = setting
    return metrics


def _cache_key(posts: Path, peer: str) -> str:
    """``peer`` is "links" or "textclust/<setting>"."""
    h = hashlib.sha256()
    h.update(peer.encode())
    if peer.startswith("textclust/"):
        h.update(json.dumps(TEXTCLUST[peer.split("/", 1)[1]], sort_keys=True, default=str).encode())
    st = posts.stat()
    h.update(f"{posts.resolve()}:{st.st_size}:{int(st.st_mtime)}:{BIG_POSTS}:{EARLY_POSTS}".encode())
    return h.hexdigest()[:16]


def _cache_file(name: str, posts: Path, peer: str) -> Path:
    return CACHE / f"{name}.{peer.replace('/', '.')}.{_cache_key(posts, peer)}.json"


def run_peer(peer: str, name: str, posts: Path, field: str, out: Path) -> dict:
    if peer == "links":
        metrics = peer_links(posts, field, out, f"{name}.links")
    else:
        metrics = peer_textclust(posts, field, out, f"{name}.textclust", peer.split("/", 1)[1])
    CACHE.mkdir(parents=True, exist_ok=True)
    _cache_file(name, posts, peer).write_text(json.dumps(metrics))
    return metrics


def peers_of(name: str) -> list[str]:
    _, _, lang, linked = STREAMS[name]
    return (["links"] if linked else []) + [f"textclust/{s}" for s in TEXTCLUST_BY_LANG[lang]]


# ------------------------------------------------------------------------------------------------------ report

def _cell(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def table(title: str, names: list[str], rows: dict, peers: dict) -> list[str]:
    lines = [f"## {title}", ""]
    head = ["stream", "who"] + [SHORT[c] for c in COLUMNS]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for n in names:
        targets = TARGETS[kind(n)] if n in STREAMS else {}
        for who, r in [("groundswell", rows.get(n))] + [(p, peers.get((n, p))) for p in ("links", "textclust")]:
            if r is None:
                continue
            cells = []
            for c in COLUMNS:
                ok = meets(c, r.get(c), targets) if who == "groundswell" else None
                cells.append(_cell(r.get(c)) + ("" if ok is None else (" ok" if ok else " !!")))
            label = who if who != "textclust" else f"textclust ({r.get('setting')})"
            lines.append("| " + " | ".join([n if who == "groundswell" else "", label] + cells) + " |")
    sums = collections.defaultdict(float)
    for n in names:
        r = rows.get(n)
        if r:
            for c in ("bcubed_f1", "event_recall", "alerted_issues"):
                sums[c] += r.get(c) or 0
            sums["duplicates"] += round((r.get("duplicate_alert_rate") or 0) * r["alerted_issues"])
            sums["background"] += round((r.get("background_alert_rate") or 0) * r["alerted_issues"])
            sums["events_found"] += round((r.get("event_recall") or 0) * r["events"])
            sums["events"] += r["events"]
    lines += ["", f"sums over {len(names)} streams: B-cubed F1 {sums['bcubed_f1']:.3f}, events alerted "
              f"{int(sums['events_found'])}/{int(sums['events'])}, alerts {int(sums['alerted_issues'])}, duplicates "
              f"{int(sums['duplicates'])}, background {int(sums['background'])}", ""]
    return lines


def targets_summary(rows: dict, peers: dict) -> list[str]:
    out = ["## Targets (issue #16)", ""]
    for n, r in rows.items():
        if n not in STREAMS:
            continue
        t = TARGETS[kind(n)]
        missed = [f"{SHORT[m]} {_cell(r.get(m))} (target {op} {b})" for m, (op, b) in t.items()
                  if not meets(m, r.get(m), t)]
        if kind(n) == "text" and (n, "textclust") in peers:
            tc = peers[(n, "textclust")]["bcubed_f1"]
            ratio = r["bcubed_f1"] / tc if tc else float("inf")
            if ratio < 1.5:
                missed.append(f"F1 {ratio:.2f} x TextClust's (target 1.5 x)")
        out.append(f"- {n}: " + ("all met" if not missed else "not met: " + "; ".join(missed)))
    return out + [""]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    ap.add_argument("--streams", default="", help="comma-separated stream names (default: all)")
    ap.add_argument("--group", choices=("zh", "en"), help="only the Chinese or the English streams")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="streams run at once (default: cores)")
    ap.add_argument("--out", help="keep alerts/assignments here (default: a temporary folder)")
    ap.add_argument("--no-peers", action="store_true", help="skip the peers (cached figures are still shown)")
    ap.add_argument("--recompute-peers", action="store_true")
    ap.add_argument("--json", action="store_true", help="one JSON object per stream and peer instead of tables")
    ap.add_argument("--posts", action="append", default=[], metavar="NAME=FILE[:FIELD]",
                    help="also score this labelled stream (label field `event` unless given)")
    a = ap.parse_args(argv)
    if not (SHARED / "eval" / "score.py").exists():
        print(f"evaluate: {SHARED} is missing (the labelled data and scorer live beside the repo); nothing to do")
        return 0
    overrides = {k: yaml.safe_load(v) for k, v in (i.split("=", 1) for i in a.set)}
    from groundswell.config.schema import load_config
    load_config(a.config, overrides)   # fail early on a bad config
    out = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="gs-eval-"))
    out.mkdir(parents=True, exist_ok=True)
    names = [n for n in (a.streams.split(",") if a.streams else STREAMS) if n]
    if a.group:
        names = [n for n in names if STREAMS[n][2] == a.group]
    jobs: dict[str, tuple[Path, str]] = {}
    for n in names:
        if n not in STREAMS:
            ap.error(f"unknown stream {n!r}; known: {', '.join(STREAMS)}")
        path = SHARED / "data" / STREAMS[n][0]
        if not path.exists():
            print(f"evaluate: {path} is missing; skipping {n}", file=sys.stderr)
            continue
        jobs[n] = (path, STREAMS[n][1])
    extra = []
    for item in a.posts:
        n, spec = item.split("=", 1)
        f, _, field = spec.partition(":")
        jobs[n] = (Path(f), field or "event")
        extra.append(n)

    rows, raw = {}, {}
    t0 = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futs = {}
        # the slowest first: the big English streams and the peers
        for n, (path, field) in sorted(jobs.items(), key=lambda kv: -kv[1][0].stat().st_size):
            futs[pool.submit(run_groundswell, n, path, field, a.config, overrides, out)] = (n, "groundswell")
            if n in STREAMS:
                for peer in peers_of(n):
                    cached = _cache_file(n, path, peer)
                    if cached.exists() and not a.recompute_peers:
                        raw[(n, peer)] = json.loads(cached.read_text())
                    elif not a.no_peers:
                        futs[pool.submit(run_peer, peer, n, path, field, out)] = (n, peer)
        for fut in concurrent.futures.as_completed(futs):
            n, who = futs[fut]
            res = fut.result()
            if who == "groundswell":
                rows[n] = res
            else:
                raw[(n, who)] = res
            print(f"[{time.perf_counter() - t0:6.0f} s] {n} {who}: F1 {res['bcubed_f1']} recall "
                  f"{res['event_recall']}", file=sys.stderr, flush=True)
    peers: dict[tuple[str, str], dict] = {}   # (stream, "links" | "textclust") -> figures; TextClust: its best setting
    for (n, who), res in raw.items():
        key = (n, who.split("/", 1)[0])
        if key not in peers or res["bcubed_f1"] > peers[key]["bcubed_f1"]:
            peers[key] = res
    if a.json:
        for n in rows:
            print(json.dumps({"stream": n, "who": "groundswell", **rows[n]}))
        for (n, p), r in peers.items():
            print(json.dumps({"stream": n, "who": p, **r}))
        return 0
    lines = []
    zh = [n for n in names if n in rows and STREAMS[n][2] == "zh"]
    en = [n for n in names if n in rows and STREAMS[n][2] == "en"]
    if zh:
        lines += table("Chinese (CED Weibo cascades)", zh, rows, peers)
    if en:
        lines += table("English (CrisisNLP, CrisisLex)", en, rows, peers)
    if extra:
        lines += table("Other streams", [n for n in extra if n in rows], rows, peers)
    both = [n for n in names + extra if n in rows]
    lines += [table("", both, rows, {})[-2].replace(f"sums over {len(both)} streams", f"all {len(both)} streams"), ""]
    lines += targets_summary(rows, peers)
    lines.append(f"(alerts and assignments in {out}; {time.perf_counter() - t0:.0f} s)")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
