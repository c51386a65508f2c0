"""The checks every detector component passes, as river's ``river/checks`` runs one suite over every estimator.

Each component is described once, as a ``Case``: how to make one, a stream of inputs, how to feed it one input (and
what it answers), and what it has learned. Every check then runs over every case:

- ``deterministic``: two fresh components fed the same stream answer the same and learn the same;
- ``deepcopy`` and ``pickle``: a copy taken mid-stream (as the Kafka host's checkpoints are) continues exactly as the
  original does, and is independent of it (the copy is fed first; the original must still answer as one never copied);
- ``input not mutated``: feeding a component leaves its inputs as they were.

A component's own behaviour (what it finds, its bounds, its settings) is tested in its own module. The last test here
checks that a component's defaults for the settings the config has are the config schema's.
"""
from __future__ import annotations

import copy
import importlib
import inspect
import pickle
import pkgutil
import random
from dataclasses import dataclass
from typing import Any, Callable

import pytest

import groundswell.detectors
from groundswell.config import schema
from groundswell.detectors.burst import BurstTest
from groundswell.detectors.clustering import OnlineClusterer
from groundswell.detectors.compounds import CompoundSplitter
from groundswell.detectors.growth import BucketCounts, Growth
from groundswell.detectors.issues import IssueTracker
from groundswell.detectors.near_duplicates import NearDuplicates
from groundswell.detectors.novelty import WordNovelty
from groundswell.detectors.pipeline import IssueDetector
from groundswell.detectors.text.everyday import everyday_zipf
from groundswell.detectors.text.segment import Tokenizer
from groundswell.detectors.vocabulary import Vocabulary
from tests.detectors.test_clustering import state as clusters_state
from tests.detectors.test_clustering import topical_stream
from tests.detectors.test_issues import OTHER, STORY, World
from tests.detectors.test_near_duplicates import stream as copies_stream
from tests.detectors.test_novelty import EVERYDAY
from tests.detectors.test_pipeline import HOUR, T0, background, by_time, story
from tests.detectors.test_text import ZH_SENTENCES

# datasketch warns when a small HyperLogLog estimate is near its correction threshold; irrelevant here
pytestmark = pytest.mark.filterwarnings("ignore:.*error correction threshold.*:UserWarning")


@dataclass(frozen=True)
class Case:
    make: Callable[[], Any]                  # a fresh component
    stream: Callable[[], list]               # its inputs, in order (a fresh list each call)
    step: Callable[[Any, Any], Any]          # feed one input; returns what the component answered (compared with ==)
    learned: Callable[[Any], Any] = lambda obj: None    # what it has learned (compared with ==)
    cut: Callable[[list], int] = lambda inputs: len(inputs) // 2   # where a copy is taken mid-stream
    # the stream does what the case is there for (e.g. a vocabulary rebase after the cut), given the component at
    # the cut and at the end
    exercised: Callable[[Any, Any], bool] = lambda at_cut, at_end: True


def feed(case: Case, obj, inputs: list) -> list:
    return [case.step(obj, x) for x in inputs]


# ---------------------------------------------------------------- the components


def _vocabulary_docs(seed: int, n: int, vocab_size: int = 300, step: float = 60.0) -> list[tuple[list[str], float]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(vocab_size)]
    t, out = 0.0, []
    for _ in range(n):
        t += rng.uniform(0.0, 2 * step)
        # Zipf-ish: a few common words, a long tail
        out.append(([vocab[min(int(rng.paretovariate(1.0)) - 1, vocab_size - 1)] for _ in range(rng.randint(1, 8))], t))
    return out


def _vocabulary_step(v: Vocabulary, doc):
    terms, t = doc
    w = v.learn_one(terms, t)
    v.refresh()
    return w / v.weight_now(), v.documents, len(v), [v.idf(x) for x in terms[:3]], v.df(terms[0]) if terms else 0


def _clusterer_stream() -> list:
    # half-life 60 s over ~3 h of posts: the continuation crosses vocabulary rebases, which rescale the clusters
    # through a callback, so a copy's vocabulary must call back into the copy; a sweep and expiry now and then
    return [(terms, t, i % 25 == 24) for i, (terms, t) in enumerate(topical_stream(seed=10, n=400))]


