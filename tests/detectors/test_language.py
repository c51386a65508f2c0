"""Language guesses for a cluster's posts (detectors/text/language.py)."""
from __future__ import annotations

import pytest

from groundswell.detectors.text.language import guess_language


@pytest.mark.parametrize("texts,expected", [
    (["Fuerte sismo sacude Guatemala esta mañana"], "es"),
    (["Strong earthquake shakes Guatemala near the coast"], "en"),
    (["Incêndio na boate Kiss em Santa Maria deixa mortos"], "pt"),
    (["Nuit d'horreur à Lac-Mégantic, le centre-ville est détruit"], "fr"),
    (["RT @user: Sardegna, alluvione: i morti sono sedici http://t.co/x"], "it"),
    (["Челябинск: метеорит упал утром"], "ru"),
    (["北京今天暴雨，多条道路积水严重"], "zh"),
])
def test_languages_of_posts(texts, expected):
    assert guess_language(texts) == expected


@pytest.mark.parametrize("texts", [[], [""], ["http://t.co/abc @someone #sismo 123"], ["!!! ... 2013"]])
def test_no_words_no_guess(texts):
    assert guess_language(texts) is None


def test_posts_are_taken_together():
    """A cluster mostly in English with one Spanish post is English."""
    texts = ["Strong earthquake shakes Guatemala near the Pacific coast, buildings damaged",
             "Earthquake in Guatemala: dozens killed, rescuers search the rubble in San Marcos",
             "fuerte sismo en Guatemala"]
    assert guess_language(texts) == "en"
    assert guess_language(iter(texts)) == "en"   # any iterable


def test_control_characters_and_lone_surrogates_do_not_get_in_the_way():
    texts = ["Fuerte sismo sacude Guatemala\x00 esta mañana\x01", "reportan daños\ud800 en San Marcos\x7f"]
    assert guess_language(texts) == "es"


def test_guesses_are_deterministic():
    texts = ["Sismo de magnitud 7,4 sacude Guatemala; reportan daños en San Marcos"]
    assert len({guess_language(texts) for _ in range(5)}) == 1
