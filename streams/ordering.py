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
