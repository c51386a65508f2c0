"""Input contract: PostParser, Pseudonymizer, iter_lines."""

from __future__ import annotations

import gzip
import io
import math
import sys
import warnings

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell.streams.contract import REASONS, Post, PostParser, Reject, format_time
from groundswell.streams.pseudonym import DEFAULT_KEY, DefaultKeyWarning, Pseudonymizer
from groundswell.streams.sources import ByteCounter, iter_lines, total_bytes

KEY = b"test-key"


@pytest.fixture(scope="module")
def parser() -> PostParser:
    return PostParser(pseudonymizer=Pseudonymizer(KEY))


def line(**fields) -> bytes:
    base = {"id": "p1", "text": "hello world", "created_at": "2012-10-28T00:00:03Z"}
    base.update(fields)
    return orjson.dumps({k: v for k, v in base.items() if v is not ...})


def reject(parser: PostParser, raw) -> Reject:
    r = parser.parse(raw)
    assert isinstance(r, Reject), r
    assert r.reason in REASONS and isinstance(r.detail, str) and r.detail
    return r


# -- valid posts ----------------------------------------------------------------

@pytest.mark.parametrize(
    "created_at, t",
    [
        ("2012-10-28T00:00:03Z", 1351382403.0),
        ("2012-10-28t00:00:03z", 1351382403.0),
        ("2012-10-28 00:00:03Z", 1351382403.0),
        ("2012-10-28T08:00:03+08:00", 1351382403.0),
        ("2012-10-27T19:00:03-05:00", 1351382403.0),
        ("2012-10-28T00:00:03.250Z", 1351382403.25),
        ("2024-05-20T20:00:00+08:00", 1716206400.0),
        ("2024-05-20T12:00:00-00:00", 1716206400.0),
        ("2024-05-20T17:30:00.5+05:30", 1716206400.5),
        (1351382403, 1351382403.0),
        (1351382403.5, 1351382403.5),
    ],
)
def test_valid_timestamps(parser, created_at, t):
    p = parser.parse(line(created_at=created_at))
    assert isinstance(p, Post)
    assert p.t == t and isinstance(p.t, float)


def test_valid_post_all_fields(parser):
    raw = line(
        author="alice", source="weibo", lang="zh", region="上海", url="https://x/1",
        repost_of="p0", text="今天天气不错[哈哈] #话题#", extra={"x": 1}, retweets=5,
    )
    p = parser.parse(raw)
    assert isinstance(p, Post)
    assert (p.id, p.text, p.source, p.lang, p.region, p.url, p.repost_of) == (
        "p1", "今天天气不错[哈哈] #话题#", "weibo", "zh", "上海", "https://x/1", "p0",
    )
    assert p.author == Pseudonymizer(KEY)("alice")
    j = p.to_json()
    assert "extra" not in j and "retweets" not in j  # unknown fields are not carried
    assert j["created_at"] == "2012-10-28T00:00:03Z" and j["author"] == p.author


def test_str_input_and_bom_and_trailing_newline(parser):
    assert isinstance(parser.parse(line().decode() + "\n"), Post)
    assert isinstance(parser.parse(b"\xef\xbb\xbf" + line()), Post)
    assert isinstance(parser.parse(bytearray(line())), Post)


def test_optional_null_or_empty_means_absent(parser):
    p = parser.parse(line(source=None, lang="", author=None, repost_of=""))
    assert isinstance(p, Post) and p.source is None and p.lang is None and p.author is None
    assert p.repost_of is None


def test_int_author_is_stringified_then_pseudonymised(parser):
    p = parser.parse(line(author=12345))
    assert p.author == Pseudonymizer(KEY)("12345")


def test_repost_may_have_empty_or_missing_text(parser):
    p = parser.parse(line(text="", repost_of="p0"))
    assert isinstance(p, Post) and p.text == "" and p.repost_of == "p0"
    p = parser.parse(line(text=..., repost_of="p0"))
    assert isinstance(p, Post) and p.text == ""


def test_format_time():
    assert format_time(1351382403) == "2012-10-28T00:00:03Z"
    assert format_time(1351382403.5) == "2012-10-28T00:00:03.500Z"
    assert format_time(1351382403.9999) == "2012-10-28T00:00:03.999Z"   # (down to the millisecond, as alerts)
    assert format_time(1351382403.001) == "2012-10-28T00:00:03.001Z"


