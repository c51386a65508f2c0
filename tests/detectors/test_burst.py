"""poisson_sf and BurstTest (detectors/burst.py): the Poisson tail and the burst test's cut."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.detectors.burst import BurstTest, poisson_sf


def reference_sf(n: int, mu: float) -> float:
    """P(X >= n), X ~ Poisson(mu), summed straight from the pmf over the upper tail (no complement)."""
    if n <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    top = int(max(n, mu) + 60 + 30 * math.sqrt(mu))
    return min(1.0, math.fsum(math.exp(-mu + k * math.log(mu) - math.lgamma(k + 1)) for k in range(n, top)))


# ---------------------------------------------------------------- poisson_sf


@pytest.mark.parametrize("mu", [1e-6, 0.05, 0.5, 1.0, 1.8, 7.3, 40.0, 300.0])
def test_exact_small_n(mu):
    assert poisson_sf(1, mu) == pytest.approx(-math.expm1(-mu), rel=1e-12)
    assert poisson_sf(2, mu) == pytest.approx(1.0 - math.exp(-mu) * (1.0 + mu), rel=1e-9, abs=1e-15)
    assert poisson_sf(3, mu) == pytest.approx(1.0 - math.exp(-mu) * (1.0 + mu + mu * mu / 2), rel=1e-8, abs=1e-15)


@pytest.mark.parametrize(("n", "mu", "exact"), [
    (3, 1.0, 1.0 - 2.5 / math.e),
    (5, 1.8, 1.0 - math.exp(-1.8) * sum(1.8 ** k / math.factorial(k) for k in range(5))),
    (12, 3.0, 1.0 - math.exp(-3.0) * sum(3.0 ** k / math.factorial(k) for k in range(12))),
    (20, 0.1, math.fsum(math.exp(-0.1) * 0.1 ** k / math.factorial(k) for k in range(20, 60))),
    (200, 100.0, reference_sf(200, 100.0)),
])
def test_known_values(n, mu, exact):
    assert poisson_sf(n, mu) == pytest.approx(exact, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(-5, 1500), mu=st.floats(1e-9, 700.0))
def test_matches_reference_sum(n, mu):
    assert math.isclose(poisson_sf(n, mu), reference_sf(n, mu), rel_tol=1e-9, abs_tol=1e-300)


@pytest.mark.parametrize(("n", "mu"), [(1000, 1000.0), (900, 1000.0), (100_010, 100_000.0)])
def test_large_mu(n, mu):
    assert poisson_sf(n, mu) == pytest.approx(reference_sf(n, mu), rel=1e-6)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(-3, 1200), mu=st.floats(1e-6, 700.0), factor=st.floats(1.0, 3.0))
def test_monotonic_in_n_and_mu(n, mu, factor):
    p = poisson_sf(n, mu)
    assert 0.0 <= p <= 1.0
    assert poisson_sf(n + 1, mu) <= p + 1e-12
    assert poisson_sf(n, min(mu * factor, 700.0)) >= p - 1e-12


@given(n=st.integers(-10, 0), mu=st.floats(0.0, 1e6))
def test_is_one_for_n_at_most_zero(n, mu):
    assert poisson_sf(n, mu) == 1.0


@pytest.mark.parametrize("mu", [0.0, -1.0])
def test_no_mass_no_tail(mu):
    assert poisson_sf(1, mu) == 0.0
    assert poisson_sf(0, mu) == 1.0


# ---------------------------------------------------------------- BurstTest settings


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"false_alarms_per_day": 0}, "false_alarms_per_day"),
    ({"false_alarms_per_day": -1}, "false_alarms_per_day"),
    ({"background_share": 0}, "background_share"),
    ({"background_share": 1}, "background_share"),
    ({"background_share": 1.5}, "background_share"),
    ({"background_share": float("nan")}, "background_share"),
    ({"window_s": 0}, "window_s"),
    ({"min_voices": 0}, "min_voices"),
    ({"min_expected": 0}, "min_expected"),
    *(pytest.param({name: float("nan")}, name)
      for name in ("false_alarms_per_day", "window_s", "min_expected")),
])
def test_rejects_bad_settings(kwargs, name):
    with pytest.raises(ValueError, match=name):
        BurstTest(**kwargs)


# ---------------------------------------------------------------- the test


@settings(max_examples=60, deadline=None)
@given(fa=st.floats(0.01, 50.0), v1=st.floats(0.0, 1e8), v2=st.floats(0.0, 1e8))
def test_alpha_decreases_with_volume_and_is_capped(fa, v1, v2):
    bt = BurstTest(false_alarms_per_day=fa)
    lo, hi = sorted((v1, v2))
    assert bt.alpha(hi) <= bt.alpha(lo)
    cap = bt.alpha(0.0)
    assert 0.0 < cap < 1.0                 # even with no volume it is a real significance level
    assert bt.alpha(hi) <= cap


@pytest.mark.parametrize("fa", [0.1, 1.0, 5.0])
def test_alpha_is_the_bonferroni_cut_at_volume(fa):
    bt = BurstTest(false_alarms_per_day=fa)
    for volume in (1e6, 3e7):
        assert bt.alpha(volume) * volume == pytest.approx(fa)


def test_a_young_stream_budgets_for_a_day_at_its_rate_so_far():
    bt = BurstTest(window_s=3600)
    assert bt.voices_per_day(300, age_s=600) == 300 * 24       # under a window old: counted as a window's worth
    assert bt.voices_per_day(300, age_s=3600) == 300 * 24
    assert bt.voices_per_day(300, age_s=6 * 3600) == 300 * 4
    assert bt.voices_per_day(300, age_s=86400) == 300           # a day old: the last day as it is
    assert bt.voices_per_day(300, age_s=30 * 86400) == 300
    # so the budget in the first hour is a day's share, not an hour's
    assert bt.alpha(bt.voices_per_day(300, 3600)) == pytest.approx(bt.alpha(300) / 24)


@settings(max_examples=60, deadline=None)
@given(stream_n=st.floats(0, 1e5), own_share=st.floats(0, 1.0), share=st.floats(0.001, 0.5),
       more=st.floats(1.0, 4.0))
def test_expected_is_the_documented_null(stream_n, own_share, share, more):
    """mu: what an everyday topic holding background_share of the stream's voices in the window (or its own past
    share, if larger) would get; never below min_expected. p_value is the Poisson tail at mu."""
    bt = BurstTest(background_share=share)
    mu = bt.expected(stream_n, own_share)
    assert mu >= bt.min_expected
    assert mu >= share * stream_n * (1 - 1e-12)
    assert mu >= own_share * stream_n * (1 - 1e-12)
    if own_share <= share and share * stream_n >= bt.min_expected:
        assert mu == pytest.approx(share * stream_n)
    assert bt.expected(stream_n * more, own_share) >= mu          # more chatter, more expected
    assert bt.expected(stream_n, min(own_share * more, 1.0)) >= mu
    for n in (0, 3, 10, 50):
        assert bt.p_value(n, stream_n, own_share) == poisson_sf(n, mu)


def test_p_value_falls_with_voices_and_rises_with_chatter():
    bt = BurstTest()
    assert bt.p_value(12, 300, 0.0) < bt.p_value(8, 300, 0.0) < bt.p_value(4, 300, 0.0)
    assert bt.p_value(10, 300, 0.0) < bt.p_value(10, 900, 0.0)      # more stream volume, less surprising
    assert bt.p_value(10, 300, 0.0) < bt.p_value(10, 300, 0.05)     # a topic that always has 5%: less surprising
