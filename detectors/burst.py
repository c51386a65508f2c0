"""The burst test: is a cluster's recent growth more than everyday chatter would produce?

Null hypothesis: the cluster is an everyday topic holding at most ``background_share`` of the stream's voices, or
``min_growth`` times its own share of the stream before this window, whichever is larger. New voices in the last
``window_s`` are then Poisson with mean ``mu = max(background_share, min_growth * own_share) * stream_voices_in_window``
(at least ``min_expected``). ``min_growth`` keeps established topics that drift up and down (and clusters that
slowly gather everyday words) from being news: an issue must grow several times faster than it used to.
Comparing with the stream's own volume in the same window makes the test follow the day's rhythm and overall
volume changes; comparing with the cluster's own past share keeps big steady topics quiet.

Sensitivity is set by ``false_alarms_per_day``: the test runs at most once per new voice in the stream, so a
p-value cut of ``false_alarms_per_day / voices_per_day`` bounds the expected chatter clusters flagged per day
(a Bonferroni bound: conservative, as tests of the same cluster are correlated).

>>> bt = BurstTest(false_alarms_per_day=1.0, background_share=0.01, window_s=3600, min_voices=5)
>>> bt.p_value(n=12, stream_n=300, own_share=0.0) < bt.alpha(voices_per_day=5000)
True
>>> bt.p_value(n=4, stream_n=300, own_share=0.0) < bt.alpha(voices_per_day=5000)
False
>>> bt.p_value(n=12, stream_n=300, own_share=0.02) < bt.alpha(voices_per_day=5000)   # a topic that always has 2%
False
"""
from __future__ import annotations

import math

from groundswell.config.schema import BurstConfig

_DEFAULT = BurstConfig()   # the defaults of the settings the config has are config/schema.py's


def poisson_sf(n: int, mu: float) -> float:
    """P(X >= n) for X ~ Poisson(mu), summed in log space from the nearer tail (no underflow for large mu)."""
    if n <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    log_mu = math.log(mu)
    if n <= mu:
        # 1 - P(X <= n-1): walk down from k = n-1, where the terms are largest
        k = n - 1
        term = math.exp(-mu + k * log_mu - math.lgamma(k + 1))
        acc = 0.0
        while k >= 0 and term > acc * 1e-17:
            acc += term
            term *= k / mu
            k -= 1
        return max(0.0, 1.0 - acc)
    k = n
    term = math.exp(-mu + k * log_mu - math.lgamma(k + 1))
    acc = 0.0
    while term > acc * 1e-17 and term > 0.0:
        acc += term
        k += 1
        term *= mu / k
    return min(1.0, acc)


class BurstTest:
    def __init__(self, false_alarms_per_day: float = _DEFAULT.false_alarms_per_day,
                 background_share: float = _DEFAULT.background_share, window_s: float = _DEFAULT.window_s,
                 min_voices: int = _DEFAULT.min_voices, min_expected: float = 0.05,
                 min_growth: float = _DEFAULT.min_growth):
        if not false_alarms_per_day > 0:
            raise ValueError("false_alarms_per_day must be > 0")
        if not 0 < background_share < 1:
            raise ValueError("background_share must be in (0, 1)")
        if not (window_s > 0 and min_expected > 0) or min_voices < 1:
            raise ValueError("window_s, min_voices and min_expected must be positive")
        self.false_alarms_per_day = false_alarms_per_day
        self.background_share = background_share
        self.window_s = window_s
        self.min_voices = min_voices
        self.min_expected = min_expected
        if not min_growth >= 1.0:
            raise ValueError(f"min_growth must be >= 1, got {min_growth!r}")
        self.min_growth = min_growth

    def expected(self, stream_n: float, own_share: float) -> float:
        return max(max(self.background_share, self.min_growth * own_share) * stream_n, self.min_expected)

    def p_value(self, n: int, stream_n: float, own_share: float) -> float:
        """P(at least ``n`` new voices in the window | everyday topic), given the stream's voices in the window."""
        return poisson_sf(n, self.expected(stream_n, own_share))

    def alpha(self, voices_per_day: float) -> float:
        return min(0.05, self.false_alarms_per_day / max(voices_per_day, 1.0))

    def voices_per_day(self, last_day: float, age_s: float) -> float:
        """A day's voices, for the budget: ``last_day`` (the voices of the last 86400 s), or in a stream younger than
        a day (``age_s`` since its first post) a day at the rate seen so far (over at least ``window_s``). Else the
        first hour's budget would be spread over an hour's tests, and every topic of the hour would look new.

        >>> bt = BurstTest(window_s=3600)
        >>> bt.voices_per_day(last_day=500, age_s=1800), bt.voices_per_day(500, age_s=43200), bt.voices_per_day(500, 90000)
        (12000.0, 1000.0, 500)
        """
        if age_s < 86400.0:
            return last_day * 86400.0 / max(age_s, self.window_s)
        return last_day
