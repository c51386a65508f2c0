"""Event-time order over several ordered sources: what makes a Kafka run give the embedded run's alerts.

The detector is path-dependent (online clustering), so both hosts must feed it posts in one order that does not
depend on how fast each Kafka partition happens to be read. That order is ``(created_at, post id)``. Posts are
held back until every source has moved past them (a watermark: the slowest source's newest time, less
``reorder_s`` for disorder inside a source), then released sorted. A post older than what was already released
is *late*: it is returned as such (the hosts reject it with reason ``late``) instead of being fed out of order.

Sources are the input's partitions (the embedded host has one). A source that goes quiet would hold everyone back,
so the host marks it idle (Kafka: the worker reading it saw nothing for a while) and it stops counting until it
sends again; when every source is idle everything held is released (the end of a recorded stream). When the
stream comes back after such a pause, every source counts again until it sends or is marked idle anew: otherwise
the first partition to be read after the pause would set the pace alone and the others' posts would be late.

Pure and deterministic: no clock; the markers arrive in the data.

>>> m = EventTimeMerger(sources=2, reorder_s=0)
>>> m.offer(0, 10.0, "b", "B") + m.offer(0, 12.0, "c", "C")   # source 1 has said nothing yet: hold
[]
>>> [x for _, _, x in m.offer(1, 11.0, "a", "A")]             # both past 11 -> release up to 11 (exclusive)
['B']
>>> m.offer(1, 9.0, "z", "Z") is LATE
True
>>> [x for _, _, x in m.idle(0) + m.idle(1)]
['A', 'C']
"""
from __future__ import annotations

import heapq
import math
from bisect import bisect_left, insort
from collections import deque
from typing import Any

LATE = ()   # sentinel returned by offer() for a post older than what was released (an empty, falsy tuple)


class EventTimeMerger:
    """Merge ``sources`` ordered streams into one in ``(t, key)`` order; see the module doc.

    ``offer`` returns the released ``(t, key, item)`` tuples (possibly none), or :data:`LATE`.
    """

    def __init__(self, sources: int = 1, reorder_s: float = 0.0):
        if sources < 1:
            raise ValueError("sources must be >= 1")
        if reorder_s < 0:
            raise ValueError("reorder_s must be >= 0")
        self.sources = sources
        self.reorder_s = float(reorder_s)
        self._newest: dict[int, float] = {}    # source -> newest event time seen from it
        self._idle: set[int] = set()
        self._heap: list[tuple[float, str, int, Any]] = []
        self._seq = 0
        self._bound = -math.inf                # everything before this time was released
        self.late = 0

    def __len__(self) -> int:
        return len(self._heap)

    @property
    def bound(self) -> float:
        """Posts before this event time were released; older ones are late."""
        return self._bound

    @property
    def all_idle(self) -> bool:
        """Every source is idle: nothing is held back (everything offered so far was released)."""
        return all(s in self._idle for s in range(self.sources))

    def add_sources(self, n: int) -> None:
        """The input grew partitions: wait for the new ones too."""
        self.sources = max(self.sources, n)

    def offer(self, source: int, t: float, key: str, item: Any):
        if t < self._bound:
            self.late += 1
            return LATE
        self._wake(source)
        if t > self._newest.get(source, -math.inf):
            self._newest[source] = t
        self._seq += 1
        heapq.heappush(self._heap, (t, key, self._seq, item))
        return self._release(self._watermark())

    def mark(self, source: int, t: float) -> list:
        """Source ``source`` has sent everything up to event time ``t`` (a heartbeat)."""
        self._wake(source)
        if t > self._newest.get(source, -math.inf):
            self._newest[source] = t
        return self._release(self._watermark())

    def _wake(self, source: int) -> None:
        idle = self._idle
        if source in idle:
            if self.all_idle:       # after a pause of everyone, everyone must speak (or be marked idle) again
                idle.clear()
            else:
                idle.discard(source)

    def idle(self, source: int) -> list:
        self._idle.add(source)
        return self._release(self._watermark())

    def flush(self) -> list:
        """Release everything held (the end of a finite input)."""
        return self._release(math.inf)

    def _watermark(self) -> float:
        newest, idle = self._newest, self._idle
        low = math.inf
        active = 0
        for s in range(self.sources):
            if s in idle:
                continue
            active += 1
            t = newest.get(s)
            if t is None:
                return -math.inf        # a source not heard from yet: it may still send old posts
            if t < low:
                low = t
        if active == 0:
            return math.inf             # all quiet: the end of the stream as far as anyone can tell
        return low - self.reorder_s

    def _release(self, w: float) -> list:
        heap = self._heap
        if not heap or heap[0][0] >= w:
            if w > self._bound and w != math.inf:
                self._bound = w
            return []
        out = []
        pop = heapq.heappop
        while heap and heap[0][0] < w:
            t, key, _, item = pop(heap)
            out.append((t, key, item))
        if w == math.inf:
            self._bound = max(self._bound, out[-1][0])   # from now on, posts older than the last released are late
        elif w > self._bound:
            self._bound = w
        return out


