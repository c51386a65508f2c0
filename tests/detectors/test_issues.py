"""IssueTracker (detectors/issues.py): open, escalate, resolve, forget and re-open issues on event time.

The tracker is driven directly here (clusters built with an OnlineClusterer, voices counted with Growth), so these
tests pin the lifecycle rules without the burst test in the way.
"""
from __future__ import annotations


import pytest

from groundswell.config.schema import IssuesConfig
from groundswell.detectors.clustering import OnlineClusterer
from groundswell.detectors.growth import Growth
from groundswell.detectors.issues import IssueTracker, surprise
from groundswell.detectors.state import ClusterState
from groundswell.detectors.times import format_time
from groundswell.detectors.vocabulary import Vocabulary

LEVELS = ({"name": "low", "min_voices": 0}, {"name": "mid", "min_voices": 3}, {"name": "high", "min_voices": 6})
STORY = "bridge collapse river".split()
OTHER = "concert tickets scalpers".split()


class World:
    def __init__(self, merge_threshold: float = 0.4, display_term=None, **settings):
        self.clusterer = OnlineClusterer(Vocabulary(), merge_threshold=merge_threshold)
        settings = {"severities": LEVELS, "resolve_after_s": 100.0, "memory_s": 1000.0, **settings}
        self.tracker = IssueTracker(self.clusterer, IssuesConfig(**settings), display_term=display_term)
        self.clusterer.on_merge = self.tracker.on_merge
        self.n = 0

    def post(self, words, t, cluster=None, voice=None):
        """A post into ``cluster`` (or wherever it lands); returns (cluster, whether its voice is new)."""
        self.n += 1
        c = self.clusterer.learn_one(list(words) + [f"w{self.n}"], t, cluster_id=cluster.id if cluster else None)
        if c.state is None:
            c.state = ClusterState(Growth(interval_s=300))
        if len(c.state.samples) < 3:
            c.state.samples.append((f"p{self.n}", " ".join(words)))
        return c, c.state.growth.add(voice or f"a:{self.n}", t)

    def cluster(self, words, posts, t):
        c, _ = self.post(words, t)
        for _ in range(posts - 1):
            self.post(words, t, cluster=c)
        return c


def test_flag_opens_a_pinned_issue_and_fires_once():
    w = World()
    c = w.cluster(STORY, 2, t=0.0)
    out = w.tracker.flag(c, t=10.0, score=4.2)
    assert len(out) == 1
    a = out[0]
    assert (a["status"], a["issue_id"], a["alert_id"], a["severity"]) == ("firing", c.id, f"{c.id}:1", "low")
    assert a["at"] == format_time(10.0) and a["first_post_at"] == format_time(0.0)
    assert a["authors"] == 2 and a["posts"] == 2 and a["score"] == 4.2
    assert set(STORY) <= set(a["terms"])
    assert c.pinned and len(w.tracker) == 1 and w.tracker.issue_of(c).id == c.id


def test_severity_rises_with_voices_and_never_falls():
    w = World()
    c = w.cluster(STORY, 1, t=0.0)
    w.tracker.flag(c, t=0.0, score=1.0)
    seen = []
    for i in range(8):
        c, new = w.post(STORY, t=float(i + 1), cluster=c)
        assert new
        seen += [(a["severity"], a["authors"]) for a in w.tracker.on_voice(c, float(i + 1))]
    assert seen == [("mid", 3), ("high", 6)]        # one record per level crossed, at the crossing
    c, _ = w.post(STORY, t=20.0, cluster=c, voice="a:1")   # a known voice: nothing new
    assert w.tracker.on_voice(c, 20.0) == []


def test_quiet_issue_resolves_once_after_resolve_after_s():
    w = World(resolve_after_s=100.0)
    c = w.cluster(STORY, 3, t=0.0)
    w.tracker.flag(c, t=50.0, score=2.0)
    c, _ = w.post(STORY, t=60.0, cluster=c)
    w.tracker.on_voice(c, 60.0)                   # last new voice at 60
    assert w.tracker.tick(160.0) == []            # exactly resolve_after_s: not yet
    out = w.tracker.tick(160.5)
    assert [(a["status"], a["issue_id"], a["at"]) for a in out] == [("resolved", c.id, format_time(160.5))]
    assert out[0]["alert_id"] == f"{c.id}:2"
    assert w.tracker.tick(170.0) == [] and len(w.tracker) == 0
    assert c.pinned                               # remembered (for re-opening) until memory_s


