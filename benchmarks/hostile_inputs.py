"""Hostile inputs: generate files an attacker (or a broken feed) would send, run each through `groundswell` as an
operator would, and count what happened.

    .venv/bin/python benchmarks/hostile_inputs.py                       # this checkout
    .venv/bin/python benchmarks/hostile_inputs.py --python OTHER/.venv/bin/python   # another checkout's code

Post files go through ``groundswell run FILE --alerts-out --assignments-out --rejects-out`` in a child process
(memory capped with RLIMIT_AS, a timeout), timed line by line; config files through ``groundswell check`` and, when
`check` accepts one, ``groundswell run --config`` / ``--alerting`` on a small stream (a config that passes `check`
must not crash `run`). Per kind and in total it prints: lines tried, posts accepted, lines rejected with a reason,
crashes (a non-zero exit other than 2 on a config, a traceback, a timeout or a kill), the slowest post (one call of
the runner's ``process_line``), the peak RSS of the child, and whether the clear author id written in the hostile
lines (``clear-author-...``) appears in any output file or on stderr ("author leaks").

Only files it generates are used (nothing from ../shared). Seeded: the same files every time.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

T0 = 1_772_409_600          # 2026-03-02T00:00:00Z
AUTHOR = "clear-author-"     # every hostile line that has an author uses this prefix: it must never be written out
MEM_LIMIT = 3 << 30          # per child process (RLIMIT_AS)
TIMEOUT_S = 180

# the child: time every process_line call, then run the CLI as an operator would
HARNESS = r"""
import json, sys, time
from groundswell.streams import embedded
slowest = [0.0, 0]
calls = [0]
orig = embedded.EmbeddedRunner.process_line
def timed(self, raw, source="-", line_no=0):
    t0 = time.perf_counter()
    try:
        return orig(self, raw, source, line_no)
    finally:
        dt = time.perf_counter() - t0
        calls[0] += 1
        if dt > slowest[0]:
            slowest[0], slowest[1] = dt, line_no
# warm up first (tokenizer dictionaries, word lists, a detector): the slowest post is then a post's own cost
from groundswell.config.schema import load_config
from groundswell.streams.pseudonym import Pseudonymizer
warm = embedded.EmbeddedRunner(load_config(None), pseudonymizer=Pseudonymizer(b"warm-up-key-0123456789abcdef0123"))
for i in range(5):
    orig(warm, json.dumps({"id": f"w{i}", "text": "warm up 暖场 post", "created_at": 1772409600 + i}))
warm.finish()
embedded.EmbeddedRunner.process_line = timed
from groundswell.streams.cli import main
try:
    rc = main(sys.argv[1:])
except SystemExit as e:
    rc = e.code if isinstance(e.code, int) else 2
print("HARNESS " + json.dumps({"rc": rc, "slowest_s": slowest[0], "slowest_line": slowest[1], "calls": calls[0]}),
      file=sys.stderr, flush=True)
