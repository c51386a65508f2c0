"""What the detector keeps per cluster besides the clusterer's own counts: ``Cluster.state``.

The pipeline creates it when a cluster takes its first post (``IssueDetector.learn_one``) and folds it on merges;
the issue tracker reads it for the burst's samples and an alert's growth, samples and labels, and counts the issues
begun inside the cluster.

>>> from groundswell.detectors.growth import Growth
>>> a, b = ClusterState(Growth(interval_s=300)), ClusterState(Growth(interval_s=300))
>>> a.growth.add("a:1", t=0.0) and b.growth.add("a:2", t=10.0)
True
>>> a.samples.append(("p1", "bridge closed")); b.samples.append(("p2", "river bridge"))
>>> a.absorb(b, sample_posts=3)
>>> a.growth.voices, a.samples
(2, [('p1', 'bridge closed'), ('p2', 'river bridge')])
"""
from __future__ import annotations

import collections
from dataclasses import dataclass, field

from .growth import Growth


@dataclass(slots=True)
class ClusterState:
    growth: Growth                   # distinct voices, and posts and new voices per interval
    samples: list[tuple[str, str]] = field(default_factory=list)   # (post id, text) of its first posts
    # (post id, text) of its latest posts, for the samples of an issue that begins at its burst (kept with
    # issues.begin_at_burst only: maxlen 0 otherwise)
    recent: collections.deque = field(default_factory=lambda: collections.deque(maxlen=0))
    stream_at_start: int = 0         # the stream's voice count when the cluster was born
    labels: dict[str, str] = field(default_factory=dict)   # lang, source, region of its first post (when given)
    issues_begun: int = 0            # issues begun inside the cluster at a burst (see IssueTracker.flag)

    def absorb(self, other: ClusterState, sample_posts: int) -> None:
        """Fold another cluster's state into this one (its cluster merged into this one's): its voices and posts,
        and its samples while fewer than ``sample_posts`` are kept."""
        self.growth.absorb(other.growth)
        room = sample_posts - len(self.samples)
        self.samples.extend(other.samples[:max(room, 0)])
