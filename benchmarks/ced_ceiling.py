#!/usr/bin/env python3
"""Ceiling of B-cubed F1 on the CED text-only streams, from their labels: what a perfect clusterer could score.

For each slice: the share of posts with no word left after Groundswell's tokenizer (emoji codes, "转发微博", "啊"),
then B-cubed F1 of three oracle assignments over all posts: (1) every post with words in its true cascade, wordless
posts alone; (2) every post in its true *story* (cascades whose source posts share at least half their words taken
together: the same rumour posted by several accounts); (3) both. Needs ../shared beside the repo; says so without it.

usage: benchmarks/ced_ceiling.py [--slices 2012-11a,2013-04a,2014-03]
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ced"


def bcubed(cluster: dict, truth: dict) -> tuple[float, float, float]:
    cs, es = collections.Counter(cluster.values()), collections.Counter(truth.values())
    overlap = collections.Counter((cluster[p], truth[p]) for p in truth)
    n = len(truth)
    p = sum(c * c / cs[k] for (k, _), c in overlap.items()) / n
    r = sum(c * c / es[e] for (_, e), c in overlap.items()) / n
    return p, r, 2 * p * r / (p + r)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slices", default="2012-11a,2013-04a,2014-03")
    a = ap.parse_args(argv)
    if not DATA.exists():
        print(f"ced_ceiling: {DATA} is missing (the labelled data live beside the repo); nothing to do")
        return 0
    from groundswell.config.schema import load_config
    from groundswell.streams.embedded import make_tokenizer
    tokenize = make_tokenizer(load_config(None, {}))
    for name in a.slices.split(","):
        rows = [json.loads(line) for line in gzip.open(DATA / f"ced_{name}_text.jsonl.gz", "rt", encoding="utf-8")]
        truth = {r["id"]: r["cascade"] for r in rows}
        wordless = {r["id"] for r in rows if not tokenize(r["text"])}
        source = {r["cascade"]: set(tokenize(r["text"])) for r in rows if r["id"] == "s_" + r["cascade"]}
        parent = {c: c for c in source}

        def find(c: str) -> str:
            while parent[c] != c:
                c = parent[c]
            return c

        cascades = sorted(source)
        for i, x in enumerate(cascades):
            for y in cascades[i + 1:]:
                sx, sy = source[x], source[y]
                if sx and sy and len(sx & sy) / min(len(sx), len(sy)) >= 0.5:
                    parent[find(x)] = find(y)
        story = {c: find(c) for c in source}
        f1 = [bcubed({p: (truth[p] if p not in wordless else "alone:" + p) for p in truth}, truth)[2],
              bcubed({p: story.get(truth[p], truth[p]) for p in truth}, truth)[2],
              bcubed({p: (story.get(truth[p], truth[p]) if p not in wordless else "alone:" + p) for p in truth},
                     truth)[2]]
        print(f"ced_{name}_text: {len(rows)} posts, {len(wordless) / len(rows):.0%} wordless; "
              f"{len(set(story.values()))} stories of {len(source)} cascades; ceiling F1: cascades {f1[0]:.3f}, "
              f"stories {f1[1]:.3f}, stories with wordless posts alone {f1[2]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
