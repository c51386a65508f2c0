"""Clean a Weibo-like or Twitter-like post before segmentation.

``normalize`` applies, in this order: HTML entities (``&amp;`` -> ``&``), NFKC (full-width ->
half-width), removal of invisible format characters (ZWJ, zero-width space, variation selectors,
soft hyphen: removed without a gap, so ``敏<ZWSP>感`` reads ``敏感``), hashtag unwrapping,
lowercasing, removal of URLs, ``RT @x:`` markers, ``@mentions`` (``//@昵称:`` chains too), short
``[表情]`` emoticon markup (<= 8 chars inside the brackets), a few Weibo boilerplate phrases
(展开全文, 网页链接, ...) and common HTML tags, replacement of symbols (Unicode So, Sk, Cs, Co, Cc:
emoji, dingbats, controls, ...) by a space, and whitespace collapsing. Punctuation is kept: it is
a word boundary for the segmenter.

Hashtags are signal and stay as text: ``#北京暴雨#`` -> ``北京暴雨``, ``#Sandy`` -> ``sandy``. A
CamelCase hashtag is kept whole and, with ``split_hashtags=True``, also split into its words:
``#BostonMarathon`` -> ``bostonmarathon boston marathon``, so a tokenizer yields the tag as one
term plus its words (``#iPhone``, ``#MH370``, ``#SANDY`` are not CamelCase and are not split).

>>> normalize("RT @cnn: Ｆｌｏｏｄ in #BostonMarathon &amp; http://t.co/x [哈哈]😀 #北京暴雨#")
'flood in bostonmarathon boston marathon & 北京暴雨'

Written for speed (about 10 µs for a 100-character Chinese post): each step is one precompiled
regex or C string method, most are skipped after a cheap substring test, and full NFKC (slow in
CPython when a string needs composing) runs only on what a table for the common full-width
characters leaves unnormalised.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata

__all__ = ["normalize", "clean", "extract_hashtags"]

_category = unicodedata.category
_SYMBOL_CATEGORIES = frozenset({"So", "Sk", "Cs", "Co", "Cc"})


def _bmp_class(categories: frozenset[str], extra: tuple[tuple[int, int], ...] = ()) -> str:
    """Regex class body of the BMP code points in ``categories`` (BMP only: sre then matches
    them with a bitmap; astral code points would make every character test walk a range list)."""
    ranges: list[list[int]] = []
    for cp in range(0x10000):
        if _category(chr(cp)) in categories:
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    ranges.extend([lo, hi] for lo, hi in extra)
    esc = re.escape
    return "".join(esc(chr(lo)) if lo == hi else f"{esc(chr(lo))}-{esc(chr(hi))}" for lo, hi in ranges)


# Characters to remove, found in one scan: BMP format chars (Cf) and variation selectors (removed
# without a gap), BMP symbols (So, Sk, Cs, Co, Cc: replaced by a space) and any astral character
# (emoji and the like; looked up one by one in _junk, astral letters such as CJK Extension B stay).
_INVISIBLE = frozenset(
    chr(cp) for cp in range(0x10000) if _category(chr(cp)) == "Cf" or 0xFE00 <= cp <= 0xFE0F
)
_JUNK_RE = re.compile(
    "["
    + _bmp_class(frozenset({"Cf"}), ((0xFE00, 0xFE0F),))
    + _bmp_class(_SYMBOL_CATEGORIES)
    + "\U00010000-\U0010ffff]+"
)
# The common part of NFKC, done by table: full-width ASCII, ideographic and no-break space, ellipsis.
_FULLWIDTH_RE = re.compile("[\uff01-\uff5e\u3000\u00a0\u2026]+")
_FULLWIDTH = {chr(cp): chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)} | {
    "\u3000": " ",
    "\u00a0": " ",
    "\u2026": "...",
}
_FULLWIDTH_TABLE = str.maketrans(_FULLWIDTH)
# The most frequent of them in Chinese text, replaced by str.replace before the regex looks.
_FULLWIDTH_COMMON = tuple((c, _FULLWIDTH[c]) for c in "，：！？（）；\u3000")

_URL_CHARS = r"[a-z0-9\-._~:/?=&%+!$*,;@()]"
_URL_RE = re.compile(rf"(?:https?://|www\.){_URL_CHARS}+")
# Scheme-less links with a path (t.co/x, t.cn/x, bit.ly/x, news.sina.cn/a/b); tried only when a
# ".tld/" is seen (the test regex starts with a literal, which sre scans for quickly).
_BARE_URL_TEST_RE = re.compile(r"\.[a-z]{2,6}/")
_BARE_URL_RE = re.compile(rf"(?<![\w.\-])(?:[a-z0-9\-]+\.)+[a-z]{{2,6}}/{_URL_CHARS}*")
# "RT @x:" retweet markers, leading or quoted (the mention itself goes with the next regex); the
# lookbehind comes after the literal "rt" so that sre can scan for the literal first.
_RT_RE = re.compile(r"rt(?<![^\W_]rt)\s*+(?::\s*+)?(?=@)")
# English @name and Weibo @昵称 (letters, digits, Han, _ and -) up to whitespace or punctuation,
# at most 30 chars (runs like @a@b together), with a trailing colon; not in e-mail addresses:
# the lookbehind, written after the "@" so that sre can scan for the literal "@" first, rejects
# an ASCII word character or a dot before it.
_MENTION_RE = re.compile(r"@(?<![a-z0-9_.]@)[\w\-]{1,30}(?:@[\w\-]{1,30})*:?")
# Weibo emoticon markup: a short bracketed token, [哈哈] [doge] [允悲], not spanning spaces.
_EMOTICON_RE = re.compile(r"\[[^\[\]\s]{1,8}\]")
_BOILERPLATE_RE = re.compile(
    "展开全文|收起全文|转发微博|轉發微博|网页链接|網頁鏈接|查看图片|查看原图|秒拍视频|微博视频|显示地图|分享图片"
)
_BOILERPLATE_HINTS = ("全文", "微博", "链接", "鏈接", "查看", "视频", "地图", "图片")
_HTML_TAG_RE = re.compile(r"</?(?:a|br|span|img|p|div|i|b|em|strong|font|u)\b[^<>]{0,300}>")

# Weibo topic #话题# (inner text not starting/ending with whitespace, <= 64 chars), else a
# Twitter hashtag #word. _TAG_RE alone is used when the text has a single "#".
_HASHTAG_RE = re.compile(r"#([^#\s](?:[^#\n]{0,62}[^#\s])?)#|#([^\W_][\w']*)")
_TAG_RE = re.compile(r"#()([^\W_][\w']*)")
# Words of a CamelCase / alphanumeric hashtag: "BostonMarathon2013" -> Boston, Marathon, 2013. An acronym before a
# word is ambiguous without a dictionary ("NYCMarathon" is NYC + Marathon, "NSWfire" is NSW + fire), so where a run of
# capitals meets lower case both readings are kept (the wrong one adds a stray rare word, the right one the words).
_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_ACRONYM_RE = re.compile(r"[A-Z]{2,}(?=[a-z]{2})|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_CAPS_THEN_LOWER = re.compile(r"[A-Z]{2}[a-z]")


def _split_camel(word: str) -> list[str] | None:
    """The words of a CamelCase hashtag, or None when it is not one (``iPhone``, ``SANDY``, ``mh370``)."""
    if not (word.isascii() and word.isalnum()) or word.islower() or word.isupper():
        return None
    parts = _CAMEL_RE.findall(word)
    if _CAPS_THEN_LOWER.search(word):
        parts = list(dict.fromkeys(parts + _ACRONYM_RE.findall(word)))
    if sum(1 for p in parts if len(p) >= 2 and not p.isdigit()) < 2:
        return None
    return parts


@functools.lru_cache(maxsize=1 << 16)
def _expand_tag(tag: str) -> str:
    parts = _split_camel(tag)
    return f" {tag} " if parts is None else f" {tag} {' '.join(parts)} "


def _hashtag_split(m: re.Match[str]) -> str:
    return _expand_tag(m.group(1) or m.group(2))


def _hashtag_plain(m: re.Match[str]) -> str:
    return f" {m.group(1) or m.group(2)} "


def _fullwidth(m: re.Match[str]) -> str:
    run = m.group()
    one = _FULLWIDTH.get(run)
    return one if one is not None else run.translate(_FULLWIDTH_TABLE)


def _junk(m: re.Match[str]) -> str:
    """Symbols -> space; invisible format characters and variation selectors -> removed."""
    out = []
    for c in m.group():
        if c in _INVISIBLE:
            continue
        if c <= "\uffff":
            out.append(" ")
            continue
        cat = _category(c)
        if cat in _SYMBOL_CATEGORIES:
            out.append(" ")
        elif cat != "Cf" and not ("\U000e0100" <= c <= "\U000e01ef"):
            out.append(c)
    return "".join(out)


def _prepare(text: str, symbols: bool = True) -> str:
    """Entities, NFKC, symbols and invisible characters (shared by normalize and extract_hashtags).

    With ``symbols=False`` printable symbols (emoji, ...) are left in place: a tokenizer that only
    picks out letters and digits skips them anyway, and it saves a scan. Invisible characters are
    still removed (they are never printable, so ``str.isprintable`` tells cheaply)."""
    if "&" in text:
        text = html.unescape(text)
        if "&" in text:  # doubly escaped (&amp;amp;) is common in scraped tweets
            text = html.unescape(text)
    if text.isascii():
        if not text.isprintable():
            text = _JUNK_RE.sub(_junk, text)
        return text
    for wide, narrow in _FULLWIDTH_COMMON:
        if wide in text:
            text = text.replace(wide, narrow)
    if not unicodedata.is_normalized("NFKC", text):
        text = _FULLWIDTH_RE.sub(_fullwidth, text)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    if symbols or not text.isprintable():
        stripped = _JUNK_RE.sub(_junk, text)
        # removing a character between combining marks can leave them out of canonical order
        if stripped != text and not unicodedata.is_normalized("NFKC", stripped):
            stripped = unicodedata.normalize("NFKC", stripped)
        text = stripped
    if "\u2019" in text or "\u2018" in text or "\u02bc" in text:
        text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")
    return text


def clean(text: str, *, split_hashtags: bool = True, symbols: bool = True) -> str:
    """``normalize`` without the final whitespace collapsing, for tokenizers that split anyway;
    with ``symbols=False`` printable symbols and emoji are left in (for tokenizers that skip
    non-word characters)."""
    text = _prepare(text, symbols)
    if "#" in text:
        regex = _HASHTAG_RE if text.count("#") > 1 else _TAG_RE
        text = regex.sub(_hashtag_split if split_hashtags else _hashtag_plain, text)
    text = text.lower()
    if "http" in text or "www." in text:
        text = _URL_RE.sub(" ", text)
    if "/" in text and _BARE_URL_TEST_RE.search(text) is not None:
        text = _BARE_URL_RE.sub(" ", text)
    if "@" in text:
        if "rt" in text:
            text = _RT_RE.sub(" ", text)
        text = _MENTION_RE.sub(" ", text)
    if "[" in text:
        text = _EMOTICON_RE.sub(" ", text)
    if "<" in text:
        text = _HTML_TAG_RE.sub(" ", text)
    if not text.isascii():
        for hint in _BOILERPLATE_HINTS:
            if hint in text:
                text = _BOILERPLATE_RE.sub(" ", text)
                break
    return text


def normalize(text: str, *, split_hashtags: bool = True) -> str:
    """Return ``text`` cleaned for segmentation (see the module docstring); never raises on a str."""
    return " ".join(clean(text, split_hashtags=split_hashtags).split())


def extract_hashtags(text: str) -> list[str]:
    """Hashtags of a post in order, lowercased, without ``#``: Weibo ``#话题#`` and Twitter ``#tag``.

    >>> extract_hashtags("#北京暴雨# 注意安全 #StaySafe #北京暴雨#")
    ['北京暴雨', 'staysafe', '北京暴雨']
    """
    text = _prepare(text)
    if "#" not in text:
        return []
    tags = (a or b for a, b in _HASHTAG_RE.findall(text))
    return [t for t in (" ".join(t.lower().split()) for t in tags) if t]
