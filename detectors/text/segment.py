"""Tokenizer for mixed Chinese / English posts: normalise, segment, filter, stem.

The cleaned post goes whole to the segmenter: rjieba (jieba's accurate mode in Rust; the same
tokens as ``jieba.lcut(s, HMM=hmm)`` on Chinese, see benchmarks/segment_speed.py) or jieba. Tokens
with Chinese characters (U+4E00..U+9FD5, the range jieba segments) are terms unless stopwords.
Between them, the other tokens are joined back into the text they came from (accurate-mode
tokens concatenate to their input) and tokenised by a regex, so that how a segmenter groups
Latin letters, digits and punctuation (rjieba keeps ``cctv-8`` whole, jieba cuts it in three)
does not matter: words of letters and digits with internal apostrophes or hyphens (``o'brien``,
``covid-19``), possessive ``'s`` dropped; pure numbers kept only with 4+ digits (years, hotlines
like 12306); mixed ones kept (``mh370``, ``g20``) but not ordinals and units (``3rd``, ``10am``,
``5km``); Latin letters folded to their unaccented form (``mégantic`` -> ``megantic``, as search engines'
ASCII folding does: posts type a place's name with and without its accents); optional Snowball English
stemming (PyStemmer) of ASCII words. Text without Chinese
skips the segmenter. ``mode="search"`` adds jieba's search-mode parts of long Chinese words (the
2- and 3-character dictionary words inside them), as ``lcut_for_search`` does; a stopword is
dropped with its parts.

Speed (rjieba): most tokens need no thought. One set-filter drops known stopwords, punctuation and
short numbers, and one set operation checks that every other token is known to be kept as it is;
only tokens not seen before are decided (then remembered). Posts where a word may straddle
segmenter tokens (an apostrophe, a lone hyphen, letters of another script, which rjieba cuts one
by one, an ASCII dictionary word like c#) take the slower token-by-token walk, as jieba's output
always does (jieba cuts ``1657.4w`` in two). The memories are sets and dicts, each cleared when it
reaches ``cache_size`` entries.

Stopwords (``stopwords_zh.txt``, ``stopwords_en.txt`` and ``extra_stopwords``) are matched on the
surface form before stemming. Single Chinese characters are kept unless they are stopwords (the
function characters 的/了/在/一/年/上 are; 火/震/疫 are not); ``min_token_chars`` applies to
non-Chinese tokens only. Hashtags: see ``normalize``; with ``split_hashtags`` ``#BostonMarathon``
gives ``bostonmarathon``, ``boston``, ``marathon`` (the tag as a term of its own plus its words).
"""

from __future__ import annotations

import functools
import re
from itertools import filterfalse
import unicodedata
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

import Stemmer

from groundswell.config.schema import TextConfig

from .normalize import clean

__all__ = ["Tokenizer", "load_stopwords"]

_TEXT = TextConfig()   # the defaults of the settings the config has are config/schema.py's

_HAN_CHAR_RE = re.compile("[\u4e00-\u9fd5]")
# A word: letters/digits (any script) joined by internal ' or -. Possessive quantifiers: without
# them a word followed by a lone ' or - makes sre retry the group at every letter of the word.
_WORD_RE = re.compile(r"[^\W_]++(?:['\-][^\W_]++)*+")
_WORD_CHAR_RE = re.compile(r"[^\W_]")
_NUMERIC_SPLIT_RE = re.compile(r"['\-]")
_ORDINAL_OR_UNIT_RE = re.compile(
    r"\d+(?:st|nd|rd|th|am|pm|h|hr|hrs|min|mins|s|sec|secs|m|km|kg|g|cm|mm|ft|mph|kph|lb|lbs|mb|gb|x)"
)
# Not ordinals or units, though they look alike: keep.
_KEEP_ALNUM = frozenset({"5g", "4g", "3g", "2g", "1g", "4k", "8k", "3d", "2d"})


def _fold_latin(word: str) -> str:
    """Latin letters without their diacritics (``mégantic`` -> ``megantic``, ``não`` -> ``nao``); other
    scripts as they are (``й`` stays: its base letter is not ASCII)."""
    out = []
    for c in word:
        if c > "\x7f":
            base = unicodedata.normalize("NFD", c)[0]
            if base.isascii():
                c = base
        out.append(c)
    return "".join(out)


_SEGMENTERS = ("rjieba", "jieba")
_MODES = ("accurate", "search")
_WALK = None  # decision for a token whose words may straddle tokens: the post takes the walk


