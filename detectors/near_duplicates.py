"""Near-copy detection with MinHash + LSH banding over token sets.

datasketch's MinHash costs ~110 µs per post here and its LSH ~50 µs more (measured: benchmarks/README.md), which
alone would exceed the whole pipeline's per-post budget, so this module keeps a compact MinHash over CRC32 token
hashes with a few universal-hash permutations, verified by exact Jaccard on the stored token sets.
Memory is bounded: posts older than ``horizon_s`` (event time) or beyond ``max_items`` are forgotten.

>>> nd = NearDuplicates(threshold=0.7, horizon_s=3600, seed=1)
>>> nd.learn_one("a", ["bridge", "closed", "river", "road", "police"], t=0.0)
>>> nd.predict_one(["bridge", "closed", "river", "road", "police", "now"])
'a'
>>> nd.predict_one(["lunch", "noodles"]) is None
True
"""
from __future__ import annotations

import collections
import random
import zlib

_crc32 = zlib.crc32

_PRIME = (1 << 61) - 1
_MASK = (1 << 32) - 1


class NearDuplicates:
    """Finds an earlier post whose token set has Jaccard similarity >= ``threshold`` with a new one."""

    def __init__(self, threshold: float = 0.7, horizon_s: float = 6 * 3600, max_items: int = 200_000,
                 bands: int = 5, rows: int = 2, min_tokens: int = 3, seed: int = 1):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
        if not horizon_s > 0 or max_items < 1 or bands < 1 or rows < 1 or min_tokens < 1:
            raise ValueError("horizon_s, max_items, bands, rows and min_tokens must be positive")
        self.threshold = threshold
        self.horizon_s = horizon_s
        self.max_items = max_items
        self.bands = bands
        self.rows = rows
        self.min_tokens = min_tokens
        self.seed = seed
        rng = random.Random(seed)
        self._perms = [(rng.randrange(1, _PRIME), rng.randrange(0, _PRIME)) for _ in range(bands * rows)]
        self._buckets: dict[int, str] = {}
        self._items: collections.OrderedDict[str, tuple[float, frozenset, tuple]] = collections.OrderedDict()
        # token -> its hash under each permutation (a pure function of the token, so clearing it changes nothing)
        self._hash_cache: dict[str, tuple[int, ...]] = {}
        self._cache_size = 32_768   # ~0.6 kB each: 10 ints

    def _signature(self, tokens: frozenset) -> tuple:
        """The LSH band keys of a token set: ``bands`` ints, band number and its ``rows`` MinHash values in one."""
        cache = self._hash_cache
        if len(cache) >= self._cache_size:
            cache.clear()
        get = cache.get
        rows = [get(tok) for tok in tokens]
        if None in rows:
            perms = self._perms
            for i, tok in enumerate(tokens):   # a frozenset iterates in the same order every time
                if rows[i] is None:
                    h = _crc32(tok.encode("utf-8", "surrogatepass"))
                    rows[i] = cache[tok] = tuple([(a * h + b) % _PRIME for a, b in perms])
        m = _MASK
        r = self.rows
        # per permutation, the least hash over the tokens: map(min, *rows) calls min(row0[i], row1[i], ...)
        if len(rows) == 1:
            rows.append(rows[0])   # min(x) alone would iterate x
        if r == 2 and self.bands == 5:   # the default, unrolled
            s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 = map(min, *rows)
            return ((s0 & m) << 32 | (s1 & m), 1 << 64 | (s2 & m) << 32 | (s3 & m),
                    2 << 64 | (s4 & m) << 32 | (s5 & m), 3 << 64 | (s6 & m) << 32 | (s7 & m),
                    4 << 64 | (s8 & m) << 32 | (s9 & m))
        sig = [v & m for v in map(min, *rows)]
        keys = []
        for i in range(self.bands):
            key = i
            for v in sig[i * r:(i + 1) * r]:
                key = (key << 32) | v
            keys.append(key)
        return tuple(keys)

    def _lookup(self, tokens: frozenset, keys: tuple) -> str | None:
        best, best_sim = None, self.threshold
        buckets = self._buckets
        seen = None
        for key in keys:
            pid = buckets.get(key)
            if pid is None:
                continue
            if seen is None:
                seen = {pid}
            elif pid in seen:
                continue
            else:
                seen.add(pid)
            item = self._items.get(pid)
            if item is None:
                continue
            other = item[1]
            sim = len(tokens & other) / len(tokens | other)
            if sim >= best_sim:
                best, best_sim = pid, sim
        return best

    def predict_one(self, tokens) -> str | None:
        """Id of a remembered near-copy of ``tokens``, or None. Too-short posts never match."""
        ts = frozenset(tokens)
        if len(ts) < self.min_tokens:
            return None
        return self._lookup(ts, self._signature(ts))

    def learn_one(self, post_id: str, tokens, t: float) -> str | None:
        """Remember a post; returns the id of the near-copy it matched (then it is not stored), else None."""
        ts = frozenset(tokens)
        if len(ts) < self.min_tokens:
            return None
        keys = self._signature(ts)
        match = self._lookup(ts, keys)
        if match is not None:
            return match
        for key in keys:
            self._buckets[key] = post_id  # newest wins: recent copies are the likely ones to recur
        self._items[post_id] = (t, ts, keys)
        self._expire(t)
        return None

    def _expire(self, t: float) -> None:
        items, buckets = self._items, self._buckets
        max_items, horizon = self.max_items, self.horizon_s
        while items:
            pid, (t0, _, keys) = next(iter(items.items()))
            if len(items) <= max_items and t - t0 <= horizon:
                break
            del items[pid]
            for key in keys:
                if buckets.get(key) == pid:
                    del buckets[key]

    def __len__(self) -> int:
        return len(self._items)
