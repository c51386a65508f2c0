"""The seeded synthetic stream: determinism, contract, event growth, traps, daily profile."""

from __future__ import annotations

import gzip
import re
import random
from collections import Counter
from statistics import median

import orjson
import pytest

from groundswell.streams import synthetic_corpus as corpus
from groundswell.streams.contract import Post, PostParser
from groundswell.streams.pseudonym import Pseudonymizer
from groundswell.streams.sources import iter_lines
from groundswell.streams.synthetic import DEFAULT_EVENTS, EventSpec, fill, generate, write_jsonl


@pytest.fixture(scope="module")
def stream():
    return generate(7)


@pytest.fixture(scope="module")
def parsed(stream):
    parser = PostParser(pseudonymizer=Pseudonymizer(b"k"))
    return [parser.parse(orjson.dumps(p)) for p in stream.posts]


def local_hour(t: float, stream) -> float:
    # default start is midnight +08:00
    return ((t - stream.events[0].onset_t + 9.5 * 3600) / 3600) % 24


def test_deterministic(stream):
    again = generate(7)
    assert again.posts == stream.posts
    assert again.truth == stream.truth and again.groups == stream.groups
    assert again.events == stream.events and again.traps == stream.traps


def test_seeds_differ(stream):
    other = generate(8, hours=6)
    assert [p["text"] for p in other.posts[:200]] != [p["text"] for p in stream.posts[:200]]


def test_default_shape(stream):
    assert 20_000 <= len(stream.posts) <= 40_000
    assert {e.name for e in stream.events} == {e.name for e in DEFAULT_EVENTS}
    assert {t.name for t in stream.traps} == {"flood", "league", "commute"}
    kinds = Counter(g.split(":")[0] for g in stream.groups.values())
    assert kinds["topic"] > kinds["event"] + kinds["trap"]
    langs = Counter(p["lang"] for p in stream.posts)
    assert langs["zh"] > langs["en"] > 0.25 * len(stream.posts)
    assert set(stream.truth) == set(stream.groups) == {p["id"] for p in stream.posts}


def test_all_posts_pass_the_parser(stream, parsed):
    assert all(isinstance(p, Post) for p in parsed), next(p for p in parsed if not isinstance(p, Post))
    ts = [p.t for p in parsed]
    assert ts == sorted(ts)
    assert len({p.id for p in parsed}) == len(parsed)
    fmts = Counter(("+08:00" in p["created_at"], p["created_at"].endswith("Z")) for p in stream.posts)
    assert fmts[(True, False)] and fmts[(False, True)]


def test_reposts_point_to_earlier_posts_of_the_same_group(stream):
    index = {p["id"]: i for i, p in enumerate(stream.posts)}
    reposts = [p for p in stream.posts if "repost_of" in p]
    assert len(reposts) > 500
    for p in reposts:
        target = stream.posts[index[p["repost_of"]]]
        assert index[p["repost_of"]] < index[p["id"]]
        assert stream.groups[target["id"]] == stream.groups[p["id"]]
        assert target["lang"] == p["lang"]
        assert stream.truth[target["id"]] == stream.truth[p["id"]]
    texts = Counter(p["text"] for p in reposts)
    assert texts["转发微博"] > 0 and texts[""] > 0 and any(t.startswith("RT @") for t in texts)


