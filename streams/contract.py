"""The input contract: one post per line / Kafka message, as a JSON object.

Fields: ``id`` (non-empty string, <= 256 chars); ``text`` (string; may be
empty or absent only when ``repost_of`` is set; whitespace-only is empty);
``created_at``: RFC 3339 with ``Z`` or ``+HH:MM`` (e.g.
``2024-05-20T20:00:00+08:00``; a space for "T" is tolerated) or Unix epoch
seconds as int/float (booleans are not numbers; epoch milliseconds fall out of
range); optional ``author`` (string or int), ``source``, ``lang``,
``region``, ``url``, ``repost_of`` (strings).  ``null`` or ``""`` for an
optional field means absent; an empty ``id`` counts as missing.  Unknown
fields are ignored and not carried.  A leading UTF-8 BOM is tolerated.
``source``, ``lang`` and ``region`` (labels of alerts, shard keys) are at most
:data:`MAX_LABEL_CHARS` characters, ``repost_of`` at most 256.

:meth:`PostParser.parse` never raises: it returns a :class:`Post` or a
:class:`Reject` whose ``reason`` is one of :data:`REASONS`.  The author is
pseudonymised inside the parser; the clear id never leaves it: a reject
keeps a bounded :func:`excerpt` of the line in which only the values of the
contract's own fields are shown (the author's, and every unknown field's,
are masked), never the raw line.

>>> excerpt(b'{"id": "p1", "author": "alice", "user": {"name": "alice"}, "created_at": "2024-05-20T20:00:00Z"')
'{"id": "p1", "author": "…", "…": {…}, "created_at": "2024-05-20T20:00:00Z"'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import orjson

from groundswell.detectors.times import format_time   # (the one format_time, as the alerts write event times)

REASONS = frozenset(
    {
        "invalid_utf8",
        "invalid_json",
        "not_an_object",
        "missing_field",
        "wrong_type",
        "empty_text",
        "text_too_long",
        "line_too_long",
        "bad_timestamp",
        "timestamp_out_of_range",
        "id_too_long",
        "label_too_long",
    }
)
#: reasons the hosts add after parsing: ``late`` and ``future`` (event time, streams/ordering.py),
#: ``duplicate_id`` (streams/detection.py), ``corrupt_input`` (a compressed file that breaks, streams/sources.py)
HOST_REASONS = frozenset({"late", "future", "duplicate_id", "corrupt_input"})
ALL_REASONS = REASONS | HOST_REASONS
MAX_ID_CHARS = 256
MAX_LABEL_CHARS = 100
EXCERPT_CHARS = 300
OPTIONAL_FIELDS = ("source", "lang", "region", "url", "repost_of")


@dataclass(frozen=True, slots=True)
class Post:
    """A validated post; ``author`` is already pseudonymised."""

    id: str
    text: str
    t: float
    author: str | None = None
    source: str | None = None
    lang: str | None = None
    region: str | None = None
    url: str | None = None
    repost_of: str | None = None

    def to_json(self) -> dict:
        """Contract-shaped dict (``created_at`` in UTC); absent fields omitted.
        Note: re-parsing it would pseudonymise ``author`` a second time."""
        d: dict = {"id": self.id, "text": self.text, "created_at": format_time(self.t)}
        for name in ("author", *OPTIONAL_FIELDS):
            v = getattr(self, name)
            if v is not None:
                d[name] = v
        return d


# Values shown in a reject's excerpt: the contract's fields (cut to this many chars); the author's value and every
# unknown field (a raw tweet's "user" object holds the author too) are masked, whatever the line looks like.
_SHOWN = {"id": 80, "text": 120, "created_at": 64, "source": 40, "lang": 40, "region": 40, "url": 80, "repost_of": 80}
_KEYS_SHOWN = frozenset(_SHOWN) | {"author"}
_SCAN_CHARS = 65_536            # an excerpt comes from the start of a line: a 16 MB line is not scanned whole
_MASK = "…"
_STRUCTURE = frozenset('{}[]:,"')


def excerpt(raw: bytes | str | object, limit: int = EXCERPT_CHARS) -> str:
    """A bounded, author-free view of an input line for a reject record: its JSON structure and the values of the
    contract's fields (``id``, ``text``, ``created_at``, labels, cut short); the values of ``author``, of unknown
    fields and of anything nested are replaced by ``…``. Works on broken JSON and invalid UTF-8 too (a lexer, not a
    parser): what cannot be read as a shown field's value is masked. Never raises."""
    try:
        if isinstance(raw, (bytes, bytearray, memoryview)):
            text = bytes(raw[: 4 * _SCAN_CHARS]).decode("utf-8", "replace")
        elif isinstance(raw, str):
            text = raw[:_SCAN_CHARS]
        else:
            return f"<{type(raw).__name__}>"
        return _mask(text, limit).encode("utf-8", "replace").decode("utf-8")   # no lone surrogates
    except Exception:                   # defensive: an excerpt must never stop a reject from being written
        return ""


