"""Finding 2: raw author ids on disk. A reject kept the raw input line (and a late reject the post with its
pseudonym, recomputable with the public default key). Rejects now keep a reason, a detail, the line number and a
bounded excerpt in which no author value appears, whatever the line looks like (the Kafka post-rejects topic:
test_kafka_hardening.py)."""
from __future__ import annotations

import orjson

from groundswell.streams.pseudonym import DEFAULT_KEY, Pseudonymizer
from tests.security.helpers import T0, read_jsonl, run_cli, write_lines

AUTHOR = "alice.clear.id.{}"


def hostile_lines_with_authors() -> list[bytes]:
    """Lines that are rejected for every reason the parser and the hosts have, each naming an author."""
    a = AUTHOR.format
    good = [orjson.dumps({"id": f"g{i}", "text": f"tram line {i % 3} delayed", "author": f"u{i}",
                          "created_at": T0 + 60 * i}) for i in range(40)]
    bad = [
        b'{"id": "j1", "author": "' + a(1).encode() + b'", "text": "broken',                       # invalid_json
        b'{"id": "j2", "author": "' + a(2).encode() + b'", "text": "\xff\xfe", "created_at": 1}',  # invalid_utf8
        b'["' + a(3).encode() + b'", "x"]',                                                        # not_an_object
        orjson.dumps({"author": a(4), "text": "no id", "created_at": T0}),                          # missing_field
        orjson.dumps({"id": "w5", "author": {"name": a(5)}, "text": "x", "created_at": T0}),        # wrong_type
        orjson.dumps({"id": "w6", "author": a(6), "text": 7, "created_at": T0}),                    # wrong_type
        orjson.dumps({"id": "e7", "author": a(7), "text": "  ", "created_at": T0}),                 # empty_text
        orjson.dumps({"id": "t8", "author": a(8), "text": "x" * 20_000, "created_at": T0}),         # text_too_long
        orjson.dumps({"id": "l9", "author": a(9), "text": "x" * 300_000, "created_at": T0}),        # line_too_long
        orjson.dumps({"id": "b10", "author": a(10), "text": "x", "created_at": "yesterday"}),       # bad_timestamp
        orjson.dumps({"id": "r11", "author": a(11), "text": "x", "created_at": "1999-01-01T00:00:00Z"}),
        orjson.dumps({"id": "i" * 300, "author": a(12), "text": "x", "created_at": T0}),            # id_too_long
        orjson.dumps({"id": "u13", "user": {"screen_name": a(13)}, "text": "x", "created_at": "x"}),  # raw tweet
        b'{"\\u0061uthor": "' + a(14).encode() + b'", "id": "q14", "text": "x", "created_at": "x"}',  # escaped key
        b'{"id": "m15" "author": "' + a(15).encode() + b'" "text": "x"}',                          # no commas
    ]
    later = [orjson.dumps({"id": "late16", "author": a(16), "text": "tram line 1", "created_at": T0 - 7200}),
             orjson.dumps({"id": "g3", "author": a(17), "text": "tram line 0 again", "created_at": T0 + 2400})]
    return good[:20] + bad + good[20:] + later


def test_rejects_never_hold_an_author(tmp_path):
    posts = write_lines(tmp_path / "posts.jsonl", hostile_lines_with_authors())
    rc, out, err = run_cli(["run", str(posts), "--alerts-out", str(tmp_path / "alerts.jsonl"),
                            "--assignments-out", str(tmp_path / "assignments.jsonl"),
                            "--rejects-out", str(tmp_path / "rejects.jsonl"), "--no-progress"])
    assert rc == 0, err
    rejects = read_jsonl(tmp_path / "rejects.jsonl")
    assert len(rejects) >= 16, [r["reason"] for r in rejects]
    for r in rejects:
        assert r["reason"] and r["detail"] and isinstance(r.get("line_no"), int), r
        assert len(r.get("excerpt", "")) <= 300, r
        assert "raw" not in r, "the raw line is never kept"
    written = b"".join((tmp_path / f).read_bytes() for f in ("rejects.jsonl", "alerts.jsonl", "assignments.jsonl"))
    written += (out + err).encode()
    assert b"alice.clear.id" not in written
    # nor a pseudonym made with the public default key (anyone can recompute it from a guessed id)
    public = Pseudonymizer(DEFAULT_KEY)
    for i in range(1, 18):
        assert public(AUTHOR.format(i)).encode() not in written