def _clusterer_step(cl: OnlineClusterer, post):
    terms, t, housekeeping = post
    cid, sim = cl.predict_one(terms[:3])
    c = cl.learn_one(terms, t)
    merges = expired = None
    if housekeeping:
        merges, expired = cl.sweep(since=t - 600.0), [x.id for x in cl.expire(t)]
    return c.id, cid, round(sim, 12), len(cl), merges, expired


def _growth_posts(seed: int, n: int, voices: int) -> list[tuple[str, float]]:
    rng = random.Random(seed)
    t, out = 0.0, []
    for _ in range(n):
        t += rng.uniform(0, 20)
        out.append((f"a:{rng.randrange(voices)}", t))
    return out


def _growth_step(g: Growth, post):
    voice, t = post
    return g.add(voice, t), g.voices, g.window(t, 3600), tuple(g.curve(t, 6))


def _bucket_step(c: BucketCounts, t: float):
    c.add(t)
    return c.window(t, 300)


def _burst_step(bt: BurstTest, query):
    n, stream_n, own_share, age = query
    return bt.p_value(n, stream_n, own_share), bt.alpha(24 * stream_n), bt.voices_per_day(24 * stream_n, age)


def _novelty_stream() -> list[tuple[list[str], float]]:
    """Four hours of everyday posts (three everyday words each, one every 10 s), then a story's words."""
    rng = random.Random(1)
    chatter = [(rng.sample(EVERYDAY, 3), 10.0 * i) for i in range(4 * 360)]
    return chatter + [(["bridge", "collapse", "tonight"], 4 * 3600 + 30.0 * i) for i in range(10)]


def _novelty_step(n: WordNovelty, post):
    terms, t = post
    n.learn_one(terms, t)
    return n.p_value("bridge"), n.p_value("tonight"), n.ready, n.novel(terms, 1e-3)


def _compounds_stream() -> list[tuple[list[str], float]]:
    rng = random.Random(5)
    words = "boston marathon pray texas west explosion fertilizer plant waco help".split()
    tags = ["prayforboston", "prayfortexas", "westexplosion", "bostonmarathon", "helpwaco", "plantexplosion"]
    return [(rng.sample(words, 3) + ([rng.choice(tags)] if i % 3 == 0 else []), float(i)) for i in range(300)]


def _compounds_step(sp: CompoundSplitter, post):
    terms, t = post
    sp.vocabulary.learn_one(terms, t)
    if int(t) % 50 == 49:
        sp.refresh()
    return sp.expand(terms)


def _tracker_world() -> World:
    w = World(display_term=str.upper)   # (a named function: the tracker pickles with it)
    w.names = {}
    return w


def _tracker_stream() -> list:
    """A story of two posts is flagged, grows by seven voices (past both severities) while another cluster
    chatters, and goes quiet until it resolves."""
    events = [("post", "story", STORY, 0.0), ("post", "story", STORY, 0.0), ("flag", "story", 1.0, 4.2)]
    for i in range(7):
        events += [("post", "story", STORY, 2.0 + i), ("post", "other", OTHER, 2.5 + i)]
    return events + [("flag", "other", 20.0, 3.0), ("tick", 500.0), ("tick", 900.0)]


def _tracker_step(w: World, event):
    kind, *args = event
    if kind == "tick":
        return w.tracker.tick(args[0])
    name, *rest = args
    if kind == "flag":
        t, score = rest
        return w.tracker.flag(w.clusterer.get(w.names[name]), t, score)
    words, t = rest
    c, new = w.post(words, t, cluster=w.clusterer.get(w.names.get(name)))
    w.names[name] = c.id
    out = w.tracker.on_voice(c, t) if new and w.tracker.issue_of(c) is not None else []
    return c.id, new, out


def _tracker_learned(w: World):
    return sorted((cid, i.id, i.status, i.severity, i.seq, sorted(i.anchors)) for cid, i in w.tracker.issues.items())


def _story_stream() -> list:
    return by_time(background(1, 0, 4.5), story(1, 3))


def _detector_step(det: IssueDetector, post):
    issue_id, out = det.learn_one(post)
    return issue_id, out, det.due_reassignments(post.t)


