"""CompoundSplitter: run-together hashtags split into the stream's own words, ordinary words left alone."""
from __future__ import annotations

import pytest

from groundswell.detectors.compounds import CompoundSplitter
from groundswell.detectors.vocabulary import Vocabulary


def vocab_with(docs: list[list[str]], times: int = 5) -> Vocabulary:
    v = Vocabulary()
    for i in range(times):
        for d in docs:
            v.learn_one(d, t=float(i))
    return v


def test_splits_tags_into_known_words_and_keeps_the_original():
    v = vocab_with([["boston", "marathon"], ["pray", "texa"]])
    v.learn_one(["prayforboston"], t=9.0)     # the tag itself is in the stream too (rarer than its parts)
    sp = CompoundSplitter(v)
    assert sp.split("prayforboston") == ("pray", "boston")
    assert sp.split("prayfortexa") == ("pray", "texa")
    terms = ["prayforboston", "boston"]
    assert sp.expand(terms) == ["prayforboston", "boston", "pray"]   # no duplicates, original order kept
    assert terms == ["prayforboston", "boston"]                      # input not mutated


@pytest.mark.parametrize("word", ["understand", "bostonx", "marathon", "日本地震", "pray4boston"])
def test_leaves_other_words_alone(word):
    # "understand" is more common than its parts: an ordinary word, not a run-together tag
    v = vocab_with([["under", "stand", "understand"], ["understand"], ["boston", "pray", "marathon"]])
    assert CompoundSplitter(v).split(word) == ()
    assert CompoundSplitter(v).expand([word]) == [word]


def test_connectors_alone_are_not_content():
    v = vocab_with([["pray"]])
    assert CompoundSplitter(v).split("prayfor") == ("pray",)
    assert CompoundSplitter(v).split("forthe") == ()


def test_unknown_parts_do_not_split_and_refresh_follows_the_vocabulary():
    v = Vocabulary()
    sp = CompoundSplitter(v)
    assert sp.split("prayforbohol") == ()
    for i in range(3):
        v.learn_one(["pray", "bohol"], t=float(i))
    assert sp.split("prayforbohol") == ()          # cached until refresh
    sp.refresh()
    assert sp.split("prayforbohol") == ("pray", "bohol")


def test_rejects_bad_settings():
    with pytest.raises(ValueError):
        CompoundSplitter(Vocabulary(), min_part_chars=1)
    with pytest.raises(ValueError):
        CompoundSplitter(Vocabulary(), min_df=0)
