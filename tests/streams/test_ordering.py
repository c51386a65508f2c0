"""EventTimeMerger and Detection: the event-time order both hosts feed the detector in."""
from __future__ import annotations

import pickle
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.config.schema import load_config
from groundswell.streams.contract import Post
from groundswell.streams.detection import Detection, clean, shard_key
from groundswell.streams.ordering import LATE, EventTimeMerger


def test_doc_example_and_validation():
    with pytest.raises(ValueError):
        EventTimeMerger(sources=0)
    with pytest.raises(ValueError):
        EventTimeMerger(reorder_s=-1)


def test_single_source_releases_in_time_then_id_order_after_reorder_window():
    m = EventTimeMerger(sources=1, reorder_s=10)
    assert m.offer(0, 100.0, "b", "b") == []
    assert m.offer(0, 100.0, "a", "a") == []          # same second: id decides
    assert m.offer(0, 105.0, "c", "c") == []          # 105 - 10 = 95: nothing before it yet
    out = m.offer(0, 111.0, "d", "d")                 # watermark 101: both posts at 100 go, in id order
    assert [x for *_, x in out] == ["a", "b"]
    assert m.offer(0, 99.0, "z", "z") is LATE          # older than what was released
    assert m.late == 1
    assert [x for *_, x in m.flush()] == ["c", "d"]


def test_slowest_source_holds_back_and_idle_source_stops_holding():
    m = EventTimeMerger(sources=3, reorder_s=0)
    m.offer(0, 50.0, "a", "a")
    m.offer(1, 60.0, "b", "b")
    assert len(m) == 2                                # source 2 has said nothing
    assert m.mark(2, 55.0) == []                      # sources at 50, 60, 55: nothing before 50 held
    assert [x for *_, x in m.offer(0, 70.0, "c", "c")] == ["a"]    # min(70, 60, 55) = 55
    assert m.idle(2) == []                            # min(70, 60): b at 60 is not before 60
    assert not m.all_idle
    assert [x for *_, x in m.idle(0) + m.idle(1)] == ["b", "c"]    # all idle: everything goes
    assert m.all_idle and len(m) == 0
    assert m.offer(2, 65.0, "late", "x") is LATE
    assert m.offer(2, 75.0, "d", "d") == [] and not m.all_idle   # a source that sends is no longer idle


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 50)), min_size=1, max_size=60), st.integers(0, 10**6))
def test_any_interleaving_of_ordered_sources_gives_one_order(items, seed):
    """Sources each in time order, interleaved any way: the released order is always sorted (t, id)."""
    per_source = {s: sorted(t for s2, t in items if s2 == s) for s in range(3)}
    posts = [(s, float(t), f"{s}-{i}") for s, ts in per_source.items() for i, t in enumerate(ts)]
    rng = random.Random(seed)
    queues = {s: [p for p in posts if p[0] == s] for s in range(3)}
    m = EventTimeMerger(sources=3, reorder_s=0)
    released = []
    while any(queues.values()):
        s = rng.choice([k for k, q in queues.items() if q])
        src, t, key = queues[s].pop(0)
        r = m.offer(src, t, key, key)
        assert r is not LATE
        released += r
    for s in range(3):
        released += m.idle(s)
    assert [(t, k) for t, k, _ in released] == sorted((t, k) for _, t, k in posts)


def _posts(n, t0=1_772_409_600.0):
    return [Post(f"p{i:03d}", f"water supply cut in riverside district {i % 5}", t0 + 20 * i, author=f"a{i}")
            for i in range(n)]


def test_detection_skips_replayed_positions_and_pickles_midstream():
    config = load_config(None)
    tok = str.split
    d = Detection(config, sources=1)
    posts = [clean(p, tok, 64) for p in _posts(30)]
    out1 = []
    for i, p in enumerate(posts[:15]):
        out1 += d.offer(0, p, seq=i)
    assert d.offer(0, posts[3], seq=3) == [] and d.duplicates == 1     # a replay after an upstream crash
    d2 = pickle.loads(pickle.dumps(d))
    rest_a, rest_b = [], []
    for i, p in enumerate(posts[15:], start=15):
        rest_a += d.offer(0, p, seq=i)
        rest_b += d2.offer(0, p, seq=i)
    rest_a += d.finish()
    rest_b += d2.finish()
    assert rest_a == rest_b
    assigned = [v[0] for k, v in out1 + rest_a if k == "assignment"]
    assert sorted(set(assigned)) == [p["id"] for p in posts]


def test_clean_is_json_safe_and_keeps_what_alerts_quote():
    import orjson
    p = Post("x1", "长" * 500, 1_772_409_600.123456, author="h", lang="zh", region="r")
    c = clean(p, lambda s: list(s[:3]), 64)
    assert orjson.loads(orjson.dumps(c)) == c
    assert len(c["text"]) == 280 and c["terms"] == ["长"] * 3 and c["lang"] == "zh" and "source" not in c


def test_shard_keys():
    assert shard_key("none", {"lang": "zh"}) == ""
    assert shard_key("lang", {"lang": "zh"}) == "zh"
    assert shard_key("lang", {}) == "und"


def test_sharded_detection_keeps_issue_ids_apart():
    config = load_config(None, overrides={"sharding.by": "lang", "burst.warmup_s": 0})
    d = Detection(config)
    out = []
    for i, p in enumerate(_posts(40)):
        lang = "en" if i % 2 else "zh"
        out += d.offer(0, clean(Post(p.id, p.text, p.t, p.author, lang=lang), str.split, 64))
    out += d.finish()
    ids = {v[1] for k, v in out if k == "assignment" and v[1]}
    assert ids and all(i.startswith(("en-", "zh-")) for i in ids)
    assert set(d.detectors) == {"en", "zh"}


