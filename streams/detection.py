"""The pipeline's two halves, shared by both hosts (the embedded runner and the Faust agents).

1. :func:`clean` (stateless, scales with input partitions): a validated :class:`Post` -> a *clean post*, the
   JSON-able dict that travels between the halves (on Kafka: the ``clean-posts`` topic), with its terms already
   segmented and its text cut to what alerts quote.
2. :class:`Detection` (stateful): puts clean posts in event-time order over all input partitions
   (:class:`EventTimeMerger`) and runs one :class:`IssueDetector` per shard (``sharding.by``). On Kafka one
   ``Detection`` lives per partition of the repartitioned stream and is checkpointed to a Faust table.

Outputs are returned as a list of ``(kind, value)`` in the order they happened: ``("assignment", (post_id,
issue_id))``, ``("alert", record)``, ``("late", clean_post)``, ``("duplicate_id", clean_post)``.
"""
from __future__ import annotations

from collections import deque
from typing import Callable

from groundswell.detectors.pipeline import IssueDetector, PostIn


from .contract import Post, Reject, format_time, post_excerpt
from .ordering import LATE, EventTimeMerger

SAMPLE_CHARS = 280      # alerts quote at most this much of a post (IssueDetector keeps text[:280])
_OPTIONAL = ("author", "repost_of", "lang", "source", "region", "url")
_SET_POST_IN = [getattr(PostIn, f).__set__ for f in PostIn.__slots__]


def _post_in(a, b, c, d, e, f, g, h, i, j=None, _n=object.__new__, _P=PostIn,
             s0=_SET_POST_IN[0], s1=_SET_POST_IN[1], s2=_SET_POST_IN[2], s3=_SET_POST_IN[3], s4=_SET_POST_IN[4],
             s5=_SET_POST_IN[5], s6=_SET_POST_IN[6], s7=_SET_POST_IN[7], s8=_SET_POST_IN[8],
             s9=_SET_POST_IN[9]) -> PostIn:
    """PostIn(...) without the frozen-dataclass __setattr__ detour (as contract._new_post; ~3x faster)."""
    p = _n(_P)
    s0(p, a); s1(p, b); s2(p, c); s3(p, d); s4(p, e); s5(p, f); s6(p, g); s7(p, h); s8(p, i); s9(p, j)  # noqa: E702
    return p


def clean(post: Post, tokenize: Callable[[str], list[str]], max_tokens: int) -> dict:
    """The stateless half: a post and its terms, as a plain dict (JSON-safe; floats round-trip exactly)."""
    d = {"id": post.id, "t": post.t, "text": post.text[:SAMPLE_CHARS],
         "terms": tokenize(post.text)[:max_tokens] if post.text else []}
    for k in _OPTIONAL:
        v = getattr(post, k)
        if v is not None:
            d[k] = v
    return d


def late_reject(post: dict, bound: float, reorder_s: float) -> Reject:
    """The reject line of a post that came after newer posts were already used."""
    return Reject("late", f"created_at {format_time(post['t'])} is before {format_time(bound)}, up to which posts "
                          f"were already used (event_time.reorder_s = {reorder_s:g})", post_excerpt(post))


def future_reject(post: dict, max_future_s: float, reference: str = "its input's recent median") -> Reject:
    """The reject line of a post dated too far ahead (see :class:`~groundswell.streams.ordering.FutureGuard`)."""
    return Reject("future", f"created_at {format_time(post['t'])} is more than event_time.max_future_s = "
                            f"{max_future_s:g} s ahead of {reference}", post_excerpt(post))


def duplicate_reject(post: dict) -> Reject:
    return Reject("duplicate_id", f"id: {post['id'][:80]!r} was already used by an earlier post (which keeps its "
                                  "issue)", post_excerpt(post))


def reject_of(kind: str, post: dict, detection: "Detection") -> Reject:
    """The reject of a post a :class:`Detection` returned as ``late`` or ``duplicate_id``."""
    if kind == "duplicate_id":
        return duplicate_reject(post)
    return late_reject(post, detection.merger.bound, detection.config.event_time.reorder_s)


def shard_key(by: str, post: dict) -> str:
    """Which detector sees the post: one for everything (``none``), or one per language/source/region."""
    if by == "none":
        return ""
    return str(post.get(by) or "und")


