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
import functools
import random
import struct
import zlib

from groundswell.config.schema import NearDuplicateConfig

_crc32 = zlib.crc32

_PRIME = (1 << 61) - 1
_MASK = (1 << 32) - 1
_LANE = 128   # bits per permutation in the packed hashing below (a * h + b < 2**94)
_DEFAULT = NearDuplicateConfig()   # the defaults of the settings the config has are config/schema.py's


def _lanes(values, bits: int = _LANE) -> int:
    return sum(v << (bits * i) for i, v in enumerate(values))


class _PackedHash:
    """``tuple((a * h + b) % _PRIME for a, b in perms)`` with all permutations in one big int, one lane each:
    a dozen big-int operations and one unpack instead of three small-int operations per permutation (~1.4x).
    Mod the Mersenne prime 2**61 - 1: x = (x & p) + (x >> 61) (mod p), then one conditional subtraction, lane-wise
    (every intermediate stays below 2**94, inside its lane, so lanes never carry into each other)."""

    def __init__(self, perms: list[tuple[int, int]]):
        k = len(perms)
        self.a = _lanes(a for a, _ in perms)
        self.b = _lanes(b for _, b in perms)
        self.low61 = _lanes([_PRIME] * k)
        self.low33 = _lanes([(1 << 33) - 1] * k)
        self.ones = _lanes([1] * k)
        self.nbytes = _LANE * k // 8
        self.unpack = struct.Struct(f"<{2 * k}Q").unpack   # two 64-bit words per lane; the high one is 0

    def __call__(self, h: int) -> tuple[int, ...]:
        x = self.a * h + self.b                               # lanes < 2**94
        low61 = self.low61
        y = (x & low61) + ((x >> 61) & self.low33)            # lanes < 2**61 + 2**33 < 2p, y = x (mod p)
        z = y + self.ones                                     # bit 61 of a lane set iff y >= p
        r = (z & low61) + ((z >> 61) & self.ones) - self.ones  # y - p if y >= p else y
        return self.unpack(r.to_bytes(self.nbytes, "little"))[::2]


def _permutations(seed: int, n: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(rng.randrange(1, _PRIME), rng.randrange(0, _PRIME)) for _ in range(n)]


@functools.lru_cache(maxsize=16)
def _packed_hash(seed: int, n: int) -> _PackedHash:
    # built from (seed, n), not kept on the instance: detectors are pickled in checkpoints, and a Struct is not
    return _PackedHash(_permutations(seed, n))


class NearDuplicates:
    """Finds an earlier post whose token set has Jaccard similarity >= ``threshold`` with a new one."""

    def __init__(self, threshold: float = _DEFAULT.threshold, horizon_s: float = _DEFAULT.horizon_s,
                 max_items: int = _DEFAULT.max_items, bands: int = 5, rows: int = 2,
                 min_tokens: int = _DEFAULT.min_tokens, seed: int = 1):
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
        self._perms = _permutations(seed, bands * rows)
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
        rows = list(map(get, tokens))
        if None in rows:
            permuted = _packed_hash(self.seed, len(self._perms))   # the hashes of self._perms
            for i, tok in enumerate(tokens):   # a frozenset iterates in the same order every time
                if rows[i] is None:
                    rows[i] = cache[tok] = permuted(_crc32(tok.encode("utf-8", "surrogatepass")))
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
