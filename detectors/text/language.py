"""Which language a handful of posts are in: Compact Language Detector 2 (pycld2, Chrome's detector).

Used on a flagged cluster's recent posts, not on every post (about 30 microseconds a call; its tables are compiled
in, so it loads at once and holds a few MB). Links, @mentions, hashtags and the retweet mark are no language's words
and are left out. The guess is None when the detector finds no language it calls reliable.

>>> guess_language(["Fuerte sismo sacude Guatemala", "Reportan daños en San Marcos tras el terremoto"])
'es'
>>> guess_language(["Strong earthquake hits Guatemala, buildings damaged"])
'en'
>>> guess_language(["http://t.co/x #sismo 123"]) is None
True
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import pycld2

__all__ = ["guess_language"]

# not words of any language: links, @mentions, hashtags, the retweet mark; and control characters, which CLD2
# takes for invalid UTF-8
_NOT_PROSE_RE = re.compile(r"https?://\S*|www\.\S*|[@#＃]\w+|\bRT\b|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def guess_language(texts: Iterable[str]) -> str | None:
    """The language of ``texts`` taken together (an ISO 639-1 code such as "en", "es", "zh"), or None."""
    text = _NOT_PROSE_RE.sub(" ", "\n".join(t for t in texts if t))
    if not any(c.isalpha() for c in text):
        return None
    try:
        # (lone surrogates, which the input contract rejects, become "?" rather than an exception here)
        reliable, _, details = pycld2.detect(text.encode("utf-8", "replace"))
    except pycld2.error:
        return None
    code = details[0][1]
    if not reliable or code in ("un", "xxx"):
        return None
    return code.split("-")[0]   # zh-Hant -> zh