class Detection:
    """Event-time ordering + detectors per shard. Pure: time comes with the posts, markers with the data.

    ``sources`` is the number of input partitions whose posts reach this instance (1 when embedded).
    ``offer(source, post, seq)``: ``seq`` is the post's position in its source (a Kafka offset); a post at or
    before the last position covered from that source (for its shard) is a replay after a crash upstream and is
    skipped. ``covered(source)`` is the last position up to which everything was used or is known to need nothing
    here (a rejected line, another instance's post; the host says so with ``cover``). A host that then receives
    a position beyond ``covered + 1`` has lost something upstream and can fill the gap from the source first.
    """

    def __init__(self, config, sources: int = 1):
        self.config = config
        self.by = config.sharding.by
        self.merger = EventTimeMerger(sources, config.event_time.reorder_s)
        self.detectors: dict[str, IssueDetector] = {}
        self._seen: dict[tuple[int, str], int] = {}   # (source, shard) -> last position covered (replay guard)
        # post ids used recently (as many as the detector remembers posts): a second post with one of them is
        # rejected (duplicate_id) instead of silently taking over the first one's assignment line
        self._ids: set[str] = set()
        self._id_order: deque[str] = deque()
        self._max_ids = config.near_duplicates.max_items
        self.offered = 0
        self.duplicates = 0
        self.duplicate_ids = 0
        self.refilled = 0      # posts a host had to fetch again (lost on the way here)

    def detector(self, shard: str) -> IssueDetector:
        d = self.detectors.get(shard)
        if d is None:
            d = self.detectors[shard] = IssueDetector(
                self.config, tokenize=None, id_prefix=f"{shard}-c" if shard else "c")
        return d

    def offer(self, source: int, post: dict, seq: int | None = None) -> list:
        if seq is not None:
            # per shard: one source's posts of several shards may reach one instance in separate messages
            key = (source, shard_key(self.by, post))
            if seq <= self._seen.get(key, -1):
                self.duplicates += 1
                return []
            self._seen[key] = seq
        pid = post["id"]
        ids = self._ids
        if pid in ids:
            self.duplicate_ids += 1
            return [("duplicate_id", post)]
        ids.add(pid)
        order = self._id_order
        order.append(pid)
        if len(order) > self._max_ids:
            ids.discard(order.popleft())
        self.offered += 1
        released = self.merger.offer(source, post["t"], pid, post)
        if released is LATE:
            return [("late", post)]
        return self._feed(released)

    def covered(self, source: int, shard: str = "") -> int:
        """The last position of ``source`` handled here for ``shard`` (-1: none yet)."""
        return self._seen.get((source, shard), -1)

    def cover(self, source: int, seq: int, shard: str = "") -> None:
        """Positions up to ``seq`` of ``source`` need nothing more here for ``shard`` (used, or rejected)."""
        key = (source, shard)
        if seq > self._seen.get(key, -1):
            self._seen[key] = seq

    def mark(self, source: int, t: float | None, seq: int | None = None) -> list:
        """A heartbeat: ``source`` has sent everything up to position ``seq`` and event time ``t`` (None: no time
        known yet, only rejected lines so far)."""
        if seq is not None:
            self.cover(source, seq)
        return self._feed(self.merger.mark(source, t)) if t is not None else []

    def idle(self, source: int) -> list:
        """``source`` went quiet. When all have, everything held is released and merged posts re-reported (as
        at the end of a finite input)."""
        out = self._feed(self.merger.idle(source))
        if self.merger.all_idle:
            out += self._reassignments()
        return out

    def finish(self) -> list:
        """End of a finite input (embedded): release everything, re-report posts whose issue changed."""
        return self._feed(self.merger.flush()) + self._reassignments()

    def _reassignments(self) -> list:
        out = []
        for shard in sorted(self.detectors):
            out += [("assignment", pa) for pa in self.detectors[shard].reassignments()]
        return out

    def _feed(self, released: list) -> list:
        if not released:
            return []
        out = []
        by = self.by
        det = self.detector("") if by == "none" else None
        for t, _, p in released:
            if by != "none":
                det = self.detector(shard_key(by, p))
            get = p.get
            issue, alerts = det.learn_one(_post_in(
                p["id"], p["text"], t, get("author"), get("repost_of"), get("lang"), get("source"), get("region"),
                p["terms"], get("url")))
            out.append(("assignment", (p["id"], issue)))
            reassigned = det.due_reassignments(t)
            if reassigned:
                out += [("assignment", pa) for pa in reassigned]
            if alerts:
                out += [("alert", a) for a in alerts]
        return out

    @property
    def held(self) -> int:
        return len(self.merger)

    @property
    def late(self) -> int:
        """Posts returned as late so far."""
        return self.merger.late
