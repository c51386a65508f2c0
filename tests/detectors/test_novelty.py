"""WordNovelty (detectors/novelty.py): is a word used now more than its long-run share of the stream?"""
from __future__ import annotations

import random

import pytest

from groundswell.detectors.novelty import WordNovelty

EVERYDAY = "tonight sleep love music work coffee rain home game food".split()


def chatter(n: WordNovelty, start: float, hours: float, every_s: float = 10.0, seed: int = 1) -> float:
    """Everyday posts (three everyday words each) at a steady rate; returns the last time."""
    rng = random.Random(seed)
    t = start
    while t < start + hours * 3600:
        n.learn_one(rng.sample(EVERYDAY, 3), t)
        t += every_s
    return t


@pytest.mark.parametrize("kwargs", [
    {"fast_half_life_s": 0}, {"fast_half_life_s": 7200, "slow_half_life_s": 3600}, {"max_gap_s": 0},
    {"min_history_s": -1},
])
def test_settings_are_validated(kwargs):
    with pytest.raises(ValueError):
        WordNovelty(**kwargs)


def test_no_baseline_yet_means_everything_is_new():
    n = WordNovelty(min_history_s=3 * 3600)
    t = chatter(n, 0.0, hours=2)
    assert not n.ready
    assert n.novel(["tonight"], alpha=1e-9)        # nothing to compare with: the test does not hold anything back
    chatter(n, t, hours=1.5)
    assert n.ready and not n.novel(["tonight"], alpha=1e-3)


def test_a_new_story_is_novel_and_everyday_words_are_not():
    n = WordNovelty(min_history_s=3600)
    t = chatter(n, 0.0, hours=6)
    for i in range(25):                          # 25 posts in ten minutes, among the chatter
        n.learn_one(["bridge", "collapse", "tonight"], t + 24.0 * i)
    assert n.p_value("bridge") < 1e-6 and n.novel(["tonight", "bridge"], alpha=1e-4)
    assert not n.novel(["tonight", "sleep", "love"], alpha=1e-4)


def test_everyday_words_at_a_higher_rate_of_the_whole_stream_are_not_novel():
    """Volume rising everywhere (the evening) raises every word alike: shares are what is compared."""
    n = WordNovelty(min_history_s=3600)
    t = chatter(n, 0.0, hours=6, every_s=20.0)
    chatter(n, t, hours=1, every_s=4.0, seed=2)    # five times the volume, same words
    assert not n.novel(EVERYDAY, alpha=1e-4)


def test_a_gap_in_the_stream_keeps_the_baseline():
    """Three months without posts (a collection restarting) count as max_gap_s of active time: the long run is not
    forgotten, and a story right after the restart still stands out. On event time the baseline would have decayed
    to nothing, and every word of the restart would look as common as any other."""
    def restart(max_gap_s):
        n = WordNovelty(min_history_s=3600, max_gap_s=max_gap_s)
        t = chatter(n, 0.0, hours=6)
        t = chatter(n, t + 90 * 86400, hours=0.5)
        for i in range(25):
            n.learn_one(["bridge", "collapse", "tonight"], t + 24.0 * i)
        return n

    n = restart(max_gap_s=300)
    assert n.ready and n.novel(["bridge"], alpha=1e-4) and not n.novel(EVERYDAY, alpha=1e-4)
    assert not restart(max_gap_s=1e9).novel(["bridge"], alpha=1e-4)
