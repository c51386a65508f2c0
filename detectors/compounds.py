"""Split run-together hashtags into the stream's own words: #prayforboston -> pray, boston.

Twitter users write event hashtags in lower case without separators (#prayforboston, #prayfortexas, #laxshooting),
so the tokenizer sees one opaque word and a "pray for X" cluster looks unrelated to X's story. A word is split when
it can be covered entirely by words the stream already uses (``min_df`` recent documents each, at least
``min_part_chars`` long) and short connectors ("for", "the", ...), and is itself rarer than its commonest part. The parts are
added after the post's terms; nothing is removed. Results depend on the vocabulary, so they are cached only until
``refresh``.

>>> from groundswell.detectors.vocabulary import Vocabulary
>>> v = Vocabulary()
>>> for i in range(5):
...     _ = v.learn_one(["boston", "marathon", "pray"], t=float(i))
>>> CompoundSplitter(v).expand(["prayforboston", "marathon"])
['prayforboston', 'marathon', 'pray', 'boston']
"""
from __future__ import annotations

from .vocabulary import Vocabulary

CONNECTORS = frozenset("for the and of in on to a i my our we us with at from".split())


class CompoundSplitter:
    def __init__(self, vocabulary: Vocabulary, *, min_chars: int = 7, min_part_chars: int = 3, min_df: float = 2.0,
                 max_chars: int = 30, max_cache: int = 100_000):
        if min_part_chars < 2 or min_chars < 2 * min_part_chars - 1 or not min_df > 0 or max_chars < min_chars:
            raise ValueError("need min_part_chars >= 2, min_chars >= 2 * min_part_chars - 1, min_df > 0, "
                             "max_chars >= min_chars")
        self.vocabulary = vocabulary
        self.min_chars = min_chars
        self.min_part_chars = min_part_chars
        self.min_df = min_df
        self.max_chars = max_chars
        self.max_cache = max_cache
        self._cache: dict[str, tuple[str, ...]] = {}

    def refresh(self) -> None:
        """Forget cached splits (the vocabulary moved on)."""
        self._cache.clear()

    def expand(self, terms: list[str]) -> list[str]:
        """``terms`` plus the parts of any splittable compound among them (a new list)."""
        out = list(terms)
        seen = None
        lo, hi = self.min_chars, self.max_chars
        for term in terms:
            if lo <= len(term) <= hi and term.isascii() and term.isalpha():
                parts = self.split(term)
                if parts:
                    if seen is None:
                        seen = set(terms)
                    for p in parts:
                        if p not in seen:
                            seen.add(p)
                            out.append(p)
        return out

    def split(self, word: str) -> tuple[str, ...]:
        """The content parts of ``word`` if it splits (at least two pieces), else ()."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(self._cache) >= self.max_cache:
            self._cache.clear()
        result = self._split(word)
        self._cache[word] = result
        return result

    def _known(self, piece: str) -> float:
        return self.vocabulary.df(piece) if len(piece) >= self.min_part_chars else 0.0

    def _split(self, word: str) -> tuple[str, ...]:
        n = len(word)
        # best[i]: (pieces, content parts) covering word[:i], preferring fewer pieces
        best: list[tuple[int, tuple[str, ...]] | None] = [None] * (n + 1)
        best[0] = (0, ())
        # self._known(piece) >= self.min_df, inlined: the same division as Vocabulary.df
        vocab = self.vocabulary
        df_get, scale, min_df, min_part = vocab._df.get, vocab._scale, self.min_df, self.min_part_chars
        reached = [0]   # the i with best[i] set, increasing (the others can't start a piece)
        for i in range(1, n + 1):
            cur = None
            lo = i - 20
            for j in reached:
                if j < lo:
                    continue
                if j == 0 and i == n:
                    continue   # the word itself is known (it is in the stream): only real splits count
                piece = word[j:i]
                if piece in CONNECTORS:
                    prev = best[j]
                    cand = (prev[0] + 1, prev[1])
                elif i - j >= min_part and df_get(piece, 0.0) / scale >= min_df:
                    prev = best[j]
                    cand = (prev[0] + 1, prev[1] + (piece,))
                else:
                    continue
                if cur is None or cand[0] < cur[0]:
                    cur = cand
            if cur is not None:
                best[i] = cur
                reached.append(i)
        done = best[n]
        if done is None or done[0] < 2 or not done[1]:
            return ()
        whole = self.vocabulary.df(word)
        if whole >= max(self.vocabulary.df(p) for p in done[1]):
            return ()   # an ordinary word in its own right (e.g. "understand"), not a run-together tag
        return done[1]
