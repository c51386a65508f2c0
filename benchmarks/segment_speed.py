#!/usr/bin/env python3
"""Tokenizer speed and rjieba/jieba agreement on real Chinese and English text.

Chinese: ../shared/data/weibo_hot/topics.jsonl.gz, `title + " " + description` of topics that have
a description (54 characters on average), and those of 90+ characters alone (the throughput target
is stated for ~100-character Weibo posts). English: ../shared/data/crisislex/crisislext6.jsonl.gz
`text`. On the same posts, in the same run, it times jieba.lcut (accurate mode, HMM on: the
baseline), rjieba.cut (raw), normalize() alone and Tokenizer.tokens (normalise + segment + filter +
stem), as CPU time of the best of --repeat passes, interleaved across methods (jieba: one pass),
and prints posts/s, µs/post and ratios. Then it reports how often rjieba and jieba agree on the
normalised Chinese posts (all tokens, and the tokens with Chinese characters, the ones the
Tokenizer takes from the segmenter; both HMM settings), and Tokenizer(segmenter="jieba") against
the default rjieba one. Needs ../shared beside the repo (not part of the product): says so and
exits 0 without it. Nothing is copied from it.

usage: python benchmarks/segment_speed.py [--n 10000] [--repeat 3] [--data DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
ZH = "weibo_hot/topics.jsonl.gz"
EN = "crisislex/crisislext6.jsonl.gz"


def load(path: Path, n: int, text: Callable[[dict], str | None]) -> list[str]:
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            t = text(json.loads(line))
            if t:
                out.append(t)
                if len(out) >= n:
                    break
    return out


def best_rates(methods: dict[str, Callable[[str], object]], posts: list[str], repeat: int,
               once: tuple[str, ...] = ()) -> dict[str, float]:
    """Posts per CPU second (process time: one core's throughput, not counting time the process
    waits for a core) of each method's fastest pass; passes are interleaved across methods so that
    a busy neighbour on a shared machine disturbs them alike. Methods in `once` run one pass."""
    best = dict.fromkeys(methods, float("inf"))
    for rep in range(repeat):
        for name, fn in methods.items():
            if rep and name in once:
                continue
            t0 = time.process_time()
            for p in posts:
                fn(p)
            best[name] = min(best[name], time.process_time() - t0)
    return {name: len(posts) / t for name, t in best.items()}


def token_agreement(a: list[list[str]], b: list[list[str]]) -> tuple[float, float]:
    """(share of posts with identical token lists, shared tokens / tokens of the longer side)."""
    same = sum(x == y for x, y in zip(a, b))
    shared = sum(sum((Counter(x) & Counter(y)).values()) for x, y in zip(a, b))
    total = sum(max(len(x), len(y)) for x, y in zip(a, b))
    return same / len(a), shared / max(total, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="posts per language (default 10000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes per method, best kept (default 3)")
    ap.add_argument("--data", type=Path, default=DATA, help=f"shared data folder (default {DATA})")
    args = ap.parse_args(argv)
    if not (args.data / ZH).exists() or not (args.data / EN).exists():
        print(f"segment_speed: shared data not found under {args.data} (needs {ZH} and {EN}); "
              "nothing to measure, skipping.")
        return 0

    import jieba
    import rjieba

    from groundswell.detectors.text.normalize import normalize
    from groundswell.detectors.text.segment import Tokenizer

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    tok = Tokenizer()
    tok_jieba = Tokenizer(segmenter="jieba")
    def zh(d: dict) -> str | None:
        return d.get("description") and f"{d['title']} {d['description']}"

    sets = {
        "zh": load(args.data / ZH, args.n, zh),
        "zh, 90+ chars": load(args.data / ZH, args.n, lambda d: (t := zh(d)) and len(t) >= 90 and t),
        "en": load(args.data / EN, args.n, lambda d: d.get("text")),
    }
    print(f"python {sys.version.split()[0]}, Tokenizer backend {tok.backend}, "
          f"posts per CPU second, best of {args.repeat} interleaved passes\n")
    for lang, posts in sets.items():
        chars = sum(map(len, posts)) / len(posts)
        print(f"== {lang}: {len(posts)} posts, {chars:.0f} chars/post on average")
        methods = {
            "jieba.lcut (accurate, HMM)": lambda s: jieba.lcut(s),
            "rjieba.cut (raw, hmm=True)": lambda s: rjieba.cut(s, True),
            "normalize()": normalize,
            "Tokenizer.tokens": tok.tokens,
        }
        rates = best_rates(methods, posts, args.repeat, once=("jieba.lcut (accurate, HMM)",))
        base, raw = rates["jieba.lcut (accurate, HMM)"], rates["rjieba.cut (raw, hmm=True)"]
        print(f"  {'method':30s} {'posts/s':>10s} {'us/post':>9s} {'x jieba':>8s} {'x rjieba':>9s}")
        for name, r in rates.items():
            print(f"  {name:30s} {r:10,.0f} {1e6 / r:9.1f} {r / base:8.2f} {r / raw:9.2f}")
        print()

    posts = [normalize(p) for p in sets["zh"]]
    print("== rjieba vs jieba on the normalised zh posts: identical posts, shared tokens")
    han = re.compile("[\u4e00-\u9fd5]")
    for hmm in (True, False):
        a = [rjieba.cut(p, hmm) for p in posts]
        b = [jieba.lcut(p, HMM=hmm) for p in posts]
        same, shared = token_agreement(a, b)
        zh_same, zh_shared = token_agreement([[t for t in x if han.search(t)] for x in a],
                                             [[t for t in x if han.search(t)] for x in b])
        print(f"  hmm={hmm!s:5s} all tokens: {same:.2%} identical, {shared:.2%} shared; "
              f"Chinese tokens: {zh_same:.2%} identical, {zh_shared:.2%} shared")
    for lang, texts in sets.items():
        same, shared = token_agreement(tok.tokens_many(texts), tok_jieba.tokens_many(texts))
        print(f"  Tokenizer() vs Tokenizer(segmenter='jieba') on {lang}: {same:.2%} identical, "
              f"{shared:.2%} shared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
