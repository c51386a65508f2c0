"""Online clustering of posts into topic clusters with bounded memory.

Each cluster keeps a term profile: the share of its (exponentially recency-weighted) posts that contain each term,
capped to its ``max_terms_per_cluster`` strongest terms. A post joins the cluster that explains the largest
IDF-weighted share of its terms, if that share reaches ``assign_threshold``; otherwise it starts a new cluster.
Clusters that grow are compared with their neighbours and merged when their profiles agree (``merge_threshold``),
so an issue that starts in several places ends up as one cluster; the absorbed cluster's id becomes an alias.
Memory is bounded by ``max_clusters`` (least recently active clusters are forgotten first); idle clusters expire.

>>> from groundswell.detectors.vocabulary import Vocabulary
>>> vocab = Vocabulary()
>>> cl = OnlineClusterer(vocab, assign_threshold=0.3)
>>> for i, text in enumerate(["bridge closed river", "river bridge closed police", "cat video funny"]):
...     vocab.learn_one(text.split(), t=float(i))
...     _ = cl.learn_one(text.split(), t=float(i))
>>> cl.predict_one("bridge closed".split())[0] == cl.predict_one("river bridge".split())[0]
True
"""
from __future__ import annotations

import math
from typing import Callable, Iterable

from .vocabulary import Vocabulary


class Cluster:
    """Learned state of one cluster. Read-only for callers: mutate through the clusterer."""

    __slots__ = ("id", "created_t", "last_t", "weights", "mass", "t_ref", "posts", "merged_posts",
                 "next_merge_check", "pinned", "data")

    def __init__(self, cid: str, t: float):
        self.id = cid
        self.created_t = t
        self.last_t = t
        self.weights: dict[str, float] = {}
        self.mass = 0.0
        self.t_ref = t
        self.posts = 0
        self.merged_posts = 0
        self.next_merge_check = 2
        self.pinned = False   # pinned clusters (open issues) are not evicted for space
        self.data: dict = {}  # per-cluster state owned by other components (growth, samples)

    def share(self, term: str) -> float:
        return self.weights.get(term, 0.0) / self.mass if self.mass else 0.0

    def top_terms(self, k: int) -> list[tuple[str, float]]:
        """The ``k`` strongest terms with their share of the cluster's posts, strongest first (ties by term)."""
        m = self.mass or 1.0
        return sorted(((t, w / m) for t, w in self.weights.items()), key=lambda x: (-x[1], x[0]))[:k]


