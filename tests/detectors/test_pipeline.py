"""IssueDetector (detectors/pipeline.py) end to end on small streams generated here.

The streams: everyday chatter (30 topics, each post two words of its topic plus random words, half of the posts
random words only; a large pool of authors; one post every ~30 s), a story (60 distinct authors, varied sentences
sharing 2-3 key words about a bridge collapse, arrival rate doubling every 10 minutes), and a copy-paste flood.
Stories start 3 h into a stream, when the novelty gate has its 3 h of history (the chatter before is the baseline).
The detector uses a whitespace tokenizer so these tests do not depend on the text module. Assertions are about
behaviour (fires once, early, for the story only; silent on chatter and floods; event time), not about tuned
numbers. (Determinism, and copies taken mid-stream continuing identically: test_checks.py, on the story stream.)
"""
from __future__ import annotations

import collections
import copy
import datetime as dt
import json
import math
import random
import re
from dataclasses import dataclass, field, replace

import pytest

from groundswell.config.schema import DetectorConfig
from groundswell.detectors.pipeline import IssueDetector, PostIn
from groundswell.detectors.times import format_time

T0 = 1_714_521_600.0          # 2024-05-01T00:00:00Z: event time, far from the wall clock
HOUR = 3600.0
STORY_KEYS = ("bridge", "collapse", "river")
STORY_WORDS = ("cars fell injured rescue divers police road closed traffic people watched video shows crane "
               "trapped workers dozens city officials emergency night heavy rain cracked steel span commuters").split()
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


# ---------------------------------------------------------------- stream generators


def pseudo_words(rng: random.Random, n: int, syllables: int = 3) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice("bcdfghjklmnpqrstvwxz") + rng.choice("aeiou") for _ in range(syllables)))
    return sorted(out)


def background(seed: int, start_h: float, end_h: float, every_s: float = 30.0, topics: int = 30) -> list[PostIn]:
    """Steady everyday chatter at a constant rate; the same seed gives the same chatter for any time range."""
    rng = random.Random(seed)
    vocab = pseudo_words(rng, 3000)
    topics = [pseudo_words(random.Random(seed * 100 + k), 6, 4) for k in range(topics)]
    posts, t, i = [], T0, 0
    while t < T0 + end_h * HOUR:
        topic = topics[rng.randrange(len(topics))]
        if rng.random() < 0.5:
            words = rng.sample(vocab, 7)
        else:
            words = rng.sample(topic, 2) + rng.sample(vocab, 5)
        rng.shuffle(words)
        author = f"u{rng.randrange(5000)}"
        if t >= T0 + start_h * HOUR:
            posts.append(PostIn(f"bg{i}", " ".join(words), t, author=author))
        i += 1
        t += every_s * rng.uniform(0.5, 1.5)
    return posts


def story(seed: int, start_h: float, prefix: str = "s", n: int = 60, doubling_s: float = 600.0,
          span_s: float = 3600.0) -> list[PostIn]:
    """n distinct authors, arrival rate doubling every ``doubling_s``, all n within ``span_s``."""
    rng = random.Random(seed)
    r0 = n * math.log(2) / doubling_s / (2 ** (span_s / doubling_s) - 1)   # initial rate (posts/s)
    posts = []
    for i in range(n):
        t = T0 + start_h * HOUR + doubling_s * math.log2(1 + (i + 0.5) * math.log(2) / (doubling_s * r0))
        words = list(rng.sample(STORY_KEYS, rng.choice([2, 3]))) + rng.sample(STORY_WORDS, 4)
        rng.shuffle(words)
        posts.append(PostIn(f"{prefix}{i}", " ".join(words), t, author=f"{prefix}-author{i}"))
    return posts


def flood(start_h: float, n: int = 150, authors: int | None = 3, span_s: float = HOUR) -> list[PostIn]:
    rng = random.Random(42)
    base = "free giveaway click link win prize phone today".split()
    return [PostIn(f"fl{i}", " ".join(base + [f"x{rng.randrange(1000)}"]), T0 + start_h * HOUR + i * span_s / n,
                   author=None if authors is None else f"spammer{i % authors}")
            for i in range(n)]


def by_time(*streams: list[PostIn]) -> list[PostIn]:
    return sorted((p for s in streams for p in s), key=lambda p: (p.t, p.id))


# ---------------------------------------------------------------- running


