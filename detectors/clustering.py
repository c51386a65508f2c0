"""Online clustering of posts into topic clusters with bounded memory.

Each cluster keeps recency-weighted counts of its terms (the vocabulary's decay, so counts are comparable across
clusters and with the vocabulary's document frequencies), capped to its ``max_terms_per_cluster`` strongest terms.
A post's known terms vote for clusters: term ``t`` gives cluster ``c`` the share of ``t``'s recent uses that fell in
``c``, P(c|t). A post joins the cluster with the largest mean vote if it reaches ``assign_threshold``, else it starts a
new cluster. Terms seen nowhere else carry no vote and terms spread over many clusters carry little, so clusters
form around what is specific to a story (place names, incident words) even when that story dominates the stream
(where IDF would call its words common). Growing clusters are compared with their neighbours and merged when most
of one's vocabulary lives in the other (``merge_threshold``); the absorbed cluster's id becomes an alias.
Memory is bounded by ``max_clusters`` (least recently active clusters are forgotten first); idle clusters expire.

>>> from groundswell.detectors.vocabulary import Vocabulary
>>> vocab = Vocabulary()
>>> cl = OnlineClusterer(vocab)
>>> for i, text in enumerate(["bridge closed river", "river bridge closed police", "cat video funny"]):
...     _ = cl.learn_one(text.split(), t=float(i))   # also counts the post in the vocabulary
>>> len(cl), cl.predict_one("bridge closed".split())[0] == cl.predict_one("river bridge".split())[0]
(2, True)
"""
from __future__ import annotations

import math
from typing import Callable, Iterable

from .vocabulary import Vocabulary