def _norm_word(word: str) -> str:
    """A stopword as post text reads after normalising: NFKC, lowercase, straight apostrophe."""
    return unicodedata.normalize("NFKC", word).lower().replace("\u2019", "'").strip()


@functools.cache
def load_stopwords(lang: str) -> frozenset[str]:
    """The shipped stopword list for ``lang`` ("zh", "en", or "intl": function words of other Latin-script
    languages seen in mixed streams), normalised like post text."""
    if lang not in ("zh", "en", "intl"):
        raise ValueError(f"lang must be 'zh', 'en' or 'intl', not {lang!r}")
    text = resources.files(__package__).joinpath(f"stopwords_{lang}.txt").read_text(encoding="utf-8")
    words = (_norm_word(line) for line in text.splitlines() if not line.startswith("#"))
    return frozenset(w for w in words if w)


def _segmenter(name: str, hmm: bool) -> tuple[str, Callable[[str], list[str]], Callable[[str], bool]]:
    """(backend, accurate-mode cut, is-a-dictionary-word) for ``name``; jieba if rjieba is missing."""
    if name == "rjieba":
        try:
            import rjieba
        except ImportError:  # pragma: no cover - rjieba ships wheels for the usual platforms
            name = "jieba"
        else:
            cut = rjieba.cut
            return name, lambda s: cut(s, hmm), rjieba.has_word
    import jieba

    jieba.dt.check_initialized()
    freq = jieba.dt.FREQ
    return name, lambda s: jieba.lcut(s, False, hmm), lambda w: bool(freq.get(w))


def _check_int(name: str, value: object, low: int, high: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high and value > high):
        raise ValueError(f"{name} must be an int in [{low}, {high or 'inf'}], not {value!r}")
    return value


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be a bool, not {value!r}")
    return value