def _detector_learned(det: IssueDetector):
    return det.posts_seen, det.event_time, clusters_state(det.clusterer), sorted(det.issues.fired)


def _texts() -> list[list[str]]:
    en = ["RT @a: Floods! #BostonMarathon", "Flooding floods", "Mégantic rail disaster: evacuated 2,000 people",
          "foo bar explosion at the fertilizer plant in West, Texas"]
    return [en[:2], ZH_SENTENCES[:3], en[2:], ZH_SENTENCES[3:], ["北京地铁今天早上发生故障", "foo 北京地铁 floods"]]


CASES = {
    "Vocabulary": Case(
        make=lambda: Vocabulary(half_life_s=300, max_terms=40),   # (~36000 s at half-life 300: rebases)
        stream=lambda: _vocabulary_docs(seed=2, n=600), step=_vocabulary_step,
        learned=lambda v: (v.documents, len(v), v.weight_now()),
        exercised=lambda at_cut, at_end: at_cut._t_ref != at_end._t_ref),   # a rebase after the cut
    "OnlineClusterer": Case(
        make=lambda: OnlineClusterer(Vocabulary(half_life_s=60), max_clusters=40, idle_ttl_s=3000),
        stream=_clusterer_stream, step=_clusterer_step, learned=clusters_state,
        exercised=lambda at_cut, at_end: at_cut.vocabulary._t_ref != at_end.vocabulary._t_ref),
    "NearDuplicates": Case(
        make=lambda: NearDuplicates(seed=4, max_items=100, horizon_s=2000),
        stream=lambda: copies_stream(seed=3, n=400),
        step=lambda nd, p: (nd.learn_one(*p), nd.predict_one(p[1][::2] + ["zz"]), len(nd))),
    "Growth": Case(
        make=lambda: Growth(exact_voices=100, keep=24), stream=lambda: _growth_posts(2, 800, voices=50),
        step=_growth_step, learned=lambda g: (g.voices, g.posts),
        exercised=lambda at_cut, at_end: at_end._hll is None),                # exact counts throughout
    "Growth, sketched": Case(
        make=lambda: Growth(exact_voices=100, keep=24), stream=lambda: _growth_posts(2, 800, voices=1000),
        step=_growth_step, learned=lambda g: (g.voices, g.posts),
        exercised=lambda at_cut, at_end: at_cut._hll is not None),            # copied as a HyperLogLog
    "BucketCounts": Case(
        make=lambda: BucketCounts(interval_s=60, keep=10), stream=lambda: [i * 13.0 for i in range(200)],
        step=_bucket_step),
    "BurstTest": Case(
        make=lambda: BurstTest(false_alarms_per_day=2.0, background_share=0.02, window_s=1800, min_voices=4),
        stream=lambda: [(n, s, r, a) for n in (3, 9, 40) for s in (100, 300, 5000) for r in (0.0, 0.01, 0.03)
                        for a in (600.0, 90_000.0)],
        step=_burst_step),
    "WordNovelty": Case(
        make=lambda: WordNovelty(min_history_s=3600), stream=_novelty_stream, step=_novelty_step,
        learned=lambda n: (n.ready, n.p_value("collapse")),
        cut=lambda inputs: len(inputs) - 10,                                  # before the story, with a baseline
        exercised=lambda at_cut, at_end: at_cut.ready),
    "CompoundSplitter": Case(
        make=lambda: CompoundSplitter(Vocabulary()), stream=_compounds_stream, step=_compounds_step,
        exercised=lambda at_cut, at_end: at_end.split("prayforboston") == ("pray", "boston")),
    "Tokenizer": Case(
        make=Tokenizer, stream=_texts, step=lambda tok, texts: tok.tokens_many(texts),
        learned=lambda tok: tok.settings()),
    "Tokenizer, search mode": Case(
        make=lambda: Tokenizer(extra_stopwords=["foo"], mode="search", stem_english=False), stream=_texts,
        step=lambda tok, texts: tok.tokens_many(texts), learned=lambda tok: tok.settings()),
    "IssueTracker": Case(
        make=_tracker_world, stream=_tracker_stream, step=_tracker_step, learned=_tracker_learned,
        cut=lambda inputs: 3,                                                 # just after the story is flagged
        exercised=lambda at_cut, at_end: [(i.status, i.severity) for i in at_end.tracker.issues.values()][0]
        == ("resolved", 2)),
    "IssueDetector": Case(
        make=lambda: IssueDetector(schema.DetectorConfig(), tokenize=str.split), stream=_story_stream,
        step=_detector_step, learned=_detector_learned,
        cut=lambda inputs: next(i for i, p in enumerate(inputs) if p.t >= T0 + 3.3 * HOUR),   # mid-story
        exercised=lambda at_cut, at_end: not at_cut.issues.fired and at_end.issues.fired),    # it fires after
}