@dataclass
class Run:
    posts: list[PostIn]
    alerts: list[dict] = field(default_factory=list)
    assigned: dict[str, str | None] = field(default_factory=dict)
    story_seen_at: dict[str, int] = field(default_factory=dict)   # alert_id -> story posts processed so far
    detector: IssueDetector | None = None

    def firing(self) -> list[dict]:
        return [a for a in self.alerts if a["status"] == "firing"]


def run(posts: list[PostIn], config: DetectorConfig | None = None, detector: IssueDetector | None = None,
        story_prefix: str = "s") -> Run:
    det = detector or IssueDetector(config or DetectorConfig(), tokenize=str.split)
    r = Run(posts, detector=det)
    seen = 0
    for p in posts:
        issue_id, out = det.learn_one(p)
        r.assigned[p.id] = issue_id
        if p.id.startswith(story_prefix):
            seen += 1
        for a in out:
            r.story_seen_at[a["alert_id"]] = seen
        r.alerts += out
    return r


def parse(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def rank(config: DetectorConfig, severity: str) -> int:
    return [s.name for s in config.issues.severities].index(severity)


# ---------------------------------------------------------------- fixtures (each stream is run once)


@pytest.fixture(scope="module")
def story_posts() -> list[PostIn]:
    return by_time(background(1, 0, 4.5), story(1, 3))


@pytest.fixture(scope="module")
def story_run(story_posts) -> Run:
    return run(story_posts)


@pytest.fixture(scope="module")
def resolve_config() -> DetectorConfig:
    return DetectorConfig.model_validate({"issues": {"resolve_after_s": 3600}})


@pytest.fixture(scope="module")
def flare_run(resolve_config) -> Run:
    """The story at 3 h, quiet, then the same story flaring up again at 5.5 h (60 new authors)."""
    return run(by_time(background(1, 0, 7), story(1, 3), story(7, 5.5, prefix="again")), resolve_config)


def story_issue(r: Run, prefix: str = "s") -> str:
    ids = collections.Counter(r.assigned[p.id] for p in r.posts if p.id.startswith(prefix))
    return ids.most_common(1)[0][0]


def check_story_outcome(r: Run, config: DetectorConfig) -> list[dict]:
    story_ids = [p.id for p in r.posts if p.id.startswith("s")]
    firing = r.firing()
    assert firing, "the story never fired"
    issue = firing[0]["issue_id"]
    assert {a["issue_id"] for a in firing} == {issue}, "something other than the story fired"
    assert len(set(firing[0]["terms"]) & set(STORY_KEYS)) >= 2, firing[0]["terms"]
    # exactly one alert for the story: after the first firing record, only escalations (strictly rising severity)
    ranks = [rank(config, a["severity"]) for a in firing]
    assert ranks == sorted(set(ranks)), [a["severity"] for a in firing]
    assert r.story_seen_at[firing[0]["alert_id"]] <= 20, "fired late"
    on_issue = sum(1 for pid in story_ids if r.assigned[pid] == issue)
    assert on_issue >= 0.8 * len(story_ids)
    return firing


# ---------------------------------------------------------------- (1) a growing story


def test_growing_story_fires_once_and_early(story_run):
    firing = check_story_outcome(story_run, DetectorConfig())
    issue = firing[0]["issue_id"]
    det = story_run.detector
    # every story post after the alert is reported under the issue's id, and the detector agrees afterwards
    late = [p.id for p in story_run.posts if p.id.startswith("s")][story_run.story_seen_at[firing[0]["alert_id"]]:]
    assert sum(story_run.assigned[pid] == issue for pid in late) >= 0.8 * len(late)
    assert sum(det.cluster_of(pid) == issue for pid in late) >= 0.8 * len(late)


def test_event_time_is_the_newest_post_time(story_run):
    assert story_run.detector.event_time == max(p.t for p in story_run.posts)
    assert IssueDetector(DetectorConfig(), tokenize=str.split).event_time is None


# ---------------------------------------------------------------- (2) chatter alone


def test_steady_chatter_is_quiet_for_a_day():
    r = run(by_time(background(1, 0, 24)))
    assert len(r.posts) > 2500
    assert len({a["issue_id"] for a in r.firing()}) <= 1, [(a["issue_id"], a["posts"], a["at"]) for a in r.alerts]


# ---------------------------------------------------------------- (3) a copy-paste flood


def test_copy_paste_flood_by_three_authors_does_not_alert():
    posts = by_time(background(1, 0, 4.5), flood(3))
    r = run(posts)
    assert r.alerts == []
    det = r.detector
    home = collections.Counter(det.cluster_of(p.id) for p in posts if p.id.startswith("fl")).most_common(1)[0][0]
    assert det.clusterer.get(home).state.growth.voices == 3     # 150 posts, 3 voices


def test_anonymous_copy_paste_flood_does_not_alert():
    """Without authors, a group of near-copies counts as one voice."""
    r = run(by_time(background(1, 0, 4.5), flood(3, authors=None)))
    assert r.alerts == []


# ---------------------------------------------------------------- (5) the alert record


FIELDS = {
    "alert_id": str, "issue_id": str, "status": str, "severity": str, "at": str, "first_post_at": str,
    "posts": int, "authors": int, "terms": list, "title": str, "sample_post_ids": list, "sample_posts": list,
    "growth": dict, "score": float, "labels": dict, "languages": list,
}


def test_alert_records_have_the_documented_fields(story_run, flare_run, resolve_config):
    for r, config in ((story_run, DetectorConfig()), (flare_run, resolve_config)):
        posts = {p.id: p for p in r.posts}
        post_times = {format_time(p.t) for p in r.posts}
        assert r.alerts
        seqs: dict[str, int] = collections.defaultdict(int)
        for a in r.alerts:
            assert set(FIELDS) <= set(a), set(FIELDS) - set(a)
            for name, typ in FIELDS.items():
                assert isinstance(a[name], typ) and not isinstance(a[name], bool), (name, a[name])
            json.dumps(a)
            assert a["status"] in ("firing", "resolved")
            assert a["severity"] in [s.name for s in config.issues.severities]
            # event time: the timestamp of a post of the stream, never the wall clock
            assert RFC3339.match(a["at"]) and a["at"] in post_times
            assert RFC3339.match(a["first_post_at"]) and parse(a["first_post_at"]) <= parse(a["at"])
            seqs[a["issue_id"]] += 1
            assert a["alert_id"] == f"{a['issue_id']}:{seqs[a['issue_id']]}"
            assert a["posts"] >= a["authors"] >= 1
            assert a["terms"] and all(isinstance(t, str) for t in a["terms"])
            assert len(a["terms"]) <= config.issues.top_terms
            assert a["title"].strip()
            assert len(a["sample_posts"]) <= config.issues.sample_posts
            assert a["sample_post_ids"] == [s["id"] for s in a["sample_posts"]]
            for s in a["sample_posts"]:
                assert set(s) == {"id", "text"} and posts[s["id"]].text.startswith(s["text"])
            assert a["growth"]["interval_s"] == config.burst.interval_s
            assert len(a["growth"]["counts"]) == config.issues.growth_intervals
            assert all(isinstance(c, int) and c >= 0 for c in a["growth"]["counts"])
            assert a["score"] >= 0.0
            assert all(isinstance(x, str) and len(x) in (2, 3) for x in a["languages"]), a["languages"]
        ids = [a["alert_id"] for a in r.alerts]
        assert len(ids) == len(set(ids))


def test_configured_severities_name_the_levels(story_posts):
    config = DetectorConfig.model_validate(
        {"issues": {"severities": [{"name": "calm", "min_voices": 0}, {"name": "loud", "min_voices": 20}]}})
    r = run(story_posts, config)
    firing = check_story_outcome(r, config)
    assert [a["severity"] for a in firing] == ["calm", "loud"]
    assert firing[1]["authors"] >= 20 > firing[0]["authors"]


# ---------------------------------------------------------------- (6) resolve and flare up


def _resolution(flare_run, resolve_config):
    issue = story_issue(flare_run)
    resolved = [a for a in flare_run.alerts if a["issue_id"] == issue and a["status"] == "resolved"]
    return issue, resolved


def test_quiet_story_resolves_after_resolve_after_s(flare_run, resolve_config):
    issue, resolved = _resolution(flare_run, resolve_config)
    assert any(a["issue_id"] == issue and a["status"] == "firing" for a in flare_run.alerts)
    assert resolved, "the quiet story never resolved"
    last_story = max(p.t for p in flare_run.posts if p.id.startswith("s"))
    at = parse(resolved[0]["at"]).timestamp()
    wait = resolve_config.issues.resolve_after_s
    assert last_story + wait < at <= last_story + wait + 2 * resolve_config.burst.interval_s
    flare_start = min(p.t for p in flare_run.posts if p.id.startswith("again"))
    assert at < flare_start


def test_flare_up_refires_under_the_same_issue_id(flare_run, resolve_config):
    issue, resolved = _resolution(flare_run, resolve_config)
    assert resolved
    flare = [p.id for p in flare_run.posts if p.id.startswith("again")]
    assert sum(flare_run.assigned[pid] == issue for pid in flare) >= 0.8 * len(flare)
    after = flare_run.alerts[flare_run.alerts.index(resolved[0]) + 1:]
    refired = [a for a in after if a["status"] == "firing"]
    assert refired, "no alert for the flare-up"
    assert {a["issue_id"] for a in refired} == {issue}


# ---------------------------------------------------------------- (7) late posts


def test_late_posts_do_not_change_the_outcome(story_posts, story_run):
    rng = random.Random(5)
    story_ids = [p.id for p in story_posts if p.id.startswith("s")]
    late = set(story_ids[2:30:7])                                               # a few story posts
    late |= set(rng.sample([p.id for p in story_posts if p.id.startswith("bg")
                            and T0 + 2.5 * HOUR < p.t < T0 + 4 * HOUR], 5))  # and a few chatter posts
    arrival = sorted(story_posts, key=lambda p: (p.t + (600.0 if p.id in late else 0.0), p.id))
    assert arrival != story_posts
    r = run(arrival)
    firing = check_story_outcome(r, DetectorConfig())
    assert [a["severity"] for a in firing] == [a["severity"] for a in story_run.firing()]


# ---------------------------------------------------------------- reposts and empty posts


def test_reposts_join_the_original_issue(story_posts, story_run):
    issue = story_run.firing()[0]["issue_id"]
    det = copy.deepcopy(story_run.detector)
    original = next(p for p in reversed(story_posts) if p.id.startswith("s") and story_run.assigned[p.id] == issue)
    t = story_posts[-1].t + 1
    assert det.learn_one(PostIn("rt1", "", t, author="someone-new", repost_of=original.id))[0] == issue
    assert det.learn_one(PostIn("rt2", "", t, author="someone-else", repost_of="never-seen")) == (None, [])
    assert det.learn_one(replace(original, id="copy1", author="copier"))[0] == issue   # a near-copy joins too


def test_posts_from_before_an_alert_are_not_moved_into_the_issue_later():
    """A cluster merged into an issue after the issue fired: its posts from before the alert keep their id (the
    alert's record of what it was about stays as it was); its posts from after the alert join the issue."""
    det = IssueDetector(DetectorConfig.model_validate({"burst": {"warmup_s": 0}}), tokenize=str.split)
    early = [f"e{i}" for i in range(3)]
    for i, pid in enumerate(early):
        det.learn_one(PostIn(pid, f"harbour ferry delay {i}", t=float(i), author=f"x{i}"))
    fired = None
    for i in range(40):
        _, out = det.learn_one(PostIn(f"p{i}", f"bridge collapse river road {i}", t=60.0 * i + 10, author=f"a{i}"))
        fired = fired or next((a["issue_id"] for a in out if a["status"] == "firing"), None)
    assert fired is not None
    det.learn_one(PostIn("late", "harbour ferry delay again", t=2500.0, author="y"))
    ferry = det.clusterer.get(det.cluster_of("late"))
    assert ferry is not None and ferry.id != fired and det.cluster_of("e0") == ferry.id
    det.clusterer.merge(det.clusterer.get(fired), ferry)   # the ferry cluster joins the issue
    moved = dict(det.reassignments())
    assert moved.get("late") == fired
    assert not set(early) & set(moved)
    assert det.cluster_of("e0") == fired            # the detector itself knows where the posts are now


def test_posts_of_an_issue_merged_into_another_follow_it():
    """Two issues that fired turn out to be one story and merge: the absorbed one's last alert says where it went,
    and its posts are reported again under the survivor, except those from before the survivor's first alert."""
    det = IssueDetector(DetectorConfig.model_validate({"burst": {"warmup_s": 0}}), tokenize=str.split)
    early = [f"e{i}" for i in range(3)]
    for i, pid in enumerate(early):
        det.learn_one(PostIn(pid, f"harbour ferry sinking {i}", t=float(i), author=f"x{i}"))
    fired = []
    for i in range(40):
        _, out = det.learn_one(PostIn(f"p{i}", f"bridge collapse river road {i}", t=60.0 * i + 10, author=f"a{i}"))
        fired += [a["issue_id"] for a in out if a["status"] == "firing"]
    late = [f"q{i}" for i in range(20)]
    for i, pid in enumerate(late):
        _, out = det.learn_one(PostIn(pid, f"harbour ferry sinking {i}", t=3000.0 + 30 * i, author=f"b{i}"))
        fired += [a["issue_id"] for a in out if a["status"] == "firing"]
    bridge, ferry = dict.fromkeys(fired)   # the two issues, in the order they fired
    reported = dict(det.reassignments())
    assert {reported.get(pid, ferry) for pid in late[-5:]} == {ferry}
    survivor = det.clusterer.merge(det.clusterer.get(det.cluster_of("p0")), det.clusterer.get(det.cluster_of("q0")))
    assert det.issues.issue_of(survivor).id == bridge
    merged = [a for a in det.issues.drain() if a["issue_id"] == ferry]
    assert [(a["status"], a["merged_into"]) for a in merged] == [("resolved", bridge)]
    moved = dict(det.reassignments())
    assert all(moved.get(pid) == bridge for pid in late)   # (all told ferry's id or its cluster's, after bridge's alert)
    assert not set(early) & set(moved)                       # from before bridge's first alert: they stay


def test_slow_onset_story_needs_the_slow_window():
    """Five new voices an hour: never significant within window_s against 120 posts an hour of chatter; only
    burst.slow_window_s catches the story."""
    posts = by_time(background(1, 0, 16), story(3, 3, n=55, doubling_s=1e7, span_s=11 * HOUR))
    story_ids = {p.id for p in posts if p.id.startswith("s")}

    def story_alerts(r: Run) -> list[dict]:
        return [a for a in r.firing() if sum(r.assigned[i] == a["issue_id"] for i in story_ids) >= 0.5 * len(story_ids)]

    assert story_alerts(run(posts)) == []
    slow = DetectorConfig.model_validate({"burst": {"slow_window_s": 86400}})
    r = run(posts, slow)
    fired = story_alerts(r)
    assert fired, "the slow story never fired"
    # at 5 voices an hour against 120 posts an hour of chatter, the evidence takes about 4 hours (21 voices)
    assert r.story_seen_at[fired[0]["alert_id"]] <= 30, "fired late"
    assert len({a["issue_id"] for a in r.firing()} - {fired[0]["issue_id"]}) <= 1   # chatter stays quiet


def test_slow_window_keeps_steady_chatter_quiet():
    r = run(by_time(background(1, 0, 24)), DetectorConfig.model_validate({"burst": {"slow_window_s": 86400}}))
    assert len({a["issue_id"] for a in r.firing()}) <= 1, [(a["issue_id"], a["posts"], a["at"]) for a in r.alerts]


# ---------------------------------------------------------------- (5) where an issue begins


def test_a_story_at_the_start_of_a_stream_fires_early():
    """No warm-up: in the stream's first hour the false-alarm budget is a day's at the rate seen so far, so a story
    15 minutes in is caught while small, and the chatter around it stays quiet."""
    r = run(by_time(background(1, 0, 3), story(1, 0.25)))
    firing = check_story_outcome(r, DetectorConfig())
    assert parse(firing[0]["at"]) < parse(format_time(T0 + 1.25 * HOUR))


def _older_cluster_then_story(config: DetectorConfig):
    """Eight people mention the bridge by the river over three hours (everyday posts), then the bridge collapses."""
    rng = random.Random(5)
    everyday = "walk sunny morning view photo lunch jog dog evening lights".split()
    old = [PostIn(f"old{i}", " ".join(["bridge", "river"] + rng.sample(everyday, 3)), T0 + (0.2 + 0.35 * i) * HOUR,
                  author=f"walker{i}") for i in range(8)]
    posts = by_time(background(1, 0, 4.5), old, story(1, 3))
    det = IssueDetector(config, tokenize=str.split)
    reported, alerts, seen = {}, [], {}
    for p in posts:
        issue_id, out = det.learn_one(p)
        reported[p.id] = issue_id
        reported.update(det.due_reassignments(p.t))   # as the hosts do: re-reports come right after the post
        for a in out:
            seen[a["alert_id"]] = dict(reported)
        alerts += out
    reported.update(det.reassignments())               # end of input
    return det, posts, alerts, reported, seen


def test_an_issue_in_an_older_cluster_begins_at_the_burst():
    det, posts, alerts, reported, seen = _older_cluster_then_story(DetectorConfig())
    firing = [a for a in alerts if a["status"] == "firing"]
    assert firing, "the story never fired"
    first = firing[0]
    issue = first["issue_id"]
    story_ids = [p.id for p in posts if p.id.startswith("s")]
    # one cluster holds both the everyday posts and the story ...
    assert det.cluster_of("old0") == det.cluster_of(story_ids[-1])
    # ... but the issue is the story: its id is not the cluster's, the older posts keep the cluster's id
    assert {reported[f"old{i}"] for i in range(8)} == {det.cluster_of("old0")} != {issue}
    assert all(a["issue_id"] == issue for a in firing)
    # its record starts at the burst: first post, size, voices and samples are the story's
    story_t = {p.id: p.t for p in posts if p.id.startswith("s")}
    assert parse(first["first_post_at"]) >= parse(format_time(min(story_t.values())))
    assert all(pid.startswith("s") for pid in first["sample_post_ids"]) and first["sample_post_ids"]
    at_alert = seen[first["alert_id"]]
    story_so_far = [pid for pid in story_ids if pid in at_alert]
    assert first["posts"] <= len(story_so_far) + 2 and first["authors"] <= first["posts"]
    # every story post so far was re-reported under the issue by the time the alert went out, and stays there
    assert sum(at_alert[pid] == issue for pid in story_so_far) >= 0.8 * len(story_so_far)
    assert sum(reported[pid] == issue for pid in story_ids) >= 0.8 * len(story_ids)


def test_without_begin_at_burst_the_issue_is_the_whole_cluster():
    config = DetectorConfig.model_validate({"issues": {"begin_at_burst": False}})
    det, posts, alerts, reported, _ = _older_cluster_then_story(config)
    first = next(a for a in alerts if a["status"] == "firing")
    assert first["issue_id"] == det.cluster_of("old0") == reported["old0"]
    assert first["first_post_at"] == format_time(T0 + 0.2 * HOUR)
    assert "old0" in first["sample_post_ids"]


# ---------------------------------------------------------------- (6) voices jump, words do not


def _same_words_new_voices() -> list[PostIn]:
    """A topic posted at a steady rate all day ("late shift tonight sleep ..."): by three regulars for six hours,
    then each post by someone new. Its new voices jump; its words' use does not."""
    rng = random.Random(11)
    extra = "coffee tired bus home rain work boss early alarm snack".split()
    posts, t, i = [], T0, 0
    while t < T0 + 9 * HOUR:
        author = f"regular{i % 3}" if t < T0 + 6 * HOUR else f"newcomer{i}"
        posts.append(PostIn(f"n{i}", " ".join(["late", "shift", "tonight", "sleep"] + rng.sample(extra, 2)), t,
                            author=author))
        i += 1
        t += 120.0
    return by_time(background(2, 0, 9), posts)


def test_voices_jumping_on_everyday_words_is_not_news():
    posts = _same_words_new_voices()
    off = run(posts, DetectorConfig.model_validate({"novelty": {"enabled": False}}))
    assert off.firing(), "the scenario must trip the burst test on its own"
    on = run(posts)
    assert on.firing() == [], [(a["issue_id"], a["terms"], a["at"]) for a in on.firing()]


# ---------------------------------------------------------------- repost cascades are identity


REACTIONS = "haha true fake support share wow really sad agree omg".split()


def cascades(start_h: float, roots: int = 2, n: int = 40, gap_s: float = 20.0, same_source: bool = False,
             seed: int = 5) -> list[PostIn]:
    """``roots`` source posts, each reposted and commented on by ``n`` distinct authors within a few minutes of
    each other; comments are everyday reactions (the same words in every cascade), some empty (bare reposts),
    some answering another repost (the parent is a repost, not the root)."""
    rng = random.Random(seed)
    t0 = T0 + start_h * HOUR
    sources = [f"rumour {k} {' '.join(pseudo_words(random.Random(seed * 10 + k), 5))}" for k in range(roots)]
    if same_source:
        sources = [sources[0]] * roots
    posts = [PostIn(f"root{k}", sources[k], t0 + k, author=f"src{k}") for k in range(roots)]
    for i in range(n):
        for k in range(roots):
            parent = f"root{k}" if i < 3 or rng.random() < 0.5 else f"rp{k}_{rng.randrange(i)}"
            text = "" if rng.random() < 0.3 else " ".join(rng.sample(REACTIONS, 2))
            posts.append(PostIn(f"rp{k}_{i}", text, t0 + 60 + i * gap_s + k, author=f"fan{k}_{i}",
                                repost_of=parent))
    return posts


def cascade_issue(r: Run, k: int) -> collections.Counter:
    return collections.Counter(r.assigned[p.id] for p in r.posts if p.id.startswith(f"rp{k}_"))


@pytest.mark.parametrize("same_source", [False, True])
def test_two_cascades_with_the_same_comment_words_stay_two_issues(same_source):
    """Comments are everyone's words ("haha", "share"): they must not pull two cascades together, not even when
    the two source posts say the same (two posts spreading separately are two cascades)."""
    r = run(by_time(background(3, 0, 5), cascades(3.5, same_source=same_source)))
    a, b = cascade_issue(r, 0), cascade_issue(r, 1)
    (ia, na), (ib, nb) = a.most_common(1)[0], b.most_common(1)[0]
    assert ia != ib
    assert na == sum(a.values()) and nb == sum(b.values()), (a, b)   # every repost in its own cascade
    fired = {x["issue_id"] for x in r.firing()}
    assert {ia, ib} <= fired, (ia, ib, fired)


def test_a_cascade_is_alerted_while_small():
    """A burst of distinct voices around one post is news even when its comments' words are not: the cascade
    skips the word-novelty gate and fires within its first posts."""
    r = run(by_time(background(3, 0, 5), cascades(3.5, roots=1, n=60)))
    issue = cascade_issue(r, 0).most_common(1)[0][0]
    first = next(a for a in r.firing() if a["issue_id"] == issue)
    assert first["posts"] <= 15, first["posts"]


def test_a_new_post_joins_a_cascade_on_its_source_words_not_its_comments():
    posts = cascades(3.5, roots=1, n=40)
    t = max(p.t for p in posts) + 30
    late = [PostIn("late-comments", "haha share wow really", t, author="x1"),
            PostIn("late-source", posts[0].text.split(" ", 1)[1], t + 1, author="x2")]
    r = run(by_time(background(3, 0, 5), posts, late))
    issue = cascade_issue(r, 0).most_common(1)[0][0]
    assert r.assigned["late-comments"] != issue
    assert r.assigned["late-source"] == r.assigned["root0"]


# ---------------------------------------------------------------- severity is earned by growth


def test_an_issue_that_stops_growing_abnormally_does_not_escalate_by_size_alone():
    """A story bursts (30 voices in 20 minutes: it fires), then goes on at a steady trickle for hours: crossing the
    next level's voices then is size, not news, and does not escalate. The same stream with escalation by voices
    alone (the tracker's ``growing`` check off) escalates."""
    rng = random.Random(11)
    burst = [PostIn(f"s{i}", " ".join(rng.sample(STORY_KEYS, 2) + rng.sample(STORY_WORDS, 4)),
                    T0 + 3 * HOUR + i * 40.0, author=f"s-author{i}") for i in range(30)]
    trickle = [PostIn(f"s{30 + i}", " ".join(rng.sample(STORY_KEYS, 2) + rng.sample(STORY_WORDS, 4)),
                      T0 + 3.5 * HOUR + i * 600.0, author=f"s-author{30 + i}") for i in range(40)]
    posts = by_time(background(1, 0, 11), burst, trickle)
    gated = run(posts)
    story = story_issue(gated)
    assert [a["severity"] for a in gated.firing() if a["issue_id"] == story] == ["blue"]
    det = IssueDetector(DetectorConfig(), tokenize=str.split)
    det.issues.growing = None
    by_size = run(posts, detector=det)
    assert [a["severity"] for a in by_size.firing() if a["issue_id"] == story_issue(by_size)] == ["blue", "yellow"]
