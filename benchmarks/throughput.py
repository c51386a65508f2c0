#!/usr/bin/env python3
"""Throughput and memory of the whole Groundswell core on real Chinese and English posts, against baselines.

Inputs (real, read-only, beside the repo; nothing is copied from them): Chinese = the Weibo hot-search topics
(../shared/data/weibo_hot/topics.jsonl.gz), one post per topic, text = title + " " + description (when present),
created_at = first_seen, author none; English = CrisisLex T6 (../shared/data/crisislex/crisislext6.jsonl.gz), whose
lines are already in the input contract. Both sorted by created_at (stable); the first --posts of each are used.
Without ../shared the script says so and exits 0.

Measured in one run, one process, one core (rates are posts per CPU second of this process, so a busy neighbour
on a shared machine slows them less than wall time; wall-clock rates are in the JSON too):
  1. segmentation alone: jieba.lcut (accurate mode, HMM on: the baseline) vs our Tokenizer().tokens;
  2. the whole core: raw JSON line bytes -> EmbeddedRunner.process_line (parse, validate, pseudonymise,
     tokenise, near-duplicates, clustering, burst/growth, alerts), and the reading floor (orjson.loads + dumps);
  3. a peer pipeline: the same Tokenizer + river's cluster.TextClust (learn_one + predict_one per post), with
     settings chosen for cluster quality (see TEXTCLUST); on a prefix when N posts would take over --budget-s;
     a quick quality check of those settings on labelled CrisisLex T6 (overlapped variant) against river's
     documented example settings and a shuffled-assignment baseline;
  4. peak RSS of the whole core over --rss-posts posts (corpus replayed with fresh ids and shifted times) in a
     fresh subprocess per language, sampled every 100k posts.
Prints a table (and --json FILE writes the figures). Progress goes to stderr.

usage: python benchmarks/throughput.py [--posts 50000] [--rss-posts 1000000] [--json FILE] [--repeat 1]
                                       [--budget-s 180] [--prefix 5000] [--quality-posts 6000] [--data DIR]
"""
from __future__ import annotations

import argparse
import gc
import gzip
import heapq
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
ZH = "weibo_hot/topics.jsonl.gz"
EN = "crisislex/crisislext6.jsonl.gz"
EN_OVERLAP = "crisislex/crisislext6_overlap.jsonl.gz"
CHUNK = 1000  # posts between cumulative-time marks of the core (to rate any prefix and spot slow stretches)

# river TextClust, "quality first". Time unit: hours (learn_one gets t = created_at in hours). Chosen on the
# first 8,000 posts of CrisisLex T6 overlapped (Sandy, Oklahoma tornado and Queensland floods within 48 h plus
# 50% off-topic background), comparing purity of the 10 biggest clusters, B-cubed and "event capture" (share of
# an event's posts in the biggest cluster it fills to >= 80%):
#   settings                                   top-10 purity  B3 P   B3 R   capture Sandy/Oklahoma/Queensland
#   documented example (count fading, auto_r)      0.867     0.906  0.389   0.75 / 0.02 / 0.04
#   real-time 1/6, tgap 1, auto_r, sigma=2         0.873     0.893  0.170   0.47 / 0.17 / 0.22   <- chosen
#   real-time 1/6, tgap 1, radius 0.9              0.854     0.886  0.296   0.60 / 0.14 / 0.00
#   real-time 1/6, tgap 1, radius 0.7 / 0.6        0.76/0.81 0.80/0.87 0.03/0.02 (posts scattered in tiny clusters)
#   real-time 1/24, tgap 4, radius 0.7             0.816     0.840  0.024   (and 2.3x slower: 3x more live clusters)
# The documented example is not random here, but it makes one 2,279-post blob (86% Sandy) and leaves the two
# smaller crises in fragments of ~20 posts; the chosen settings give each crisis its own pure cluster (Sandy
# 1,303 posts at 94%, Oklahoma 149 at 97%, Queensland 93 at 90%), which is what an early-warning system needs.
#  - real_time_fading=True: fade by event time, not by post count, so that a burst of posts does not age every
#    other topic away and a quiet night does not keep stale ones (our core also ages by event time).
#  - fading_factor=1/6: a micro-cluster's weight halves every 6 h of event time: an emerging issue keeps its
#    cluster through a few hours of silence; yesterday's chatter is gone. 1/24 (closer to our core's 1-day
#    vocabulary half-life) keeps ~3x more live micro-clusters, is that much slower per post (the cost of a
#    post grows with the live micro-clusters) and clustered no better.
#  - tgap=1: clean-up / merge pass every hour of event time; a one-post micro-cluster is dropped once its weight
#    falls to omega = 2^(-fading_factor * tgap), i.e. after 1 h without a second post.
#  - auto_r=True, sigma=2: assign to the closest micro-cluster only when its distance is sigma standard
#    deviations below the mean distance to all micro-clusters (an adaptive radius; merge passes use the mean
#    distance of the hour's assignments). sigma=1 (river's default) merges nearly any post sharing a word with
#    a cluster, since most distances are 1.0 for short texts; a fixed radius either scatters posts (0.3 to 0.7:
#    similarity >= 0.3 is rare between two tweets of one event) or mixes events (0.9). `radius` is unused
#    with auto_r.
#  - micro_distance / macro_distance: TF-IDF cosine (the only distance river implements; named explicitly).
#  - term_fading=True: old words of a long-lived cluster fade so it can drift with the story.
#  - auto_merge=True: close micro-clusters are merged at each clean-up.
#  - num_macro / min_weight: only used for macro-clusters; we assign posts to micro-clusters (predict_one's
#    default), the level comparable to our issues, so macro re-clustering (single linkage over all
#    micro-clusters, cubic) is never run.
TEXTCLUST = dict(radius=0.7, fading_factor=1 / 6, tgap=1, term_fading=True, real_time_fading=True,
                 micro_distance="tfidf_cosine_distance", macro_distance="tfidf_cosine_distance",
                 num_macro=10, min_weight=0, auto_r=True, auto_merge=True, sigma=2)