class FutureGuard:
    """Keeps a post dated far ahead of the stream from moving event time (reason ``future``).

    Event time only moves forward: one post dated 2099 in a stream of today's posts would make every later post
    *late*. So each source (input partition) keeps the times of its ``window`` most recent posts, and a post more
    than ``max_future_s`` ahead of their median is not used. The median, not the newest: a single outlier cannot
    move it (nor can fewer than half of the window).

    Two modes:

    * ``hold=True`` (the embedded host, a finite replay): such a post is *held*, not rejected at once, because a
      gap in the stream looks the same at first. If posts keep coming from its time (the median catches up) it is
      used, in arrival order; if ``window`` newer posts arrive and it is still ahead, it is rejected as future. A
      source's first ``warmup`` posts are held until there is a median to judge them by (their own: one outlier
      among the first three cannot move it). Nothing is lost on a gap; at most a few posts wait. At the end of
      the input (:meth:`flush`) what is still held is used: no post comes after it that it could make late, and
      a recorded stream's last posts after a gap are real posts (a replay gives what it gave before).
    * ``hold=False`` (the Kafka host: a post cannot wait there without breaking the offsets the detector accounts
      for): :meth:`ahead` judges at once; a source still warming up is not judged (the Kafka host also checks the
      wall clock).

    Pure and deterministic: the same posts in the same order give the same decisions.

    >>> g = FutureGuard(max_future_s=3600)
    >>> g.offer(0, 4_102_444_800.0, "2100")       # the first post, dated 2100: held (warm-up)
    ([], [])
    >>> g.offer(0, 1000.0, "a"), g.offer(0, 1010.0, "b")   # two more: the median is 1010; 2100 waits
    (([], []), (['a', 'b'], []))
    >>> [g.offer(0, 1020.0 + i, i) for i in range(19)][-1]  # 21 posts later it is still ahead: rejected
    ([18], ['2100'])
    """

    def __init__(self, max_future_s: float, *, window: int = 21, warmup: int = 3, hold: bool = True):
        if not max_future_s > 0:
            raise ValueError("max_future_s must be > 0")
        if not 1 <= warmup <= window:
            raise ValueError("need 1 <= warmup <= window")
        self.max_future_s = float(max_future_s)
        self.window = window
        self.warmup = warmup
        self.hold = hold
        self._recent: dict[int, deque] = {}       # source -> times of its recent posts, oldest first
        self._sorted: dict[int, list] = {}        # the same, sorted (bisect: the median is one index)
        self._seen: dict[int, int] = {}           # source -> posts judged so far
        self._held: dict[int, list] = {}          # source -> [(post number, t, item)] waiting, in arrival order
        self.future = 0

    def _record(self, source: int, t: float) -> None:
        recent = self._recent.get(source)
        if recent is None:
            recent = self._recent[source] = deque()
            self._sorted[source] = []
        srt = self._sorted[source]
        if len(recent) == self.window:
            old = recent.popleft()
            del srt[bisect_left(srt, old)]
        recent.append(t)
        insort(srt, t)
        self._seen[source] = self._seen.get(source, 0) + 1

    def cap(self, source: int, *, warm: bool = True) -> float | None:
        """The latest usable time for ``source`` now: its recent posts' (lower) median plus ``max_future_s``;
        None while fewer than ``warmup`` posts were seen (with ``warm=False``: as soon as there is one)."""
        srt = self._sorted.get(source)
        if not srt or (warm and len(srt) < self.warmup):
            return None
        return srt[(len(srt) - 1) // 2] + self.max_future_s

    def ahead(self, source: int, t: float) -> bool:
        """``hold=False``: judge a post now (True: more than max_future_s ahead of the median); its time counts
        in the window either way, so that after a gap in the stream the median catches up."""
        cap = self.cap(source)
        self._record(source, t)
        if cap is not None and t > cap:
            self.future += 1
            return True
        return False

    def offer(self, source: int, t: float, item: Any) -> tuple[list, list]:
        """``hold=True``: returns ``(use, future)``: the items to use now, in arrival order, and the items
        rejected as future."""
        self._record(source, t)
        n = self._seen[source]
        held = self._held.get(source)
        cap = self.cap(source)
        if cap is None or (t > cap) or held:
            if held is None:
                held = self._held[source] = []
            held.append((n, t, item))
            if cap is None:
                return [], []
            return self._review(source, cap)
        return [item], []

    def _review(self, source: int, cap: float) -> tuple[list, list]:
        use, future, keep = [], [], []
        n = self._seen[source]
        for entry in self._held[source]:
            k, t, item = entry
            if t <= cap:
                use.append(item)
            elif n - k >= self.window:
                future.append(item)
            else:
                keep.append(entry)
        if keep:
            self._held[source] = keep
        else:
            del self._held[source]
        self.future += len(future)
        return use, future

    def flush(self) -> tuple[list, list]:
        """The end of a finite input: everything still held is used (nothing comes after it to be made late),
        in arrival order per source. Returns ``(use, [])``."""
        use = [item for source in sorted(self._held) for _, _, item in self._held[source]]
        self._held.clear()
        return use, []

    @property
    def held(self) -> int:
        return sum(len(h) for h in self._held.values())
