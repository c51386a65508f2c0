"""Vocabulary (detectors/vocabulary.py): decayed document frequencies and IDF on event time, bounded memory."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.detectors.vocabulary import Vocabulary


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"half_life_s": 0}, "half_life_s"),
    ({"half_life_s": -3600}, "half_life_s"),
    ({"max_terms": 9}, "max_terms"),
    ({"max_terms": 0}, "max_terms"),
    ({"prior_docs": -1}, "prior_docs"),
    pytest.param({"half_life_s": float("nan")}, "half_life_s"),
])
def test_rejects_bad_settings(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Vocabulary(**kwargs)


# ---------------------------------------------------------------- counting and decay


def test_counts_distinct_terms_once_per_document():
    v = Vocabulary()
    v.learn_one(["a", "a", "b"], t=0.0)
    assert v.df("a") == v.df("b") == 1.0
    assert v.documents == 1.0
    assert v.df("never") == 0.0


@pytest.mark.parametrize("half_life", [1.0, 60.0, 86400.0])
def test_counts_halve_every_half_life(half_life):
    v = Vocabulary(half_life_s=half_life)
    v.learn_one(["x"], t=1000.0)
    v.learn_one(["y"], t=1000.0 + half_life)
    assert v.df("x") == pytest.approx(0.5, rel=1e-12)
    assert v.df("y") == pytest.approx(1.0, rel=1e-12)
    assert v.documents == pytest.approx(1.5, rel=1e-12)
    v.learn_one(["y"], t=1000.0 + 3 * half_life)
    assert v.df("x") == pytest.approx(0.125, rel=1e-12)
    assert v.df("y") == pytest.approx(1.0 + 0.25, rel=1e-12)


def test_decay_stays_exact_across_rebases():
    """Scaled counts are rebased every ~40 half-lives; the decayed counts must not notice."""
    v = Vocabulary(half_life_s=1.0)
    factors = []
    v.on_rebase.append(factors.append)
    for t in range(0, 301):
        v.learn_one(["steady"], t=float(t))
        if t % 2 == 0:
            v.learn_one(["even"], t=float(t))
    assert factors and all(0.0 < f < 1.0 for f in factors)   # the rebase really happened, and was announced
    assert v.df("steady") == pytest.approx(2.0, rel=1e-9)      # sum of 2**-k
    assert v.df("even") == pytest.approx(1.0 / (1.0 - 0.25), rel=1e-9)
    assert v.documents == pytest.approx(2.0 + 4.0 / 3.0, rel=1e-9)
    assert v.scaled_df("steady") / v.weight_now() == pytest.approx(v.df("steady"), rel=1e-12)


def test_clock_never_goes_backwards():
    """A late document is counted at its own (older) time, not as if it were new."""
    v = Vocabulary(half_life_s=100.0)
    v.learn_one(["a"], t=1000.0)
    w = v.learn_one(["late"], t=900.0)
    assert v.df("a") == pytest.approx(1.0)
    assert v.df("late") == pytest.approx(0.5)
    assert w / v.weight_now() == pytest.approx(0.5)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from("abcdefgh"), max_size=5), st.floats(0, 5000)), max_size=40),
       st.sampled_from([10.0, 600.0, 86400.0]))
def test_idf_non_negative_and_decreasing_in_df(stream, half_life):
    v = Vocabulary(half_life_s=half_life)
    for terms, t in stream:
        v.learn_one(terms, t)
    v.refresh()
    terms = list("abcdefghz")
    for a in terms:
        assert v.idf(a) >= 0.0
        assert v.scaled_df(a) / v.weight_now() == pytest.approx(v.df(a), rel=1e-9, abs=1e-12)
        for b in terms:
            if v.df(a) < v.df(b) - 1e-9:
                assert v.idf(a) > v.idf(b)


def test_idf_memoised_until_refresh():
    v = Vocabulary()
    for i in range(20):
        v.learn_one(["common", f"rare{i}"], t=float(i))
    before = v.idf("rare0")
    for i in range(20):
        v.learn_one(["rare0"], t=20.0 + i)
    assert v.idf("rare0") == before          # documented: memoised until refresh
    v.refresh()
    assert v.idf("rare0") < before


# ---------------------------------------------------------------- bounded memory


@settings(max_examples=15, deadline=None)
@given(max_terms=st.integers(10, 60), seed=st.integers(0, 10_000))
def test_stays_within_max_terms(max_terms, seed):
    rng = random.Random(seed)
    v = Vocabulary(max_terms=max_terms, half_life_s=3600)
    for i in range(300):
        v.learn_one(["everywhere"] + [f"t{rng.randrange(10_000)}" for _ in range(rng.randint(0, 12))], t=float(i))
        assert len(v) <= max_terms
    assert v.df("everywhere") > 0   # pruning drops the weakest entries, not the term in every document


def test_counting_a_batch_equals_counting_its_posts_one_by_one():
    import collections
    import random
    rng = random.Random(3)
    posts = [[f"w{rng.randrange(50)}" for _ in range(6)] for _ in range(300)]
    one, batch = Vocabulary(half_life_s=3600), Vocabulary(half_life_s=3600)
    for p in posts:
        one.learn_one(p, 10.0)
    counts = collections.Counter()
    for p in posts:
        counts.update(set(p))
    batch.learn_counts(counts, len(posts), 10.0)
    assert batch.documents == pytest.approx(one.documents)
    assert all(batch.df(term) == pytest.approx(one.df(term)) for term in counts)
    assert posts[0] and counts   # (inputs untouched, non-empty)