# river's documented example (docstring of river.cluster.TextClust), for the quality comparison only.
TEXTCLUST_DOC_EXAMPLE = dict(real_time_fading=False, fading_factor=0.001, tgap=100, auto_r=True, radius=0.9)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------- machine


def machine() -> dict:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version
    versions = {}
    for dist in ("river", "jieba", "rjieba", "orjson", "PyStemmer"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "?"
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        dirty = [x[3:] for x in subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                                                "--untracked-files=no"], capture_output=True,
                                               text=True).stdout.splitlines()]
    except OSError:
        commit, dirty = "?", None
    return {"cpu_model": model, "cores": os.cpu_count(), "cores_usable": usable, "mem_gb": mem_gb,
            "python": sys.version.split()[0], "implementation": platform.python_implementation(),
            "platform": platform.platform(), "versions": versions, "git_commit": commit,
            "git_tracked_changes": dirty, "loadavg_start": os.getloadavg(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z")}


# -------------------------------------------------------------------------------------------------- data


def _rfc3339(s: str) -> str:
    """'2024-05-20T20:00+08:00' (no seconds, not RFC 3339) -> '2024-05-20T20:00:00+08:00'."""
    return datetime.fromisoformat(s).isoformat(timespec="seconds")


def load_corpus(path: Path, lang: str, limit: int | None = None) -> list[tuple[float, bytes, dict]]:
    """(epoch seconds, raw contract line, post dict) sorted by created_at (stable), first `limit`."""
    import orjson
    rows = []
    with gzip.open(path, "rb") as f:
        for i, line in enumerate(f):
            d = orjson.loads(line)
            if lang == "zh":
                text = d["title"] + (" " + d["description"] if d.get("description") else "")
                post = {"id": f"weibo-topic-{i:06d}", "text": text, "created_at": _rfc3339(d["first_seen"]),
                        "author": None}
                raw = orjson.dumps(post)
            else:  # already in the contract shape; extra fields (labels) are ignored by the parser
                post = d
                raw = line.rstrip(b"\n")
            rows.append((datetime.fromisoformat(post["created_at"]).timestamp(), raw, post))
    rows.sort(key=lambda r: r[0])
    return rows[:limit] if limit else rows


# ------------------------------------------------------------------------------------------------ timing


def timed(fn, items) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of fn(x) for x in items."""
    gc.collect()
    t0, w0 = time.process_time(), time.perf_counter()
    for x in items:
        fn(x)
    return time.process_time() - t0, time.perf_counter() - w0


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("nan")


def bench_segmentation(texts: list[str], repeat: int) -> dict:
    """jieba.lcut vs Tokenizer().tokens (a fresh Tokenizer each pass: its caches start cold, as in a stream)."""
    import jieba
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    out = {"posts": len(texts), "chars_per_post": round(sum(map(len, texts)) / len(texts), 1)}
    cpu, wall = timed(jieba.lcut, texts)  # one pass: it is the slow one
    out["jieba_lcut"] = {"posts_per_s": rate(len(texts), cpu), "wall_posts_per_s": rate(len(texts), wall)}
    try:
        from groundswell.detectors.text.segment import Tokenizer
        Tokenizer().tokens("预热 warm-up")
    except Exception as e:  # noqa: BLE001 - the module is being finished by another engineer
        out["tokenizer"] = {"error": f"import failed: {type(e).__name__}: {e}"}
        return out
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        tok = Tokenizer()
        best = min(best, timed(tok.tokens, texts))
    out["tokenizer"] = {"posts_per_s": rate(len(texts), best[0]), "wall_posts_per_s": rate(len(texts), best[1]),
                        "backend": tok.backend}
    out["tokenizer_over_jieba"] = out["tokenizer"]["posts_per_s"] / out["jieba_lcut"]["posts_per_s"]
    return out


def bench_floor(lines: list[bytes], repeat: int) -> dict:
    import orjson
    loads, dumps = orjson.loads, orjson.dumps

    def f(raw):
        dumps(loads(raw))
    best = min(timed(f, lines) for _ in range(max(repeat, 3)))
    return {"posts_per_s": rate(len(lines), best[0]), "wall_posts_per_s": rate(len(lines), best[1])}


_CONFIG = None


def make_runner(keep_assignments: bool = True):
    """A fresh EmbeddedRunner with the shipped default config, loaded once per process (the same settings for
    every benchmark of a run, even if config/detector.yaml is being edited meanwhile). With ``keep_assignments``
    every post's issue id is kept in the returned dict (for the quality check); the memory run does not keep
    them: a map of every post ever seen is the harness's memory, not the core's (1M ids are ~100 MB)."""
    global _CONFIG
    from groundswell.config.schema import load_config
    from groundswell.streams.embedded import EmbeddedRunner
    if _CONFIG is None:
        _CONFIG = load_config(None)
    from groundswell.streams.pseudonym import Pseudonymizer
    counts = Counter()
    assignments: dict[str, str | None] = {}

    def on_alert(a):
        counts["alerts"] += 1
        counts["alert_" + str(a.get("status"))] += 1

    def on_assignment(pid, iid):
        counts["assigned" if iid is not None else "unassigned"] += 1
        if keep_assignments:
            assignments[pid] = iid
    runner = EmbeddedRunner(_CONFIG, pseudonymizer=Pseudonymizer(b"bench"), on_alert=on_alert,
                            on_assignment=on_assignment)
    return runner, counts, assignments


def bench_core(lines: list[bytes], repeat: int, lang: str) -> dict:
    """Whole core per raw line; cumulative CPU time every CHUNK posts; the 5 slowest posts (wall)."""
    best = None
    for rep in range(repeat):
        try:
            runner, counts, _ = make_runner()
        except Exception as e:  # noqa: BLE001 - e.g. a config being edited: report, go on with the rest
            return {"error": f"cannot build the core: {type(e).__name__}: {e}", "traceback": traceback.format_exc(),
                    "input_index": -1, "input": ""}
        process = runner.process_line
        marks = [0.0]
        slow: list[tuple[float, int]] = []
        gc.collect()
        pc, perf = time.process_time, time.perf_counter
        t0, w0 = pc(), perf()
        try:
            for i, raw in enumerate(lines):
                s = perf()
                process(raw)
                dt = perf() - s
                if len(slow) < 5:
                    heapq.heappush(slow, (dt, i))
                elif dt > slow[0][0]:
                    heapq.heapreplace(slow, (dt, i))
                if (i + 1) % CHUNK == 0:
                    marks.append(pc() - t0)
                    if (i + 1) % 10_000 == 0:
                        log(f"core {lang} pass {rep + 1}: {i + 1}/{len(lines)} posts, "
                            f"{rate(i + 1, marks[-1]):,.0f} posts/s")
        except Exception as e:  # noqa: BLE001 - report precisely, do not hide
            return {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc(),
                    "input_index": i, "input": lines[i][:2000].decode("utf-8", "replace")}
        cpu, wall = pc() - t0, perf() - w0
        if len(lines) % CHUNK:
            marks.append(cpu)
        res = {"posts_per_s": rate(len(lines), cpu), "wall_posts_per_s": rate(len(lines), wall), "cpu_s": cpu,
               "accepted": runner.accepted, "rejected": runner.rejected, "alerts": runner.alerts,
               "counts": dict(counts), "issues_open": len(runner.detector.issues),
               "clusters_live": len(runner.detector.clusterer), "marks": marks,
               "slowest_posts": [{"index": i, "ms": round(dt * 1e3, 2),
                                  "id": _id(lines[i])} for dt, i in sorted(slow, reverse=True)]}
        chunk_rates = [CHUNK / (b - a) for a, b in zip(marks, marks[1:]) if b > a][: len(lines) // CHUNK]
        if chunk_rates:
            res["chunk_rate_min"] = min(chunk_rates)
            res["chunk_rate_median"] = sorted(chunk_rates)[len(chunk_rates) // 2]
            res["chunk_rate_last"] = chunk_rates[-1]
        if best is None or res["cpu_s"] < best["cpu_s"]:
            best = res
    return best


def _id(raw: bytes) -> str:
    import orjson
    try:
        return str(orjson.loads(raw).get("id"))
    except Exception:  # noqa: BLE001
        return "?"


def core_rate_on_prefix(core: dict, n: int) -> float | None:
    """Core posts/s over its first n posts (n a multiple of CHUNK, else the nearest mark below)."""
    marks = core.get("marks") or []
    k = min(n // CHUNK, len(marks) - 1)
    return rate(k * CHUNK, marks[k]) if k > 0 else None


def profile_core(lines: list[bytes], top: int = 25) -> str:
    try:
        return _profile_core(lines, top)
    except Exception:  # noqa: BLE001 - a profile is an extra; report and go on
        return "profiling failed:\n" + traceback.format_exc()


def _profile_core(lines: list[bytes], top: int) -> str:
    import cProfile
    import io
    import pstats
    runner, _, _ = make_runner()
    pr = cProfile.Profile()
    pr.enable()
    for raw in lines:
        runner.process_line(raw)
    pr.disable()
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(top)
    return s.getvalue()


# ---------------------------------------------------------------------------------------------- TextClust


def textclust_stream(posts: list[dict], settings: dict, budget_s: float, prefix: int, lang: str,
                     tokens: list[list[str]] | None = None) -> tuple[dict, list]:
    """Tokenizer + TextClust.learn_one + predict_one per post (the post's micro-cluster is its assignment).

    Runs all posts unless, after `prefix` posts, the projected time for all of them exceeds budget_s (the
    projection is optimistic: the per-post cost grows with the number of live micro-clusters); then stops
    there. Also times learn_one alone (without predict_one's full re-fading of every micro-cluster) in the
    same loop."""
    from river import cluster

    from groundswell.detectors.text.segment import Tokenizer
    tok = Tokenizer()
    model = cluster.TextClust(**settings)
    rt = settings.get("real_time_fading", True)
    assign: list = []
    pc = time.process_time
    learn_cpu = 0.0
    gc.collect()
    t0, w0 = pc(), time.perf_counter()
    n = len(posts)
    stopped = None
    for i, p in enumerate(posts):
        toks = tokens[i] if tokens is not None else tok.tokens(p["text"])
        x = Counter(toks)  # term frequencies: what TextClust reads (x[key] is the tf of term key)
        if not x:
            assign.append(None)
            continue
        s = pc()
        if rt:
            model.learn_one(x, t=p["_t"] / 3600.0)
        else:
            model.learn_one(x)
        learn_cpu += pc() - s
        assign.append(model.predict_one(x))
        done = i + 1
        if done % 1000 == 0:
            el = pc() - t0
            log(f"textclust {lang}: {done}/{n} posts, {rate(done, el):,.0f} posts/s, "
                f"{len(model.micro_clusters)} micro-clusters")
            if done == prefix and el * n / done > budget_s and done < n:
                stopped = f"stopped after {done} posts: all {n} projected to take {el * n / done:,.0f} s > {budget_s:.0f} s"
                break
    cpu, wall = pc() - t0, time.perf_counter() - w0
    m = len(assign)
    return ({"posts": m, "of_posts": n, "prefix_only": stopped is not None, "note": stopped,
             "posts_per_s": rate(m, cpu), "wall_posts_per_s": rate(m, wall), "cpu_s": cpu,
             "learn_one_only_posts_per_s": rate(m, learn_cpu),
             "micro_clusters_live": len(model.micro_clusters), "clusters_used": len(set(assign) - {None})},
            assign)


def quality(assign: list, labels: list, top: int = 10) -> dict:
    """Purity of the `top` biggest clusters (background = its own label) and B-cubed over labelled posts
    (unassigned = singleton), as ../shared/eval/score.py counts it, and event capture: for each event with
    >= 50 posts, the share of its posts that sit in the biggest cluster it makes up >= 80% of (0 when it
    dominates none: B-cubed alone rewards one giant cluster of the biggest event)."""
    by = defaultdict(Counter)
    for a, lab in zip(assign, labels):
        if a is not None:
            by[a][lab or "(background)"] += 1
    big = sorted(by.values(), key=lambda c: -sum(c.values()))[:top]
    tot = sum(sum(c.values()) for c in big)
    maj = sum(c.most_common(1)[0][1] for c in big)
    idx = [i for i, lab in enumerate(labels) if lab is not None]
    cl, size, ev = defaultdict(Counter), Counter(), Counter()
    for i in idx:
        c = assign[i] if assign[i] is not None else ("single", i)
        cl[c][labels[i]] += 1
        size[c] += 1
        ev[labels[i]] += 1
    p = sum(k * k / size[c] for c, cnt in cl.items() for k in cnt.values()) / max(len(idx), 1)
    r = sum(k * k / ev[e] for cnt in cl.values() for e, k in cnt.items()) / max(len(idx), 1)
    # per event (>= 50 posts): share of its posts in its biggest cluster that it fills to >= 80%
    capture = {}
    for e, n_e in ev.items():
        if n_e >= 50:
            capture[e] = max((c[e] for c in by.values() if c[e] >= 0.8 * sum(c.values())), default=0) / n_e
    return {"top_purity": maj / max(tot, 1), "top_sizes": [sum(c.values()) for c in big],
            "event_capture": capture,
            "top_majority": [c.most_common(1)[0][0] for c in big[:5]],
            "bcubed_p": p, "bcubed_r": r, "bcubed_f1": 2 * p * r / (p + r) if p + r else 0.0,
            "clusters": len(by)}


def shuffled(assign: list, seed: int = 1) -> list:
    import random
    s = list(assign)
    random.Random(seed).shuffle(s)
    return s


def quality_check(path: Path, n: int) -> dict:
    """TextClust (chosen vs documented example settings) and the core on the first n labelled posts."""
    rows = load_corpus(path, "en", n)
    posts = [dict(r[2], _t=r[0]) for r in rows]
    labels = [p.get("event") for p in posts]
    from groundswell.detectors.text.segment import Tokenizer
    tok = Tokenizer()
    tokens = [tok.tokens(p["text"]) for p in posts]
    out = {"set": str(path.relative_to(path.parents[2])), "posts": len(posts),
           "events": dict(Counter(lab or "(background)" for lab in labels).most_common())}
    for name, settings in (("textclust_chosen", TEXTCLUST), ("textclust_doc_example", TEXTCLUST_DOC_EXAMPLE)):
        log(f"quality check: {name} on {len(posts)} posts")
        res, assign = textclust_stream(posts, settings, float("inf"), 0, "quality", tokens=tokens)
        q = quality(assign, labels)
        qs = quality(shuffled(assign), labels)
        out[name] = q | {"shuffled_top_purity": qs["top_purity"], "shuffled_bcubed_f1": qs["bcubed_f1"],
                         "posts_per_s": res["posts_per_s"]}
    runner, _, amap = make_runner()
    for _, raw, _ in rows:
        runner.process_line(raw)
    assign = [amap.get(str(p["id"])) for p in posts]
    q = quality(assign, labels)
    qs = quality(shuffled(assign), labels)
    out["core"] = q | {"shuffled_top_purity": qs["top_purity"], "shuffled_bcubed_f1": qs["bcubed_f1"]}
    return out


# --------------------------------------------------------------------------------------------------- RSS


def rss_kb() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in kB."""
    rss = hwm = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    return rss, hwm


def rss_worker(corpus_file: str, total: int, every: int, span_s: float, lang: str, max_s: float) -> int:
    """Replays the sorted contract lines of corpus_file through one EmbeddedRunner until `total` posts:
    pass k gets ids '<id>~p<k>' and created_at shifted by k * (span + 1 day). One JSON line per sample.
    Stops early (and says so) once max_s wall seconds have passed."""
    import orjson

    from groundswell.streams.contract import format_time
    runner, counts, _ = make_runner(keep_assignments=False)
    runner.process_line(orjson.dumps({"id": "warm", "text": "预热 warm up", "created_at": "2000-01-01T00:00:00Z"}))
    rss, hwm = rss_kb()
    print(json.dumps({"posts": 0, "rss_mb": rss / 1024, "hwm_mb": hwm / 1024, "cpu_s": 0.0}), flush=True)
    shift = span_s + 86400
    done, k = 0, 0
    t0, w0 = time.process_time(), time.perf_counter()
    fromiso = datetime.fromisoformat
    stop = False
    while done < total:
        with open(corpus_file, "rb") as f:
            for line in f:
                d = orjson.loads(line)
                d["id"] = f"{d['id']}~p{k}"
                d["created_at"] = format_time(fromiso(d["created_at"]).timestamp() + k * shift)
                runner.process_line(orjson.dumps(d))
                done += 1
                stop = done % 1000 == 0 and time.perf_counter() - w0 > max_s
                if done % every == 0 or done == total or stop:
                    rss, hwm = rss_kb()
                    cpu = time.process_time() - t0
                    print(json.dumps({"posts": done, "pass": k, "rss_mb": rss / 1024, "hwm_mb": hwm / 1024,
                                      "cpu_s": cpu, "posts_per_s": rate(done, cpu),
                                      "issues_open": len(runner.detector.issues),
                                      "clusters_live": len(runner.detector.clusterer),
                                      "alerts": runner.alerts, "rejected": runner.rejected,
                                      "stopped": stop}), flush=True)
                    log(f"rss {lang}: {done:,}/{total:,} posts, RSS {rss / 1024:,.0f} MB "
                        f"(peak {hwm / 1024:,.0f} MB), {rate(done, cpu):,.0f} posts/s")
                if done >= total or stop:
                    break
        if stop:
            log(f"rss {lang}: stopped after {done:,} posts: over --rss-max-s {max_s:,.0f} s of wall time")
            break
        k += 1
    return 0


def bench_rss(rows: list, lang: str, total: int, every: int, max_s: float) -> dict:
    """Runs rss_worker in a fresh interpreter on the whole sorted corpus (written to a temporary file)."""
    span = rows[-1][0] - rows[0][0]
    with tempfile.TemporaryDirectory(prefix="gs-bench-") as tmp:
        path = Path(tmp) / f"{lang}.jsonl"
        with open(path, "wb") as f:
            for _, raw, _ in rows:
                f.write(raw + b"\n")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--_rss-worker", str(path), "--rss-posts", str(total),
               "--rss-every", str(every), "--_span", str(span), "--_lang", lang, "--rss-max-s", str(max_s)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    samples = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    res = {"corpus_posts": len(rows), "passes": -(-total // len(rows)), "span_days": round(span / 86400, 1),
           "samples": samples, "returncode": proc.returncode}
    if samples:
        res["peak_mb"] = max(s["hwm_mb"] for s in samples)
        res["start_mb"] = samples[0]["rss_mb"]
        res["final_rss_mb"] = samples[-1]["rss_mb"]
        res["posts"] = samples[-1]["posts"]
        res["posts_per_s"] = samples[-1].get("posts_per_s")
        res["stopped_early"] = bool(samples[-1].get("stopped"))
    return res


# ------------------------------------------------------------------------------------------------- report


def fmt(x, spec=",.0f") -> str:
    return "-" if x is None or (isinstance(x, float) and x != x) else format(x, spec)


def report(res: dict) -> str:
    m = res["machine"]
    out = [f"Groundswell throughput benchmark, {m['date']}",
           f"machine: {m['cpu_model']}, {m['cores']} cores ({m['cores_usable']} usable), {m['mem_gb']} GB RAM; "
           f"Python {m['python']} ({m['implementation']}); {m['platform']}",
           f"versions: {', '.join(f'{k} {v}' for k, v in m['versions'].items())}; repo {m['git_commit']}"
           f"{' + uncommitted changes to ' + ', '.join(m['git_tracked_changes']) if m['git_tracked_changes'] else ''}",
           f"load average at start {m['loadavg_start'][0]:.2f}, at end {res.get('loadavg_end', [0])[0]:.2f} "
           "(a shared machine: other work competes for the cores; rates are per CPU second of this process)",
           f"rates: posts per CPU second, one process, one core; first {res['args']['posts']:,} posts per language "
           f"by created_at; best of {res['args']['repeat']} pass(es) where repeated", ""]
    langs = [lg for lg in ("zh", "en") if lg in res["langs"]]
    head = f"{'':44s}" + "".join(f"{lg + ' posts/s':>16s}" for lg in langs)
    out.append(head)
    out.append("-" * len(head))

    def row(label, get, spec=",.0f"):
        vals = []
        for lg in langs:
            try:
                v = get(res["langs"][lg])
            except (KeyError, TypeError, ZeroDivisionError):
                v = None
            vals.append(f"{fmt(v, spec):>16s}")
        out.append(f"{label:44s}" + "".join(vals))

    row("posts (chars/post)", lambda r: f"{r['posts']:,} ({r['seg']['chars_per_post']:.0f})", "")
    row("1a segmentation: jieba.lcut (accurate)", lambda r: r["seg"]["jieba_lcut"]["posts_per_s"])
    row("1b segmentation: Tokenizer().tokens", lambda r: r["seg"]["tokenizer"]["posts_per_s"])
    row("2a read floor: orjson.loads + dumps", lambda r: r["floor"]["posts_per_s"])
    row("2b whole core: EmbeddedRunner.process_line", lambda r: r["core"]["posts_per_s"])
    row("   core, slowest 1k-post stretch", lambda r: r["core"]["chunk_rate_min"])
    row("   core, over the TextClust prefix", lambda r: r["core_on_textclust_posts"])
    row("3  Tokenizer + river TextClust (learn+predict)", lambda r: r["textclust"]["posts_per_s"])
    row("   TextClust posts measured", lambda r: r["textclust"]["posts"], ",d")
    row("   TextClust learn_one alone", lambda r: r["textclust"]["learn_one_only_posts_per_s"])
    out.append("ratios")
    row("   core / TextClust pipeline (same posts)", lambda r: r["ratios"]["core_over_textclust"], ".1f")
    row("   core / jieba-only segmentation", lambda r: r["ratios"]["core_over_jieba"], ".2f")
    row("   Tokenizer / jieba.lcut", lambda r: r["ratios"]["tokenizer_over_jieba"], ".2f")
    row("   core / read floor", lambda r: r["ratios"]["core_over_floor"], ".3f")
    row("core: accepted / rejected / alerts",
        lambda r: f"{r['core']['accepted']:,} / {r['core']['rejected']:,} / {r['core']['alerts']:,}", "")
    for lg in langs:
        r = res["langs"][lg]
        for part in ("seg", "core", "textclust"):
            err = (r.get(part) or {}).get("error") or (r.get("seg", {}).get("tokenizer", {}).get("error")
                                                       if part == "seg" else None)
            if err:
                out.append(f"!! {lg} {part}: {err}")
                if "traceback" in r[part]:
                    out.append(r[part]["traceback"])
                    out.append(f"   input #{r[part]['input_index']}: {r[part]['input'][:300]}")
        note = (r.get("textclust") or {}).get("note")
        if note:
            out.append(f"note {lg} TextClust: {note}")
        if r.get("core", {}).get("slowest_posts"):
            sp = r["core"]["slowest_posts"]
            out.append(f"note {lg} core: slowest posts (wall ms): "
                       + ", ".join(f"#{s['index']} {s['ms']}" for s in sp))
        if r.get("core_profile"):
            out.append(f"profile of the core on {lg}: {r['core_profile']}")
    out.append(f"TextClust settings: {res['textclust_settings']}")
    q = res.get("quality")
    if q:
        out += ["", f"quality check on {q['posts']:,} labelled posts of {q['set']} (first by time; events: "
                + ", ".join(f"{k} {v}" for k, v in q["events"].items()) + ")",
                f"{'':28s}{'clusters':>9s}{'top-10 purity':>15s}{'(shuffled)':>11s}{'B3 P':>7s}{'B3 R':>7s}"
                f"{'B3 F1':>7s}{'(shuffled)':>11s}  event capture  biggest clusters (posts)"]
        for name in ("core", "textclust_chosen", "textclust_doc_example"):
            x = q[name]
            out.append(f"{name:28s}{x['clusters']:9,d}{x['top_purity']:15.3f}{x['shuffled_top_purity']:11.3f}"
                       f"{x['bcubed_p']:7.3f}{x['bcubed_r']:7.3f}{x['bcubed_f1']:7.3f}{x['shuffled_bcubed_f1']:11.3f}"
                       f"  {' '.join(f'{v:.2f}' for v in x['event_capture'].values()):13s}  {x['top_sizes'][:5]}")
        out.append("event capture, in order: " + ", ".join(q["core"]["event_capture"]))
    if res.get("rss"):
        out += ["", f"memory: whole core in a fresh process, peak RSS over {res['args']['rss_posts']:,} posts "
                "(corpus replayed: ids get a pass suffix, created_at shifted by span + 1 day per pass)"]
        for lg, r in res["rss"].items():
            if not r.get("samples"):
                out.append(f"{lg}: no samples (worker exit code {r.get('returncode')})")
                continue
            out.append(f"{lg}: corpus {r['corpus_posts']:,} posts over {r['span_days']} days, {r['passes']} passes; "
                       f"RSS after start-up {r['start_mb']:,.0f} MB, final {r['final_rss_mb']:,.0f} MB, "
                       f"peak {r['peak_mb']:,.0f} MB; {fmt(r.get('posts_per_s'))} posts/s; worker exit {r['returncode']}"
                       + (f"; STOPPED EARLY at {r['posts']:,} posts (--rss-max-s)" if r.get("stopped_early") else ""))
            out.append(f"    {'posts':>10s}{'RSS MB':>9s}{'peak MB':>9s}{'issues':>8s}{'clusters':>10s}{'posts/s':>9s}")
            for s in r["samples"][1:]:
                out.append(f"    {s['posts']:10,d}{s['rss_mb']:9,.0f}{s['hwm_mb']:9,.0f}{s['issues_open']:8,d}"
                           f"{s['clusters_live']:10,d}{fmt(s.get('posts_per_s')):>9s}")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=50_000, help="posts per language (default 50000)")
    ap.add_argument("--rss-posts", type=int, default=1_000_000,
                    help="posts per language for the memory run (default 1000000; 0 skips it)")
    ap.add_argument("--rss-every", type=int, default=100_000, help="RSS sample interval in posts (default 100000)")
    ap.add_argument("--rss-max-s", type=float, default=2400,
                    help="wall seconds after which a memory run stops and reports what it has (default 2400)")
    ap.add_argument("--rss-langs", default="zh,en", help="languages of the memory run (default zh,en)")
    ap.add_argument("--repeat", type=int, default=1, help="timed passes of the fast benchmarks, best kept")
    ap.add_argument("--budget-s", type=float, default=180.0,
                    help="TextClust: if all posts are projected to take longer, measure a prefix (default 180)")
    ap.add_argument("--prefix", type=int, default=5000, help="TextClust prefix length (default 5000)")
    ap.add_argument("--quality-posts", type=int, default=8000,
                    help="labelled posts for the TextClust quality check (default 8000; 0 skips it)")
    ap.add_argument("--profile", action="store_true",
                    help="also print the cProfile top of the core on the first 10000 posts of each language")
    ap.add_argument("--langs", default="zh,en", help="languages to run (default zh,en)")
    ap.add_argument("--data", type=Path, default=DATA, help=f"shared data folder (default {DATA})")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--_rss-worker", dest="rss_worker", help=argparse.SUPPRESS)
    ap.add_argument("--_span", dest="span", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--_lang", dest="lang", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rss_worker:
        return rss_worker(args.rss_worker, args.rss_posts, args.rss_every, args.span, args.lang, args.rss_max_s)

    if not (args.data / ZH).exists() or not (args.data / EN).exists():
        print(f"throughput: shared data not found under {args.data} (needs {ZH} and {EN}; it lives beside the "
              "repo as ../shared and is not part of the product): nothing to measure, skipping.")
        return 0

    res: dict = {"machine": machine(), "args": {k: (str(v) if isinstance(v, Path) else v)
                                                 for k, v in vars(args).items() if not k.startswith("_")},
                 "textclust_settings": TEXTCLUST, "langs": {}}
    corpora = {}
    for lang in args.langs.split(","):
        path = args.data / (ZH if lang == "zh" else EN)
        log(f"loading {path}")
        rows = load_corpus(path, lang)
        corpora[lang] = rows
        sel = rows[: args.posts]
        lines = [raw for _, raw, _ in sel]
        posts = [dict(p, _t=t) for t, _, p in sel]
        texts = [p["text"] for p in posts]
        # The inputs (hundreds of thousands of dicts and tuples) stay alive all run: move them out of the cyclic
        # GC's sight, or every full collection during the timed loops would scan them, a cost the core does not
        # have in production.
        gc.collect()
        gc.freeze()
        r: dict = {"posts": len(sel), "first_created_at": sel[0][2]["created_at"],
                   "last_created_at": sel[-1][2]["created_at"]}
        res["langs"][lang] = r
        log(f"{lang}: segmentation, {len(texts):,} posts")
        r["seg"] = bench_segmentation(texts, args.repeat)
        log(f"{lang}: read floor")
        r["floor"] = bench_floor(lines, args.repeat)
        log(f"{lang}: whole core")
        r["core"] = bench_core(lines, args.repeat, lang)
        core = r["core"]
        marks = core.get("marks") or []
        chunk = [CHUNK / (b - a) if b > a else float("inf") for a, b in zip(marks, marks[1:])][: len(lines) // CHUNK]
        if chunk and min(chunk) < core["chunk_rate_median"] / 5:
            worst = chunk.index(min(chunk))
            log(f"{lang}: posts {worst * CHUNK}..{(worst + 1) * CHUNK} ran > 5x slower than the median stretch: "
                "profiling the core up to them")
            r["core_profile"] = (f"posts {worst * CHUNK}..{(worst + 1) * CHUNK} at {min(chunk):,.0f} posts/s "
                                 f"(median stretch {core['chunk_rate_median']:,.0f}); cProfile of posts 0.."
                                 f"{(worst + 1) * CHUNK}, by cumulative time:\n"
                                 + profile_core(lines[: (worst + 1) * CHUNK]))
        if args.profile and "core_profile" not in r:
            log(f"{lang}: profiling the core")
            r["core_profile"] = (f"cProfile of the core on posts 0..{min(len(lines), 10_000)}, by cumulative "
                                 "time:\n" + profile_core(lines[:10_000]))
        log(f"{lang}: Tokenizer + TextClust")
        if "error" in r["seg"].get("tokenizer", {}):
            r["textclust"] = {"error": "skipped: Tokenizer unavailable"}
        else:
            r["textclust"], _ = textclust_stream(posts, TEXTCLUST, args.budget_s, args.prefix, lang)
        tc = r["textclust"]
        ratios = {}
        if "error" not in core:
            ratios["core_over_floor"] = core["posts_per_s"] / r["floor"]["posts_per_s"]
            ratios["core_over_jieba"] = core["posts_per_s"] / r["seg"]["jieba_lcut"]["posts_per_s"]
            if "posts_per_s" in tc:
                same = core["posts_per_s"] if not tc["prefix_only"] else core_rate_on_prefix(core, tc["posts"])
                r["core_on_textclust_posts"] = same
                ratios["core_over_textclust"] = same / tc["posts_per_s"]
                ratios["core_full_over_textclust"] = core["posts_per_s"] / tc["posts_per_s"]
        if "tokenizer_over_jieba" in r["seg"]:
            ratios["tokenizer_over_jieba"] = r["seg"]["tokenizer_over_jieba"]
        r["ratios"] = ratios
        r["core"].pop("marks", None) if isinstance(r["core"], dict) else None
    if args.quality_posts and (args.data / EN_OVERLAP).exists():
        try:
            res["quality"] = quality_check(args.data / EN_OVERLAP, args.quality_posts)
        except Exception:  # noqa: BLE001
            res["quality_error"] = traceback.format_exc()
            log(res["quality_error"])
    if args.rss_posts:
        res["rss"] = {}
        for lang in args.rss_langs.split(","):
            rows = corpora.get(lang) or load_corpus(args.data / (ZH if lang == "zh" else EN), lang)
            log(f"memory: {lang}, {args.rss_posts:,} posts in a fresh process")
            res["rss"][lang] = bench_rss(rows, lang, args.rss_posts, args.rss_every, args.rss_max_s)
    res["loadavg_end"] = os.getloadavg()
    print(report(res))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