# one token of a JSON-ish line: a string (to its closing quote, or the end), a structural character, blanks, or a
# bare run (number, literal, junk). Linear: a string's body is a run of plain characters and escape pairs.
_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*+"?|[{}\[\]:,]|[ \t\r\n]+|[^ \t\r\n{}\[\]:,"]+|\\')
_MAX_TOKENS = 4_000          # bounds the work of one excerpt, whatever the line


def _mask(s: str, limit: int) -> str:
    out: list[str] = []
    size = 0
    depth = 0                    # open containers; only the first one, if an object, shows anything
    skip = 0                     # > 0: inside a nested container being masked (its depth)
    top_object = False
    state = ""                   # in the top-level object: "key", "colon", "value" or "after" (a value was seen)
    key: str | None = None       # the top-level key whose value may come next
    complete = True
    for n, m in enumerate(_TOKEN_RE.finditer(s)):
        if n >= _MAX_TOKENS or size >= limit:
            complete = False
            break
        tok = m.group()
        c = tok[0]
        if skip:
            if c in "{[":
                skip += 1
            elif c in "}]":
                skip -= 1
            continue
        in_top = depth == 1 and top_object
        if c == '"':
            body = tok[1:-1] if len(tok) > 1 and tok[-1] == '"' else tok[1:]
            if in_top and state == "key":
                key = body if body in _KEYS_SHOWN else None
                piece = f'"{body}"' if key is not None else f'"{_MASK}"'
                state = "colon"
            elif in_top and state == "value" and key in _SHOWN:
                cut = _SHOWN[key]
                piece = '"' + (body if len(body) <= cut else body[:cut] + _MASK) + '"'
                state = "after"
            else:
                piece = f'"{_MASK}"'
                state = "after"
        elif c in "{[":
            if depth == 0:
                depth, top_object = 1, c == "{"
                state, key = "key", None
                piece = c
            else:                                  # nested values are never shown
                skip, state = 1, "after"
                piece = c + _MASK + ("}" if c == "{" else "]")
        elif c in "}]":
            depth = max(0, depth - 1)
            piece = c
        elif c == ":":
            state = "value" if state == "colon" else "after"
            piece = ": " if in_top else ":"
        elif c == ",":
            state, key = "key", None
            piece = ", " if in_top else ","
        elif c in " \t\r\n":
            if out and out[-1].endswith(" "):
                continue
            piece = " "
        else:                                      # a bare token: number, true/false/null, or junk
            if in_top and state == "value" and key in _SHOWN:
                piece = tok if len(tok) <= 40 else tok[:40] + _MASK
            else:
                piece = _MASK
            if in_top and state == "key":
                state, key = "colon", None
            else:
                state = "after"
        out.append(piece)
        size += len(piece)
    text = "".join(out)
    if not complete or len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + _MASK
    return text


def _shown(v: object, cut: int) -> str:
    if v.__class__ is str:
        s = orjson.dumps(v if len(v) <= cut else v[:cut] + _MASK).decode()
    elif v is None or v.__class__ in (bool, int, float):
        s = orjson.dumps(v).decode() if v.__class__ is not int or -(2**63) <= v < 2**64 else str(v)[:40] + _MASK
    elif isinstance(v, dict):
        return "{" + _MASK + "}"
    elif isinstance(v, list):
        return "[" + _MASK + "]"
    else:
        return _MASK
    return s