def test_after_a_pause_of_every_source_the_first_to_wake_does_not_set_the_pace_alone():
    m = EventTimeMerger(sources=2, reorder_s=0)
    m.offer(0, 10.0, "a", "a")
    m.offer(1, 11.0, "b", "b")
    assert [x for *_, x in m.idle(0) + m.idle(1)] == ["a", "b"]     # a pause: all released
    # source 0 is read first after the pause and runs far ahead; source 1's posts of the same stretch come later
    assert m.offer(0, 100.0, "c", "c") == [] and m.offer(0, 200.0, "d", "d") == []
    assert [x for *_, x in m.offer(1, 150.0, "e", "e")] == ["c"]     # not late: source 1 counted again
    # a source that stays silent after the pause is marked idle again by its host and stops holding back
    assert [x for *_, x in m.idle(1)] == ["e"]                        # up to source 0's newest (200)
    assert [x for *_, x in m.idle(0)] == ["d"]


def test_detection_coverage_tells_a_host_what_never_arrived():
    d = Detection(load_config(None), sources=2)
    posts = [clean(p, str.split, 64) for p in _posts(6)]
    assert d.covered(0) == -1
    d.offer(0, posts[0], seq=0)
    d.offer(0, posts[1], seq=1)
    d.cover(0, 3)                        # offsets 2 and 3 were rejected lines
    assert d.covered(0) == 3 and d.covered(1) == -1
    d.mark(0, posts[1]["t"], seq=5)      # a mark accounts for the offsets before it
    assert d.covered(0) == 5
    assert d.offer(0, posts[2], seq=4) == [] and d.duplicates == 1   # at or before what is covered: a replay


def test_sharded_replay_guard_is_per_shard():
    # one input batch becomes one message per shard: a source's posts of two shards can reach one instance out
    # of offset order (all zh, then all en), and none of them is a replay
    d = Detection(load_config(None, overrides={"sharding.by": "lang"}), sources=1)
    ps = _posts(6)
    by_lang = {"zh": [], "en": []}
    for i, p in enumerate(ps):
        lang = "zh" if i % 2 else "en"
        by_lang[lang].append((i, clean(Post(p.id, p.text, p.t, p.author, lang=lang), str.split, 64)))
    for lang in ("zh", "en"):
        for i, c in by_lang[lang]:
            d.offer(0, c, seq=i)
    assert d.duplicates == 0 and d.offered == 6


# ---------------------------------------------------------------- FutureGuard: posts dated far ahead

def test_future_guard_holds_a_gap_until_borne_out_and_rejects_a_lone_outlier():
    from groundswell.streams.ordering import FutureGuard
    g = FutureGuard(max_future_s=3600, window=5, warmup=3)
    used, future = [], []

    def offer(t, x):
        u, f = g.offer(0, t, x)
        used.extend(u)
        future.extend(f)

    for i in range(10):
        offer(1000.0 + i, f"a{i}")
    offer(1e9, "outlier")                      # far ahead: held
    offer(1011.0, "b")                         # the stream goes on: used at once, in order
    assert used[-1] == "b" and "outlier" not in used
    for i in range(4):
        offer(1012.0 + i, f"c{i}")
    assert future == ["outlier"]               # `window` newer posts and still ahead: rejected
    # a gap: the stream jumps two days ahead and stays there; held until the median catches up, then used in order
    for i in range(5):
        offer(200_000.0 + i, f"d{i}")
    assert used[-5:] == [f"d{i}" for i in range(5)] and future == ["outlier"]
    assert g.held == 0


def test_future_guard_warm_up_and_flush():
    from groundswell.streams.ordering import FutureGuard
    g = FutureGuard(max_future_s=10)
    assert g.offer(0, 1e9, "x") == ([], [])     # nothing to judge by yet: held
    assert g.offer(0, 5.0, "a") == ([], [])
    assert g.flush() == (["x", "a"], [])        # the end: what is held is used (nothing after it to make late)
    g = FutureGuard(max_future_s=10, hold=False)
    assert [g.ahead(0, t) for t in (5.0, 6.0, 7.0, 1e9, 8.0)] == [False, False, False, True, False]


def test_embedded_run_takes_a_gap_in_the_stream_for_a_gap(tmp_path):
    """Two days without posts, then the stream goes on: nothing is rejected as future, every post is used."""
    import orjson

    from groundswell.streams.pseudonym import Pseudonymizer
    from groundswell.streams.run import run_files
    t0 = 1_772_409_600
    posts = [{"id": f"p{i}", "text": "ferry timetable change", "created_at": t0 + 20 * i} for i in range(200)]
    posts += [{"id": f"q{i}", "text": "ferry timetable change", "created_at": t0 + 2 * 86400 + 30 * i}
              for i in range(40)]
    src = tmp_path / "posts.jsonl"
    src.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in posts))
    summary = run_files([str(src)], load_config(None), alerts_out=str(tmp_path / "a.jsonl"),
                        assignments_out=str(tmp_path / "s.jsonl"), rejects_out=str(tmp_path / "r.jsonl"),
                        progress=False, pseudonymizer=Pseudonymizer(b"k" * 32))
    assert summary.rejected == 0 and summary.accepted == 240
    assert (tmp_path / "r.jsonl").read_bytes() == b""