class OnlineClusterer:
    def __init__(self, vocabulary: Vocabulary, *, assign_threshold: float = 0.35, merge_threshold: float = 0.5,
                 half_life_s: float = 12 * 3600, max_terms_per_cluster: int = 48, max_clusters: int = 50_000,
                 max_clusters_per_term: int = 64, idle_ttl_s: float = 24 * 3600, min_idf: float = 0.5,
                 id_prefix: str = "c"):
        for name, v in (("assign_threshold", assign_threshold), ("merge_threshold", merge_threshold)):
            if not 0.0 < v <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {v!r}")
        if half_life_s <= 0 or idle_ttl_s <= 0:
            raise ValueError("half_life_s and idle_ttl_s must be positive")
        if max_terms_per_cluster < 4 or max_clusters < 10 or max_clusters_per_term < 2:
            raise ValueError("max_terms_per_cluster >= 4, max_clusters >= 10, max_clusters_per_term >= 2")
        self.vocabulary = vocabulary
        self.assign_threshold = assign_threshold
        self.merge_threshold = merge_threshold
        self.half_life_s = half_life_s
        self.max_terms_per_cluster = max_terms_per_cluster
        self.max_clusters = max_clusters
        self.max_clusters_per_term = max_clusters_per_term
        self.idle_ttl_s = idle_ttl_s
        self.min_idf = min_idf
        self.id_prefix = id_prefix
        self._clusters: dict[str, Cluster] = {}          # insertion order = least recently active first
        self._index: dict[str, dict[str, None]] = {}     # term -> cluster ids holding it (ordered for determinism)
        self._alias: dict[str, str] = {}                 # absorbed cluster id -> absorbing cluster id
        self._next_id = 0
        self.on_merge: Callable[[Cluster, Cluster], None] | None = None   # (survivor, absorbed)
        self.on_evict: Callable[[Cluster], None] | None = None

    # ----- lookups
    def __len__(self) -> int:
        return len(self._clusters)

    def __iter__(self):
        return iter(self._clusters.values())

    def get(self, cid: str | None) -> Cluster | None:
        return self._clusters.get(self.resolve(cid)) if cid is not None else None

    def resolve(self, cid: str) -> str:
        """Follow merge aliases to the live cluster id (path-compressed)."""
        alias = self._alias
        root = cid
        while root in alias:
            root = alias[root]
        while cid in alias and alias[cid] != root:
            alias[cid], cid = root, alias[cid]
        return root

    def _weights(self, terms: Iterable[str]) -> dict[str, float]:
        idf = self.vocabulary.idf
        return {t: idf(t) for t in dict.fromkeys(terms)}

    def _scores(self, w: dict[str, float]) -> dict[str, float]:
        acc: dict[str, float] = {}
        clusters, index, min_idf = self._clusters, self._index, self.min_idf
        for term, wt in w.items():
            if wt < min_idf:
                continue
            ids = index.get(term)
            if not ids:
                continue
            for cid in ids:
                c = clusters[cid]
                acc[cid] = acc.get(cid, 0.0) + wt * c.weights[term] / c.mass
        return acc

    def predict_one(self, terms: Iterable[str]) -> tuple[str | None, float]:
        """(best cluster id, similarity in [0, 1]) for a post's terms; (None, 0.0) when nothing shares a term."""
        w = self._weights(terms)
        total = sum(w.values())
        if total <= 0:
            return None, 0.0
        acc = self._scores(w)
        if not acc:
            return None, 0.0
        best = max(acc, key=acc.__getitem__)   # first maximum in index order: deterministic
        return best, acc[best] / total

    # ----- learning
    def learn_one(self, terms: list[str], t: float, cluster_id: str | None = None) -> Cluster:
        """Add a post to ``cluster_id`` (e.g. the cluster of the post it reposts) or to the best/new cluster."""
        c = self.get(cluster_id) if cluster_id is not None else None
        if c is None:
            cid, sim = self.predict_one(terms)
            if cid is not None and sim >= self.assign_threshold:
                c = self._clusters[cid]
        if c is None:
            c = self._new_cluster(t)
        self._add(c, terms, t)
        if c.posts >= c.next_merge_check:
            c.next_merge_check = c.posts * 2
            c = self.merge_neighbours(c)
        return c

    def _new_cluster(self, t: float) -> Cluster:
        self._next_id += 1
        c = Cluster(f"{self.id_prefix}{self._next_id}", t)
        self._clusters[c.id] = c
        if len(self._clusters) > self.max_clusters:
            self._evict_one()
        return c

    def _add(self, c: Cluster, terms: Iterable[str], t: float) -> None:
        exponent = (t - c.t_ref) / self.half_life_s
        if exponent > 30:
            self._rebase(c, t)
            exponent = 0.0
        w = 2.0 ** exponent
        weights = c.weights
        index = self._index
        for term in dict.fromkeys(terms):
            if term in weights:
                weights[term] += w
            else:
                weights[term] = w
                ids = index.get(term)
                if ids is None:
                    index[term] = {c.id: None}
                else:
                    ids[c.id] = None
                    if len(ids) > 2 * self.max_clusters_per_term:
                        self._trim_posting(term, ids)
        c.mass += w
        c.posts += 1
        if t > c.last_t:
            c.last_t = t
        # move to the end: most recently active last
        clusters = self._clusters
        del clusters[c.id]
        clusters[c.id] = c
        if len(weights) > 2 * self.max_terms_per_cluster:
            self._prune_terms(c)

    def _rebase(self, c: Cluster, t: float) -> None:
        factor = 2.0 ** (-(t - c.t_ref) / self.half_life_s)
        c.weights = {k: v * factor for k, v in c.weights.items()}
        c.mass *= factor
        c.t_ref = t

    def _prune_terms(self, c: Cluster) -> None:
        keep = dict(sorted(c.weights.items(), key=lambda x: (-x[1], x[0]))[: self.max_terms_per_cluster])
        for term in c.weights:
            if term not in keep:
                self._unindex(term, c.id)
        c.weights = keep

    def _unindex(self, term: str, cid: str) -> None:
        ids = self._index.get(term)
        if ids is not None:
            ids.pop(cid, None)
            if not ids:
                del self._index[term]

    def _trim_posting(self, term: str, ids: dict[str, None]) -> None:
        clusters = self._clusters
        ranked = sorted(ids, key=lambda cid: -clusters[cid].weights[term] * (1.0 if clusters[cid].pinned else 0.5))
        drop = ranked[self.max_clusters_per_term:]
        for cid in drop:
            del ids[cid]
            c = clusters[cid]
            c.weights.pop(term, None)

    def _remove(self, c: Cluster) -> None:
        for term in c.weights:
            self._unindex(term, c.id)
        del self._clusters[c.id]

    def _evict_one(self) -> None:
        for c in self._clusters.values():   # least recently active first
            if not c.pinned:
                self._remove(c)
                if self.on_evict:
                    self.on_evict(c)
                return

    def expire(self, t: float) -> list[Cluster]:
        """Forget unpinned clusters idle for longer than ``idle_ttl_s``; returns them."""
        gone = []
        for c in list(self._clusters.values()):
            if t - c.last_t <= self.idle_ttl_s:
                break   # ordered by activity: the rest are more recent
            if not c.pinned:
                self._remove(c)
                gone.append(c)
                if self.on_evict:
                    self.on_evict(c)
        if len(self._alias) > 4 * self.max_clusters:   # aliases of long-gone clusters are no longer asked for
            self._alias = {k: v for k, v in self._alias.items() if v in self._clusters}
        return gone

    # ----- merging
    def similarity(self, a: Cluster, b: Cluster) -> float:
        """IDF-weighted cosine between two clusters' term profiles."""
        idf = self.vocabulary.idf
        dot = na = nb = 0.0
        for term, wa in a.weights.items():
            x = idf(term) ** 2
            pa = wa / a.mass
            na += x * pa * pa
            wb = b.weights.get(term)
            if wb:
                dot += x * pa * wb / b.mass
        for term, wb in b.weights.items():
            pb = wb / b.mass
            nb += idf(term) ** 2 * pb * pb
        return dot / math.sqrt(na * nb) if na and nb else 0.0

    def neighbours(self, c: Cluster, k_terms: int = 8) -> list[tuple[Cluster, float]]:
        """Clusters sharing one of ``c``'s strongest terms, with their similarity to ``c``, best first."""
        seen: dict[str, None] = {}
        for term, _ in c.top_terms(k_terms):
            for cid in self._index.get(term, ()):
                if cid != c.id:
                    seen[cid] = None
        out = [(self._clusters[cid], self.similarity(c, self._clusters[cid])) for cid in seen]
        out.sort(key=lambda x: -x[1])
        return out

    def merge_neighbours(self, c: Cluster, threshold: float | None = None) -> Cluster:
        """Merge ``c`` with every neighbour at least ``threshold`` similar; returns the surviving cluster."""
        threshold = self.merge_threshold if threshold is None else threshold
        for other, sim in self.neighbours(c):
            if sim < threshold:
                break
            if other.id not in self._clusters or c.id not in self._clusters:
                continue
            c = self.merge(c, other)
        return c

    def merge(self, a: Cluster, b: Cluster) -> Cluster:
        """Merge two clusters; the pinned, else the larger, survives. Returns the survivor."""
        if (b.pinned, b.posts, -b.created_t) > (a.pinned, a.posts, -a.created_t):
            a, b = b, a
        factor = 2.0 ** ((b.t_ref - a.t_ref) / self.half_life_s)
        index = self._index
        for term, wb in b.weights.items():
            self._unindex(term, b.id)
            if term in a.weights:
                a.weights[term] += wb * factor
            else:
                a.weights[term] = wb * factor
                index.setdefault(term, {})[a.id] = None
        a.mass += b.mass * factor
        a.posts += b.posts
        a.merged_posts += b.posts
        a.created_t = min(a.created_t, b.created_t)
        a.last_t = max(a.last_t, b.last_t)
        a.pinned = a.pinned or b.pinned
        del self._clusters[b.id]
        self._alias[b.id] = a.id
        if self.on_merge:
            self.on_merge(a, b)
        if len(a.weights) > 2 * self.max_terms_per_cluster:
            self._prune_terms(a)
        return a
