"""Everyday words (detectors/text/everyday.py): how common a term is in everyday language, and its weight."""
from __future__ import annotations

import pytest

import wordfreq

from groundswell.config.schema import ClusteringConfig, DetectorConfig
from groundswell.detectors.text.everyday import everyday_weights, everyday_zipf
from groundswell.detectors.text.segment import Tokenizer

LANGUAGES = ClusteringConfig().everyday_languages   # the config's default


def test_everyday_words_are_in_story_words_are_not():
    zipf = everyday_zipf(languages=LANGUAGES, zipf_from=4.75)
    for everyday in ("time", "work", "tonight", "good", "工作"):
        assert zipf[everyday] > 4.75, everyday
    for story in ("hurrican", "calgari", "queensland", "tornado", "flood"):
        assert story not in zipf, story
    assert zipf["time"] > zipf["tonight"]   # the more common, the higher
    assert "0000" not in zipf   # (wordfreq's placeholder for any four-digit number: no term of ours)
    weights = everyday_weights(zipf, zipf_from=4.75, zipf_to=6.25, weight=0.35)
    assert weights["time"] == pytest.approx(0.35) and weights["工作"] < 0.5
    assert weights["地震"] > 0.95   # "earthquake" is in the news often enough to be common in Chinese, barely


def test_terms_are_written_as_the_tokenizer_writes_them():
    """Stemmed and accent-folded like a post's terms, so that the table's keys are what the clusterer sees."""
    zipf = everyday_zipf(languages=LANGUAGES, zipf_from=4.75)
    tok = Tokenizer()
    for word in ("working", "Tonight", "Jeudi", "años"):
        (term,) = tok.tokens(word)
        assert term in zipf, (word, term)
    assert "working" not in zipf and "work" in zipf
    assert everyday_zipf(languages=LANGUAGES, zipf_from=4.75, stem_english=False)["working"] > 4.75


def test_more_languages_more_words_and_cached():
    english = everyday_zipf(languages=("en",), zipf_from=4.75)
    both = everyday_zipf(languages=("en", "es"), zipf_from=4.75)
    assert set(english) < set(both) and "ano" in both and "ano" not in english
    assert everyday_zipf(languages=("en",), zipf_from=4.75) is english
    with pytest.raises(TypeError):
        english["time"] = 0.0   # read-only: one table is shared by every detector of the process
    assert {"en", "zh", "es"} <= set(wordfreq.available_languages())


def test_weights_fall_linearly_from_one_to_the_floor():
    zipf = {"rare": 4.0, "edge": 4.75, "mid": 5.5, "top": 6.25, "above": 7.5}
    w = everyday_weights(zipf, zipf_from=4.75, zipf_to=6.25, weight=0.35)
    assert "rare" not in w and "edge" not in w          # weight 1: left out
    assert w["mid"] == pytest.approx(1 - 0.5 * 0.65)
    assert w["top"] == pytest.approx(0.35) and w["above"] == pytest.approx(0.35)
    assert everyday_weights(zipf, zipf_from=4.75, zipf_to=6.25, weight=1.0) == {"mid": 1.0, "top": 1.0, "above": 1.0}


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"zipf_from": 6.0, "zipf_to": 5.0, "weight": 0.5}, "zipf_from"),
    ({"zipf_from": 5.0, "zipf_to": 5.0, "weight": 0.5}, "zipf_from"),
    ({"zipf_from": 4.0, "zipf_to": 6.0, "weight": 0.0}, "weight"),
    ({"zipf_from": 4.0, "zipf_to": 6.0, "weight": 1.5}, "weight"),
])
def test_bad_settings_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        everyday_weights({"time": 6.3}, **kwargs)


def test_the_detector_weighs_everyday_words_as_configured():
    from groundswell.detectors.pipeline import IssueDetector
    det = IssueDetector(DetectorConfig(), tokenize=str.split)
    weights = det.clusterer.term_weights
    assert weights["time"] == pytest.approx(0.35) and "hurrican" not in weights
    off = DetectorConfig.model_validate({"clustering": {"everyday_weight": 1.0}})
    assert IssueDetector(off, tokenize=str.split).clusterer.term_weights == {}
    english = DetectorConfig.model_validate({"clustering": {"everyday_languages": ["en"]}})
    assert "工作" not in IssueDetector(english, tokenize=str.split).clusterer.term_weights
