"""Issue lifecycle: a flagged cluster becomes an issue that fires, escalates, resolves and may re-fire.

This is the only place with a global view of issues, and it runs on the small stream of flagged clusters and
on the posts of clusters that are already issues. Before a flagged cluster becomes a new issue it is compared
with the issues remembered for ``memory_s`` (open or resolved): if it is the same story, it is folded into that
issue instead of raising a second alert for it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .clustering import Cluster, OnlineClusterer
from .growth import Growth
from .times import format_time


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


@dataclass
class IssueSettings:
    severities: tuple[tuple[str, int], ...] = (("blue", 0), ("yellow", 50), ("orange", 200), ("red", 1000))
    resolve_after_s: float = 6 * 3600
    reopen_threshold: float = 0.3
    refire_threshold: float = 0.5
    memory_s: float = 30 * 86400
    max_open_issues: int = 5000
    sample_posts: int = 3
    top_terms: int = 8
    growth_intervals: int = 12
    interval_s: int = 300


class IssueTracker:
    def __init__(self, clusterer: OnlineClusterer, settings: IssueSettings = IssueSettings(),
                 display_term=None):
        self.clusterer = clusterer
        self.settings = settings
        self.display_term = display_term or _same
        self._issues: dict[str, Issue] = {}   # cluster id of the issue -> issue; insertion order = opened order
        self.pending: list[dict] = []         # records raised outside a call that returns them (merges)
        self.fired: set[str] = set()          # ids of issues that ever fired (an alert went out under them)

    def __len__(self) -> int:
        return sum(1 for i in self._issues.values() if i.status == "firing")

    def issue_of(self, cluster: Cluster) -> Issue | None:
        return self._issues.get(cluster.id)

    @property
    def issues(self) -> dict[str, Issue]:
        return self._issues

    # ----- transitions
    def _drain(self) -> list[dict]:
        out, self.pending = self.pending, []
        return out

    def flag(self, cluster: Cluster, t: float, score: float) -> list[dict]:
        """A cluster passed the burst test: re-open its resolved issue, fold it into a remembered issue, or open
        a new one."""
        return self._flag(cluster, t, score) + self._drain()

    def _flag(self, cluster: Cluster, t: float, score: float) -> list[dict]:
        own = self._issues.get(cluster.id)
        if own is not None:
            if own.status != "resolved":
                return []
            own.status, own.resolved_t, own.last_voice_t, own.score = "firing", None, t, score
            own.severity = max(own.severity, self._severity_for(cluster))
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
            if sim >= need and sim - need >= best_margin:
                best, best_margin = other, sim - need
        if best is not None:
            survivor = self.clusterer.merge(best, cluster)
            issue = self._issues[survivor.id]
            if issue.status == "resolved":
                issue.status, issue.resolved_t = "firing", None
                issue.last_voice_t = t
                return [self._emit(issue, survivor, t)]
            return []
        cluster.pinned = True
        issue = Issue(id=cluster.id, opened_t=t, last_voice_t=t, score=score)
        self.fired.add(issue.id)
        issue.severity = self._severity_for(cluster)
        self._issues[cluster.id] = issue
        self._bound()
        return [self._emit(issue, cluster, t)]

    def on_voice(self, cluster: Cluster, t: float) -> list[dict]:
        """A new voice joined an issue's cluster: escalate when it crosses the next severity."""
        issue = self._issues.get(cluster.id)
        out = self._drain()
        if issue is None:
            return out
        issue.last_voice_t = max(issue.last_voice_t, t)
        level = self._severity_for(cluster)
        if issue.status == "firing" and level > issue.severity:
            issue.severity = level
            out.append(self._emit(issue, cluster, t))
        return out

    def on_merge(self, survivor: Cluster, absorbed: Cluster) -> None:
        """Keep the issue record with the surviving cluster when two clusters merge."""
        gone = self._issues.pop(absorbed.id, None)
        if gone is not None and survivor.id not in self._issues:
            self._issues[survivor.id] = gone   # the issue keeps its id: receivers know it by that
        elif gone is not None:
            # two issues turned out to be one story: the absorbed one resolves (receivers must not keep it open),
            # the survivor carries on with both clusters' posts and voices
            if gone.status == "firing":
                gone.status = "resolved"
                record = self._emit(gone, survivor, survivor.last_t)
                record["merged_into"] = self._issues[survivor.id].id
                self.pending.append(record)
            gone.status = "merged"

    def tick(self, t: float) -> list[dict]:
        """Resolve issues that went quiet; forget resolved issues past their memory."""
        out = self._drain()
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

    def _severity_for(self, cluster: Cluster) -> int:
        voices = cluster.data["growth"].voices
        level = 0
        for i, (_, min_voices) in enumerate(self.settings.severities):
            if voices >= min_voices:
                level = i
        return level

    # ----- the alert record
    def _emit(self, issue: Issue, cluster: Cluster, t: float) -> dict:
        s = self.settings
        issue.seq += 1
        growth: Growth = cluster.data["growth"]
        idf = self.clusterer.vocabulary.idf
        ranked = sorted(cluster.weights.items(), key=lambda x: (-x[1] * idf(x[0]), x[0]))
        terms = [self.display_term(term) for term, _ in ranked[: s.top_terms]]
        samples = cluster.data.get("samples", [])[: s.sample_posts]
        title = _title(samples, terms)
        return {
            "alert_id": f"{issue.id}:{issue.seq}",
            "issue_id": issue.id,
            "status": "resolved" if issue.status == "resolved" else "firing",
            "severity": s.severities[issue.severity][0],
            "at": format_time(t),
            "first_post_at": format_time(cluster.created_t),
            "posts": cluster.posts,
            "authors": growth.voices,
            "terms": terms,
            "title": title,
            "sample_post_ids": [pid for pid, _ in samples],
            "sample_posts": [{"id": pid, "text": text} for pid, text in samples],
            "growth": {"interval_s": s.interval_s, "counts": growth.curve(t, s.growth_intervals)},
            "score": round(issue.score, 2),
            "labels": dict(cluster.data.get("labels", {})),
        }


def _same(term: str) -> str:
    return term


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