def test_events_grow_from_onset(stream, parsed):
    end = parsed[-1].t
    for ev, spec in zip(stream.events, DEFAULT_EVENTS):
        ts = [p.t for p in parsed if stream.truth[p.id] == ev.name]
        assert ts and min(ts) >= ev.onset_t
        assert 200 <= ev.n_posts == len(ts) <= 2000
        assert ev.n_authors > 0.8 * ev.n_posts  # many distinct voices
        per_hour = Counter(int((t - ev.onset_t) // 3600) for t in ts)
        full_hours = min(int(spec.growth_hours), int((end - ev.onset_t) // 3600))
        counts = [per_hour[h] for h in range(full_hours + 1)]
        assert counts == sorted(counts) and counts[-1] > 4 * counts[0], (ev.name, counts)
        assert per_hour[0] <= 20  # starts small


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_events_grow_for_other_seeds(seed):
    s = generate(seed, hours=16, background_rate_per_min=2, league_rate_per_min=0,
                 commute_rate_per_min=0, flood_posts=0, events=DEFAULT_EVENTS[:1])
    ev = s.events[0]
    parser = PostParser(pseudonymizer=Pseudonymizer(b"k"))
    ts = [parser.parse(orjson.dumps(p)).t for p in s.posts if s.truth[p["id"]]]
    per_hour = Counter(int((t - ev.onset_t) // 3600) for t in ts)
    counts = [per_hour[h] for h in range(4)]
    assert counts == sorted(counts), counts


def test_event_texts_share_key_terms(stream):
    for ev in stream.events:
        texts = [p["text"] for p in stream.posts if stream.truth[p["id"]] == ev.name and p["text"]]
        with_term = sum(any(k in t for k in ev.key_terms) for t in texts)
        assert with_term > 0.6 * len(texts)
        assert len(set(texts)) > 0.4 * len(texts)  # varied phrasings
    # no background or trap post mentions an event's place
    places = ("江川区", "3号线", "Millbrook", "Harlow")
    assert not [p for p in stream.posts if stream.truth[p["id"]] is None and any(x in p["text"] for x in places)]


def test_flood_trap(stream, parsed):
    flood = [p for p in parsed if stream.groups[p.id] == "trap:flood"]
    assert 140 <= len(flood) <= 150
    raw_authors = {p["author"] for p in stream.posts if stream.groups[p["id"]] == "trap:flood"}
    assert len(raw_authors) <= 3
    assert max(p.t for p in flood) - min(p.t for p in flood) <= 3600
    assert all(stream.truth[p.id] is None for p in flood)
    assert len({re.sub(r"\W", "", p.text)[:12] for p in flood}) <= 2  # near-identical


def test_league_trap_is_big_and_flat(stream, parsed):
    ts = [p.t for p in parsed if stream.groups[p.id] == "trap:league"]
    assert len(ts) > 3000
    per_hour = Counter(int(local_hour(t, stream)) for t in ts)
    counts = [per_hour[h] for h in range(24)]
    mean = sum(counts) / 24
    assert max(counts) < 1.4 * mean and min(counts) > 0.6 * mean


def test_commute_trap_follows_the_morning(stream, parsed):
    per_hour = Counter(int(local_hour(p.t, stream)) for p in parsed if stream.groups[p.id] == "trap:commute")
    assert per_hour[8] > 4 * per_hour[4]
    assert per_hour[8] > 2 * per_hour[14]


def test_hour_of_day_profile_in_background(stream, parsed):
    per_hour = Counter(int(local_hour(p.t, stream)) for p in parsed if stream.groups[p.id].startswith("topic:"))
    night = sum(per_hour[h] for h in (2, 3, 4))
    evening = sum(per_hour[h] for h in (19, 20, 21))
    morning_peak = per_hour[9]
    assert evening > 5 * night
    assert morning_peak > 3 * per_hour[4]


def test_background_is_varied(stream):
    topics = Counter(g for g in stream.groups.values() if g.startswith("topic:"))
    assert len(topics) >= 40
    zh = [p["text"] for p in stream.posts if stream.groups[p["id"]].startswith("topic:")
          and p["lang"] == "zh" and "repost_of" not in p]
    assert 12 <= median(map(len, zh)) <= 45
    joined = "\n".join(zh)
    for marker in ("#", "@", "[", "http://t.cn/"):
        assert marker in joined
    en = "\n".join(p["text"] for p in stream.posts if p["lang"] == "en")
    for marker in (" #", "@", "https://t.co/", "RT @"):
        assert marker in en


def test_corpus_size_and_chinese_template_lengths():
    assert len(corpus.ZH_TOPICS) >= 40 and len(corpus.EN_TOPICS) >= 40
    rng = random.Random(0)
    for topic in corpus.ZH_TOPICS + (corpus.WATER_ZH, corpus.METRO_ZH, corpus.LEAGUE_ZH, corpus.COMMUTE_ZH):
        assert len(topic.templates) >= 3
        for tpl in topic.templates + topic.late:
            for _ in range(5):
                text = fill(tpl, topic, "zh", rng)
                assert 10 <= len(text) <= 60, text
                assert "{" not in text
    for topic in corpus.EN_TOPICS:
        assert len(topic.templates) >= 2
        for tpl in topic.templates:
            assert "{" not in fill(tpl, topic, "en", rng)


def test_custom_events_and_no_traps():
    spec = EventSpec("bridge_millbrook", "en", 1.0, ("Millbrook Bridge",), initial_per_hour=10,
                     doubling_minutes=30, growth_hours=1.0)
    s = generate(3, hours=3, background_rate_per_min=1, league_rate_per_min=0,
                 commute_rate_per_min=0, flood_posts=0, events=[spec])
    assert [t.name for t in s.traps] == []
    assert s.events[0].n_posts > 10
    assert set(s.truth.values()) == {None, "bridge_millbrook"}


def test_write_jsonl_roundtrip(tmp_path, stream):
    posts = stream.posts[:300]
    for name in ("s.jsonl", "s.jsonl.gz"):
        path = str(tmp_path / name)
        assert write_jsonl(posts, path) == 300
        lines = [raw for _, _, raw in iter_lines([path])]
        assert [orjson.loads(x) for x in lines] == posts
    with gzip.open(tmp_path / "s.jsonl.gz", "rb") as f:
        assert f.readline().endswith(b"\n")
