"""Online clustering of posts into topic clusters with bounded memory.

Each cluster keeps recency-weighted counts of its terms (the vocabulary's decay), capped to its
``max_terms_per_cluster`` strongest terms; a term's *share* is the weighted fraction of the cluster's posts using it.
A cluster is characterised by its ``K_CHAR`` strongest terms. A post joins the cluster it overlaps most, if the
overlap reaches ``assign_threshold``: the summed shares of the cluster's words that the post uses, over the smaller
of the post's word count and the cluster's characteristic mass. A post naming a story's anchor words ("hurricane",
"sandy", a place) overlaps that story strongly, however idiosyncratic its other words; word frequency in the whole
stream plays no part, so a story that dominates the stream still holds together (where IDF would call its words
common). Otherwise the post starts a new cluster. Growing clusters are compared with their neighbours and merged
when their characteristic words overlap (``merge_threshold``); the absorbed cluster's id becomes an alias.
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

import heapq
import math
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from groundswell.config.schema import ClusteringConfig

from .vocabulary import Vocabulary

if TYPE_CHECKING:
    from .state import ClusterState


K_CHAR = 12   # strongest terms that characterise a cluster (for overlap and merging)
MAX_ROOTS = 64   # cascade roots remembered per cluster (a bound: a story cluster may gather many cascades)
_DEFAULT = ClusteringConfig()   # the defaults of the settings the config has are config/schema.py's


def _by_weight_then_term(item: tuple[str, float]) -> tuple[float, str]:
    return item[1], item[0]


class Cluster:
    """Learned state of one cluster. Read-only for callers: mutate through the clusterer (but for ``state``, which is
    the detector's)."""

    __slots__ = ("id", "created_t", "last_t", "weights", "mass", "posts", "merged_posts",
                 "next_merge_check", "pinned", "state", "swept", "char_posts", "char_top", "char_mass", "version",
                 "fresh_version", "fresh_mass", "roots", "source", "source_mass")

    def __init__(self, cid: str, t: float):
        self.id = cid
        self.created_t = t
        self.last_t = t
        self.weights: dict[str, float] = {}
        self.mass = 0.0
        self.posts = 0
        self.merged_posts = 0
        self.next_merge_check = 4   # then at 8, 16, ...: fragments of one or two posts rarely tell
        self.pinned = False   # pinned clusters (open issues) are not evicted for space
        self.state: ClusterState | None = None   # kept by the detector (state.py), not the clusterer: None until set
        self.swept = 0        # posts at the cluster's last sweep (see OnlineClusterer.sweep)
        self.char_posts = -1  # posts when char_top/char_mass were last computed (see OnlineClusterer)
        self.char_top: list[tuple[str, float]] = []
        self.char_mass = 1.0
        self.version = 0          # bumped by the clusterer whenever weights, mass or posts change
        self.fresh_version = -1   # version when fresh_mass (the exact top_mass(K_CHAR)) was computed
        self.fresh_mass = 0.0
        # repost cascades (posts that came with ``repost_of``): the ids of the cascades' root posts it holds, and
        # the term weights of its own posts (the sources, not the reposts and comments); None until a repost joins
        self.roots: frozenset[str] = frozenset()
        self.source: dict[str, float] | None = None
        self.source_mass = 0.0

    def share(self, term: str) -> float:
        return self.weights.get(term, 0.0) / self.mass if self.mass else 0.0

    def top_terms(self, k: int, tiebreak=None) -> list[tuple[str, float]]:
        """The ``k`` strongest terms with their share of the cluster's posts, strongest first.

        Ties (common in small clusters, where every word has the same share) go to the larger ``tiebreak(term)``
        (e.g. the word's stream-wide frequency: widely used words are the ones that connect a story's posts),
        then to the term itself."""
        m = self.mass or 1.0
        weights = self.weights
        if tiebreak is None or self.posts > 4:
            # past a few posts, shares rarely tie exactly (posts differ in recency weight): rank by weight, then
            # term, in C (the keys are distinct, so this is heapq.nlargest(k, items, key=(weight, term)))
            top = sorted(zip(weights.values(), weights), reverse=True)[:k]
            return [(t, w / m) for w, t in top]
        # (rounded share, tiebreak, term), largest first; the keys are distinct (the term), so sorting and cutting
        # is heapq.nlargest(k, ..., key=...)
        # (a small cluster's weights take a few distinct values: divide and round once per value)
        share = {w: w / m for w in set(weights.values())}
        rounded = {w: round(x, 6) for w, x in share.items()}
        ranked = sorted([(rounded[w], tiebreak(t), t, w) for t, w in weights.items()], reverse=True)
        return [(t, share[w]) for _, _, t, w in ranked[:k]]

    def top_mass(self, k: int, tiebreak=None) -> float:
        return self._top_mass(k, tiebreak)[0]

    def _top_mass(self, k: int, tiebreak=None) -> tuple[float, bool]:
        """``sum(share for _, share in self.top_terms(k, tiebreak))``, the same float, mostly without ranking terms.

        The sum depends only on the sequence of shares in rank order. Ranked by weight (past a few posts), that is
        the ``k`` largest shares in decreasing order. Ranked by rounded share with ``tiebreak`` among ties, it is the
        same unless *different* shares round alike in a group that reaches into the top ``k`` (then the tiebreak
        could order or pick them otherwise): in that rare case the terms are ranked as ``top_terms`` does.
        ``_top_mass`` also tells whether the result depended on ``tiebreak`` (that rare case)."""
        m = self.mass or 1.0
        values = sorted(self.weights.values(), reverse=True)
        if tiebreak is None or self.posts > 4 or not values or values[0] == values[-1]:
            return sum([w / m for w in values[:k]]), False
        shares = [w / m for w in values]
        last = k - 1
        for i in range(len(shares) - 1):
            a, b = shares[i], shares[i + 1]
            if a == b:
                continue
            if a - b <= 2e-6 and round(a, 6) == round(b, 6):
                return sum(x for _, x in self.top_terms(k, tiebreak)), True
            if i >= last:
                break
        return sum(shares[:k]), False


class OnlineClusterer:
    def __init__(self, vocabulary: Vocabulary, *, assign_threshold: float = _DEFAULT.assign_threshold,
                 merge_threshold: float = _DEFAULT.merge_threshold,
                 max_terms_per_cluster: int = _DEFAULT.max_terms_per_cluster, max_clusters: int = _DEFAULT.max_clusters,
                 max_clusters_per_term: int = _DEFAULT.max_clusters_per_term, idle_ttl_s: float = _DEFAULT.idle_ttl_s,
                 min_share: float = _DEFAULT.min_share, id_prefix: str = "c",
                 term_weights: Mapping[str, float] | None = None):
        for name, v in (("assign_threshold", assign_threshold), ("merge_threshold", merge_threshold)):
            if not 0.0 < v <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {v!r}")
        if not idle_ttl_s > 0:
            raise ValueError("idle_ttl_s must be positive")
        if not 0.0 <= min_share < 1.0:
            raise ValueError(f"min_share must be in [0, 1), got {min_share!r}")
        if max_terms_per_cluster < 4 or max_clusters < 10 or max_clusters_per_term < 2:
            raise ValueError("max_terms_per_cluster >= 4, max_clusters >= 10, max_clusters_per_term >= 2")
        if term_weights is not None and not all(0.0 < w <= 1.0 for w in term_weights.values()):
            raise ValueError("term_weights must be in (0, 1]")
        self.vocabulary = vocabulary
        # a post's words count toward its overlap with a cluster at these weights (1 for the rest): everyday words
        # ("time", "work") less, so that sharing one no longer carries a post into a cluster (see text/everyday.py)
        self.term_weights: Mapping[str, float] = term_weights if term_weights is not None else {}
        self.assign_threshold = assign_threshold
        self.merge_threshold = merge_threshold
        self.max_terms_per_cluster = max_terms_per_cluster
        self.max_clusters = max_clusters
        self.max_clusters_per_term = max_clusters_per_term
        self.idle_ttl_s = idle_ttl_s
        self.min_share = min_share
        self.id_prefix = id_prefix
        self._clusters: dict[str, Cluster] = {}          # insertion order = least recently active first
        self._index: dict[str, dict[str, Cluster]] = {}  # term -> clusters holding it by id (ordered: determinism)
        self._alias: dict[str, str] = {}                 # absorbed cluster id -> absorbing cluster id
        self._next_id = 0
        self.on_merge: Callable[[Cluster, Cluster], None] | None = None   # (survivor, absorbed)
        self.on_evict: Callable[[Cluster], None] | None = None
        self._idle_floor = -math.inf   # see expire
        self._cascades = False   # whether any cluster holds a repost cascade (see predict_one)
        self._pinned_at_scan: list[Cluster] = []
        vocabulary.on_rebase.append(self._rescale)

    # ----- lookups
    def __len__(self) -> int:
        return len(self._clusters)

    def __iter__(self):
        return iter(self._clusters.values())

    def characteristic(self, c: Cluster) -> list[tuple[str, float]]:
        """The cluster's ``K_CHAR`` strongest terms with their shares, strongest first (what it is about)."""
        return self._characteristic(c)[0]

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

    def _characteristic(self, c: Cluster) -> tuple[list[tuple[str, float]], float]:
        """The cluster's ``K_CHAR`` strongest terms with their shares, and the sum of those shares; cached until the
        cluster changes (merge checks and overlaps ask for the same clusters many times)."""
        if c.char_posts != c.posts:
            c.char_top = c.top_terms(K_CHAR, self.vocabulary.scaled_df)
            c.char_mass = sum(share for _, share in c.char_top)
            c.char_posts = c.posts
        return c.char_top, c.char_mass

    def _char_mass(self, c: Cluster) -> float:
        return self._characteristic(c)[1]

    def predict_one(self, terms: Iterable[str]) -> tuple[str | None, float]:
        """(best cluster id, overlap in [0, 1]) for a post's terms; (None, 0.0) when no cluster shares a term.

        The overlap is ``similarity`` between the post (as a one-post cluster: every word at share 1) and a
        cluster: the summed shares of the cluster's words that the post uses, over the smaller of the post's word
        count and the cluster's characteristic mass (the shares of its strongest words). A post that names a
        story's anchor words ("hurricane", "sandy") overlaps that story's cluster strongly however idiosyncratic
        its other words; a post sharing one everyday word with a chatter cluster overlaps it weakly. Each shared
        word's share counts at its ``term_weights`` weight (1 when not given), so that a cluster that is all one
        everyday word ("time") does not take every post using it.
        """
        acc: dict[Cluster, float] = {}   # in the order the clusters were met
        index, floor, term_weights = self._index, self.min_share, self.term_weights
        distinct = dict.fromkeys(terms)
        n = len(distinct)
        for term in distinct:
            ids = index.get(term)
            if ids:
                g = term_weights.get(term, 1.0)
                for c in ids.values():
                    p = c.weights[term] / c.mass
                    if p >= floor:
                        p *= g
                        if c in acc:
                            acc[c] += p if p < 1.0 else 1.0
                        else:
                            acc[c] = p if p < 1.0 else 1.0   # the same float as 0.0 + it
        cascade, cascade_sim = None, 0.0
        if self._cascades and acc:
            # a cascade's words are mostly its comments' ("转发微博", "哈哈", "支持"): a post overlaps it by what its
            # source posts say (ties: the cluster met first)
            for c in [c for c in acc if c.source is not None]:
                del acc[c]
                sim = self._source_overlap(distinct, c)
                if sim > cascade_sim:
                    cascade, cascade_sim = c, sim
        best_id, best_sim = self._best(acc, n)
        if cascade is not None and cascade_sim > best_sim:
            return cascade.id, min(cascade_sim, 1.0)
        return best_id, best_sim

    def _best(self, acc: dict, n: int) -> tuple[str | None, float]:
        if not acc:
            return None, 0.0
        # rank by the overlap with each cluster's last computed characteristic mass (may be a post or two stale),
        # then compute it exactly for the few best: most candidates are small clusters far from the threshold
        # (read-only: stale values are not refreshed here, so predicting twice gives the same answer); ties go to
        # the cluster met first (the sort is stable; acc is in the order clusters were met)
        if len(acc) <= 12:
            rough = acc   # all of them (the pick below does not depend on the order)
        else:   # the 12 first by (-overlap / min(n, char_mass), order met): tuples compare in C, the index is unique
            keys = [-a / (cm if (cm := c.char_mass) < n else n) for c, a in acc.items()]
            clusters = list(acc)
            rough = [clusters[i] for _, i in sorted(zip(keys, range(len(keys))))[:12]]
        best, best_sim, order = None, 0.0, None
        for c in rough:
            if c.char_posts == c.posts:
                mass = c.char_mass
            elif c.fresh_version == c.version:
                mass = c.fresh_mass
            else:
                mass = self._fresh_mass(c)
            norm = mass if mass < n else n   # min(n, mass)
            sim = acc[c] / norm if norm > 0 else 0.0
            if sim > best_sim:
                best, best_sim = c, sim
            elif sim == best_sim and sim > 0.0:
                if order is None:
                    order = {x: i for i, x in enumerate(acc)}
                if order[c] < order[best]:
                    best = c
        if best is None:
            return None, 0.0
        return best.id, min(best_sim, 1.0)

    def _fresh_mass(self, c: Cluster) -> float:
        """``c.top_mass(K_CHAR, vocabulary.scaled_df)``, remembered until the cluster changes (when it did not
        depend on the vocabulary, i.e. nearly always)."""
        mass, by_vocabulary = c._top_mass(K_CHAR, self.vocabulary.scaled_df)
        if not by_vocabulary:
            c.fresh_version, c.fresh_mass = c.version, mass
        return mass

    # ----- learning
    def learn_one(self, terms: list[str], t: float, cluster_id: str | None = None, root: str | None = None
                  ) -> Cluster:
        """Add a post to ``cluster_id`` (e.g. the cluster of the post it reposts or copies) or to the best/new
        cluster. ``root``: the post is a repost or comment in the cascade of that root post (it joins
        ``cluster_id``, the cluster of the post it answers); its words describe the cluster but are not its
        source's (see ``mergeable``)."""
        c = self.get(cluster_id) if cluster_id is not None else None
        if c is None and root is not None:
            c = self._new_cluster(t)   # a cascade of its own
        if c is None:
            cid, sim = self.predict_one(terms)
            if cid is not None and sim >= self.assign_threshold:
                c = self._clusters[cid]
                if t - c.last_t > self.idle_ttl_s:
                    # kept past idle_ttl_s only because it is pinned (a resolved issue, remembered to be re-opened
                    # by the issue tracker): its decayed counts would let the first post that joins it now take it
                    # over, and a story of weeks ago would turn into today's
                    c = None
        if c is None:
            c = self._new_cluster(t)
        w = self.vocabulary.learn_one(terms, t)
        if root is not None:
            if c.source is None:   # its first repost: what the cluster held so far were its sources
                c.source, c.source_mass = dict(c.weights), c.mass
                self._cascades = True
            if root not in c.roots and len(c.roots) < MAX_ROOTS:
                c.roots = c.roots | {root}
        elif c.source is not None:
            self._add_source(c, terms, w)
        self._add(c, terms, t, w)
        if c.posts >= c.next_merge_check:
            c.next_merge_check = c.posts * 2
            c = self.merge_neighbours(c)
        return c

    def _new_cluster(self, t: float) -> Cluster:
        self._next_id += 1
        c = Cluster(f"{self.id_prefix}{self._next_id}", t)
        self._clusters[c.id] = c
        if t < self._idle_floor:
            self._idle_floor = t
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
                    index[term] = {c.id: c}
                else:
                    ids[c.id] = c
                    if len(ids) > 2 * self.max_clusters_per_term:
                        self._trim_posting(term, ids)
        c.mass += w
        c.posts += 1
        c.version += 1
        if t > c.last_t:
            c.last_t = t
        clusters = self._clusters   # most recently active last
        del clusters[c.id]
        clusters[c.id] = c
        if len(weights) > 2 * self.max_terms_per_cluster:
            self._prune_terms(c)

    def _add_source(self, c: Cluster, terms: Iterable[str], w: float) -> None:
        source = c.source
        for term in dict.fromkeys(terms):
            source[term] = source.get(term, 0.0) + w
        c.source_mass += w
        self._prune_source(c)

    def _prune_source(self, c: Cluster) -> None:
        """Keep a cascade's ``max_terms_per_cluster`` strongest source terms once it holds twice that many (as
        ``_prune_terms`` keeps its words; the mass stays that of all its source posts)."""
        if len(c.source) > 2 * self.max_terms_per_cluster:
            top = sorted([(-v, k) for k, v in c.source.items()])[: self.max_terms_per_cluster]
            c.source = {k: -nv for nv, k in top}

    def _source_overlap(self, terms: Iterable[str], c: Cluster) -> float:
        """A post's overlap with what a cascade cluster's source posts say: the summed shares (over its sources)
        of the words it uses, over the smaller of its word count and the sources' characteristic mass."""
        source, mass = c.source, c.source_mass
        if not source or mass <= 0.0:
            return 0.0
        distinct = dict.fromkeys(terms)
        inter = sum(min(source[w] / mass, 1.0) for w in distinct if w in source)
        top = sorted(source.values(), reverse=True)[:K_CHAR]
        norm = min(len(distinct), sum(v / mass for v in top))
        return inter / norm if norm > 0 else 0.0

    def mergeable(self, a: Cluster, b: Cluster) -> bool:
        """May shared words pull ``a`` and ``b`` together? Not two repost cascades around different root posts: a
        cascade is identity (one post and the distinct voices that spread it), and the words of two cascades'
        comments ("转发微博", "哈哈", "支持") are everyone's. Two posts telling one story, each reposted, stay two
        cascades, so that officials see which post spread."""
        return not a.roots or not b.roots or not a.roots.isdisjoint(b.roots)

    def _rescale(self, factor: float) -> None:
        for c in self._clusters.values():
            c.weights = {k: v * factor for k, v in c.weights.items()}
            c.mass *= factor
            if c.source is not None:
                c.source = {k: v * factor for k, v in c.source.items()}
                c.source_mass *= factor
            c.version += 1

    def _prune_terms(self, c: Cluster) -> None:
        # heaviest first, then by term (tuples compare in C; the terms are distinct); -(-w) is w exactly
        top = sorted([(-w, t) for t, w in c.weights.items()])[: self.max_terms_per_cluster]
        keep = {t: -nw for nw, t in top}
        for term in c.weights:
            if term not in keep:
                self._unindex(term, c.id)
        c.weights = keep
        c.version += 1

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
            c.version += 1

    def _remove(self, c: Cluster) -> None:
        index, cid = self._index, c.id
        for term in c.weights:   # self._unindex(term, cid), inlined: expiry removes many clusters of ~50 terms
            ids = index.get(term)
            if ids is not None:
                ids.pop(cid, None)
                if not ids:
                    del index[term]
        del self._clusters[cid]

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
        ttl = self.idle_ttl_s
        # Skip the scan when no cluster can be due: every cluster unpinned at the last scan was active at or after
        # _idle_floor (activity times only grow; new clusters lower the floor), and the clusters pinned then are
        # still pinned (a cluster pinned since is no candidate; one unpinned since is covered by the floor).
        if t - self._idle_floor > ttl or not all(c.pinned for c in self._pinned_at_scan):
            floor, pinned = math.inf, []
            for c in list(self._clusters.values()):   # a full scan: merges move activity times out of order
                if t - c.last_t <= ttl:
                    if c.pinned:
                        pinned.append(c)
                    elif c.last_t < floor:
                        floor = c.last_t
                    continue
                if not c.pinned:
                    self._remove(c)
                    gone.append(c)
                    if self.on_evict:
                        self.on_evict(c)
                else:
                    pinned.append(c)
            # (a callback may have changed clusters: then the next call scans again)
            self._idle_floor = floor if not self.on_evict else -math.inf
            self._pinned_at_scan = pinned
        if len(self._alias) > 4 * self.max_clusters:   # aliases of long-gone clusters are no longer asked for
            self._alias = {k: v for k, v in self._alias.items() if v in self._clusters}
        return gone

    # ----- merging
    def similarity(self, a: Cluster, b: Cluster) -> float:
        """Overlap of two clusters' characteristic terms: sum over a's ``K_CHAR`` strongest terms of
        min(share in a, share in b), over the smaller of the two clusters' characteristic masses. Two fragments of
        one story share its anchor words at high shares ("hurricane", "sandy"); two stories that share one word
        ("explosion" in Boston and in West, Texas) overlap on that word only."""
        bw, mb = b.weights, b.mass
        inter = 0.0
        top_a, mass_a = self._characteristic(a)
        for term, pa in top_a:
            wb = bw.get(term)
            if wb:
                pb = wb / mb
                inter += pa if pa < pb else pb
        norm = min(mass_a, self._char_mass(b))
        return inter / norm if norm else 0.0

    def neighbours(self, c: Cluster, k_terms: int = K_CHAR, k_best: int = 5) -> list[tuple[Cluster, float]]:
        """The clusters most similar to ``c`` (at most ``k_best``), with ``similarity(c, other)``, best first.

        Candidates are the clusters holding one of ``c``'s ``k_terms`` strongest terms, ranked by the overlap
        those terms carry; only the best few get the full similarity, which keeps merge checks cheap.
        """
        index = self._index
        ttl = self.idle_ttl_s
        partial: dict[str, float] = {}
        for term, share in self._characteristic(c)[0][:k_terms]:
            ids = index.get(term)
            if ids:
                for cid, o in ids.items():
                    if o is not c:
                        if c.last_t - o.last_t > ttl:
                            continue   # a dormant pinned cluster (see learn_one): only the issue tracker re-opens it
                        other = o.weights[term] / o.mass
                        if cid in partial:
                            partial[cid] += share if share < other else other
                        else:
                            partial[cid] = share if share < other else other
        # by overlap, then id (tuples compare in C; the ids are distinct)
        best = [ids_ for _, ids_ in sorted([(-v, cid) for cid, v in partial.items()])[:k_best]]
        clusters = self._clusters
        out = [(clusters[cid], self.similarity(c, clusters[cid])) for cid in best]
        out.sort(key=lambda x: -x[1])
        return out

    def sweep(self, since: float, min_posts: int = 3, limit: int = 500) -> int:
        """Merge check for the clusters active since ``since`` (at most ``limit``, most recent first): fragments of
        one story that grew side by side between their own size-triggered checks. Returns the merges done."""
        recent = []
        for c in reversed(self._clusters.values()):
            if c.last_t < since or len(recent) >= limit:
                break
            swept = c.swept
            if c.posts >= min_posts and c.posts >= swept + max(1, swept // 4):   # grew since its last look
                c.swept = c.posts
                recent.append(c.id)
        merges = 0
        for cid in recent:
            c = self._clusters.get(cid)
            if c is not None:
                before = len(self._clusters)
                self.merge_neighbours(c)
                merges += before - len(self._clusters)
        return merges

    def merge_neighbours(self, c: Cluster, threshold: float | None = None) -> Cluster:
        """Merge ``c`` with every neighbour at least ``threshold`` similar; returns the surviving cluster."""
        threshold = self.merge_threshold if threshold is None else threshold
        for other, sim in self.neighbours(c):
            if sim < threshold:
                break
            if other.id not in self._clusters or c.id not in self._clusters or not self.mergeable(c, other):
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
                index.setdefault(term, {})[a.id] = a
        if a.source is not None or b.source is not None:
            mass = ((a.source_mass if a.source is not None else a.mass)
                    + (b.source_mass if b.source is not None else b.mass))
            source = dict(a.source if a.source is not None else a.weights)
            for term, w in (b.source if b.source is not None else b.weights).items():
                source[term] = source.get(term, 0.0) + w
            a.source, a.source_mass = source, mass
            self._prune_source(a)
        if b.roots:
            a.roots = a.roots | b.roots if len(a.roots) < MAX_ROOTS else a.roots
        a.mass += b.mass
        a.posts += b.posts
        a.version += 1
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