def test_to_json_roundtrip_time(parser):
    p = parser.parse(line(created_at="2024-05-20T20:00:00.125+08:00"))
    again = parser.parse(orjson.dumps(p.to_json()))
    assert again.t == p.t == 1716206400.125


# -- every reason ---------------------------------------------------------------

REASON_EXAMPLES = [
    ("invalid_utf8", b'{"id":"1","text":"\xff\xfe","created_at":1351382403}'),
    ("invalid_utf8", b'{"id":"1","text":"\\ud800","created_at":1351382403}'),
    ("invalid_utf8", '{"id":"1","text":"\ud800","created_at":1351382403}'),
    ("invalid_json", b'{"id":"1","text":'),
    ("invalid_json", b"NaN"),
    ("invalid_json", b""),
    ("not_an_object", b"[1,2]"),
    ("not_an_object", b'"just a string"'),
    ("not_an_object", b"null"),
    ("missing_field", b'{"text":"x","created_at":1351382403}'),
    ("missing_field", b'{"id":"","text":"x","created_at":1351382403}'),
    ("missing_field", b'{"id":"1","created_at":1351382403}'),
    ("missing_field", b'{"id":"1","text":"x"}'),
    ("missing_field", b'{"id":"1","text":"x","created_at":null}'),
    ("wrong_type", b'{"id":1,"text":"x","created_at":1351382403}'),
    ("wrong_type", b'{"id":"1","text":5,"created_at":1351382403}'),
    ("wrong_type", b'{"id":"1","text":"x","created_at":true}'),
    ("wrong_type", b'{"id":"1","text":"x","created_at":[2012]}'),
    ("wrong_type", b'{"id":"1","text":"x","created_at":1351382403,"author":1.5}'),
    ("wrong_type", b'{"id":"1","text":"x","created_at":1351382403,"author":false}'),
    ("wrong_type", b'{"id":"1","text":"x","created_at":1351382403,"repost_of":42}'),
    ("wrong_type", b'{"id":"1","text":"x","created_at":1351382403,"lang":["zh"]}'),
    ("empty_text", b'{"id":"1","text":"","created_at":1351382403}'),
    ("empty_text", b'{"id":"1","text":" \\n\\t","created_at":1351382403}'),
    ("text_too_long", orjson.dumps({"id": "1", "text": "字" * 10_001, "created_at": 1351382403})),
    ("line_too_long", b'{"id":"1","text":"' + b"a" * 262_144 + b'","created_at":1351382403}'),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"yesterday"}'),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"2012-10-28"}'),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"2012-10-28T00:00:03"}'),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"2012-13-28T00:00:03Z"}'),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"20121028T000003Z"}'),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"Sun Oct 28 00:00:03 +0000 2012"}'),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"1351382403"}'),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"2012-10-28T00:00:03+0800"}'),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"2012-10-28T00:00:03+25:00"}'),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"2012-10-28T00:00:03+08:00Z"}'),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"2012-10-28T24:00:00Z"}'),
    ("timestamp_out_of_range", b'{"id":"1","text":"x","created_at":"1999-12-31T23:59:59Z"}'),
    ("timestamp_out_of_range", b'{"id":"1","text":"x","created_at":"2101-01-01T00:00:00Z"}'),
    ("timestamp_out_of_range", b'{"id":"1","text":"x","created_at":1700000000000}'),
    ("timestamp_out_of_range", b'{"id":"1","text":"x","created_at":-5}'),
    ("timestamp_out_of_range", b'{"id":"1","text":"x","created_at":123456789012345678901234567890}'),
    ("id_too_long", orjson.dumps({"id": "x" * 257, "text": "x", "created_at": 1351382403})),
    ("id_too_long", orjson.dumps({"id": "1", "text": "", "repost_of": "x" * 257, "created_at": 1351382403})),
    ("label_too_long", orjson.dumps({"id": "1", "text": "x", "created_at": 1351382403, "source": "s" * 101})),
    ("label_too_long", orjson.dumps({"id": "1", "text": "x", "created_at": 1351382403, "lang": "l" * 101})),
    ("label_too_long", orjson.dumps({"id": "1", "text": "x", "created_at": 1351382403, "region": "r" * 101})),
    ("bad_timestamp", b'{"id":"1","text":"x","created_at":"2012-10-28T00:00:03\\u0000Z"}'),
]