def test_resolved_issue_is_forgotten_after_memory_s_and_unpinned():
    w = World(resolve_after_s=10.0, memory_s=500.0)
    c = w.cluster(STORY, 3, t=0.0)
    w.tracker.flag(c, t=0.0, score=1.0)
    w.tracker.tick(20.0)                          # resolved as of 10.0 (its last voice + resolve_after_s)
    assert w.tracker.issue_of(c) is not None
    w.tracker.tick(510.0)
    assert w.tracker.issue_of(c) is not None
    w.tracker.tick(511.0)
    assert w.tracker.issue_of(c) is None and not c.pinned


def test_issue_is_resolved_as_of_its_last_voice_across_a_gap_in_the_stream():
    """A stream that falls silent for longer than memory_s (a collection restarting weeks later): the issue
    resolved resolve_after_s after its last voice, so the first tick after the gap resolves it (the receivers are
    told) and forgets it at once (unpinned: its cluster may expire instead of soaking up the next story)."""
    w = World(resolve_after_s=10.0, memory_s=500.0)
    c = w.cluster(STORY, 3, t=0.0)
    w.tracker.flag(c, t=0.0, score=1.0)
    out = w.tracker.tick(5000.0)
    assert [(a["status"], a["issue_id"]) for a in out] == [("resolved", c.id)]
    assert w.tracker.issue_of(c) is None and not c.pinned


def _resolved_story_and_fragment():
    """An issue on STORY, and a separate cluster that is (mostly) the same story (kept apart: no auto-merging)."""
    w = World(resolve_after_s=10.0, merge_threshold=1.0)
    issue_cluster = w.cluster(STORY, 5, t=0.0)
    fragment = w.cluster(OTHER, 1, t=0.0)
    assert fragment.id != issue_cluster.id
    for _ in range(20):
        w.post(STORY, t=1.0, cluster=fragment)
    assert w.clusterer.get(fragment.id) is fragment and w.clusterer.get(issue_cluster.id) is issue_cluster
    return w, issue_cluster, fragment


def test_same_story_flagged_again_reopens_the_old_issue():
    w, issue_cluster, fragment = _resolved_story_and_fragment()
    w.tracker.flag(issue_cluster, t=1.0, score=3.0)
    assert w.tracker.tick(12.0)[0]["status"] == "resolved"
    out = w.tracker.flag(fragment, t=50.0, score=5.0)
    assert [(a["status"], a["issue_id"]) for a in out] == [("firing", issue_cluster.id)]
    assert out[0]["alert_id"] == f"{issue_cluster.id}:3"
    assert w.clusterer.resolve(fragment.id) == issue_cluster.id         # folded into the issue's cluster
    assert len(w.tracker) == 1 and len(w.tracker.issues) == 1


def test_flagging_an_issue_cluster_again_reopens_it_only_when_resolved():
    """A resolved issue whose own cluster flares up again fires again, under the same id."""
    w = World(resolve_after_s=10.0)
    c = w.cluster(STORY, 3, t=0.0)
    w.tracker.flag(c, t=1.0, score=1.0)
    assert w.tracker.flag(c, t=2.0, score=1.0) == []          # still firing: nothing new
    assert [a["status"] for a in w.tracker.tick(20.0)] == ["resolved"]
    out = w.tracker.flag(c, t=30.0, score=2.0)
    assert [(a["status"], a["issue_id"], a["alert_id"]) for a in out] == [("firing", c.id, f"{c.id}:3")]
    assert len(w.tracker) == 1


def test_same_story_flagged_while_firing_raises_nothing_new():
    w, issue_cluster, fragment = _resolved_story_and_fragment()
    w.tracker.flag(issue_cluster, t=1.0, score=3.0)
    assert w.tracker.flag(fragment, t=2.0, score=5.0) == []
    assert len(w.tracker.issues) == 1