sys.exit(rc if isinstance(rc, int) else 0)
"""


# ----------------------------------------------------------------------------------------------- generators
def j(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def good(i: int, t: float | None = None, **kw) -> bytes:
    return j({"id": f"ok{i}", "text": f"harbour road bridge traffic update {i % 17}", "author": f"u{i % 89}",
              "created_at": T0 + 30 * i if t is None else t, **kw})


def k_invalid_utf8(rng):
    return [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))).replace(b"\n", b"") or b"\xff"
            for _ in range(800)] + [b'{"id": "u1", "author": "' + AUTHOR.encode() + b'1", "text": "\xff\xfe\xfd"}']


def k_invalid_json(rng):
    a = AUTHOR
    return [f'{{"id": "j{i}", "author": "{a}{i}", "text": "cut off'.encode() for i in range(300)] + \
           [f"{{'id': 'q{i}', 'author': '{a}{i}'}}".encode() for i in range(300)] + \
           [f'{{"id": "c{i}", "author": "{a}{i}",}}'.encode() for i in range(300)] + [b"{", b"}", b"nul", b"tru"]


def k_not_object(rng):
    return [j(v) for v in ([AUTHOR + "x", 1, 2], "just a string " + AUTHOR, 12, 1.5, None, True, [], [[[]]])] * 100


def k_missing_fields(rng):
    return [j({"text": "no id", "author": AUTHOR + str(i), "created_at": T0}) for i in range(200)] + \
           [j({"id": f"m{i}", "author": AUTHOR + str(i), "created_at": T0}) for i in range(200)] + \
           [j({"id": f"n{i}", "text": "no time", "author": AUTHOR + str(i)}) for i in range(200)]


def k_wrong_types(rng):
    vals = [1, 1.5, True, [1], {"a": AUTHOR}, None]
    out = []
    for i in range(600):
        field_ = rng.choice(["id", "text", "author", "source", "lang", "region", "url", "repost_of", "created_at"])
        d = {"id": f"w{i}", "text": "x", "author": AUTHOR + str(i), "created_at": T0}
        d[field_] = rng.choice(vals) if field_ != "author" else {"name": AUTHOR + str(i)}
        out.append(j(d))
    return out


def k_empty_text(rng):
    return [j({"id": f"e{i}", "text": t, "author": AUTHOR + str(i), "created_at": T0})
            for i, t in enumerate(["", " ", "\t\n", "\u3000 ", "   "] * 100)]


def k_text_too_long(rng):
    return [j({"id": f"t{i}", "text": "长" * 20_000, "author": AUTHOR + str(i), "created_at": T0}) for i in range(50)]


def k_line_too_long(rng):
    return [j({"id": f"l{i}", "text": "x", "author": AUTHOR + str(i), "created_at": T0, "pad": "p" * 300_000})
            for i in range(10)] + [j({"id": "big", "author": AUTHOR, "pad": "p" * 5_000_000})]


def k_bad_timestamps(rng):
    ts = ["２０２６-03-02T00:00:00Z", "2026-03-02T00:00:00²", "2026-03-02T00:00:00\u0000Z", "2026-03-02T24:60:00Z",
          "2026-03-02T00:00:00+0800", "2026-03-02T00:00:00+08:00Z", "yesterday", "1772409600", "", "2026-02-30T00:00:00Z",
          "2026-03-02T00:00:00.5\u0000Z", "2026-03-02T00:00:00+99:99", "\u0660" * 20]
    return [j({"id": f"b{i}", "text": "x", "author": AUTHOR + str(i), "created_at": t}) for i, t in
            enumerate(ts * 40)]


def k_timestamp_range(rng):
    vals = ["1999-12-31T23:59:59Z", "2101-01-01T00:00:00Z", 1_772_409_600_000, -5, 1e30, 0]
    return [j({"id": f"r{i}", "text": "x", "author": AUTHOR + str(i), "created_at": v}) for i, v in
            enumerate(vals * 80)]


def k_id_too_long(rng):
    return [j({"id": "i" * (257 + i), "text": "x", "author": AUTHOR + str(i), "created_at": T0}) for i in range(200)]


def k_deep_nesting(rng):
    return [b'{"id": "d1", "author": "' + AUTHOR.encode() + b'", "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            b"[" * 200_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000] * 5


def k_huge_numbers(rng):
    return [b'{"id": "h1", "text": "x", "created_at": ' + b"9" * 5000 + b"}",
            b'{"id": "h2", "text": "x", "created_at": 1e400}', b'{"id": "h3", "text": "x", "created_at": -1e400}',
            b'{"id": "h4", "text": "x", "created_at": NaN}', b'{"id": 1' + b"0" * 400 + b', "text": "x"}'] * 40


def k_lone_surrogates(rng):
    return [b'{"id": "s1", "text": "\\ud800 lone", "author": "' + AUTHOR.encode() + b'", "created_at": 1772409600}',
            b'{"id": "s2\\udfff", "text": "x", "created_at": 1772409600}',
            b'{"id": "s3", "text": "ok", "author": "\\ud83d", "created_at": 1772409600}'] * 100


def k_regex_bombs(rng):
    texts = ["@ rt" + " " * 9990 + "x", "a." * 4999 + "/", "<a " * 3300, "#" * 9999, "@a" * 4999, "http://" + "a" * 9990,
             "[" * 9999, "rt:" + "\t" * 9990 + "y", "#a" * 4999 + "#", "a-" * 4999, "//@" * 3333, "&amp;" * 1999]
    return [j({"id": f"x{i}", "text": t, "author": f"u{i}", "created_at": T0 + i}) for i, t in enumerate(texts * 5)]


def k_future_post(rng):
    return [good(i) for i in range(50)] + [j({"id": "from-2099", "text": "bridge", "author": AUTHOR + "f",
                                             "created_at": "2099-06-01T00:00:00Z"})] + \
        [good(i) for i in range(50, 1050)]


def k_duplicate_ids(rng):
    return [good(i) for i in range(300)] + [good(i, t=T0 + 30 * (300 + i), author=AUTHOR + str(i))
                                             for i in range(100)]


def k_huge_labels(rng):
    big = "L" * 60_000
    return [good(i, source=big, region=big, lang=big) for i in range(100)] + [good(i) for i in range(100, 200)]


def k_control_chars(rng):
    texts = ["a\u0000b", "\ufeffbom", "x\u2028y", "x\u2029y", "x\u0085y", "x\x0by", "\u200b" * 500, "😀" * 3000,
             "\u202e reversed", "x\ry"]
    return [b"\xef\xbb\xbf" + good(0)] + [j({"id": f"c{i}", "text": t, "author": f"u{i}", "created_at": T0 + i})
                                          for i, t in enumerate(texts * 20)] + [b"", b"   ", b"\t"] * 10


def k_many_small(rng):
    return [b"{}"] * 100_000


def k_authors_everywhere(rng):
    a = AUTHOR
    return [j({"id": f"p{i}", "text": "x", "created_at": "bad", "author": a + str(i),
               "user": {"screen_name": a + str(i), "id": i}}) for i in range(300)] + \
        [f'{{"\\u0061uthor": "{a}{i}", "id": "e{i}", "created_at": "x"}}'.encode() for i in range(300)]


POSTS = {
    "invalid_utf8": k_invalid_utf8, "invalid_json": k_invalid_json, "not_an_object": k_not_object,
    "missing_fields": k_missing_fields, "wrong_types": k_wrong_types, "empty_text": k_empty_text,
    "text_too_long": k_text_too_long, "line_too_long": k_line_too_long, "bad_timestamps": k_bad_timestamps,
    "timestamp_out_of_range": k_timestamp_range, "id_too_long": k_id_too_long, "deep_nesting": k_deep_nesting,
    "huge_numbers": k_huge_numbers, "lone_surrogates": k_lone_surrogates, "regex_bombs": k_regex_bombs,
    "future_post": k_future_post, "duplicate_ids": k_duplicate_ids, "huge_labels": k_huge_labels,
    "control_chars": k_control_chars, "many_small_lines": k_many_small, "authors_everywhere": k_authors_everywhere,
}


def gz_kinds(rng) -> dict[str, bytes]:
    body = b"".join(good(i) + b"\n" for i in range(3000))
    z = gzip.compress(body)
    crc = bytearray(z)
    crc[-8:-4] = struct.pack("<I", (struct.unpack("<I", bytes(crc[-8:-4]))[0] + 1) & 0xFFFFFFFF)
    mid = bytearray(gzip.compress(body, compresslevel=1))
    for i in range(len(mid) // 2, len(mid) // 2 + 64):
        mid[i] ^= 0xA5
    return {"gz_truncated": z[: len(z) * 2 // 3], "gz_bad_crc": bytes(crc), "gz_trailing_garbage": z + b"garbage" * 20,
            "gz_not_gzip": body, "gz_corrupt_middle": bytes(mid)}


def bomb(levels: int, leaf: str) -> str:
    lines = [f"a0: &a0 [{', '.join([leaf] * 9)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


CONFIGS = {   # name -> (check kind, text)
    "cfg_alias_bomb": ("detector", bomb(7, "en") + "clustering: {everyday_languages: *a6}\n"),
    "cfg_deep_nesting": ("detector", "burst: " + "[" * 3000 + "]" * 3000 + "\n"),
    "cfg_inf_window": ("detector", "burst: {window_s: .inf}\n"),
    "cfg_huge_interval": ("detector", "burst: {interval_s: 1.0e+18, window_s: 1.0e+20}\n"),
    "cfg_year_9999": ("detector", "input: {max_year: 9999}\n"),
    "cfg_bool_as_int": ("detector", "text: {max_tokens: true}\n"),
    "cfg_duplicate_keys": ("detector", "burst:\n  window_s: 600\n  window_s: 7200\n"),
    "alerting_path_escape": ("alerting", "route: {receiver: f}\nreceivers: [{name: f, type: file, "
                                         "path: ../../escaped.jsonl}]\n"),
    "alerting_alias_bomb": ("alerting", bomb(6, '"a=b"') + "route: {receiver: f}\nreceivers: [{name: f, type: file, "
                            "path: x}]\ninhibit_rules: [{source_matchers: *a5, target_matchers: [a=b]}]\n"),
    "alerting_inf_timeout": ("alerting", "route: {receiver: f}\nreceivers: [{name: f, type: file, path: x}]\n"
                                         "delivery: {timeout_s: .inf}\n"),
    "kafka_deep_nesting": ("kafka", "topics: " + "[" * 3000 + "]" * 3000 + "\n"),
}


# ----------------------------------------------------------------------------------------------- running
@dataclass
class Result:
    kind: str
    lines: int = 0
    accepted: int = 0
    rejected: int = 0
    crashes: int = 0
    slowest_s: float = 0.0
    rss_mb: float = 0.0
    seconds: float = 0.0
    leaks: int = 0
    notes: list[str] = field(default_factory=list)


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEM_LIMIT, MEM_LIMIT))


def run_child(argv: list[str], cwd: Path, env: dict) -> tuple[int | None, str, float, float]:
    """(exit code or None on timeout, stderr, seconds, peak RSS in MB) of one child process."""
    t0 = time.perf_counter()
    err_path = cwd / f"stderr-{time.monotonic_ns()}.txt"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=_limit)
        deadline = time.monotonic() + TIMEOUT_S
        status = rusage = None
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                _, status, rusage = os.wait4(proc.pid, 0)
                status = None
                break
            time.sleep(0.02)
    proc.returncode = 0           # reaped above; keep Popen from waiting again
    rc = None if status is None else (os.waitstatus_to_exitcode(status))
    return rc, err_path.read_text(errors="replace"), time.perf_counter() - t0, rusage.ru_maxrss / 1024


def _harness(py: str, args: list[str]) -> list[str]:
    return [py, "-c", HARNESS, *args]


def run_posts(py: str, kind: str, path: Path, lines: int, work: Path, env: dict) -> Result:
    r = Result(kind, lines=lines)
    out = {k: work / f"{kind}-{k}.jsonl" for k in ("alerts", "assignments", "rejects")}
    rc, err, r.seconds, r.rss_mb = run_child(_harness(py, [
        "run", str(path), "--alerts-out", str(out["alerts"]), "--assignments-out", str(out["assignments"]),
        "--rejects-out", str(out["rejects"]), "--no-progress"]), work, env)
    stats = {}
    for line in err.splitlines():
        if line.startswith("HARNESS "):
            stats = json.loads(line[8:])
    if rc != 0 or "Traceback" in err or not stats:
        r.crashes = 1
        r.notes.append(f"exit {rc}" if rc is not None else f"timeout {TIMEOUT_S}s")
        tail = [x for x in err.splitlines() if x and not x.startswith("HARNESS")][-1:]
        r.notes += [t[:100] for t in tail]
    r.slowest_s = stats.get("slowest_s", 0.0)
    r.accepted = len({json.loads(x)["post_id"] for x in _lines(out["assignments"])})
    r.rejected = sum(1 for x in _lines(out["rejects"]) if json.loads(x).get("reason"))
    leaked = [p for p in out.values() if p.exists() and AUTHOR.encode() in p.read_bytes()]
    r.leaks = len(leaked) + (AUTHOR in err)
    return r


def _lines(path: Path) -> list[bytes]:
    return [x for x in path.read_bytes().split(b"\n") if x.strip()] if path.exists() else []


def run_config(py: str, kind: str, check: str, path: Path, small: Path, work: Path, env: dict) -> Result:
    r = Result(kind, lines=1)
    rc, err, r.seconds, r.rss_mb = run_child([py, "-m", "groundswell.streams.cli", "check", check, str(path)],
                                            work, env)
    if rc == 2 and "Traceback" not in err:
        r.rejected = 1
        if len(err) > 10_000:
            r.notes.append(f"a {len(err):,}-char error")
    elif rc == 0:
        # check accepted it: run must then work with it too
        flag = {"detector": "--config", "alerting": "--alerting"}.get(check)
        if flag:
            rc2, err2, s2, rss2 = run_child([py, "-m", "groundswell.streams.cli", "run", str(small), flag, str(path),
                                             "--alerts-out", str(work / f"{kind}-alerts.jsonl"), "--no-progress"],
                                            work, env)
            r.seconds += s2
            r.rss_mb = max(r.rss_mb, rss2)
            if rc2 != 0 or "Traceback" in err2:
                r.crashes = 1
                r.notes.append(f"check ok, run exit {rc2}")
            else:
                r.accepted = 1
                r.notes.append("accepted by check and run")
        else:
            r.accepted = 1
            r.notes.append("accepted by check")
        if any(p.name == "escaped.jsonl" for p in work.parent.rglob("escaped.jsonl")
               if work not in p.parents):
            r.notes.append("wrote outside the outbox")
    else:
        r.crashes = 1
        r.notes.append(f"check exit {rc}" if rc is not None else f"timeout {TIMEOUT_S}s")
        r.notes += [t[:100] for t in [x for x in err.splitlines() if x][-1:]]
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", default=sys.executable, help="interpreter whose `groundswell` is tested")
    ap.add_argument("--keep", help="keep the generated files and outputs in this folder")
    ap.add_argument("--only", nargs="*", help="run only these kinds")
    a = ap.parse_args()
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(17)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROUNDSWELL_")}
    env["GROUNDSWELL_PSEUDONYM_KEY"] = "hostile-inputs-benchmark-key-0123456789"
    env["PYTHONWARNINGS"] = "ignore"
    code = subprocess.run([a.python, "-c", "import groundswell.streams, os; print(os.path.dirname("
                           "os.path.dirname(groundswell.streams.__file__)))"], capture_output=True, text=True).stdout
    print(f"code under test: {code.strip()} ({a.python})")
    small = work / "small.jsonl"
    small.write_bytes(b"".join(good(i) + b"\n" for i in range(200)))

    results: list[Result] = []
    for kind, gen in POSTS.items():
        if a.only and kind not in a.only:
            continue
        lines = gen(rng)
        path = work / f"{kind}.jsonl"
        path.write_bytes(b"".join(x + b"\n" for x in lines))
        results.append(run_posts(a.python, kind, path, sum(1 for x in lines if x.strip()), work, env))
        _print(results[-1])
    for kind, data in gz_kinds(rng).items():
        if a.only and kind not in a.only:
            continue
        path = work / f"{kind}.jsonl.gz"
        path.write_bytes(data)
        results.append(run_posts(a.python, kind, path, 3000, work, env))
        _print(results[-1])
    for kind, (check, text) in CONFIGS.items():
        if a.only and kind not in a.only:
            continue
        sub = work / "cfg" / kind / "outbox"       # its own folder: a path that escapes lands in cfg/<kind>/
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"{kind}.yaml"
        path.write_text(text)
        results.append(run_config(a.python, kind, check, path, small, sub, env))
        _print(results[-1])

    tot = Result("TOTAL")
    for r in results:
        tot.lines += r.lines
        tot.accepted += r.accepted
        tot.rejected += r.rejected
        tot.crashes += r.crashes
        tot.leaks += r.leaks
        tot.seconds += r.seconds
        tot.rss_mb = max(tot.rss_mb, r.rss_mb)
        if r.slowest_s > tot.slowest_s:
            tot.slowest_s, slow_kind = r.slowest_s, r.kind
    print("-" * 120)
    _print(tot)
    print(f"\n{len(results)} kinds of hostile files; lines tried {tot.lines:,}; accepted {tot.accepted:,}; rejected "
          f"with a reason {tot.rejected:,}; crashes {tot.crashes}; slowest post {tot.slowest_s * 1000:.1f} ms "
          f"({slow_kind if tot.slowest_s else '-'}); peak RSS {tot.rss_mb:.0f} MB; author leaks {tot.leaks}")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _print(r: Result) -> None:
    if not getattr(_print, "head", False):
        _print.head = True
        print(f"{'kind':<24}{'lines':>9}{'accepted':>9}{'rejected':>9}{'crash':>6}{'slowest ms':>11}"
              f"{'RSS MB':>8}{'secs':>7}{'leaks':>6}  notes")
    print(f"{r.kind:<24}{r.lines:>9,}{r.accepted:>9,}{r.rejected:>9,}{r.crashes:>6}{r.slowest_s * 1000:>11.1f}"
          f"{r.rss_mb:>8.0f}{r.seconds:>7.1f}{r.leaks:>6}  {'; '.join(r.notes)[:90]}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