def object_excerpt(obj: dict, limit: int = EXCERPT_CHARS) -> str:
    """The excerpt of a line that parsed as an object (most rejects): what :func:`excerpt` shows, without
    lexing the line again."""
    parts = []
    size = 0
    for k, v in obj.items():
        if k in _SHOWN:
            part = f'"{k}": {_shown(v, _SHOWN[k])}'
        elif k == "author":
            part = f'"author": {_mask_value(v)}'
        else:
            part = f'"{_MASK}": {_mask_value(v)}'
        parts.append(part)
        size += len(part) + 2
        if size > limit:
            break
    text = "{" + ", ".join(parts) + "}"
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + _MASK
    return text.encode("utf-8", "replace").decode("utf-8")


def _mask_value(v: object) -> str:
    if isinstance(v, dict):
        return "{" + _MASK + "}"
    if isinstance(v, list):
        return "[" + _MASK + "]"
    return f'"{_MASK}"' if v.__class__ is str else _MASK


def post_excerpt(post: dict, limit: int = EXCERPT_CHARS) -> str:
    """The excerpt of a post already accepted by the parser (a clean post dict): its contract fields, no author
    (not even the pseudonym: with the public default key it can be recomputed from a clear id)."""
    shown = {"id": post.get("id"), "created_at": format_time(post["t"]) if "t" in post else post.get("created_at"),
             "text": post.get("text")}
    shown.update({k: post[k] for k in ("source", "lang", "region", "repost_of") if post.get(k)})
    return object_excerpt(shown, limit)


@dataclass(frozen=True, slots=True)
class Reject:
    """A refused line: ``reason`` (machine-readable), ``detail`` (human), ``excerpt`` (bounded, author-free:
    see :func:`excerpt`). The raw line itself is never kept."""

    reason: str
    detail: str
    excerpt: str

    def to_json(
        self,
        *,
        source: str | None = None,
        line_no: int | None = None,
        offset: int | None = None,
    ) -> dict:
        d: dict = {"reason": self.reason, "detail": self.detail, "excerpt": self.excerpt}
        if source is not None:
            d["source"] = source
        if line_no is not None:
            d["line_no"] = line_no
        if offset is not None:
            d["offset"] = offset
        return d


class _Rejected(Exception):
    __slots__ = ("reason", "detail")

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail


def _type_name(v: object) -> str:
    return "null" if v is None else type(v).__name__


def _wrong_type(field: str, v: object, expected: str = "string") -> None:
    raise _Rejected("wrong_type", f"{field}: expected {expected}, got {_type_name(v)}")


def _too_long(field: str, v: str) -> None:
    raise _Rejected("label_too_long", f"{field}: {len(v)} chars > {MAX_LABEL_CHARS}")


_fromiso = datetime.fromisoformat
_EPOCH = datetime(1970, 1, 1)
_OFFSETS: dict[str, int] = {}  # "+08:00" -> 28800; at most 2 * 24 * 60 entries


def _offset(s: str) -> int | None:
    """Seconds east of UTC for an RFC 3339 ``+HH:MM`` / ``-HH:MM``, else None."""
    if len(s) != 6 or s[0] not in "+-" or s[3] != ":" or not (s[1:3] + s[4:]).isdigit() or not s.isascii():
        return None
    hh, mm = int(s[1:3]), int(s[4:])
    if hh > 23 or mm > 59:
        return None
    off = (hh * 3600 + mm * 60) * (1 if s[0] == "+" else -1)
    _OFFSETS[s] = off
    return off
_loads = orjson.loads
_DecodeError = orjson.JSONDecodeError
_SHAPES = frozenset({"--T::", "--t::", "-- ::"})
# what fromisoformat may read: ASCII digits in the RFC 3339 shape, an optional fraction, nothing else (it would
# take a trailing NUL, other digits than ASCII ones...)
_NAIVE_RE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?", re.ASCII)
_S = [getattr(Post, f).__set__ for f in Post.__slots__]


def _new_post(
    a, b, c, d, e, f, g, h, i,
    _n=object.__new__, _P=Post,
    s0=_S[0], s1=_S[1], s2=_S[2], s3=_S[3], s4=_S[4], s5=_S[5], s6=_S[6], s7=_S[7], s8=_S[8],
) -> Post:
    """Post(...) without the frozen-dataclass __setattr__ detour (about 2x faster)."""
    p = _n(_P)
    s0(p, a); s1(p, b); s2(p, c); s3(p, d); s4(p, e); s5(p, f); s6(p, g); s7(p, h); s8(p, i)  # noqa: E702
    return p


def _year_start(year: int) -> float:
    return datetime(year, 1, 1, tzinfo=timezone.utc).timestamp()