COPIES = {
    "deepcopy": copy.deepcopy,
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)),   # as checkpoints are
}


# ---------------------------------------------------------------- the checks


ESTIMATOR_METHODS = ("learn_one", "predict_one", "add", "expand", "tokens", "p_value", "flag")


def test_every_component_has_a_case():
    """Every class of groundswell.detectors that learns or answers per item (river's learn_one/predict_one style)
    is run through the checks below (a case is named after its class, then any variant after a comma)."""
    found = set()
    for info in pkgutil.walk_packages(groundswell.detectors.__path__, "groundswell.detectors."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and any(hasattr(cls, m) for m in ESTIMATOR_METHODS):
                found.add(name)
    assert found == {name.split(",")[0] for name in CASES}


@pytest.mark.parametrize("name", CASES)
def test_deterministic(name):
    case = CASES[name]
    inputs = case.stream()
    a, b = case.make(), case.make()
    answers = feed(case, a, inputs)
    assert feed(case, b, inputs) == answers
    assert case.learned(b) == case.learned(a)
    assert any(answers), "the stream got no answer worth comparing"


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("name", CASES)
def test_copy_mid_stream_continues_identically(name, how):
    case = CASES[name]
    inputs = case.stream()
    cut = case.cut(inputs)
    assert 0 < cut < len(inputs)
    reference = case.make()
    expected = feed(case, reference, inputs)[cut:]
    original = case.make()
    feed(case, original, inputs[:cut])
    at_cut = copy.deepcopy(original)
    twin = COPIES[how](original)
    assert type(twin) is type(original)
    assert feed(case, twin, inputs[cut:]) == expected        # the copy first: it must not move the original
    assert feed(case, original, inputs[cut:]) == expected
    assert case.learned(twin) == case.learned(original) == case.learned(reference)
    assert case.exercised(at_cut, original), "the stream no longer does what the case is there for"


@pytest.mark.parametrize("name", CASES)
def test_input_not_mutated(name):
    case = CASES[name]
    inputs = case.stream()
    before = copy.deepcopy(inputs)
    feed(case, case.make(), inputs)
    assert inputs == before


# ---------------------------------------------------------------- defaults


DEFAULTS = [   # (component, the config sections whose settings it takes, as the detector passes them)
    (BurstTest, [schema.BurstConfig]),
    (Vocabulary, [schema.VocabularyConfig]),
    (WordNovelty, [schema.NoveltyConfig, schema.VocabularyConfig]),
    (NearDuplicates, [schema.NearDuplicateConfig]),
    (OnlineClusterer, [schema.ClusteringConfig]),
    (Growth, [schema.BurstConfig]),
    (IssueTracker, [schema.BurstConfig]),
    (Tokenizer, [schema.TextConfig]),
    (everyday_zipf, [schema.TextConfig]),
]


@pytest.mark.parametrize("component,sections", DEFAULTS, ids=[c.__name__ for c, _ in DEFAULTS])
def test_defaults_are_the_schemas(component, sections):
    """A component's default for a setting the config has is the config schema's (one place for defaults)."""
    params = inspect.signature(component).parameters
    shared = 0
    for section in sections:
        for name, field in section.model_fields.items():
            if name in params:
                assert params[name].default == field.default, f"{component.__name__}({name}=...)"
                shared += 1
    assert shared, "no setting in common"
    if component is IssueTracker:
        assert params["settings"].default == schema.IssuesConfig()