class Tokenizer:
    """Turn a post into a list of terms, in text order, repeats kept.

    Settings (read-only after construction):
      min_token_chars: shortest non-Chinese token kept (Chinese: see the module docstring), 1..64.
      max_tokens: at most this many tokens are returned per text.
      stem_english: Snowball-stem ASCII words ("flooding" -> "flood", "evacuated" -> "evacu").
      fold_accents: fold accented Latin letters to ASCII ("Mégantic" -> "megantic", then stemmed like
        any ASCII word); stopwords match with and without their accents.
      extra_stopwords: more words to drop (NFKC, lowercased; matched before stemming; only
        single words count, as the tokenizer cuts them: "e.g." or "new york" never match).
      segmenter: "rjieba" (default; falls back to jieba when not installed) or "jieba".
      hmm: let the segmenter join unknown words by HMM (jieba's accurate-mode default).
      mode: "accurate" (jieba's lcut) or "search" (lcut_for_search: long words also as parts).
      split_hashtags: also emit the words of CamelCase hashtags.
      max_chars: only the first max_chars characters of a text are read (bounds the cost).
      cache_size: entries of each memory of decided tokens before it is cleared.
    ``backend`` tells which segmenter is in use. Not thread-safe (PyStemmer, caches): one per thread.

    >>> tok = Tokenizer()
    >>> tok.tokens("RT @cnn: Floods hit #BostonMarathon area in 2013! http://t.co/x")
    ['flood', 'hit', 'bostonmarathon', 'boston', 'marathon', 'area', '2013']
    >>> tok.tokens("【突发】北京地铁今天早上发生故障，@北京地铁 回应称正在抢修[泪] #地铁故障#")
    ['突发', '北京地铁', '早上', '发生', '故障', '回应', '抢修', '地铁', '故障']
    >>> Tokenizer(mode="search", stem_english=False).tokens("北京地铁 floods")
    ['北京', '地铁', '北京地铁', 'floods']
    """

    __slots__ = (
        "min_token_chars", "max_tokens", "stem_english", "fold_accents", "extra_stopwords", "segmenter", "hmm",
        "mode", "split_hashtags", "max_chars", "cache_size", "backend", "_stop", "_cut", "_has_word", "_fast",
        "_stemmer", "_words", "_keep", "_drop", "_decided", "_frozen",
    )  # fmt: skip

    def __init__(
        self,
        *,
        min_token_chars: int = 2,
        max_tokens: int = _TEXT.max_tokens,
        stem_english: bool = _TEXT.stem_english,
        fold_accents: bool = _TEXT.fold_accents,
        extra_stopwords: Iterable[str] = (),
        segmenter: str = _TEXT.segmenter,
        hmm: bool = True,
        mode: str = "accurate",
        split_hashtags: bool = True,
        max_chars: int = 8192,
        cache_size: int = 200_000,
    ) -> None:
        if isinstance(extra_stopwords, str) or not isinstance(extra_stopwords, Iterable):
            raise ValueError("extra_stopwords must be an iterable of str (not a str)")
        extra = tuple(extra_stopwords)
        if not all(isinstance(w, str) for w in extra):
            raise ValueError("extra_stopwords must contain only str")
        if segmenter not in _SEGMENTERS:
            raise ValueError(f"segmenter must be one of {_SEGMENTERS}, not {segmenter!r}")
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, not {mode!r}")
        self.min_token_chars = _check_int("min_token_chars", min_token_chars, 1, 64)
        self.max_tokens = _check_int("max_tokens", max_tokens, 1)
        self.stem_english = _check_bool("stem_english", stem_english)
        self.fold_accents = _check_bool("fold_accents", fold_accents)
        self.extra_stopwords = frozenset(w for w in map(_norm_word, extra) if w)
        self.segmenter = segmenter
        self.hmm = _check_bool("hmm", hmm)
        self.mode = mode
        self.split_hashtags = _check_bool("split_hashtags", split_hashtags)
        self.max_chars = _check_int("max_chars", max_chars, 1)
        self.cache_size = _check_int("cache_size", cache_size, 0)
        self.backend, self._cut, self._has_word = _segmenter(segmenter, hmm)
        self._fast = self.backend == "rjieba"  # rjieba keeps runs of Latin letters/digits whole
        # Only single words can match (a stopword like "e.g." never comes out of the word regex).
        stop = load_stopwords("zh") | load_stopwords("en") | load_stopwords("intl") | self.extra_stopwords
        self._stop = frozenset(w for w in stop if _HAN_CHAR_RE.search(w) or _WORD_RE.fullmatch(w))
        if fold_accents:   # a stopword typed without its accents ("nao") is still one
            self._stop |= frozenset(_fold_latin(w) for w in self._stop if not w.isascii())
        self._stemmer = Stemmer.Stemmer("english", 0) if stem_english else None
        self._words: dict[str, tuple[str, ...]] = {}  # regex word -> its terms
        # Segmenter tokens seen before: kept as they are / dropped / anything else.
        self._keep: set[str] = set()
        self._drop: set[str] = set(self._stop)
        self._decided: dict[str, tuple[str, ...] | None] = {}
        self._frozen = True

    def __setattr__(self, name: str, value: object) -> None:
        if getattr(self, "_frozen", False):
            raise AttributeError(f"Tokenizer settings are read-only; make a new Tokenizer ({name})")
        object.__setattr__(self, name, value)

    def settings(self) -> dict[str, Any]:
        """The constructor arguments, e.g. to log them or build an equal Tokenizer."""
        names = ("min_token_chars", "max_tokens", "stem_english", "fold_accents", "segmenter", "hmm",
                 "mode", "split_hashtags", "max_chars", "cache_size")  # fmt: skip
        return {n: getattr(self, n) for n in names} | {"extra_stopwords": sorted(self.extra_stopwords)}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items())
        return f"Tokenizer({args})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (functools.partial(Tokenizer, **self.settings()), ())

    # ------------------------------------------------------------------ decisions

    def _word(self, surface: str) -> tuple[str, ...]:
        """Terms of one regex word (no Chinese), decided once and remembered."""
        out: tuple[str, ...] = ()
        stop = self._stop
        w = surface[:-2] if surface.endswith("'s") and surface not in stop else surface
        if w and w not in stop:
            if w.isdigit():
                out = (w,) if len(w) >= 4 else ()
            elif not any(c.isalpha() for c in w):  # numbers joined by - or ': 2013-2014, 3-0
                out = tuple(p for p in _NUMERIC_SPLIT_RE.split(w) if len(p) >= 4 and p.isdigit())
            elif len(w) >= self.min_token_chars and (
                w in _KEEP_ALNUM or _ORDINAL_OR_UNIT_RE.fullmatch(w) is None
            ):
                if self.fold_accents and not w.isascii():
                    w = _fold_latin(w)
                if self._stemmer is not None and w.isascii() and w.isalpha():
                    w = self._stemmer.stemWord(w)
                out = (w,)
        if self.cache_size:
            if len(self._words) >= self.cache_size:
                self._words.clear()
            self._words[surface] = out
        return out

    def _words_of(self, text: str) -> list[str]:
        """Terms of a stretch of text without Chinese."""
        get = self._words.get
        out: list[str] = []
        for w in _WORD_RE.findall(text):
            r = get(w)
            if r is None:
                r = self._word(w)
            if r:
                out += r
        return out

    def _chinese(self, t: str) -> tuple[str, ...]:
        """Terms of a segmenter token holding Chinese: itself, plus its parts in search mode."""
        stop = self._stop
        if t in stop:  # a stopword goes whole, search-mode parts too (the fast path drops it)
            return ()
        if self.mode == "accurate" or len(t) <= 2:
            return (t,)
        has_word = self._has_word  # jieba's lcut_for_search: 2-grams, then 3-grams, then the word
        grams = [t[i : i + 2] for i in range(len(t) - 1)]
        if len(t) > 3:
            grams += [t[i : i + 3] for i in range(len(t) - 2)]
        return tuple(g for g in grams if has_word(g) and g not in stop) + (t,)

    def _decide(self, t: str) -> tuple[str, ...] | None:
        """Terms of one segmenter token on its own, or _WALK when a word may straddle tokens."""
        if _HAN_CHAR_RE.search(t) is not None:
            return self._chinese(t)
        if "'" in t:  # rjieba cuts don't in three (and keeps cctv-8 whole, so - is no joiner here)
            return _WALK
        if t.isascii():
            # An ASCII dictionary word (c#, c++) may have been cut out of a longer run: 0c# -> 0|c#
            return _WALK if self._has_word(t) else tuple(self._words_of(t))
        if _WORD_CHAR_RE.search(t) is None:  # punctuation, symbols, spaces
            return ()
        return _WALK  # letters of another script (rjieba cuts them one by one), CJK extensions

    def _settle(self, out: list[str], seg: list[str]) -> list[str]:
        """Decide the tokens of ``out`` met for the first time; redo ``out`` if any is not kept."""
        keep, drop, decided = self._keep, self._drop, self._decided
        limit = self.cache_size
        redo = False
        for t in set(out).difference(keep):
            if t in decided:
                d = decided[t]
            else:
                d = self._decide(t)
                if d is not _WALK and len(d) == 1 and d[0] == t:
                    if len(keep) >= limit:
                        keep.clear()
                    if limit:
                        keep.add(t)
                    continue
                if d == ():
                    if len(drop) >= len(self._stop) + limit:
                        drop.clear()
                        drop.update(self._stop)
                    if limit:
                        drop.add(t)
                elif limit:
                    if len(decided) >= limit:
                        decided.clear()
                    decided[t] = d
            if d is _WALK:
                return self._walk(seg)
            redo = True
        if not redo:
            return out
        result: list[str] = []
        for t in out:
            if t in keep:
                result.append(t)
            else:
                d = decided[t] if t in decided else self._decide(t)
                if d:
                    result += d
        return result

    def _walk(self, seg: list[str]) -> list[str]:
        """Token by token: Chinese tokens are terms; the text between them goes to the word regex."""
        out: list[str] = []
        stretch: list[str] = []
        stop = self._stop
        accurate = self.mode == "accurate"
        for t in seg:
            # holds Chinese? (dictionary words mixing Latin and Han start or end with Han: 4s店)
            if not ("\u4e00" <= t[:1] <= "\u9fd5" or "\u4e00" <= t[-1:] <= "\u9fd5") and (
                t.isascii() or _HAN_CHAR_RE.search(t) is None
            ):
                stretch.append(t)
                continue
            if stretch:
                out += self._words_of("".join(stretch))
                stretch.clear()
            if accurate:
                if t not in stop:
                    out.append(t)
            else:
                out += self._chinese(t)
        if stretch:
            out += self._words_of("".join(stretch))
        return out

    # ------------------------------------------------------------------ API

    def tokens(self, text: str) -> list[str]:
        """Terms of ``text`` in order (stopwords dropped, repeats kept); [] for empty text."""
        if len(text) > self.max_chars:
            text = text[: self.max_chars]
        text = clean(text, split_hashtags=self.split_hashtags, symbols=False)
        if text.isascii() or _HAN_CHAR_RE.search(text) is None:  # no Chinese: no segmenter
            out = self._words_of(text)
        elif self._fast:
            seg = self._cut(text)
            out = list(filterfalse(self._drop.__contains__, seg))   # [t for t in seg if t not in drop], in C
            if not self._keep.issuperset(out):
                out = self._settle(out, seg)
        else:  # jieba may cut a word of Latin letters and digits in two: "1657.4w" -> 1657.4|w
            out = self._walk(self._cut(text))
        if len(out) > self.max_tokens:
            del out[self.max_tokens :]
        return out

    def tokens_many(self, texts: Iterable[str]) -> list[list[str]]:
        """``[self.tokens(t) for t in texts]``."""
        tokens = self.tokens
        return [tokens(t) for t in texts]
