"""The detector: one post in, its issue and any alerts out. Pure and deterministic: time comes with the post.

This is the logic both hosts run (the embedded runner and the Faust agents): text -> terms -> near-copy and
repost collapsing -> online clustering -> growth per cluster -> burst test -> issue lifecycle -> alert records.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Callable

from .burst import BurstTest
from .clustering import Cluster, OnlineClusterer
from .compounds import CompoundSplitter
from .display import DisplayTerms
from .growth import BucketCounts, Growth, first_interval
from .issues import IssueStart, IssueTracker, surprise
from .near_duplicates import NearDuplicates
from .novelty import WordNovelty
from .state import ClusterState
from .text.everyday import everyday_weights, everyday_zipf
from .vocabulary import Vocabulary


@dataclass(frozen=True, slots=True)
class PostIn:
    """What the detector needs of a post (already validated; author already pseudonymised)."""
    id: str
    text: str
    t: float
    author: str | None = None
    repost_of: str | None = None
    lang: str | None = None
    source: str | None = None
    region: str | None = None
    terms: list[str] | tuple[str, ...] | None = None   # already segmented (the hosts tokenise before ordering)
    url: str | None = None    # where the post can be read (display only: alerts' samples link to it)


def _everyday_weights(config) -> dict[str, float] | None:
    """The clusterer's weights of everyday words (see text/everyday.py), as the config's tokenizer writes them."""
    c = config.clustering
    if c.everyday_weight >= 1.0:
        return None
    zipf = everyday_zipf(languages=tuple(c.everyday_languages), zipf_from=c.everyday_zipf_from,
                         stem_english=config.text.stem_english, fold_accents=config.text.fold_accents,
                         segmenter=config.text.segmenter)
    return everyday_weights(zipf, zipf_from=c.everyday_zipf_from, zipf_to=c.everyday_zipf_to,
                            weight=c.everyday_weight)


class IssueDetector:
    """Online issue detection over a stream of posts, on event time.

    >>> from groundswell.config.schema import DetectorConfig
    >>> det = IssueDetector(DetectorConfig.model_validate({"burst": {"warmup_s": 0}}), tokenize=str.split)
    >>> alerts = []
    >>> for i in range(40):   # forty people on one new story within half an hour
    ...     issue, out = det.learn_one(PostIn(f"p{i}", f"bridge collapse river road {i}", t=60.0 * i, author=f"a{i}"))
    ...     alerts += out
    >>> alerts[0]["status"], alerts[0]["posts"] <= 10
    ('firing', True)
    """

    def __init__(self, config, tokenize: Callable[[str], list[str]] | None, id_prefix: str = "c"):
        self.config = config
        self.tokenize = tokenize
        c = config
        self.vocabulary = Vocabulary(half_life_s=c.vocabulary.half_life_s, max_terms=c.vocabulary.max_terms)
        self.clusterer = OnlineClusterer(
            self.vocabulary, assign_threshold=c.clustering.assign_threshold,
            merge_threshold=c.clustering.merge_threshold,
            max_terms_per_cluster=c.clustering.max_terms_per_cluster, max_clusters=c.clustering.max_clusters,
            max_clusters_per_term=c.clustering.max_clusters_per_term, idle_ttl_s=c.clustering.idle_ttl_s,
            min_share=c.clustering.min_share, id_prefix=id_prefix, term_weights=_everyday_weights(c))
        self.near_duplicates = NearDuplicates(
            threshold=c.near_duplicates.threshold, horizon_s=c.near_duplicates.horizon_s,
            max_items=c.near_duplicates.max_items, min_tokens=c.near_duplicates.min_tokens)
        self.burst = BurstTest(
            false_alarms_per_day=c.burst.false_alarms_per_day, background_share=c.burst.background_share,
            window_s=c.burst.window_s, min_voices=c.burst.min_voices, min_growth=c.burst.min_growth)
        self.interval_s = c.burst.interval_s
        # post id -> url of the posts kept as samples (display only: an alert's samples link to their posts)
        self._urls: collections.OrderedDict[str, str] = collections.OrderedDict()
        self.issues = IssueTracker(self.clusterer, c.issues, interval_s=c.burst.interval_s, window_s=c.burst.window_s,
                                   display=DisplayTerms(), urls=self._urls)
        self.clusterer.on_merge = self._on_merge
        self.issues.growing = self._growing
        self.compounds = CompoundSplitter(self.vocabulary)
        n = c.novelty
        self.novelty = WordNovelty(
            fast_half_life_s=n.fast_half_life_s, slow_half_life_s=n.slow_half_life_s, max_gap_s=n.max_gap_s,
            min_history_s=n.min_history_s, max_terms=c.vocabulary.max_terms) if n.enabled else None
        keep = max(c.issues.growth_intervals,
                   int(max(c.burst.window_s, c.burst.slow_window_s) // c.burst.interval_s) + 1) + 1
        self._keep_intervals = keep
        # recent texts kept per cluster, for the samples of an issue that begins at its burst
        self._recent_samples = 4 * c.issues.sample_posts if c.issues.begin_at_burst else 0
        # the stream's voices per interval (posts, less anonymous near-copies), a day back
        self._stream = BucketCounts(self.interval_s, keep=int(86400 // self.interval_s) + 2)
        # post id -> (cluster id it joined, its event time), in processing (event-time) order
        self._post_cluster: collections.OrderedDict[str, tuple[str, float]] = collections.OrderedDict()
        self._told: dict[str, str] = {}   # post id -> the issue id last reported for it (remembered posts only)
        self._root_of: dict[str, str] = {}   # repost id -> the root post of its cascade (remembered posts only)
        self._cascade: dict[str, str] = {}   # root post id -> the cluster its cascade started (when not the root's)
        self._forgotten = 0               # posts dropped from the front of _post_cluster (its first one's number)
        self._fired_after: dict[str, int] = {}   # issue id -> number of remembered posts at its first alert
        self._merged_since_report = False
        self._retold: list[tuple[str, str]] = []   # posts to re-report at once (an issue began inside a cluster)
        self._next_report_t: float | None = None
        self.report_every_s = 3600.0
        self._next_report_posts = 0
        self._max_post_memory = c.near_duplicates.max_items
        self._last_tick: int | None = None
        self._t_max = float("-inf")
        self._t_first: float | None = None
        self._stream_total = 0
        self.posts_seen = 0

    # ----- the stream
    def learn_one(self, post: PostIn) -> tuple[str, list[dict]]:
        """Process one post; returns (issue or cluster id the post joined, alert records emitted)."""
        t = post.t
        out: list[dict] = []
        bucket = int(t // self.interval_s)
        if self._last_tick is None:
            self._last_tick = bucket
        elif bucket > self._last_tick:
            self._last_tick = bucket
            out += self.tick(t)
        if t > self._t_max:
            self._t_max = t
        if self._t_first is None:
            self._t_first = t
        self.posts_seen += 1

        max_tokens = self.config.text.max_tokens
        if post.terms is not None:
            terms = post.terms[:max_tokens]
        else:
            terms = self.tokenize(post.text)[:max_tokens] if post.text else []
        terms = self.compounds.expand(terms) if terms else []   # (expand returns a new list)
        home = root = None
        if post.repost_of is not None:
            home = self._cluster_id_of(post.repost_of)
            if home is not None:   # a repost or comment: it joins the cascade of the post it answers
                root = self._root_of.get(post.repost_of, post.repost_of)
                self._root_of[post.id] = root
                home = self._cascade_home(root, home)
        copy_of = self.near_duplicates.learn_one(post.id, terms, t) if terms else None
        if home is None and copy_of is not None:
            home = self._cluster_id_of(copy_of)
        if not terms and home is None and root is None:
            return None, out      # nothing to cluster on (e.g. a bare repost of an unseen post)
        cluster = self.clusterer.learn_one(terms, t, cluster_id=home, root=root)
        if root is not None and home is None:
            self._cascade[root] = cluster.id
            if len(self._cascade) > self._max_post_memory:
                del self._cascade[next(iter(self._cascade))]
        if self.novelty is not None:
            self.novelty.learn_one(terms, t)
        self._remember(post.id, cluster.id, t)

        state = cluster.state
        if state is None:
            state = cluster.state = ClusterState(
                Growth(interval_s=self.interval_s, keep=self._keep_intervals),
                recent=collections.deque(maxlen=self._recent_samples),   # for an issue that begins later
                stream_at_start=self._stream_total,
                labels={k: v for k, v in (("lang", post.lang), ("source", post.source), ("region", post.region)) if v})
        growth = state.growth
        if copy_of is None and post.text:
            sample = (post.id, post.text[:280])
            samples = state.samples
            if len(samples) < self.config.issues.sample_posts:
                samples.append(sample)
            state.recent.append(sample)   # (kept only with issues.begin_at_burst: maxlen 0 otherwise)
            if post.url:
                urls = self._urls
                urls[post.id] = post.url
                if len(urls) > self._max_post_memory:
                    urls.popitem(last=False)

        voice = ("a:" + post.author) if post.author else ("p:" + (copy_of or post.id))
        if post.author is not None or copy_of is None:
            self._stream.add(t)
            self._stream_total += 1
        if growth.add(voice, t):
            issue = self.issues.issue_of(cluster)
            if issue is not None and issue.status == "firing":
                out += self.issues.on_voice(cluster, t)
            elif growth.voices >= self.burst.min_voices:   # a new cluster, or a resolved issue flaring up again
                out += self._test(cluster, growth, t)
        out += self.issues.drain()
        for a in out:
            if a["status"] == "firing" and a["issue_id"] not in self._fired_after:
                self._fired_after[a["issue_id"]] = self._forgotten + len(self._post_cluster)
        issue = self.issues.issue_of(cluster)
        told = issue.id if issue is not None else cluster.id
        self._told[post.id] = told
        return told, out

    def _test(self, cluster: Cluster, growth: Growth, t: float) -> list[dict]:
        bt = self.burst
        slow_s = self.config.burst.slow_window_s
        p = self._p_value(cluster, growth, t, bt.window_s)
        if p is None:
            return []
        if t - self._t_first < self.config.burst.warmup_s:
            return []   # (off by default: the budget below already allows for a young stream)
        alpha = self._alpha(t)
        slow = False
        if slow_s:
            if p >= alpha:
                # a slow-onset issue (a storm approaching, a thinly sampled feed), active now but never bursting
                # within window_s: judge its growth over slow_window_s, against its share of the stream before that
                p, slow = self._p_value(cluster, growth, t, slow_s), True
        if p is None or p >= alpha:
            return []
        new = self.issues.issue_of(cluster) is None   # (else a resolved issue flaring up again)
        # (not for a slow-window flag: a slow-onset story's words rise as slowly as its voices)
        # (nor for a repost cascade: what is new is the post its voices spread, not its comments' words)
        if (self.novelty is not None and new and not slow and not cluster.roots
                and not self.novelty.novel([term for term, _ in self.issues.core(cluster)], alpha)):
            # its voices jumped but none of its words did: an everyday cluster that took over everyday words
            return []
        start = self._burst_start(cluster, growth, t) if new and self.config.issues.begin_at_burst else None
        out = self.issues.flag(cluster, t, surprise(p), start)
        # (a cluster that had no issue has one after flag only if flag opened it, at ``start``: folded into another
        # issue, the cluster is gone and its id no longer names an issue)
        issue = self.issues.issue_of(cluster)
        if start is not None and issue is not None:
            # the burst's posts were reported under the cluster's id: the alert is about them, so they are
            # re-reported under the issue's at once
            told, retold = self._told, self._retold
            for pid in start.post_ids:
                if pid in told:
                    told[pid] = issue.id
                    retold.append((pid, issue.id))
        return out

    def _alpha(self, t: float) -> float:
        """The burst test's p-value cut at ``t``: the false-alarm budget over a day's tests at the stream's rate,
        halved when ``slow_window_s`` gives each growth two looks (Bonferroni)."""
        bt = self.burst
        alpha = bt.alpha(voices_per_day=bt.voices_per_day(self._stream.window(t, 86400.0), t - self._t_first))
        return alpha / 2 if self.config.burst.slow_window_s else alpha

    def _growing(self, cluster: Cluster, t: float) -> float | None:
        """The burst test's surprise (-log10 p) for the cluster's voices of the last ``window_s`` (or of
        ``slow_window_s``), against the stream and the cluster's own past share, when it passes the test at the
        false-alarm budget; None when its growth is what an everyday topic of its size would show."""
        state = cluster.state
        if state is None:
            return None
        alpha = self._alpha(t)
        best = None
        for window_s in filter(None, (self.burst.window_s, self.config.burst.slow_window_s)):
            p = self._p_value(cluster, state.growth, t, window_s)
            if p is not None and p < alpha and (best is None or p < best):
                best = p
        return surprise(best) if best is not None else None

    def _burst_start(self, cluster: Cluster, growth: Growth, t: float) -> IssueStart | None:
        """Where an issue flagged in ``cluster`` now would begin, if not at the cluster's first post (None): at the
        burst, the cluster's posts of the last ``window_s``, when it had voices before them."""
        n = growth.window(t, self.burst.window_s)
        before = growth.voices - n
        if before <= 0:
            return None
        since = first_interval(self.interval_s, t, self.burst.window_s) * self.interval_s   # as growth.window counts
        resolve, cid = self.clusterer.resolve, cluster.id
        first_t, ids = None, []
        for pid, (c, pt) in reversed(self._post_cluster.items()):   # the newest posts: at most a window's worth
            if pt < since:
                break
            if c == cid or resolve(c) == cid:
                first_t = pt
                ids.append(pid)
        if not ids:
            return None
        ids.reverse()
        texts = dict(cluster.state.recent)
        samples = [(pid, texts[pid]) for pid in ids if pid in texts][: self.config.issues.sample_posts]
        return IssueStart(posts_before=cluster.posts - len(ids), voices_before=before, first_t=first_t,
                          samples=tuple(samples), post_ids=tuple(ids))

    def _p_value(self, cluster: Cluster, growth: Growth, t: float, window_s: float) -> float | None:
        """The burst test's p-value for the cluster's new voices in the last ``window_s`` (None: too few to test)."""
        bt = self.burst
        n = growth.window(t, window_s)
        if n < bt.min_voices or n < self.config.burst.min_recent_fraction * growth.voices:
            return None   # too few, or mostly old voices: an established topic, not an emerging one
        stream_n = self._stream.window(t, window_s)
        # the cluster's own share of the stream before this window: an everyday topic keeps its share as the
        # day's volume rises and falls; a new story's share jumps
        before = growth.voices - n
        stream_before = self._stream_total - stream_n - cluster.state.stream_at_start
        own_share = before / stream_before if before > 0 and stream_before >= bt.min_voices else 0.0
        return bt.p_value(n, stream_n, own_share)

    def _cascade_home(self, root: str, parent_cluster: str) -> str | None:
        """The cluster of ``root``'s repost cascade: a cascade is one issue. Its first repost finds the root in a
        cluster (which the root joined by its words); a cluster that already holds another cascade does not take
        this one (two posts telling one story, each reposted, are two cascades: officials see which post spread),
        and the cascade starts its own cluster (None: a new one)."""
        known = self._cascade.get(root)
        if known is not None and self.clusterer.get(known) is not None:
            return known
        c = self.clusterer.get(parent_cluster)
        if c is None or (c.roots and root not in c.roots):
            return None
        return c.id

    def _cluster_id_of(self, post_id: str) -> str | None:
        hit = self._post_cluster.get(post_id)
        return hit[0] if hit is not None else None

    def _remember(self, post_id: str, cluster_id: str, t: float) -> None:
        pc = self._post_cluster
        pc[post_id] = (cluster_id, t)
        if len(pc) > self._max_post_memory:
            old, _ = pc.popitem(last=False)
            self._told.pop(old, None)
            self._root_of.pop(old, None)
            self._forgotten += 1

    def reassignments(self) -> list[tuple[str, str]]:
        """Posts whose issue changed since it was reported (their cluster merged into another, or became part of
        an issue), as (post id, issue id), oldest first; each is reported once. Only remembered posts (the last
        ``near_duplicates.max_items``) can be corrected. Posts reported under an issue that fired keep that id:
        an alert went out about them, and receivers know them by it; unless that issue merged into another (its
        last alert said ``merged_into``), then they follow it. Posts from before an issue's first alert are not
        moved into it later (a cluster or issue merged in after the alert): the alert's record of what it was about,
        when it fired, stays as it was."""
        out, self._retold = self._retold, []
        if not self._merged_since_report:
            return out
        self._merged_since_report = False
        told, resolve, clusters, fired = self._told, self.clusterer.resolve, self.clusterer, self.issues.fired
        fired_after = self._fired_after
        for seq, (pid, (cid, _)) in enumerate(self._post_cluster.items(), self._forgotten):
            if told.get(pid) in fired:
                continue
            c = clusters.get(resolve(cid))
            if c is None:
                continue
            issue = self.issues.issue_of(c)
            if issue is not None and seq < fired_after.get(issue.id, -1):
                continue
            now = issue.id if issue is not None else c.id
            if told.get(pid) != now:
                told[pid] = now
                out.append((pid, now))
        return out

    def due_reassignments(self, t: float) -> list[tuple[str, str]]:
        """``reassignments`` at most once per ``report_every_s`` of event time and per a tenth of the post memory
        (called by the hosts per post)."""
        if self._next_report_t is None:
            self._next_report_t = t + self.report_every_s
        # a report scans the remembered posts (up to near_duplicates.max_items), so it also waits for that many
        # posts/10 to pass: cheap per post in a fast replay, hourly in a live stream
        if t < self._next_report_t or self.posts_seen < self._next_report_posts:
            out, self._retold = self._retold, []   # (re-reports of an issue's beginning go out at once)
            return out
        self._next_report_t = t + self.report_every_s
        self._next_report_posts = self.posts_seen + self._max_post_memory // 10
        return self.reassignments()

    def _on_merge(self, survivor: Cluster, absorbed: Cluster) -> None:
        self._merged_since_report = True
        if absorbed.state is not None:
            if survivor.state is not None:
                survivor.state.absorb(absorbed.state, self.config.issues.sample_posts)
            else:
                survivor.state = absorbed.state
        self.issues.on_merge(survivor, absorbed)

    def tick(self, t: float) -> list[dict]:
        """Housekeeping on event time: resolve quiet issues, expire idle clusters."""
        self.vocabulary.refresh()
        self.compounds.refresh()
        self.clusterer.sweep(since=t - self.interval_s)
        out = self.issues.tick(t)
        self.clusterer.expire(t)
        return out

    @property
    def event_time(self) -> float | None:
        """The newest event time seen (None before the first post)."""
        return self._t_max if self._t_first is not None else None

    def cluster_of(self, post_id: str) -> str | None:
        cid = self._cluster_id_of(post_id)
        return self.clusterer.resolve(cid) if cid is not None else None
