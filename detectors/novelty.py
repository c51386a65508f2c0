"""Word novelty: is a word used now more than its long-run share of the stream?

An everyday cluster can burst without anything new being said: it takes over a set of everyday words ("tonight",
"sleep", "love") and its voices jump, though the words' use did not. A new story brings words whose use jumps
("explosion", "fertilizer", "waco"). This keeps two decayed document frequencies per word, one fast (about the
burst window) and one slow (the long run), and tests a word's fast count against its slow share of the stream
(Poisson, as the burst test).

The slow clock runs on *active* time: a gap in the stream (a collection restarting weeks later, a night without
posts) counts as at most ``max_gap_s``, so a baseline is not forgotten while nothing is said. Until the slow counts
hold ``min_history_s`` of active time there is no baseline, and every word counts as novel (``ready`` is False).

>>> n = WordNovelty(min_history_s=3600)
>>> t = 0.0
>>> for i in range(2000):                        # five hours of everyday posts, one every 9 s
...     t = 9.0 * i
...     n.learn_one(["tonight", "sleep"] if i % 2 else ["love", "music"], t)
>>> for i in range(30):                          # then a story in ten minutes, amid the chatter
...     n.learn_one(["explosion", "plant", "tonight"], t + 20.0 * i)
>>> n.ready, n.p_value("explosion") < 1e-6, n.p_value("tonight") < 1e-6
(True, True, False)
"""
from __future__ import annotations

from collections import Counter

from groundswell.config.schema import NoveltyConfig, VocabularyConfig

from .burst import poisson_sf
from .vocabulary import Vocabulary

BATCH_POSTS = 128   # counts are added in batches of at most this many posts ...
BATCH_S = 300.0     # ... or this much active time
_DEFAULT = NoveltyConfig()   # the defaults of the settings the config has are config/schema.py's


class WordNovelty:
    def __init__(self, fast_half_life_s: float = _DEFAULT.fast_half_life_s,
                 slow_half_life_s: float = _DEFAULT.slow_half_life_s, max_gap_s: float = _DEFAULT.max_gap_s,
                 min_history_s: float = _DEFAULT.min_history_s, max_terms: int = VocabularyConfig().max_terms):
        if not 0 < fast_half_life_s < slow_half_life_s:
            raise ValueError("need 0 < fast_half_life_s < slow_half_life_s")
        if not (max_gap_s > 0 and min_history_s >= 0):
            raise ValueError("max_gap_s must be > 0 and min_history_s >= 0")
        self.fast_half_life_s = fast_half_life_s
        self.slow_half_life_s = slow_half_life_s
        self.max_gap_s = max_gap_s
        self.min_history_s = min_history_s
        self.max_terms = max_terms
        self._fast = Vocabulary(half_life_s=fast_half_life_s, max_terms=max_terms)
        self._slow = Vocabulary(half_life_s=slow_half_life_s, max_terms=max_terms)
        self._active_t = 0.0
        self._last_t: float | None = None
        self._batch_t = 0.0
        self._pending: Counter = Counter()
        self._pending_docs = 0

    @property
    def ready(self) -> bool:
        """True once the long-run counts hold ``min_history_s`` of active time (a baseline to compare with)."""
        return self._active_t >= self.min_history_s

    def learn_one(self, terms, t: float) -> None:
        """Count one post's distinct ``terms`` at event time ``t``."""
        last = self._last_t
        if last is None or t > last:
            if last is not None:
                gap = t - last
                self._active_t += gap if gap < self.max_gap_s else self.max_gap_s
            self._last_t = t
        # counted in small batches (a C-level Counter update per post, then one pass over the batch's distinct
        # words for both clocks): counts hardly move within one, and p_value counts the open batch too
        self._pending.update(set(terms))
        self._pending_docs += 1
        if self._pending_docs >= BATCH_POSTS or self._active_t - self._batch_t >= BATCH_S:
            self._flush()

    def _flush(self) -> None:
        self._fast.learn_counts(self._pending, self._pending_docs, self._last_t)
        self._slow.learn_counts(self._pending, self._pending_docs, self._active_t)
        self._pending = Counter()
        self._pending_docs = 0
        self._batch_t = self._active_t

    def p_value(self, term: str) -> float:
        """P(the term's recent use | it holds its long-run share of the stream's posts)."""
        fast, slow, k, n = self._fast, self._slow, self._pending[term], self._pending_docs
        share = max(slow.df(term) + k, 1.0) / max(slow.documents + n, 1.0)   # a word never seen counts as seen once
        return poisson_sf(int(round(fast.df(term) + k)), share * (fast.documents + n))

    def novel(self, terms, alpha: float) -> bool:
        """Is any of ``terms`` used significantly (at ``alpha``) above its long-run share? True while not ready."""
        if not self.ready:
            return True
        return any(self.p_value(term) < alpha for term in terms)
