"""Per-cluster growth bookkeeping on event time: distinct voices, and new voices and posts per interval.

A *voice* is what counts toward a groundswell: a distinct (pseudonymised) author, or, for posts without an author,
one group of near-copies. Voices are counted exactly up to ``exact_voices`` per cluster, then with a HyperLogLog.

>>> g = Growth(interval_s=300)
>>> [g.add("a:1", t=0.0), g.add("a:1", t=10.0), g.add("a:2", t=400.0)]
[True, False, True]
>>> g.voices, g.posts, g.window(400.0, 600)
(2, 3, 2)
"""
from __future__ import annotations

from datasketch import HyperLogLog

from groundswell.config.schema import BurstConfig


def first_interval(interval_s: float, t: float, window_s: float) -> int:
    """The first of the intervals overlapping (t - window_s, t] (what a window at ``t`` counts from)."""
    return int((t - window_s) // interval_s) + 1


def window_sum(counts: dict[int, float], interval_s: float, t: float, window_s: float) -> float:
    """Sum of per-interval ``counts`` over the intervals overlapping (t - window_s, t]."""
    b = int(t // interval_s)
    first = first_interval(interval_s, t, window_s)
    if len(counts) < b - first + 1:
        return sum([v for k, v in counts.items() if first <= k <= b])
    get = counts.get
    return sum([get(k, 0) for k in range(first, b + 1)])


class Growth:
    __slots__ = ("interval_s", "keep", "exact_voices", "_voices", "_hll", "_n_voices", "posts",
                 "_new_voices", "_posts_at")

    def __init__(self, interval_s: int = BurstConfig().interval_s, keep: int = 288, exact_voices: int = 4096):
        if not interval_s > 0 or keep < 1 or exact_voices < 0:
            raise ValueError("interval_s must be > 0, keep >= 1, exact_voices >= 0")
        self.interval_s = interval_s
        self.keep = keep
        self.exact_voices = exact_voices
        self._voices: set[str] | None = set()
        self._hll: HyperLogLog | None = None
        self._n_voices = 0
        self.posts = 0
        self._new_voices: dict[int, int] = {}
        self._posts_at: dict[int, int] = {}

    @property
    def voices(self) -> int:
        return self._n_voices

    def add(self, voice: str, t: float) -> bool:
        """Count a post by ``voice`` at ``t``; True when the voice is new to this cluster."""
        b = int(t // self.interval_s)
        self.posts += 1
        self._posts_at[b] = self._posts_at.get(b, 0) + 1
        if self._voices is not None:
            if voice in self._voices:
                new = False
            else:
                self._voices.add(voice)
                new = True
                if len(self._voices) > self.exact_voices:
                    self._hll = HyperLogLog(p=10)
                    for v in self._voices:
                        self._hll.update(v.encode())
                    self._voices = None
        else:
            # past the exact cap: credit new voices as the sketch's estimate rises past the count credited so far
            # the sketch's estimate can only move when the register this voice hashes to rises (update raises
            # that one register at most): compare it alone rather than summing all registers before and after
            hll = self._hll
            data = voice.encode()
            i = hll.hashfunc(data) & (hll.m - 1)
            reg = hll.reg
            before = reg[i]
            hll.update(data)
            credit = int(hll.count()) - self._n_voices if reg[i] != before else 0
            if credit > 0:   # the sketch's estimate rose: credit what it rose by (one change may carry several)
                self._n_voices += credit
                self._new_voices[b] = self._new_voices.get(b, 0) + credit
            new = credit > 0
            if len(self._posts_at) > self.keep + 32:
                self._trim(b)
            return new
        if new:
            self._n_voices += 1
            self._new_voices[b] = self._new_voices.get(b, 0) + 1
        if len(self._posts_at) > self.keep + 32:
            self._trim(b)
        return new

    def _trim(self, b: int) -> None:
        oldest = b - self.keep
        self._posts_at = {k: v for k, v in self._posts_at.items() if k > oldest}
        self._new_voices = {k: v for k, v in self._new_voices.items() if k > oldest}

    def window(self, t: float, window_s: float) -> int:
        """New voices in the intervals overlapping (t - window_s, t]."""
        return window_sum(self._new_voices, self.interval_s, t, window_s)

    def curve(self, t: float, intervals: int) -> list[int]:
        """Posts per interval for the ``intervals`` intervals ending at ``t``, oldest first."""
        b = int(t // self.interval_s)
        return [self._posts_at.get(k, 0) for k in range(b - intervals + 1, b + 1)]

    def absorb(self, other: "Growth") -> None:
        """Fold another cluster's counts into this one (on cluster merge)."""
        self.posts += other.posts
        for k, v in other._posts_at.items():
            self._posts_at[k] = self._posts_at.get(k, 0) + v
        mine = other._voices if other._voices is not None else None
        if self._voices is not None and mine is not None:
            fresh = mine - self._voices
            self._voices |= fresh
            self._n_voices += len(fresh)
        else:
            self._n_voices += other._n_voices   # approximate once either side is a sketch
        for k, v in other._new_voices.items():
            self._new_voices[k] = self._new_voices.get(k, 0) + v
        if self._voices is not None and len(self._voices) > self.exact_voices:
            self._hll = HyperLogLog(p=10)
            for v in self._voices:
                self._hll.update(v.encode())
            self._voices = None


class BucketCounts:
    """Counts per interval over a sliding horizon (the whole stream's volume, for the burst test's baseline).

    >>> c = BucketCounts(interval_s=60, keep=10)
    >>> c.add(0.0); c.add(30.0); c.add(90.0)
    >>> c.window(90.0, 120), c.window(90.0, 60)
    (3, 1)
    """
    __slots__ = ("interval_s", "keep", "_counts")

    def __init__(self, interval_s: int, keep: int):
        if not interval_s > 0 or keep < 1:
            raise ValueError("interval_s must be > 0 and keep >= 1")
        self.interval_s = interval_s
        self.keep = keep
        self._counts: dict[int, float] = {}

    def add(self, t: float, n: float = 1) -> None:
        b = int(t // self.interval_s)
        self._counts[b] = self._counts.get(b, 0) + n
        if len(self._counts) > self.keep + 32:
            self._counts = {k: v for k, v in self._counts.items() if k > b - self.keep}

    def window(self, t: float, window_s: float) -> float:
        return window_sum(self._counts, self.interval_s, t, window_s)