def test_different_story_opens_its_own_issue():
    w = World()
    a = w.cluster(STORY, 3, t=0.0)
    b = w.cluster(OTHER, 3, t=0.0)
    ids = [w.tracker.flag(c, t=1.0, score=1.0)[0]["issue_id"] for c in (a, b)]
    assert ids == [a.id, b.id] and len(w.tracker) == 2


def test_merging_two_issues_keeps_one_id():
    w = World()
    a = w.cluster(STORY, 4, t=0.0)
    b = w.cluster(OTHER, 2, t=0.0)
    w.tracker.flag(a, t=1.0, score=1.0)
    w.tracker.flag(b, t=1.0, score=1.0)
    survivor = w.clusterer.merge(a, b)
    assert survivor is a
    assert set(w.tracker.issues) == {a.id} and len(w.tracker) == 1


def test_every_issue_that_fired_is_eventually_resolved_even_after_a_merge():
    w = World(resolve_after_s=10.0)
    a = w.cluster(STORY, 4, t=0.0)
    b = w.cluster(OTHER, 2, t=0.0)
    fired = {r["issue_id"] for c in (a, b) for r in w.tracker.flag(c, t=1.0, score=1.0)}
    w.clusterer.merge(a, b)
    resolved = {r["issue_id"] for r in w.tracker.tick(100.0) if r["status"] == "resolved"}
    assert fired == {a.id, b.id}
    assert resolved == fired


def test_remembered_issues_are_bounded():
    w = World(resolve_after_s=1.0, max_open_issues=2)
    clusters = [w.cluster([f"story{k}a", f"story{k}b", f"story{k}c"], 3, t=float(k)) for k in range(5)]
    for k, c in enumerate(clusters):
        w.tracker.flag(c, t=float(10 * k), score=1.0)
        w.tracker.tick(float(10 * k + 5))         # each resolves before the next opens
        assert len(w.tracker.issues) <= 2
    assert not clusters[0].pinned                 # forgotten issues release their clusters


def test_surprise_is_minus_log10():
    assert surprise(1.0) == 0.0
    assert surprise(1e-3) == pytest.approx(3.0)
    assert surprise(0.0) > 100 and surprise(0.0) == surprise(1e-300)
    assert surprise(1e-5) > surprise(1e-4) > surprise(0.5)


# ----- folding sub-stories by their anchor words (IssueTracker.anchoring)
SUB_WORDS = [f"aside{k}" for k in range(12)]   # a sub-story's own words: each used by 2 of its 6 posts


def _aside(i: int) -> list[str]:
    return [SUB_WORDS[(2 * i + d) % 12] for d in range(4)]


def _story_and_substory(story_t: float = 0.0, substory_t: float = 100.0, issue_posts: int = 20, **settings):
    """A firing issue ("tornado oklahoma shawnee warning") and a flagged-to-be fragment whose posts all say "tornado"
    and otherwise talk among themselves: one shared word, far below reopen_threshold by overlap."""
    w = World(**settings)
    story = w.cluster("tornado oklahoma shawnee warning".split(), issue_posts, t=story_t)
    assert w.tracker.flag(story, t=story_t, score=3.0)[0]["issue_id"] == story.id
    fragment = None
    for i in range(6):
        words = ["tornado"] + _aside(i)
        fragment, _ = w.post(words, substory_t, cluster=fragment)
        assert fragment is not story
    return w, story, fragment


def test_substory_sharing_the_issues_anchor_word_folds_in_without_an_alert():
    w, story, fragment = _story_and_substory()
    c = w.clusterer
    assert max(c.similarity(fragment, story), c.similarity(story, fragment)) < w.tracker.settings.reopen_threshold
    assert w.tracker.anchoring(fragment, story) > 0.8   # "tornado": its core word, and the stream's uses are the issue's
    assert w.tracker.flag(fragment, t=100.0, score=5.0) == []
    assert c.resolve(fragment.id) == story.id and len(w.tracker) == 1


def test_anchor_folding_can_be_turned_off():
    w, story, fragment = _story_and_substory(anchor_threshold=None)
    out = w.tracker.flag(fragment, t=100.0, score=5.0)
    assert [a["issue_id"] for a in out] == [fragment.id] and len(w.tracker) == 2


