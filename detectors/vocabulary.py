"""Online document frequencies with exponential forgetting, for IDF weights on event time.

Counts decay with ``half_life_s`` so that a term that was everywhere last month is informative again today.
Decay is applied lazily through a global scale factor (all counts decay at the same rate), and entries too small
to matter are pruned, so memory stays bounded by ``max_terms``.

>>> v = Vocabulary(half_life_s=86400)
>>> for i in range(100):
...     v.learn_one(["the", "weather"] if i % 10 else ["the", "explosion"], t=float(i))
>>> v.idf("explosion") > v.idf("weather") > v.idf("the")
True
"""
from __future__ import annotations

import math


class Vocabulary:
    def __init__(self, half_life_s: float = 3 * 86400, max_terms: int = 400_000, prior_docs: float = 50.0):
        if half_life_s <= 0 or max_terms < 10 or prior_docs < 0:
            raise ValueError("half_life_s and prior_docs must be positive, max_terms >= 10")
        self.half_life_s = half_life_s
        self.max_terms = max_terms
        self.prior_docs = prior_docs
        self._df: dict[str, float] = {}
        self._docs = 0.0
        self._t_ref: float | None = None   # counts are stored scaled by 2 ** ((t - t_ref) / half_life)
        self._t_max: float | None = None
        self._scale = 1.0                  # 2 ** ((t_max - t_ref) / half_life)

    def _advance(self, t: float) -> float:
        """Move the clock to ``t`` (never backwards) and return the weight of a document seen at ``t``."""
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
            self._scale = 2.0 ** exponent
        return 2.0 ** ((t - self._t_ref) / self.half_life_s)

    def learn_one(self, terms, t: float) -> None:
        """Count one document (its distinct terms) at event time ``t``."""
        w = self._advance(t)
        df = self._df
        for term in set(terms):
            df[term] = df.get(term, 0.0) + w
        self._docs += w
        if len(df) > self.max_terms:
            self._prune()

    def _prune(self) -> None:
        keep = sorted(self._df.values(), reverse=True)[self.max_terms // 2]
        self._df = {k: v for k, v in self._df.items() if v > keep}

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency (natural log), >= 0."""
        s = self._scale
        docs = self._docs / s + self.prior_docs
        return math.log((docs + 1.0) / (self._df.get(term, 0.0) / s + 1.0))

    def df(self, term: str) -> float:
        """Decayed document frequency of ``term`` at the latest time seen."""
        return self._df.get(term, 0.0) / self._scale

    @property
    def documents(self) -> float:
        return self._docs / self._scale

    def __len__(self) -> int:
        return len(self._df)
