"""How common a term is in everyday language, for weighing what a post shares with a cluster.

Words like "time", "work", "tonight", "工作" are used by every topic. A cluster of posts that share one of them
("what time is it", "no time for this") is all that word, so any post using it overlaps that cluster strongly, and
a crisis post that says "time" is pulled away from its story ("Medicine Hat fears rising river after Calgary
floods ... start" joined a cluster of "start" posts). Counted at a lower weight, such a word no longer carries a
post into a cluster on its own; the story's words ("flood", "calgary", "地震") keep their full weight.

How common a word is comes from wordfreq's word lists (frequencies over many sources of each language, Zipf scale:
log10 of uses per billion words; 6 is once per thousand words, 3 once per million). A term's Zipf value is the
highest of its spellings in the given languages as this project's ``Tokenizer`` writes them (stemmed, accents
folded), so "floods" and "flooding" count as the term "flood".

>>> zipf = everyday_zipf(languages=("en",), zipf_from=4.5)
>>> zipf["time"] > 6.0, "hurrican" in zipf
(True, False)
>>> w = everyday_weights(zipf, zipf_from=4.75, zipf_to=6.25, weight=0.35)
>>> round(w["time"], 2), w.get("hurrican", 1.0)
(0.35, 1.0)
"""
from __future__ import annotations

import functools
from types import MappingProxyType
from typing import Mapping

import wordfreq

from groundswell.config.schema import TextConfig

from .segment import Tokenizer

_TEXT = TextConfig()   # the defaults of the settings the config has are config/schema.py's


@functools.lru_cache(maxsize=8)
def everyday_zipf(*, languages: tuple[str, ...], zipf_from: float, stem_english: bool = _TEXT.stem_english,
                  fold_accents: bool = _TEXT.fold_accents, segmenter: str = _TEXT.segmenter) -> Mapping[str, float]:
    """Term -> Zipf frequency, for the terms more common than ``zipf_from`` in one of ``languages`` (wordfreq's
    codes; the defaults live in the config: ``clustering.everyday_languages`` and ``everyday_zipf_from``), as a
    ``Tokenizer`` with these settings writes them (a word that is not one term, e.g. a stopword, is left out).

    Read-only and cached per settings (about 0.1 s and 5 MB for the seven default languages)."""
    tok = Tokenizer(stem_english=stem_english, fold_accents=fold_accents, segmenter=segmenter, cache_size=0)
    table: dict[str, float] = {}
    last = int(round((9.0 - zipf_from) * 100))
    # the "small" lists (words used at least once per million) hold the same top as the large ones; wordfreq's
    # get_frequency_list would keep every list it read for the life of the process: the uncached function lets
    # each go once its top is read
    read_list = getattr(wordfreq.get_frequency_list, "__wrapped__", wordfreq.get_frequency_list)
    for lang in languages:
        # bucket i holds the words of frequency 10 ** (-i / 100), i.e. Zipf 9 - i / 100; most common first
        for i, words in enumerate(read_list(lang, "small")[:last]):
            zipf = 9.0 - i / 100
            for word in words:
                if "0" in word:
                    continue   # wordfreq writes every digit as 0 ("0000" stands for all years): no term of ours
                terms = tok.tokens(word)
                if len(terms) == 1 and zipf > table.get(terms[0], 0.0):
                    table[terms[0]] = zipf
    return MappingProxyType(table)


def everyday_weights(zipf: Mapping[str, float], *, zipf_from: float, zipf_to: float,
                     weight: float) -> dict[str, float]:
    """Term -> weight in [weight, 1): 1 up to ``zipf_from`` (left out), falling linearly to ``weight`` at ``zipf_to``
    and beyond. Terms not in the result weigh 1."""
    if not zipf_from < zipf_to:
        raise ValueError(f"zipf_from must be below zipf_to, got {zipf_from!r} and {zipf_to!r}")
    if not 0.0 < weight <= 1.0:
        raise ValueError(f"weight must be in (0, 1], got {weight!r}")
    span = zipf_to - zipf_from
    return {term: max(weight, 1.0 - (z - zipf_from) / span * (1.0 - weight))
            for term, z in zipf.items() if z > zipf_from}
