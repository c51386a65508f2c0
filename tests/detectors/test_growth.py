"""Growth and BucketCounts (detectors/growth.py): distinct voices and counts per interval on event time."""
from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.detectors.growth import BucketCounts, Growth

# datasketch warns when a small HyperLogLog estimate is near its correction threshold; irrelevant here
pytestmark = pytest.mark.filterwarnings("ignore:.*error correction threshold.*:UserWarning")


class Reference:
    """Straightforward bookkeeping to compare Growth with: first sighting of each voice, posts per interval."""

    def __init__(self, interval_s: int):
        self.interval_s = interval_s
        self.first: dict[str, int] = {}
        self.posts: dict[int, int] = {}

    def add(self, voice: str, t: float) -> bool:
        b = int(t // self.interval_s)
        self.posts[b] = self.posts.get(b, 0) + 1
        if voice in self.first:
            return False
        self.first[voice] = b
        return True

    def window(self, t: float, window_s: float) -> int:
        b, first = int(t // self.interval_s), int((t - window_s) // self.interval_s) + 1
        return sum(1 for fb in self.first.values() if first <= fb <= b)

    def curve(self, t: float, intervals: int) -> list[int]:
        b = int(t // self.interval_s)
        return [self.posts.get(k, 0) for k in range(b - intervals + 1, b + 1)]


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize(("make", "name"), [
    pytest.param(lambda: Growth(interval_s=0), "interval_s"),
    pytest.param(lambda: Growth(interval_s=-300), "interval_s"),
    pytest.param(lambda: Growth(keep=0), "keep"),
    pytest.param(lambda: Growth(exact_voices=-1), "exact_voices"),
    pytest.param(lambda: BucketCounts(interval_s=0, keep=10), "interval_s"),
    pytest.param(lambda: BucketCounts(interval_s=60, keep=0), "keep"),
])
def test_rejects_bad_settings(make, name):
    with pytest.raises(ValueError, match=name):
        make()


# ---------------------------------------------------------------- exact counting below the cap

voices_stream = st.lists(st.tuples(st.sampled_from([f"a:{i}" for i in range(25)]), st.floats(0, 30 * 300)),
                         max_size=120)


@settings(max_examples=40, deadline=None)
@given(posts=voices_stream, interval=st.sampled_from([60, 300]))
def test_exact_below_cap_matches_reference(posts, interval):
    # all posts within `keep` intervals of each other: nothing is old enough to be trimmed
    g, ref = Growth(interval_s=interval, keep=200, exact_voices=512), Reference(interval)
    for voice, t in posts:
        assert g.add(voice, t) == ref.add(voice, t)    # True exactly for a voice new to the cluster
    assert g.voices == len(ref.first)
    assert g.posts == len(posts)
    for t in (0.0, 1234.5, 4500.0, 9000.0):
        for w in (interval, 3600, 2 * 3600):
            assert g.window(t, w) == ref.window(t, w)
        assert g.curve(t, 12) == ref.curve(t, 12)


def test_window_counts_new_voices_only():
    g = Growth(interval_s=300)
    for i in range(5):
        g.add("a:same", t=100.0 * i)
    g.add("a:other", t=1000.0)
    assert g.voices == 2 and g.posts == 6
    assert g.window(1000.0, 600) == 1
    assert g.window(1000.0, 1200) == 2
    assert g.curve(1000.0, 4) == [3, 2, 0, 1]


def test_recent_counts_stay_exact_over_long_streams_and_memory_is_bounded():
    interval, keep = 60, 20
    g, ref = Growth(interval_s=interval, keep=keep), Reference(interval)
    sizes = []
    for i in range(3000):
        t = 10.0 * i
        v = f"a:{i % 400}"
        assert g.add(v, t) == ref.add(v, t)
        if i % 500 == 499:
            sizes.append(len(pickle.dumps(g)))
            for w in (60, 300, keep * interval - interval):
                assert g.window(t, w) == ref.window(t, w)
            assert g.curve(t, keep) == ref.curve(t, keep)
    # per-interval counts are trimmed to a sliding horizon: state stops growing once the voice set is complete
    assert sizes[-1] <= sizes[1] * 1.2


# ---------------------------------------------------------------- above the cap: HyperLogLog


def test_repeated_voices_never_count_as_new_above_the_cap():
    g = Growth(exact_voices=16)
    for i in range(200):
        g.add(f"a:{i}", t=float(i))
    before = g.voices
    assert not any(g.add(f"a:{i}", t=300.0) for i in range(200))
    assert g.voices == before


@pytest.mark.parametrize("cap", [64, 512])
@pytest.mark.parametrize("n", [1000])
def test_approximate_above_cap(cap, n):
    g = Growth(exact_voices=cap)
    for i in range(n):
        g.add(f"a:{i:06d}", t=float(i))
    assert abs(g.voices - n) <= 0.05 * n
    assert abs(g.window(float(n), 10 * n) - n) <= 0.05 * n


def test_exact_up_to_the_cap():
    g = Growth(exact_voices=100)
    assert all(g.add(f"a:{i}", t=float(i)) for i in range(100))
    assert g.voices == 100


# ---------------------------------------------------------------- absorb (cluster merge)


@settings(max_examples=30, deadline=None)
@given(a=voices_stream, b=voices_stream)
def test_absorb_is_the_union(a, b):
    ga, gb, both = Growth(keep=200), Growth(keep=200), Growth(keep=200)
    for v, t in a:
        ga.add(v, t)
    for v, t in b:
        gb.add(v, t)
    for v, t in a + b:
        both.add(v, t)
    ga.absorb(gb)
    assert ga.voices == both.voices == len({v for v, _ in a + b})
    assert ga.posts == len(a) + len(b)
    assert ga.curve(9000.0, 31) == both.curve(9000.0, 31)


# ---------------------------------------------------------------- BucketCounts


@settings(max_examples=40, deadline=None)
@given(adds=st.lists(st.tuples(st.floats(0, 10 * 60), st.sampled_from([1, 2, 0.5])), max_size=80),
       t=st.floats(0, 12 * 60), window=st.sampled_from([60, 120, 300, 3600]))
def test_bucket_counts_window_matches_reference(adds, t, window):
    c = BucketCounts(interval_s=60, keep=50)
    for at, n in adds:
        c.add(at, n)
    b, first = int(t // 60), int((t - window) // 60) + 1
    assert c.window(t, window) == pytest.approx(sum(n for at, n in adds if first <= int(at // 60) <= b))


def test_bucket_counts_slide_and_stay_bounded():
    c = BucketCounts(interval_s=60, keep=10)
    untrimmed = BucketCounts(interval_s=60, keep=10**9)
    sizes = []
    for i in range(5000):
        c.add(float(i * 7))
        untrimmed.add(float(i * 7))
        if i % 1000 == 999:
            t = float(i * 7)
            assert c.window(t, 600) == sum(1 for k in range(i + 1) if int(k * 7 // 60) > int(t // 60) - 10)
            sizes.append(len(pickle.dumps(c)))
    # trimming is amortised (the state saw-tooths), but it does not grow with the stream
    assert max(sizes) <= 2 * sizes[0] and 3 * max(sizes) < len(pickle.dumps(untrimmed))