def test_new_event_sharing_one_word_with_a_firing_issue_is_its_own_issue():
    """Boston and West, Texas: "explosion" is the firing issue's word, but the new story has its own core words
    ("fertilizer", "plant", "waco") that no issue owns."""
    w = World()
    boston = w.cluster("boston marathon explosion bomb".split(), 20, t=0.0)
    w.tracker.flag(boston, t=0.0, score=3.0)
    west = w.cluster("explosion fertilizer plant waco".split(), 6, t=100.0)
    assert west is not boston
    assert w.tracker.anchoring(west, boston) < 0.3
    out = w.tracker.flag(west, t=100.0, score=5.0)
    assert [a["issue_id"] for a in out] == [west.id] and len(w.tracker) == 2


def test_everyday_words_spread_over_the_stream_do_not_anchor():
    """A fragment whose core word is everyone's ("pray": most of its recent uses are outside the issue) does not
    fold, even though the issue uses the word too."""
    w = World()
    story = w.cluster("tornado oklahoma pray shawnee".split(), 10, t=0.0)
    w.tracker.flag(story, t=0.0, score=3.0)
    for k in range(6):                                 # chatter elsewhere in the stream
        w.cluster(["pray", f"chat{k}a", f"chat{k}b", f"chat{k}c"], 5, t=50.0)
    fragment = None
    for i in range(6):
        words = ["pray"] + _aside(i)
        fragment, _ = w.post(words, 100.0, cluster=fragment)
    assert w.tracker.anchoring(fragment, story) < 0.3
    assert [a["issue_id"] for a in w.tracker.flag(fragment, t=100.0, score=5.0)] == [fragment.id]


def test_only_words_the_issue_was_about_when_it_opened_anchor():
    """An issue that later took in another story's posts does not own that story's words."""
    w, story, fragment = _story_and_substory()
    issue = w.tracker.issue_of(story)
    assert "tornado" in issue.anchors
    assert w.tracker.anchoring(fragment, story, anchors=frozenset()) == 0.0
    issue.anchors = frozenset({"oklahoma"})
    assert w.tracker.flag(fragment, t=100.0, score=5.0)[0]["issue_id"] == fragment.id


def test_words_an_issue_comes_to_be_about_anchor_too():
    """An issue opened on its first words ("fertilizer plant waco"); by the time its voices have doubled it is about
    "west texas" as well, and a fragment about "west" (a hotline, a vigil) folds into it. Before that it would not."""
    def grown(posts: int):
        w = World()
        story = w.cluster("fertilizer plant waco explosion".split(), 2, t=0.0)
        w.tracker.flag(story, t=0.0, score=3.0)
        for i in range(posts):
            story, _ = w.post("west texas plant explosion".split(), t=1.0 + i, cluster=story)
            w.tracker.on_voice(story, 1.0 + i)
        fragment = None
        for i in range(6):
            fragment, _ = w.post(["west"] + _aside(i), 50.0, cluster=fragment)
        assert fragment is not story
        return w, story, fragment
    w, story, fragment = grown(4)   # 2 voices at opening, 4 (half of them "west texas") at the first doubling
    assert {"west", "texas"} <= w.tracker.issue_of(story).anchors
    assert w.tracker.flag(fragment, t=50.0, score=5.0) == []
    assert w.clusterer.resolve(fragment.id) == story.id
    w, story, fragment = grown(1)   # 3 voices: not doubled yet, its anchors are its first words
    assert "west" not in w.tracker.issue_of(story).anchors
    assert [a["issue_id"] for a in w.tracker.flag(fragment, t=50.0, score=5.0)] == [fragment.id]


def test_a_quiet_issue_takes_no_fragments_by_anchor_words():
    """A story with fewer voices in the last window than the fragment is not live: the fragment is news of its own
    (a new typhoon, while last week's is still open)."""
    w, story, fragment = _story_and_substory(story_t=0.0, substory_t=5000.0, resolve_after_s=10_000.0, issue_posts=20)
    assert w.tracker.anchoring(fragment, story) > 0.8
    assert [a["issue_id"] for a in w.tracker.flag(fragment, t=5000.0, score=5.0)] == [fragment.id]