@pytest.mark.parametrize("reason, raw", REASON_EXAMPLES)
def test_reject_reasons(parser, reason, raw):
    r = reject(parser, raw)
    assert r.reason == reason, r
    assert len(r.excerpt) <= 300


def test_every_reason_has_an_example():
    assert {r for r, _ in REASON_EXAMPLES} == REASONS


def test_details_name_the_field(parser):
    assert "created_at" in reject(parser, b'{"id":"1","text":"x"}').detail
    d = reject(parser, b'{"id":"1","text":"x","created_at":true}').detail
    assert "created_at" in d and "bool" in d
    assert "author" in reject(parser, line(author=[1])).detail


def test_configurable_limits():
    p = PostParser(pseudonymizer=Pseudonymizer(KEY), max_text_chars=5, max_line_bytes=200,
                   min_year=2010, max_year=2011)
    assert p.parse(line(text="123456")).reason == "text_too_long"
    assert p.parse(line(text="x" * 300)).reason == "line_too_long"
    assert p.parse(line(text="hi")).reason == "timestamp_out_of_range"  # 2012
    assert isinstance(p.parse(line(created_at="2011-12-31T23:59:59Z", text="12345")), Post)


def test_boundary_years(parser):
    assert isinstance(parser.parse(line(created_at="2000-01-01T00:00:00Z")), Post)
    assert isinstance(parser.parse(line(created_at="2100-12-31T23:59:59Z")), Post)
    # offset moves the instant before 2000-01-01Z
    assert parser.parse(line(created_at="2000-01-01T07:00:00+08:00")).reason == "timestamp_out_of_range"


@pytest.mark.parametrize("raw", [None, 10**12, 1.5, ["x"], {"id": "1"}])
def test_non_bytes_input_is_rejected_not_raised(parser, raw):
    assert parser.parse(raw).reason == "invalid_json"


def test_long_str_input_is_rejected_before_encoding():
    p = PostParser(pseudonymizer=Pseudonymizer(KEY), max_line_bytes=100)
    assert p.parse("x" * 101).reason == "line_too_long"
    assert p.parse(line(text="字" * 30).decode()).reason == "line_too_long"  # 90+ bytes of text


def test_reject_excerpt_is_bounded_and_json_safe(parser):
    r = reject(parser, b'{"id":"1","text":"' + "字".encode() * 5000 + b"\xff")
    assert len(r.excerpt) <= 300 and r.excerpt.startswith('{"id": "1", "text": "字字')
    j = r.to_json(source="a.jsonl", line_no=3, offset=10)
    assert j == {"reason": r.reason, "detail": r.detail, "excerpt": r.excerpt,
                 "source": "a.jsonl", "line_no": 3, "offset": 10}
    orjson.dumps(j)
    r = reject(parser, "\ud800 lone surrogate")
    orjson.dumps(r.to_json())  # the excerpt was sanitised


# -- pseudonymisation -----------------------------------------------------------

def test_pseudonym_properties():
    a, b = Pseudonymizer(b"key-a"), Pseudonymizer(b"key-b")
    pa = a("alice")
    assert pa != "alice" and len(pa) == 16 and int(pa, 16) >= 0
    assert a("alice") == pa == Pseudonymizer(b"key-a")("alice")  # stable for a key
    assert b("alice") != pa  # differs across keys
    assert a("bob") != pa
    assert "key-a" not in repr(a)


def test_pseudonym_cache_is_bounded():
    p = Pseudonymizer(b"k", max_cache=10)
    first = p("u0")
    for i in range(100):
        p(f"u{i}")
    assert len(p._cache) <= 10
    assert p("u0") == first


def test_from_env_uses_the_variable():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = Pseudonymizer.from_env({"GROUNDSWELL_PSEUDONYM_KEY": "s3cret"})
    assert not p.using_default_key
    assert p("alice") == Pseudonymizer(b"s3cret")("alice")


def test_from_env_default_key_warns():
    with pytest.warns(DefaultKeyWarning, match="default"):
        p = Pseudonymizer.from_env({})
    assert p.using_default_key
    assert p("alice") == Pseudonymizer(DEFAULT_KEY)("alice")
    with pytest.warns(DefaultKeyWarning):
        Pseudonymizer.from_env({"GROUNDSWELL_PSEUDONYM_KEY": ""})


def test_bad_key_rejected():
    with pytest.raises(ValueError):
        Pseudonymizer(b"")
    assert len(Pseudonymizer(b"k" * 200)("a")) == 16  # long keys are hashed down