class PostParser:
    """Validates raw lines (bytes or str) into :class:`Post` or :class:`Reject`."""

    def __init__(
        self,
        *,
        pseudonymizer: Callable[[str], str],
        max_text_chars: int = 10_000,
        max_line_bytes: int = 262_144,
        min_year: int = 2000,
        max_year: int = 2100,
    ) -> None:
        if not 1 <= min_year <= max_year <= 9998:
            raise ValueError("need 1 <= min_year <= max_year <= 9998")
        self._pseudo = pseudonymizer
        self.max_text_chars = max_text_chars
        self.max_line_bytes = max_line_bytes
        self.min_year = min_year
        self.max_year = max_year
        self._t_min = _year_start(min_year)
        self._t_max = _year_start(max_year + 1)  # exclusive
        # the last created_at string and its epoch seconds: posts of one stream often share a timestamp (a
        # snapshot of hot topics, a second of tweets), and the conversion is a pure function of the string
        self._last_ts: tuple[str | None, float] = (None, 0.0)
        self._obj: dict | None = None     # the line being parsed, once it is known to be an object (for excerpts)

    # -- public -----------------------------------------------------------
    def parse(self, raw: bytes | str) -> Post | Reject:
        """Return a Post or a Reject; never raises."""
        try:
            return self._parse(raw)
        except _Rejected as r:
            obj = self._obj
            return Reject(r.reason, r.detail, object_excerpt(obj) if obj is not None else excerpt(raw))
        except Exception as e:  # defensive: the contract is "never raise"
            try:
                return Reject("invalid_json", f"unparseable: {type(e).__name__}", excerpt(raw))
            except Exception:
                return Reject("invalid_json", "unparseable input", "")

    def event_time(self, v: object) -> float | None:
        """A ``created_at`` value as epoch seconds, or None when it would be rejected."""
        try:
            return self._timestamp(v)
        except _Rejected:
            return None

    # -- internals --------------------------------------------------------
    def _parse(self, raw: bytes | str) -> Post:
        self._obj = None
        if raw.__class__ is not bytes:
            if isinstance(raw, str):
                if len(raw) > self.max_line_bytes:  # chars <= UTF-8 bytes: too long already
                    raise _Rejected("line_too_long", f"{len(raw)} chars > max_line_bytes={self.max_line_bytes}")
                try:
                    raw = raw.encode("utf-8")
                except UnicodeEncodeError:
                    raise _Rejected("invalid_utf8", "text contains lone surrogates") from None
            elif isinstance(raw, (bytes, bytearray, memoryview)):
                raw = bytes(raw)
            else:
                raise _Rejected("invalid_json", f"input must be bytes or str, got {type(raw).__name__}")
        if len(raw) > self.max_line_bytes:
            raise _Rejected(
                "line_too_long", f"{len(raw)} bytes > max_line_bytes={self.max_line_bytes}"
            )
        try:
            obj = _loads(raw)
        except _DecodeError as e:
            if not raw.startswith(b"\xef\xbb\xbf"):
                raise self._decode_error(raw, e) from None
            try:  # tolerate a UTF-8 byte-order mark
                obj = _loads(raw[3:])
            except _DecodeError as e2:
                raise self._decode_error(raw[3:], e2) from None
        if type(obj) is not dict:
            raise _Rejected("not_an_object", f"top-level JSON {_type_name(obj)}, expected object")
        self._obj = obj

        get = obj.get
        pid = get("id")
        if type(pid) is not str or not pid or len(pid) > MAX_ID_CHARS:
            self._bad_id(pid)

        # Optional strings: None/"" mean absent; any other non-str is rejected.
        source = get("source")
        if source.__class__ is not str:
            if source is not None:
                _wrong_type("source", source)
        elif len(source) > MAX_LABEL_CHARS:
            _too_long("source", source)
        lang = get("lang")
        if lang.__class__ is not str:
            if lang is not None:
                _wrong_type("lang", lang)
        elif len(lang) > MAX_LABEL_CHARS:
            _too_long("lang", lang)
        region = get("region")
        if region.__class__ is not str:
            if region is not None:
                _wrong_type("region", region)
        elif len(region) > MAX_LABEL_CHARS:
            _too_long("region", region)
        url = get("url")
        if url.__class__ is not str and url is not None:
            _wrong_type("url", url)
        repost_of = get("repost_of")
        if repost_of.__class__ is not str and repost_of is not None:
            _wrong_type("repost_of", repost_of)
        repost_of = repost_of or None
        if repost_of is not None and len(repost_of) > MAX_ID_CHARS:
            raise _Rejected("id_too_long", f"repost_of: {len(repost_of)} chars > {MAX_ID_CHARS}")

        text = get("text")
        if text.__class__ is not str:
            if text is not None:
                _wrong_type("text", text)
            if repost_of is None:
                raise _Rejected("missing_field", "text: required (optional only for reposts)")
            text = ""
        elif len(text) > self.max_text_chars:
            raise _Rejected(
                "text_too_long", f"text: {len(text)} chars > max_text_chars={self.max_text_chars}"
            )
        elif repost_of is None and (not text or text.isspace()):
            raise _Rejected("empty_text", "text: empty and not a repost")

        created = get("created_at")
        if created.__class__ is str:
            last = self._last_ts
            if created == last[0]:
                t = last[1]
            else:
                t = self._timestamp(created)
                self._last_ts = (created, t)
        else:
            t = self._timestamp(created)

        author = get("author")
        if author is not None:
            ta = author.__class__
            if ta is str:
                author = self._pseudo(author) if author else None
            elif ta is int:
                author = self._pseudo(str(author))
            else:
                _wrong_type("author", author, "string or int")

        return _new_post(
            pid, text, t, author, source or None, lang or None, region or None, url or None, repost_of
        )

    @staticmethod
    def _bad_id(pid: object) -> None:
        if pid is None:
            raise _Rejected("missing_field", "id: required")
        if type(pid) is not str:
            _wrong_type("id", pid)
        if not pid:
            raise _Rejected("missing_field", "id: empty string")
        raise _Rejected("id_too_long", f"id: {len(pid)} chars > {MAX_ID_CHARS}")

    def _timestamp(self, v: object) -> float:
        tv = v.__class__
        if tv is str:
            # Shape YYYY-MM-DDTHH:MM:SS (chars 4,7,10,13,16) + "Z" or "+HH:MM";
            # fromisoformat parses the naive part, the offset is applied by hand
            # (aware datetimes with a non-UTC offset are ~4x slower to convert).
            if v[4:17:3] not in _SHAPES:
                raise _Rejected("bad_timestamp", f"created_at: not RFC 3339: {v[:64]!r}")
            if v[-1] in "Zz":
                naive, off = v[:-1], 0
            else:
                naive, off = v[:-6], _OFFSETS.get(v[-6:])
                if off is None:
                    off = _offset(v[-6:])
                    if off is None:
                        raise _Rejected("bad_timestamp", f"created_at: needs Z or +HH:MM offset: {v[:64]!r}")
            if _NAIVE_RE.fullmatch(naive) is None:
                raise _Rejected("bad_timestamp", f"created_at: not RFC 3339: {v[:64]!r}")
            try:
                dt = _fromiso(naive)
                t = (dt - _EPOCH).total_seconds() - off
            except (ValueError, TypeError):  # TypeError: a second offset in `naive`
                raise _Rejected("bad_timestamp", f"created_at: invalid date/time: {v[:64]!r}") from None
        elif tv is int or tv is float:
            t = v
            if t != t:  # NaN (not producible by JSON, but str/float callers may)
                raise _Rejected("bad_timestamp", "created_at: NaN")
        elif v is None:
            raise _Rejected("missing_field", "created_at: required")
        else:
            _wrong_type("created_at", v, "RFC 3339 string or epoch seconds number")
        if not self._t_min <= t < self._t_max:
            hint = " (epoch milliseconds? expected seconds)" if tv is not str and t > 1e11 else ""
            raise _Rejected(
                "timestamp_out_of_range",
                f"created_at: {v!s:.64} outside years {self.min_year}..{self.max_year}{hint}",
            )
        return float(t)

    @staticmethod
    def _decode_error(raw: bytes, e: Exception) -> _Rejected:
        msg = str(e)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as u:
            return _Rejected("invalid_utf8", f"invalid UTF-8 at byte {u.start}")
        if "surrogate" in msg:
            return _Rejected("invalid_utf8", f"lone surrogate escape: {msg[:200]}")
        return _Rejected("invalid_json", msg[:200])
