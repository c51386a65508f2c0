"""Issue lifecycle: a flagged cluster becomes an issue that fires, escalates, resolves and may re-fire.

This is the only place with a global view of issues, and it runs on the small stream of flagged clusters and
on the posts of clusters that are already issues. Before a flagged cluster becomes a new issue it is compared
with the issues remembered for ``memory_s`` (open or resolved): if it is the same story, it is folded into that
issue instead of raising a second alert for it. The same story is one whose words overlap enough, or (for a firing
issue) a sub-story whose core words are the issue's own, even if it shares little else (``IssueTracker.anchoring``),
or (for a firing issue that opened recently) the story told in another language, which shares little but its names
(``IssueTracker._cross_language``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from groundswell.config.schema import BurstConfig, IssuesConfig

from .clustering import Cluster, OnlineClusterer
from .display import DisplayTerms
from .state import ClusterState
from .text.language import guess_language
from .times import format_time

_BURST = BurstConfig()   # the defaults of the burst settings the tracker reads are config/schema.py's


@dataclass
class Issue:
    id: str
    opened_t: float
    status: str = "firing"          # firing | resolved | merged
    severity: int = 0
    seq: int = 0
    last_voice_t: float = 0.0
    resolved_t: float | None = None
    score: float = 0.0
    anchors: frozenset = frozenset()   # its cluster's characteristic terms when it opened and as its voices doubled
    anchored_voices: int = 1           # its voices when its anchors were last taken
    base_posts: int = 0     # the cluster's posts and voices from before the issue began (not the issue's own)
    base_voices: int = 0
    first_t: float | None = None   # the issue's first post, when it began after its cluster (else the cluster's)
    samples: tuple = ()            # (post id, text) of the issue's own, when it began after its cluster
    languages: frozenset = frozenset()   # its first posts' language (a guess; none when unsure), and the languages
                                         # of fragments folded into it across languages


@dataclass(frozen=True)
class IssueStart:
    """Where an issue begins inside an older cluster: at the burst, not at the cluster's first post.

    A cluster of everyday posts about a place ("waco", "boston") can take in a new story about it; the issue is the
    story, so its record (id, size, first post, samples) starts with the posts of the burst that flagged it."""
    posts_before: int    # the cluster's posts and voices before the burst
    voices_before: int
    first_t: float       # the burst's first post
    samples: tuple = ()  # (post id, text) from the burst
    post_ids: tuple = ()  # the burst's posts


ANCHOR_CORE = 0.5    # a fragment's core: its characteristic terms used by at least this share of its strongest's posts
ANCHOR_PRIOR = 2.0   # documents added to the stream's other uses of a term (a term met twice tells little)


class IssueTracker:
    """The issues of a clusterer's clusters. ``settings``: the config's ``issues`` section (validated there);
    ``interval_s`` and ``window_s`` are the burst test's (an alert's growth curve is counted per ``interval_s``; a
    story is live while it has voices in the last ``window_s``: see ``anchoring``)."""

    def __init__(self, clusterer: OnlineClusterer, settings: IssuesConfig = IssuesConfig(), *,
                 interval_s: int = _BURST.interval_s, window_s: float = _BURST.window_s, display_term=None,
                 display: DisplayTerms | None = None, urls: dict[str, str] | None = None):
        self.clusterer = clusterer
        self.settings = settings
        self.interval_s = interval_s
        self.window_s = window_s
        self.display_term = display_term or _same
        self.display = display        # terms as people write them, substantive samples (None: the raw ones)
        # (cluster, t) -> the burst test's surprise (-log10 p) of the cluster's growth now, None when it is not
        # abnormal: an issue escalates only while it grows abnormally (None here: by voices alone)
        self.growing = None
        self.urls = urls              # post id -> its url, when the input had one (a dict: checkpointed as data)
        self._issues: dict[str, Issue] = {}   # cluster id of the issue -> issue; insertion order = opened order
        self._pending: list[dict] = []        # records raised outside a call that returns them (merges): see drain
        self.fired: set[str] = set()          # ids of issues an alert went out under, less those merged into another

    def __len__(self) -> int:
        return sum(1 for i in self._issues.values() if i.status == "firing")

    def issue_of(self, cluster: Cluster) -> Issue | None:
        return self._issues.get(cluster.id)

    @property
    def issues(self) -> dict[str, Issue]:
        return self._issues

    # ----- transitions
    def drain(self) -> list[dict]:
        """The alert records raised since the last call outside a call that returns them (an issue resolved because
        its cluster merged into another issue's, in ``on_merge``), oldest first; each is returned once. ``flag``,
        ``on_voice`` and ``tick`` return them with their own; a caller that merges clusters otherwise (the clusterer
        does, as a post joins) drains them after."""
        out, self._pending = self._pending, []
        return out

    def flag(self, cluster: Cluster, t: float, score: float, start: IssueStart | None = None) -> list[dict]:
        """A cluster passed the burst test: re-open its resolved issue, fold it into a remembered issue, or open
        a new one (beginning at ``start`` when given)."""
        return self._flag(cluster, t, score, start) + self.drain()

    def _flag(self, cluster: Cluster, t: float, score: float, start: IssueStart | None = None) -> list[dict]:
        own = self._issues.get(cluster.id)
        if own is not None:
            if own.status != "resolved":
                return []
            own.status, own.resolved_t, own.last_voice_t, own.score = "firing", None, t, score
            own.severity = max(own.severity, self._severity_for(self._voices(cluster, own)))
            return [self._emit(own, cluster, t)]
        # the flagged stream is small, so compare with every remembered issue, both ways (a young fragment's
        # vocabulary may sit inside a big issue's, or the other way round)
        # a story that is firing absorbs a fragment more easily than one that already died down: crises share
        # words ("pray", "victims"), and a new crisis must not be folded into last week's
        best, best_margin = None, 0.0
        for cid, issue in self._issues.items():
            other = self.clusterer.get(cid)
            if other is None or other is cluster or issue.status == "merged":
                continue
            need = self.settings.reopen_threshold if issue.status == "firing" else self.settings.refire_threshold
            sim = max(self.clusterer.similarity(cluster, other), self.clusterer.similarity(other, cluster))
            if sim >= need and sim - need >= best_margin and self.clusterer.mergeable(cluster, other):
                best, best_margin = other, sim - need
        if best is None and self.settings.anchor_threshold is not None:
            # a sub-story of a firing issue ("moore death toll" under "oklahoma tornado") can share only its anchor
            # word with it, too little overlap for reopen_threshold: fold it when its core words are the issue's
            best_anchor = self.settings.anchor_threshold
            own = self._recent(cluster, t)
            for cid, issue in self._issues.items():
                if issue.status != "firing":
                    continue
                other = self.clusterer.get(cid)
                if other is None or other is cluster or self._recent(other, t) < own:
                    # only a story that is live (as many voices in the window as the fragment) takes fragments
                    # in this way: a new event that shares a word with a fading one ("typhoon") is its own story
                    continue
                a = self.anchoring(cluster, other, issue.anchors)
                if a >= best_anchor and self.clusterer.mergeable(cluster, other):
                    best, best_anchor = other, a
        language, words = None, frozenset()
        if best is None and self.settings.cross_language_window_s > 0:
            # (only when not folded yet: for this test, and as a new issue's first language) from what the cluster
            # says now (its recent posts, kept with issues.begin_at_burst), else from its first posts
            state = cluster.state
            texts = (state.recent or state.samples) if state is not None else ()
            language = guess_language(text for _, text in texts)
            if language is not None:
                best = self._cross_language(cluster, language, t)
                if best is not None:
                    # the story is now told in the fragment's language too: its words there are the issue's own, so
                    # that its next fragments in that language fold by anchoring
                    words = self._identity(cluster)
        if best is not None:
            survivor = self.clusterer.merge(best, cluster)
            issue = self._issues[survivor.id]
            if words:
                issue.anchors = issue.anchors | words
                issue.languages = issue.languages | {language}
            if issue.status == "resolved":
                issue.status, issue.resolved_t = "firing", None
                issue.last_voice_t = t
                return [self._emit(issue, survivor, t)]
            return []
        cluster.pinned = True
        issue = Issue(id=cluster.id, opened_t=t, last_voice_t=t, score=score, anchors=self._identity(cluster),
                      languages=frozenset((language,)) if language else frozenset())
        if start is not None:
            # a new id: the cluster's older posts were reported under the cluster's, and stay there (not the issue's)
            cluster.state.issues_begun += 1
            issue.id = f"{cluster.id}.{cluster.state.issues_begun}"
            issue.base_posts, issue.base_voices = start.posts_before, start.voices_before
            issue.first_t, issue.samples = start.first_t, tuple(start.samples)
        self.fired.add(issue.id)
        voices = self._voices(cluster, issue)
        issue.severity = self._severity_for(voices)
        issue.anchored_voices = max(voices, 1)
        self._issues[cluster.id] = issue
        self._bound()
        return [self._emit(issue, cluster, t)]

    def _cross_language(self, fragment: Cluster, language: str, t: float) -> Cluster | None:
        """The firing issue, opened at most ``cross_language_window_s`` ago in another language than ``fragment``'s,
        that owns one of the fragment's core words the most, if it owns it at least ``cross_language_threshold``.

        The same story told in two languages ("sismo guatemala" and "guatemala earthquake") shares little more than
        its names, too little for the overlap and anchoring tests; within one language a second cluster with the
        same name is more often another story about the place, so this applies only across languages, and only
        to an issue that opened recently: the world's echo of an event in other languages comes within hours."""
        best, best_p = None, self.settings.cross_language_threshold
        for cid, issue in self._issues.items():
            if (issue.status != "firing" or not issue.languages or language in issue.languages
                    or t - issue.opened_t > self.settings.cross_language_window_s):
                continue
            other = self.clusterer.get(cid)
            if other is None or other is fragment:
                continue
            p = max((p for _, _, p in self._owned(fragment, other, issue.anchors)), default=0.0)
            if p >= best_p and self.clusterer.mergeable(fragment, other):
                best, best_p = other, p
        return best

    def anchoring(self, fragment: Cluster, issue: Cluster, anchors=None) -> float:
        """How much ``fragment``'s core words belong to ``issue``, in [0, 1].

        The core is the fragment's characteristic terms with at least ``ANCHOR_CORE`` of its strongest term's share
        (the words most of its posts use). Each core term counts by its share in the fragment, times the share of
        the stream's *other* recent documents using it (decayed document frequency, less the fragment's own) that
        went to the issue: P(issue | term). A place or hashtag of the story ("oklahoma", "moor", "abflood") sits
        mostly in the story's issue; an everyday word ("pray", "help") is spread over the stream; and a new event's
        own words ("waco", "fertil") are in no issue yet, so a new story that shares one word with a firing one
        ("explos") does not fold into it. Terms the issue itself hardly uses (below the clusterer's ``min_share``)
        do not count, nor (given ``anchors``, the issue's words when it opened and each time its voices doubled) terms
        it was not about then: an issue that took in another story since does not own that story's words."""
        num = den = 0.0
        for _, share, p in self._owned(fragment, issue, anchors):
            den += share
            num += share * p
        return num / den if den else 0.0

    def _owned(self, fragment: Cluster, issue: Cluster, anchors=None):
        """(term, its share in the fragment, P(issue | term)) for each of the fragment's core terms (see
        ``anchoring``: 0.0 for a term the issue hardly uses or, given ``anchors``, was not about)."""
        core = self.core(fragment)
        if not core or issue.mass <= 0.0:
            return
        vocabulary = self.clusterer.vocabulary
        prior = ANCHOR_PRIOR * vocabulary.weight_now()
        floor = self.clusterer.min_share * issue.mass
        fw, iw = fragment.weights, issue.weights
        for term, share in core:
            wi = iw.get(term, 0.0)
            p = 0.0
            if wi >= floor and wi > 0.0 and (anchors is None or term in anchors):
                elsewhere = vocabulary.scaled_df(term) - fw.get(term, 0.0)
                p = wi / (elsewhere + prior) if elsewhere > 0.0 else 0.0
            yield term, share, (p if p < 1.0 else 1.0)

    def _identity(self, cluster: Cluster) -> frozenset:
        """What a new issue is about: its characteristic terms when it opens."""
        return frozenset(term for term, _ in self.clusterer.characteristic(cluster))

    def _recent(self, cluster: Cluster, t: float) -> int:
        """The cluster's new voices in the last ``window_s``."""
        state = cluster.state
        return state.growth.window(t, self.window_s) if state is not None else 0

    def core(self, cluster: Cluster) -> list[tuple[str, float]]:
        """The cluster's characteristic terms with at least ``ANCHOR_CORE`` of its strongest term's share."""
        top = self.clusterer.characteristic(cluster)
        if not top:
            return []
        floor = ANCHOR_CORE * top[0][1]
        return [(term, share) for term, share in top if share >= floor]

    def on_voice(self, cluster: Cluster, t: float) -> list[dict]:
        """A new voice joined an issue's cluster: escalate when it crosses the next severity."""
        issue = self._issues.get(cluster.id)
        out = self.drain()
        if issue is None:
            return out
        issue.last_voice_t = max(issue.last_voice_t, t)
        voices = self._voices(cluster, issue)
        if voices >= 2 * issue.anchored_voices:
            # what the story is about is clearer with each doubling than from its first few posts ("fertilizer
            # plant waco" opened it; at 40 voices it is "west texas explosion"): those words anchor sub-stories too
            issue.anchored_voices = voices
            issue.anchors = issue.anchors | self._identity(cluster)
        level = self._severity_for(voices)
        if issue.status == "firing" and level > issue.severity:
            # a level is earned by growth, not size: the issue rises only while it is still growing abnormally
            # against what is normal for it (``growing``: the burst test's surprise now, or None when its recent
            # voices are what its own past share of the stream predicts); a big steady topic stays where it is
            surprise_now = self.growing(cluster, t) if self.growing is not None else issue.score
            if surprise_now is None:
                return out
            issue.severity, issue.score = level, surprise_now
            out.append(self._emit(issue, cluster, t))
        return out

    def on_merge(self, survivor: Cluster, absorbed: Cluster) -> None:
        """Keep the issue record with the surviving cluster when two clusters merge."""
        gone = self._issues.pop(absorbed.id, None)
        if gone is not None and survivor.id not in self._issues:
            self._issues[survivor.id] = gone   # the issue keeps its id: receivers know it by that
            if gone.first_t is not None:
                # the survivor's own posts and voices were never the issue's (counts are already merged here)
                gone.base_posts += survivor.posts - absorbed.posts
                g, h = survivor.state, absorbed.state
                if g is not None and h is not None:
                    gone.base_voices += max(g.growth.voices - h.growth.voices, 0)
        elif gone is not None:
            # two issues turned out to be one story: the absorbed one resolves (receivers must not keep it open),
            # the survivor carries on with both clusters' posts and voices
            if gone.status == "firing":
                gone.status = "resolved"
                record = self._emit(gone, survivor, survivor.last_t)
                record["merged_into"] = self._issues[survivor.id].id
                self._pending.append(record)
            gone.status = "merged"
            self.fired.discard(gone.id)   # its posts follow it into the survivor (see IssueDetector.reassignments)

    def tick(self, t: float) -> list[dict]:
        """Resolve issues that went quiet; forget resolved issues past their memory."""
        out = self.drain()
        s = self.settings
        for cid, issue in list(self._issues.items()):
            cluster = self.clusterer.get(cid)
            if cluster is None:
                del self._issues[cid]
                continue
            if issue.status == "firing" and t - issue.last_voice_t > s.resolve_after_s:
                # it went quiet ``resolve_after_s`` after its last voice, whenever the next post comes: after a gap
                # in the stream (a collection restarting weeks later) it is not remembered from the restart on
                issue.status, issue.resolved_t = "resolved", issue.last_voice_t + s.resolve_after_s
                out.append(self._emit(issue, cluster, t))
            if issue.status == "resolved" and t - (issue.resolved_t or t) > s.memory_s:
                cluster.pinned = False
                del self._issues[cid]
        return out

    def _bound(self) -> None:
        excess = len(self._issues) - self.settings.max_open_issues
        for cid, issue in list(self._issues.items()):
            if excess <= 0:
                break
            if issue.status != "firing":
                c = self.clusterer.get(cid)
                if c is not None:
                    c.pinned = False
                del self._issues[cid]
                excess -= 1

    @staticmethod
    def _voices(cluster: Cluster, issue: Issue) -> int:
        """The issue's distinct voices: its cluster's, less those from before the issue began."""
        return cluster.state.growth.voices - issue.base_voices

    def _severity_for(self, voices: int) -> int:
        level = 0
        for i, severity in enumerate(self.settings.severities):
            if voices >= severity.min_voices:
                level = i
        return level

    # ----- the alert record
    def _emit(self, issue: Issue, cluster: Cluster, t: float) -> dict:
        s = self.settings
        issue.seq += 1
        state: ClusterState = cluster.state
        idf = self.clusterer.vocabulary.idf
        ranked = sorted(cluster.weights.items(), key=lambda x: (-x[1] * idf(x[0]), x[0]))
        if self.display is None:
            terms = [self.display_term(term) for term, _ in ranked[: s.top_terms]]
            samples = list(issue.samples or state.samples)[: s.sample_posts]
        else:
            pool = list(issue.samples or state.samples) + list(state.recent)
            texts = [text for _, text in pool]
            terms = self.display.terms([self.display_term(term) for term, _ in ranked[: 3 * s.top_terms]], texts,
                                       s.top_terms)
            samples = self.display.samples(pool, terms, s.sample_posts)
        title = _title(samples, terms)
        urls = self.urls or {}
        return {
            "alert_id": f"{issue.id}:{issue.seq}",
            "issue_id": issue.id,
            "status": "resolved" if issue.status == "resolved" else "firing",
            "severity": s.severities[issue.severity].name,
            "at": format_time(t),
            "first_post_at": format_time(cluster.created_t if issue.first_t is None else issue.first_t),
            "posts": cluster.posts - issue.base_posts,
            "authors": self._voices(cluster, issue),
            "terms": terms,
            "title": title,
            "sample_post_ids": [pid for pid, _ in samples],
            "sample_posts": [_sample(pid, text, urls.get(pid)) for pid, text in samples],
            # the last count is the current interval's, ``current_s`` into it: incomplete, not a fall
            "growth": {"interval_s": self.interval_s, "counts": state.growth.curve(t, s.growth_intervals),
                       "current_s": round(t - (t // self.interval_s) * self.interval_s, 3)},
            "score": round(issue.score, 2),
            "languages": sorted(issue.languages),
            "labels": dict(state.labels),
        }


def _same(term: str) -> str:
    return term


def _sample(pid: str, text: str, url: str | None) -> dict:
    return {"id": pid, "text": text, "url": url} if url else {"id": pid, "text": text}


def _title(samples: list[tuple[str, str]], terms: list[str]) -> str:
    """The sample post that mentions most of the top terms, shortened; else the terms themselves."""
    best, best_hits = None, 0
    for _, text in samples:
        low = text.lower()
        hits = sum(1 for term in terms[:5] if term.lower() in low)
        if hits > best_hits:
            best, best_hits = text, hits
    if best is None:
        return " · ".join(terms[:4])
    best = " ".join(best.split())
    return best if len(best) <= 80 else best[:79] + "…"


def surprise(p_value: float) -> float:
    """-log10 of a p-value, the score reported with an alert."""
    return -math.log10(max(p_value, 1e-300))
