"""What an alert shows people: terms as they write them, and the posts that best say what the issue is.

Display only: nothing here feeds back into clustering or the burst test.

* ``DisplayTerms.terms``: the clusterer's terms are stems ("bridg") and segmenter tokens, some of which are not
  words (jieba's HMM glues characters across word boundaries: "队一比" from "山城队一比零小胜"). An English stem is
  shown as its most common surface form in the issue's posts ("bridge"); a Chinese token that is not a dictionary
  word is left out, and a single character that the posts nearly always write right after (or before) another shown
  term is shown joined to it ("江川" + "区" -> "江川区").
* ``substantive``: a post that says something besides a repost marker, mentions, links and emoticons ("RT",
  "转发微博", "@someone", "//@a: ...").
* ``DisplayTerms.samples``: the substantive posts that carry most of the shown terms, without repeating one text.

>>> d = DisplayTerms(has_word=lambda w: w in {"江川", "停水", "区"})
>>> texts = ["江川区停水了", "江川区又停水", "RT", "The bridge is closed", "bridges closed again"]
>>> d.terms(["停水", "江川", "区", "队一比", "bridg", "close"], texts, 5)
['停水', '江川区', 'bridge', 'closed']
>>> substantive("RT @abc: "), substantive("转发微博"), substantive("@木子李 [允悲]"), substantive("bridge closed again")
(False, False, False, True)
"""
from __future__ import annotations

import collections
import functools
import re
import unicodedata

import Stemmer

_HAN = re.compile("[\u4e00-\u9fd5]")
_WORD = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")
_NOISE = re.compile(
    r"https?://\S+|www\.\S+|//@[^:：\s]*[:：]?|@[^\s:：,，]+[:：]?|\[[^\]\s]{1,8}\]|#|\bRT\b|转发微博|轉發微博|repost",
    re.IGNORECASE)
_MIN_HAN, _MIN_LATIN = 4, 3     # a substantive post has at least this many Chinese characters, or Latin words


def _fold(word: str) -> str:
    out = []
    for c in unicodedata.normalize("NFKC", word).lower():
        if c > "\x7f":
            base = unicodedata.normalize("NFD", c)[0]
            if base.isascii():
                c = base
        out.append(c)
    w = "".join(out).replace("\u2019", "'")
    return w[:-2] if w.endswith("'s") else w


def substantive(text: str) -> bool:
    """Whether a post says something of its own: not only a repost marker, mentions, links, emoticons."""
    rest = _NOISE.sub(" ", text or "")
    han = len(_HAN.findall(rest))
    latin = sum(1 for w in _WORD.findall(rest) if not _HAN.search(w))
    return han >= _MIN_HAN or latin >= _MIN_LATIN or (han >= 2 and latin >= 1)


@functools.cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


@functools.cache
def _dictionary():
    from .text.segment import _segmenter
    return _segmenter("rjieba", False)[2]


def dictionary_word(word: str) -> bool:
    """Whether the segmenter's dictionary has ``word``."""
    return bool(_dictionary()(word))


def _gist(text: str) -> str:
    """A post without its mentions, links and markers, for telling near-copies apart."""
    return " ".join(_NOISE.sub(" ", text or "").lower().split())


class DisplayTerms:
    """Display terms and samples (see the module doc). ``has_word``: is a Chinese token a dictionary word."""

    def __init__(self, has_word=None, max_memory: int = 50_000):
        self.has_word = has_word or dictionary_word   # (module functions: the detector's state is pickled)
        self._surface: dict[str, collections.Counter] = {}   # stem -> surface forms seen in alerts' posts
        self.max_memory = max_memory

    def _learn(self, texts) -> None:
        for text in texts:
            for w in _WORD.findall(text or ""):
                if _HAN.search(w):
                    continue
                surface = _fold(w)
                if not surface.isascii():
                    continue
                self._surface.setdefault(_stemmer().stemWord(surface), collections.Counter())[surface] += 1
        if len(self._surface) > self.max_memory:
            self._surface.clear()

    def word(self, term: str) -> str:
        """The most common surface form of an English stem seen so far (the term itself when none)."""
        forms = self._surface.get(term)
        if not forms:
            return term
        return min(forms.items(), key=lambda x: (-x[1], len(x[0]), x[0]))[0]

    def terms(self, ranked: list[str], texts: list[str], limit: int) -> list[str]:
        """At most ``limit`` display terms for the clusterer's ``ranked`` terms, best first."""
        self._learn(texts)
        chosen: list[str] = []
        for term in ranked:
            if _HAN.search(term):
                if len(term) > 1 and not self.has_word(term) and not term.startswith("#"):
                    continue          # a segmenter fragment, not a word people wrote
                term = self._join(term, ranked, texts)
            else:
                term = self.word(term)
            if term in chosen:
                continue
            # a word already shown inside a longer one ("江川" in "江川区"), or the other way round
            chosen = [c for c in chosen if not (_HAN.search(c) and c in term)]
            if any(_HAN.search(term) and term in c for c in chosen):
                continue
            chosen.append(term)
            if len(chosen) >= limit:
                break
        return chosen

    def _join(self, term: str, ranked: list[str], texts: list[str]) -> str:
        """A single Chinese character joined to the ranked word the posts write right before it, both nearly
        always together ("江川" + "区": a name's suffix); else the character as it is."""
        if len(term) != 1:
            return term
        having = [t for t in texts if term in t]
        if not having:
            return term
        best, best_n = term, 0
        for other in ranked[:20]:
            if other == term or not _HAN.search(other):
                continue
            joined = other + term
            n = sum(1 for t in having if joined in t)
            if n > best_n and n * 2 > len(having) and n >= 0.8 * sum(1 for t in texts if other in t):
                best, best_n = joined, n
        return best

    def samples(self, pool: list[tuple[str, str]], terms: list[str], limit: int) -> list[tuple[str, str]]:
        """The ``limit`` substantive posts of ``pool`` (post id, text) carrying most of ``terms``, without
        repeating a text; the pool's first posts when none is substantive."""
        seen_ids, seen_gist, scored = set(), set(), []
        low_terms = [t.lower() for t in terms]
        for i, (pid, text) in enumerate(pool):
            if pid in seen_ids:
                continue
            seen_ids.add(pid)
            if not substantive(text):
                continue
            gist = _gist(text)
            if gist in seen_gist:
                continue
            seen_gist.add(gist)
            low = text.lower()
            hits = sum(len(low_terms) - k for k, t in enumerate(low_terms) if t and t in low)
            scored.append((-hits, i, pid, text))
        if not scored:
            return list(pool[:limit])
        scored.sort()
        return [(pid, text) for _, _, pid, text in scored[:limit]]
