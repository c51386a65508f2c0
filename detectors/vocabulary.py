"""Online document frequencies with exponential forgetting, for IDF weights on event time.

Counts decay with ``half_life_s`` so that a term that was everywhere last month is informative again today.
Decay is applied lazily through a global scale factor (all counts decay at the same rate), and entries too small
to matter are pruned, so memory stays bounded by ``max_terms``.

>>> v = Vocabulary(half_life_s=86400)
>>> for i in range(100):
...     _ = v.learn_one(["the", "weather"] if i % 10 else ["the", "explosion"], t=float(i))
>>> v.idf("explosion") > v.idf("weather") > v.idf("the")
True
"""
from __future__ import annotations

import math
from itertools import repeat
from operator import add

from groundswell.config.schema import VocabularyConfig

_DEFAULT = VocabularyConfig()   # the defaults of the settings the config has are config/schema.py's


class Vocabulary:
    def __init__(self, half_life_s: float = _DEFAULT.half_life_s, max_terms: int = _DEFAULT.max_terms,
                 prior_docs: float = 50.0):
        if not (half_life_s > 0 and prior_docs >= 0) or max_terms < 10:
            raise ValueError("half_life_s and prior_docs must be positive, max_terms >= 10")
        self.half_life_s = half_life_s
        self.max_terms = max_terms
        self.prior_docs = prior_docs
        self._df: dict[str, float] = {}
        self._idf_cache: dict[str, float] = {}
        self.on_rebase: list = []   # callbacks(factor) for counts kept in the same scale elsewhere
        self._docs = 0.0
        self._t_ref: float | None = None   # counts are stored scaled by 2 ** ((t - t_ref) / half_life)
        self._t_max: float | None = None
        self._scale = 1.0                  # 2 ** ((t_max - t_ref) / half_life)

    def _advance(self, t: float) -> float:
        """Move the clock to ``t`` (never backwards) and return the weight of a document seen at ``t``."""
        if t == self._t_max:   # posts often share a timestamp: _scale is the same power, computed for t_max
            return self._scale
        if self._t_ref is None:
            self._t_ref = self._t_max = t
        if t > self._t_max:
            self._t_max = t
            exponent = (t - self._t_ref) / self.half_life_s
            if exponent > 40:  # rebase before the scaled counts lose float precision
                factor = 2.0 ** -exponent
                self._df = {k: v * factor for k, v in self._df.items() if v * factor > 1e-3}
                self._docs *= factor
                self._t_ref = t
                exponent = 0.0
                for listener in self.on_rebase:
                    listener(factor)
            self._scale = 2.0 ** exponent
        return 2.0 ** ((t - self._t_ref) / self.half_life_s)

    def weight(self, t: float) -> float:
        """The scaled weight a document at ``t`` gets; moves the clock to ``t``. Share it with co-decaying counts."""
        return self._advance(t)

    def weight_now(self) -> float:
        """The scaled weight of a document at the latest time seen (1.0 before any)."""
        return self._scale

    def scaled_docs(self) -> float:
        """Document count in the internal scale."""
        return self._docs

    def scaled_df(self, term: str) -> float:
        """Document frequency in the internal scale (comparable with weights from ``weight``)."""
        return self._df.get(term, 0.0)

    def learn_one(self, terms, t: float) -> float:
        """Count one document (its distinct terms) at event time ``t``; returns its scaled weight."""
        w = self._advance(t)
        df = self._df
        distinct = set(terms)
        # df[term] = df.get(term, 0.0) + w for each term, looped in C (a set iterates in one order while unchanged;
        # w + x is x + w exactly)
        df.update(zip(distinct, map(w.__add__, map(df.get, distinct, repeat(0.0)))))
        self._docs += w
        if len(df) > self.max_terms:
            self._prune()
        return w

    def learn_counts(self, counts: dict[str, int], docs: int, t: float) -> None:
        """Count ``docs`` documents at event time ``t`` at once, ``counts[term]`` of them with each term (a batch of
        posts close in time, e.g. one interval's)."""
        w = self._advance(t)
        df = self._df
        # df[term] = df.get(term, 0.0) + k * w for each (term, k), looped in C as in learn_one
        df.update(zip(counts, map(add, map(w.__mul__, counts.values()), map(df.get, counts, repeat(0.0)))))
        self._docs += docs * w
        if len(df) > self.max_terms:
            self._prune()

    def _prune(self) -> None:
        keep = sorted(self._df.values(), reverse=True)[self.max_terms // 2]
        self._df = {k: v for k, v in self._df.items() if v > keep}

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency (natural log), >= 0.

        Memoised until the next ``freeze`` call: IDF moves slowly, and callers ask for the same terms many times.
        """
        v = self._idf_cache.get(term)
        if v is None:
            s = self._scale
            v = math.log((self._docs / s + self.prior_docs + 1.0) / (self._df.get(term, 0.0) / s + 1.0))
            self._idf_cache[term] = v
        return v

    def refresh(self) -> None:
        """Drop memoised IDF values (call at interval boundaries; results then follow the counts again)."""
        self._idf_cache.clear()

    def df(self, term: str) -> float:
        """Decayed document frequency of ``term`` at the latest time seen."""
        return self._df.get(term, 0.0) / self._scale

    @property
    def documents(self) -> float:
        return self._docs / self._scale

    def __len__(self) -> int:
        return len(self._df)