# -- property tests: parse never raises ------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
any_value = json_values | st.integers(min_value=-(10**30), max_value=10**30)
FIELDS = ["id", "text", "created_at", "author", "source", "lang", "region", "url", "repost_of"]


def check(parser: PostParser, raw) -> None:
    r = parser.parse(raw)
    assert isinstance(r, (Post, Reject))
    if isinstance(r, Reject):
        assert r.reason in REASONS and isinstance(r.detail, str) and r.detail
        assert isinstance(r.excerpt, str) and len(r.excerpt) <= 300
        orjson.dumps(r.to_json())
    else:
        assert r.id and math.isfinite(r.t)
        assert r.text or r.repost_of
        orjson.dumps(r.to_json())


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=400))
def test_never_raises_on_bytes(parser, raw):
    check(parser, raw)


@SETTINGS
@given(st.text(max_size=400))
def test_never_raises_on_text(parser, raw):
    check(parser, raw)
    check(parser, raw.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(json_values)
def test_never_raises_on_json_values(parser, value):
    check(parser, _dumps(value))


@SETTINGS
@given(st.fixed_dictionaries({}, optional={f: any_value for f in FIELDS}))
def test_never_raises_on_right_keys_wrong_types(parser, d):
    check(parser, _dumps(d))


@SETTINGS
@given(
    st.fixed_dictionaries(
        {"id": st.text(min_size=1, max_size=20), "text": st.text(min_size=1),
         "created_at": st.integers(946684800, 4102444799) | st.datetimes().map(lambda d: d.isoformat() + "Z")},
        optional={"author": st.text() | st.integers(0, 10**12), "lang": st.text(max_size=5)},
    )
)
def test_mostly_valid_dicts(parser, d):
    check(parser, _dumps(d))


def _dumps(d) -> str:
    """json.dumps keeps big ints and lone surrogates, unlike orjson."""
    import json

    return json.dumps(d, ensure_ascii=False)


# -- iter_lines -------------------------------------------------------------------

def test_iter_lines_plain_and_gz(tmp_path, parser):
    good = line()
    bad = b'{"id":"2","text":"caf\xe9","created_at":1351382403}'  # latin-1, invalid UTF-8
    content = good + b"\n\n   \n" + bad + b"\r\n" + good
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(content)
    gz = tmp_path / "b.jsonl.gz"
    with gzip.open(gz, "wb") as f:
        f.write(content + b"\n")
    counter = ByteCounter()
    got = list(iter_lines([str(plain), str(gz)], counter=counter))
    assert [(s, n) for s, n, _ in got] == [
        (str(plain), 1), (str(plain), 4), (str(plain), 5),
        (str(gz), 1), (str(gz), 4), (str(gz), 5),
    ]
    assert got[1][2] == bad and got[0][2] == good
    assert parser.parse(got[1][2]).reason == "invalid_utf8"
    assert isinstance(parser.parse(got[2][2]), Post)
    total = total_bytes([str(plain), str(gz)])
    assert total == plain.stat().st_size + gz.stat().st_size
    assert counter.position == total


def test_iter_lines_overlong_line_is_cut(tmp_path, parser):
    f = tmp_path / "long.jsonl"
    f.write_bytes(line(text="a" * 5000) + b"\r\n" + line() + b"\n")
    got = list(iter_lines([str(f)], max_line_bytes=1000))
    assert [n for _, n, _ in got] == [1, 2]
    assert 1000 < len(got[0][2]) <= 1002
    small = PostParser(pseudonymizer=Pseudonymizer(KEY), max_line_bytes=1000)
    assert small.parse(got[0][2]).reason == "line_too_long"
    assert isinstance(small.parse(got[1][2]), Post)
    # exactly at the cap (with CRLF) is kept whole
    exact = b"x" * 1000
    f.write_bytes(exact + b"\r\n")
    assert list(iter_lines([str(f)], max_line_bytes=1000)) == [(str(f), 1, exact)]


def test_iter_lines_stdin(monkeypatch):
    class FakeStdin:
        buffer = io.BytesIO(b'{"a":1}\n\n\xff\n')

    monkeypatch.setattr(sys, "stdin", FakeStdin)
    assert list(iter_lines(["-"])) == [("<stdin>", 1, b'{"a":1}'), ("<stdin>", 3, b"\xff")]
    assert total_bytes(["-"]) is None
