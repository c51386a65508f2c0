"""Finding 4: corrupt gzip stopped a run and lost its output (exit 1, a traceback, 0 output lines). Now the input is
rejected from the point it breaks (`corrupt_input`, with where and why), everything before is processed and
written, and the run exits 0 with the error reported."""
from __future__ import annotations

import gzip
import struct

import orjson
import pytest

from tests.security.helpers import T0, read_jsonl, run_cli


def _body(n: int = 3000) -> bytes:
    return b"".join(orjson.dumps({"id": f"p{i}", "text": f"storm warning harbour {i % 11} closed",
                                  "author": f"u{i % 50}", "created_at": T0 + 10 * i}) + b"\n" for i in range(n))


def truncated(body: bytes) -> bytes:
    z = gzip.compress(body)
    return z[: len(z) * 2 // 3]


def bad_crc(body: bytes) -> bytes:
    z = bytearray(gzip.compress(body))
    z[-8:-4] = struct.pack("<I", (struct.unpack("<I", bytes(z[-8:-4]))[0] + 1) & 0xFFFFFFFF)
    return bytes(z)


def trailing_garbage(body: bytes) -> bytes:
    return gzip.compress(body) + b"this is not a gzip member" * 10


def corrupt_middle(body: bytes) -> bytes:
    z = bytearray(gzip.compress(body, compresslevel=1))
    for i in range(len(z) // 2, len(z) // 2 + 64):
        z[i] ^= 0xA5
    return bytes(z)


def plain_named_gz(body: bytes) -> bytes:
    return body


@pytest.mark.parametrize("damage", [truncated, bad_crc, trailing_garbage, corrupt_middle, plain_named_gz],
                         ids=lambda f: f.__name__)
def test_corrupt_gzip_keeps_what_came_before_and_exits_0(tmp_path, damage):
    body = _body()
    bad = tmp_path / "broken.jsonl.gz"
    bad.write_bytes(damage(body))
    good = tmp_path / "after.jsonl"            # an input after the broken one is still read
    good.write_bytes(orjson.dumps({"id": "after-1", "text": "storm warning harbour", "created_at": T0 + 40_000})
                     + b"\n")
    rc, out, err = run_cli(["run", str(bad), str(good), "--alerts-out", str(tmp_path / "alerts.jsonl"),
                            "--assignments-out", str(tmp_path / "assignments.jsonl"),
                            "--rejects-out", str(tmp_path / "rejects.jsonl"), "--no-progress"])
    assert rc == 0, err
    rejects = read_jsonl(tmp_path / "rejects.jsonl")
    broken = [r for r in rejects if r["reason"] == "corrupt_input"]
    assert len(broken) == 1 and broken[0]["source"] == str(bad) and broken[0]["detail"], rejects
    assert "broken.jsonl.gz" in err and "skipped" in err          # reported, and the run went on
    assigned = {a["post_id"] for a in read_jsonl(tmp_path / "assignments.jsonl")}
    assert "after-1" in assigned
    if damage in (bad_crc, trailing_garbage):  # the data itself was whole: every line was used
        assert len(assigned) == 3001
    elif damage in (truncated, corrupt_middle):
        assert 500 <= len(assigned) < 3001, len(assigned)   # what came before the break was used
    assert broken[0]["line_no"] >= 1                             # where it broke (after the last line read)