# ----- the same story in another language (IssueTracker._cross_language)
QUAKE_EN = "strong earthquake shakes guatemala near the pacific coast".split()
QUAKE_ES = "fuerte sismo sacude guatemala esta mañana y hay muertos".split()   # shares only the place's name
COFFEE_EN = "guatemala coffee exports fall as harvest prices drop sharply".split()


def _issue_and_fragment(fragment_words, fragment_t: float = 100.0, **settings):
    """A firing English issue about an earthquake in Guatemala and a flagged-to-be fragment that shares only
    "guatemala" with it: far below reopen_threshold by overlap, and a fourth of its core at most by anchoring."""
    w = World(**{"resolve_after_s": 10_000.0, **settings})
    story = w.cluster(QUAKE_EN, 20, t=0.0)
    first = w.tracker.flag(story, t=0.0, score=3.0)[0]
    assert first["issue_id"] == story.id
    assert first["languages"] == (["en"] if w.tracker.settings.cross_language_window_s else [])
    fragment = w.cluster(fragment_words, 6, t=fragment_t)
    assert fragment is not story
    assert w.tracker.anchoring(fragment, story, w.tracker.issue_of(story).anchors) < 0.4
    return w, story, fragment


def test_the_story_in_another_language_folds_in_by_its_names():
    w, story, fragment = _issue_and_fragment(QUAKE_ES)
    assert w.tracker.issue_of(story).languages == {"en"}
    assert w.tracker.flag(fragment, t=100.0, score=5.0) == []
    assert w.clusterer.resolve(fragment.id) == story.id and len(w.tracker) == 1
    issue = w.tracker.issue_of(story)
    # it is now told in Spanish too: the fragment's words are the issue's, and Spanish is no longer "another language"
    assert issue.languages == {"en", "es"} and {"sismo", "sacude"} <= issue.anchors
    issue.severity = 0
    w.post(QUAKE_ES, 101.0, cluster=story)
    assert w.tracker.on_voice(story, 101.0)[0]["languages"] == ["en", "es"]   # the next alert says so


def test_another_story_about_the_same_place_in_the_same_language_is_its_own_issue():
    """Typhoon Yolanda and the Philippine floods, both in English, share "philippines": a name shared within one
    language is not enough."""
    w, story, fragment = _issue_and_fragment(COFFEE_EN)
    out = w.tracker.flag(fragment, t=100.0, score=5.0)
    assert [a["issue_id"] for a in out] == [fragment.id] and len(w.tracker) == 2


def test_an_issue_older_than_the_cross_language_window_takes_no_fragments_that_way():
    w, story, fragment = _issue_and_fragment(QUAKE_ES, fragment_t=100.0, cross_language_window_s=50.0)
    assert [a["issue_id"] for a in w.tracker.flag(fragment, t=100.0, score=5.0)] == [fragment.id]


def test_cross_language_folding_can_be_turned_off():
    w, story, fragment = _issue_and_fragment(QUAKE_ES, cross_language_window_s=0.0)
    assert [a["issue_id"] for a in w.tracker.flag(fragment, t=100.0, score=5.0)] == [fragment.id]
    assert w.tracker.issue_of(story).languages == frozenset()   # (not guessed when off)


def test_a_name_the_issue_hardly_owns_does_not_fold_across_languages():
    """Other clusters use "guatemala" as much as the issue does (P(issue | guatemala) under the threshold)."""
    w = World(resolve_after_s=10_000.0, cross_language_threshold=0.6)
    story = w.cluster(QUAKE_EN, 20, t=0.0)
    w.tracker.flag(story, t=0.0, score=3.0)
    for k in range(3):
        w.cluster(["guatemala", f"chat{k}a", f"chat{k}b", f"chat{k}c"], 10, t=50.0)
    fragment = w.cluster(QUAKE_ES, 6, t=100.0)
    assert [a["issue_id"] for a in w.tracker.flag(fragment, t=100.0, score=5.0)] == [fragment.id]


@pytest.mark.parametrize("field,value", [("anchor_threshold", 0.0), ("anchor_threshold", 1.5),
                                         ("reopen_threshold", 0.0), ("refire_threshold", 2.0),
                                         ("cross_language_threshold", 0.0), ("cross_language_window_s", -1.0)])
def test_thresholds_are_validated(field, value):
    with pytest.raises(ValueError, match=field):
        IssuesConfig(**{field: value})