class Cluster:
    """Learned state of one cluster. Read-only for callers: mutate through the clusterer."""

    __slots__ = ("id", "created_t", "last_t", "weights", "mass", "posts", "merged_posts",
                 "next_merge_check", "pinned", "data")

    def __init__(self, cid: str, t: float):
        self.id = cid
        self.created_t = t
        self.last_t = t
        self.weights: dict[str, float] = {}
        self.mass = 0.0
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
    def __init__(self, vocabulary: Vocabulary, *, assign_threshold: float = 0.15, merge_threshold: float = 0.4,
                 max_terms_per_cluster: int = 48, max_clusters: int = 50_000,
                 max_clusters_per_term: int = 64, idle_ttl_s: float = 24 * 3600,
                 novelty_weight: float = 0.0, anchor_min_posts: int = 10, anchor_min_share: float = 0.4,
                 anchor_exclusivity: float = 0.7,
                 id_prefix: str = "c"):
        for name, v in (("assign_threshold", assign_threshold), ("merge_threshold", merge_threshold)):
            if not 0.0 < v <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {v!r}")
        if idle_ttl_s <= 0:
            raise ValueError("idle_ttl_s must be positive")
        if max_terms_per_cluster < 4 or max_clusters < 10 or max_clusters_per_term < 2:
            raise ValueError("max_terms_per_cluster >= 4, max_clusters >= 10, max_clusters_per_term >= 2")
        self.vocabulary = vocabulary
        self.assign_threshold = assign_threshold
        self.merge_threshold = merge_threshold
        self.max_terms_per_cluster = max_terms_per_cluster
        self.max_clusters = max_clusters
        self.max_clusters_per_term = max_clusters_per_term
        self.idle_ttl_s = idle_ttl_s
        self.novelty_weight = novelty_weight
        self.anchor_min_posts = anchor_min_posts
        self.anchor_min_share = anchor_min_share
        self.anchor_exclusivity = anchor_exclusivity
        self.id_prefix = id_prefix
        self._clusters: dict[str, Cluster] = {}          # insertion order = least recently active first
        self._index: dict[str, dict[str, None]] = {}     # term -> cluster ids holding it (ordered for determinism)
        self._alias: dict[str, str] = {}                 # absorbed cluster id -> absorbing cluster id
        self._next_id = 0
        self.on_merge: Callable[[Cluster, Cluster], None] | None = None   # (survivor, absorbed)
        self.on_evict: Callable[[Cluster], None] | None = None
        vocabulary.on_rebase.append(self._rescale)

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

    def _votes(self, terms: Iterable[str]) -> tuple[dict[str, float], float]:
        """Weighted votes per cluster and the total weight.

        Term ``t`` is an anchor of cluster ``c`` to the degree a = p_c(t) * P(c|t): the share of c's posts that use it
        times the share of its recent uses that fell in ``c`` (smoothed, so a term seen once or twice speaks softly).
        A place name or incident word of a story scores high in its cluster; a generic word ("pray", "today") has a
        low share in any one cluster and scores low even where it is common. Each term votes with weight
        max_c a; a word never seen before adds ``novelty_weight`` to the total only, arguing for a new cluster.
        """
        acc: dict[str, float] = {}
        clusters, index = self._clusters, self._index
        vocab = self.vocabulary
        idf = vocab.idf
        df = vocab.scaled_df
        den = 0.0
        for term in dict.fromkeys(terms):
            if df(term) <= 0.0:
                den += self.novelty_weight * idf(term)
                continue
            x = idf(term)
            den += x
            ids = index.get(term)
            if not ids:
                continue
            for cid in ids:
                c = clusters[cid]
                acc[cid] = acc.get(cid, 0.0) + x * c.weights[term] / c.mass
        return acc, den

    def _anchor(self, terms: Iterable[str]) -> str | None:
        """The established cluster for which one of the post's terms is an anchor: a term used by at least
        ``anchor_min_share`` of that cluster's posts, and held mostly (``anchor_exclusivity``) by it among the
        established clusters using it that much. Lets short posts that name the story ("hurricane", a place)
        join it even when their other words are idiosyncratic."""
        clusters, index = self._clusters, self._index
        best, best_share = None, 0.0
        for term in dict.fromkeys(terms):
            ids = index.get(term)
            if not ids:
                continue
            top, top_w, total = None, 0.0, 0.0
            for cid in ids:
                c = clusters[cid]
                if c.posts < self.anchor_min_posts:
                    continue
                w = c.weights[term]
                if w < self.anchor_min_share * c.mass:
                    continue
                total += w
                if w > top_w:
                    top, top_w = c, w
            if top is not None and top_w >= self.anchor_exclusivity * total:
                share = top_w / top.mass
                if share > best_share:
                    best, best_share = top.id, share
        return best

    def predict_one(self, terms: Iterable[str]) -> tuple[str | None, float]:
        """(best cluster id, share of the post's IDF mass it explains) for a post's terms.

        Falls back to an anchor match (reported with similarity ``assign_threshold``) when no cluster explains
        enough; (None, 0.0) when nothing matches.
        """
        terms = list(terms)
        acc, den = self._votes(terms)
        if acc:
            best = max(acc, key=acc.__getitem__)   # first maximum in index order: deterministic
            sim = acc[best] / den
            if sim >= self.assign_threshold:
                return best, sim
        else:
            best, sim = None, 0.0
        anchored = self._anchor(terms)
        if anchored is not None:
            return anchored, self.assign_threshold
        return best, sim

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
        self._add(c, terms, t, self.vocabulary.learn_one(terms, t))
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

    def _add(self, c: Cluster, terms: Iterable[str], t: float, w: float) -> None:
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
        clusters = self._clusters   # most recently active last
        del clusters[c.id]
        clusters[c.id] = c
        if len(weights) > 2 * self.max_terms_per_cluster:
            self._prune_terms(c)

    def _rescale(self, factor: float) -> None:
        for c in self._clusters.values():
            c.weights = {k: v * factor for k, v in c.weights.items()}
            c.mass *= factor

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
        ranked = sorted(ids, key=lambda cid: (not clusters[cid].pinned, -clusters[cid].weights[term], cid))
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
    def similarity(self, a: Cluster, b: Cluster, k: int = 12) -> float:
        """Overlap of two clusters' characteristic terms: sum over terms of min(share in a, share in b), divided by
        the smaller of the two clusters' total share mass, over each cluster's ``k`` strongest terms. Two fragments
        of one story share its anchor words at high shares ("hurricane", "sandy"); two stories that share one
        word ("explosion" in Boston and in West, Texas) overlap on that word only."""
        ta, tb = dict(a.top_terms(k)), dict(b.top_terms(k))
        inter = sum(min(pa, tb[t]) for t, pa in ta.items() if t in tb)
        norm = min(sum(ta.values()), sum(tb.values()))
        return inter / norm if norm else 0.0

    def neighbours(self, c: Cluster, k_terms: int = 12, k_best: int = 5) -> list[tuple[Cluster, float]]:
        """The clusters most similar to ``c`` (at most ``k_best``), with their similarity, best first.

        Candidates share one of ``c``'s ``k_terms`` strongest terms and are ranked by the part of the dot product
        those terms carry; only the best few get the full cosine, which keeps merge checks cheap.
        """
        idf = self.vocabulary.idf
        clusters, index = self._clusters, self._index
        partial: dict[str, float] = {}
        for term, share in c.top_terms(k_terms):
            x = idf(term) ** 2 * share
            for cid in index.get(term, ()):
                if cid != c.id:
                    o = clusters[cid]
                    partial[cid] = partial.get(cid, 0.0) + x * o.weights[term] / o.mass
        best = sorted(partial, key=lambda cid: (-partial[cid], cid))[:k_best]
        out = [(clusters[cid], self.similarity(c, clusters[cid])) for cid in best]
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
        index = self._index
        for term, wb in b.weights.items():
            self._unindex(term, b.id)
            if term in a.weights:
                a.weights[term] += wb
            else:
                a.weights[term] = wb
                index.setdefault(term, {})[a.id] = None
        a.mass += b.mass
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
