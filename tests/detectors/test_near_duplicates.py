"""NearDuplicates (detectors/near_duplicates.py): MinHash/LSH near-copy finder with bounded memory.

Properties, not tuned numbers: every match it reports really is a near-copy (exact Jaccard >= threshold), what it
just learned it finds again, and memory stays within ``max_items`` and ``horizon_s``. (That it is deterministic and
survives copy/pickle mid-stream, as every detector component: test_checks.py.)
"""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.detectors.near_duplicates import NearDuplicates

def jaccard(a, b) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b)


def stream(seed: int, n: int, vocab_size: int = 400, copy_rate: float = 0.4):
    """(post id, tokens, t) with a good share of perturbed copies of earlier posts."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(vocab_size)]
    posts: list[tuple[str, list[str], float]] = []
    t = 0.0
    for i in range(n):
        if posts and rng.random() < copy_rate:
            toks = list(rng.choice(posts)[1])
            for _ in range(rng.randint(0, 2)):   # edit: swap or add a word
                if toks and rng.random() < 0.5:
                    toks[rng.randrange(len(toks))] = rng.choice(vocab)
                else:
                    toks.append(rng.choice(vocab))
        else:
            toks = rng.sample(vocab, rng.randint(1, 12))
        t += rng.uniform(0.0, 30.0)
        posts.append((f"p{i}", toks, t))
    return posts


def distinct_posts(n: int, start_t: float = 0.0, step: float = 1.0):
    """Posts with pairwise disjoint token sets (never near-copies of each other)."""
    return [(f"d{i}", [f"d{i}x{j}" for j in range(6)], start_t + i * step) for i in range(n)]


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"threshold": 0.0}, "threshold"),
    ({"threshold": -0.2}, "threshold"),
    ({"threshold": 1.01}, "threshold"),
    ({"threshold": float("nan")}, "threshold"),
    ({"horizon_s": 0}, "horizon_s"),
    ({"horizon_s": -60}, "horizon_s"),
    ({"max_items": 0}, "max_items"),
    ({"bands": 0}, "bands"),
    ({"rows": 0}, "rows"),
    ({"min_tokens": 0}, "min_tokens"),
    pytest.param({"horizon_s": float("nan")}, "horizon_s"),
])
def test_rejects_bad_settings(kwargs, name):
    with pytest.raises(ValueError, match=name):
        NearDuplicates(**kwargs)


def test_accepts_boundary_settings():
    nd = NearDuplicates(threshold=1.0, horizon_s=1e-3, max_items=1, bands=1, rows=1, min_tokens=1)
    assert nd.learn_one("a", ["x"], t=0.0) is None
    assert nd.predict_one(["x"]) == "a"


# ---------------------------------------------------------------- what it reports is true


@settings(max_examples=40, deadline=None)
@given(
    posts=st.lists(st.lists(st.sampled_from([f"t{i}" for i in range(10)]), max_size=8), max_size=40),
    threshold=st.sampled_from([0.3, 0.5, 0.7, 0.9, 1.0]),
    min_tokens=st.integers(1, 4),
)
def test_every_reported_match_is_a_near_copy(posts, threshold, min_tokens):
    nd = NearDuplicates(threshold=threshold, min_tokens=min_tokens, horizon_s=1e9)
    stored: dict[str, frozenset] = {}
    for i, toks in enumerate(posts):
        pid = f"p{i}"
        predicted = nd.predict_one(toks)
        match = nd.learn_one(pid, toks, t=float(i))
        assert predicted == match   # same state, same answer
        if len(set(toks)) < min_tokens:
            assert match is None    # too short: never matched, never stored
            continue
        if match is None:
            stored[pid] = frozenset(toks)
        else:
            assert match in stored  # a post it remembers (copies are not stored themselves)
            assert jaccard(toks, stored[match]) >= threshold
        assert len(nd) == len(stored)
        # what it just saw, it finds again: itself if stored, else the post it matched
        assert nd.predict_one(toks) == (match if match is not None else pid)


def test_copy_is_not_stored_and_points_to_original():
    nd = NearDuplicates(threshold=0.7)
    base = "bridge closed river road police traffic".split()
    assert nd.learn_one("orig", base, t=0.0) is None
    assert nd.learn_one("copy", base + ["now"], t=1.0) == "orig"
    assert len(nd) == 1
    assert nd.predict_one(base) == "orig"


def test_exact_copies_found_whatever_the_seed():
    posts = stream(seed=5, n=200, copy_rate=0.0)
    tokens_of = {pid: toks for pid, toks, _ in posts}
    for seed in (1, 2, 99):
        nd = NearDuplicates(seed=seed, horizon_s=1e9)
        for pid, toks, t in posts:
            nd.learn_one(pid, toks, t)
        for pid, toks, _ in posts:
            if len(set(toks)) >= nd.min_tokens:
                got = nd.predict_one(list(reversed(toks)))   # order does not matter: sets
                assert got is not None and jaccard(toks, tokens_of[got]) >= nd.threshold


# ---------------------------------------------------------------- bounded memory


def test_never_holds_more_than_max_items():
    nd = NearDuplicates(max_items=25, horizon_s=1e9)
    posts = distinct_posts(100)
    for k, (pid, toks, t) in enumerate(posts, start=1):
        nd.learn_one(pid, toks, t)
        assert len(nd) == min(k, 25)
    assert nd.predict_one(posts[0][1]) is None          # oldest forgotten
    assert nd.predict_one(posts[74][1]) is None
    assert nd.predict_one(posts[75][1]) == posts[75][0]  # the last max_items remembered
    assert nd.predict_one(posts[-1][1]) == posts[-1][0]


def test_forgets_beyond_horizon():
    horizon = 100.0
    nd = NearDuplicates(horizon_s=horizon)
    posts = distinct_posts(50, step=10.0)        # t = 0, 10, ..., 490
    for pid, toks, t in posts:
        nd.learn_one(pid, toks, t)
        alive = [p for p in posts if p[2] <= t and t - p[2] <= horizon]
        assert len(nd) == len(alive)
    t_last = posts[-1][2]
    for pid, toks, t in posts:
        expected = pid if t_last - t <= horizon else None
        assert nd.predict_one(toks) == expected


def test_a_copy_arriving_after_the_horizon_is_new():
    nd = NearDuplicates(horizon_s=60)
    toks = "bridge closed river road police".split()
    assert nd.learn_one("a", toks, t=0.0) is None
    nd.learn_one("other", "lunch noodles rain umbrella".split(), t=61.0)   # moves time on
    assert nd.learn_one("b", toks, t=62.0) is None
    assert nd.predict_one(toks) == "b"


class _PlainNearDuplicates(NearDuplicates):
    """The signature as first written: per token CRC32, per permutation min((a*h + b) mod p), (band, rows) keys."""

    def _signature(self, tokens):
        import zlib
        hashes = [zlib.crc32(tok.encode("utf-8", "surrogatepass")) for tok in tokens]
        sig = [min((a * h + b) % ((1 << 61) - 1) for h in hashes) & ((1 << 32) - 1) for a, b in self._perms]
        r = self.rows
        return tuple((i, tuple(sig[i * r:(i + 1) * r])) for i in range(self.bands))


@pytest.mark.parametrize("kwargs", [{}, {"bands": 4, "rows": 3}, {"max_items": 40, "horizon_s": 300},
                                    {"threshold": 0.5, "min_tokens": 1}])
def test_matches_equal_the_plain_signature(kwargs):
    """The cached, unrolled signature finds the same copies as the plain one (its keys are a bijection of the
    plain keys), also when its token cache is cleared often."""
    fast, plain = NearDuplicates(**kwargs), _PlainNearDuplicates(**kwargs)
    fast._cache_size = 37
    for pid, toks, t in stream(seed=5, n=1500):
        assert fast.learn_one(pid, toks, t) == plain.learn_one(pid, toks, t)
        assert fast.predict_one(toks[1:] + ["zz"]) == plain.predict_one(toks[1:] + ["zz"])
    assert len(fast) == len(plain)
