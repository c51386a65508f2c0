"""Async delivery from the outbox to the sinks: ordered, retried, rate-limited, dead-lettered.

For each receiver one worker takes the receiver's pending notifications in outbox order, one at a time, so
notifications about one issue arrive in the order they were made (a later one never overtakes an earlier one
being retried). Each attempt:

* waits for a token of the receiver's token bucket (``rate_limit_per_min``, ``burst``);
* sends with ``timeout_s``;
* on success acks the outbox (``delivered``) and appends to the delivered log;
* on a retryable failure (timeout, connection refused, 5xx, 429, vendor "too fast") waits
  ``backoff = min(backoff_max_s, backoff_initial_s * 2**(attempt-1))``, drawn uniformly from ``[0, backoff]``
  with ``jitter: full`` (the RNG is passed in, so tests are repeatable), at least ``Retry-After``;
* after ``max_attempts`` attempts, or on a permanent refusal (4xx, bad signature), writes a dead letter,
  counts it, and acks the outbox (``dead_lettered``).

The wall clock is used here (this is the I/O edge); the dispatcher never reads it.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import httpx

from .config import Delivery
from .deadletter import DeadLetterSink
from .delivered import DeliveredLog
from .dispatcher import Notification
from .metrics import AlertMetrics
from .outbox import Outbox, OutboxItem
from .sinks import SendResult, Sink

log = logging.getLogger(__name__)


class TokenBucket:
    """``rate_per_min`` tokens a minute, at most ``burst`` banked. ``rate_per_min=None`` means unlimited."""

    def __init__(self, rate_per_min: float | None, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = (rate_per_min or 0) / 60.0
        self.burst = max(1, burst)
        self.clock = clock
        self.tokens = float(self.burst)
        self.last = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now

    def wait_s(self) -> float:
        """Seconds until a token is available (0 if one is)."""
        if self.rate <= 0:
            return 0.0
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        if self.rate <= 0:
            return
        self._refill()
        self.tokens -= 1


def backoff_s(attempt: int, d: Delivery, rng: random.Random) -> float:
    """Delay before retry number ``attempt`` (1 = after the first failure)."""
    cap = min(d.backoff_max_s, d.backoff_initial_s * (2 ** max(0, attempt - 1)))
    return rng.uniform(0, cap) if d.jitter == "full" else cap


@dataclass
class _Attempts:
    count: int = 0
    first_at: float | None = None
    next_at: float = 0.0
    last_error: str = ""


@dataclass
class DrainResult:
    delivered: int = 0
    dead_lettered: int = 0
    pending: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.pending == 0


class Deliverer:
    def __init__(self, sinks: dict[str, Sink], settings: dict[str, Delivery], outbox: Outbox,
                 dead_letters: DeadLetterSink, metrics: AlertMetrics, *, rng: random.Random | None = None,
                 delivered_log: DeliveredLog | None = None, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.sinks = sinks
        self.settings = settings
        self.outbox = outbox
        self.dead_letters = dead_letters
        self.metrics = metrics
        self.rng = rng or random.Random()
        self.delivered_log = delivered_log
        self.clock = clock
        self.wall_clock = wall_clock
        self.sleep = sleep
        self.buckets = {name: TokenBucket(s.rate_limit_per_min, s.burst, clock) for name, s in settings.items()}
        self._attempts: dict[str, _Attempts] = {}
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}

    def update_queue_gauge(self) -> None:
        counts: dict[str, int] = {name: 0 for name in self.sinks}
        for item in self.outbox.pending():
            counts[item.receiver] = counts.get(item.receiver, 0) + 1
        for name, c in counts.items():
            self.metrics.queue.labels(receiver=name).set(c)

    async def drain(self, client: httpx.AsyncClient, timeout_s: float) -> DrainResult:
        """Deliver pending notifications until none is left or ``timeout_s`` passed (plus at most one request
        timeout). Undelivered ones stay in the outbox with their attempt counts for the next call."""
        deadline = self.clock() + timeout_s
        result = DrainResult()
        receivers = list(dict.fromkeys(i.receiver for i in self.outbox.pending()))
        await asyncio.gather(*(self._drain_receiver(r, client, deadline, result) for r in receivers))
        result.pending = len(self.outbox.pending())
        self.update_queue_gauge()
        return result

    async def _drain_receiver(self, receiver: str, client: httpx.AsyncClient, deadline: float,
                              result: DrainResult) -> None:
        lock = self._locks.setdefault((id(asyncio.get_running_loop()), receiver), asyncio.Lock())
        async with lock:
            while True:
                items = self.outbox.pending(receiver)
                if not items:
                    return
                for item in items:
                    if not await self._deliver_one(item, client, deadline, result):
                        return

    async def _deliver_one(self, item: OutboxItem, client: httpx.AsyncClient, deadline: float,
                           result: DrainResult) -> bool:
        """True when the item is closed (delivered or dead-lettered); False when out of time."""
        sink = self.sinks.get(item.receiver)
        try:
            n = Notification.from_dict(item.payload)
        except (KeyError, TypeError, ValueError) as e:        # a corrupt entry must not block the queue
            dummy = Notification(item.id, item.receiver, "", "", {}, "firing", 0, [])
            return self._give_up(item, dummy, _Attempts(last_error=f"unreadable notification: {e!r}"), result)
        if sink is None:
            return self._give_up(item, n, _Attempts(last_error="receiver is not configured or disabled"), result)
        d = self.settings[item.receiver]
        st = self._attempts.setdefault(item.id, _Attempts())
        bucket = self.buckets[item.receiver]
        while True:
            wait = max(st.next_at - self.clock(), bucket.wait_s())
            if wait > 0:
                if self.clock() + wait > deadline:
                    return False
                await self.sleep(wait)
                continue
            if self.clock() > deadline:
                return False
            bucket.take()
            if st.first_at is None:
                st.first_at = self.clock()
            st.count += 1
            try:
                res = await sink.send(n, client, d.timeout_s)
            except Exception as e:   # a bug formatting one notification must not block the others
                log.exception("sink %s failed on notification %s", item.receiver, item.id)
                res = SendResult(ok=False, retryable=False, error=f"internal error: {e!r}")
            if res.ok:
                self.outbox.ack(item.id, "delivered")
                self._attempts.pop(item.id, None)
                self.metrics.notifications.labels(receiver=item.receiver, outcome="delivered").inc()
                self.metrics.delivery_seconds.labels(receiver=item.receiver).observe(self.clock() - st.first_at)
                if self.delivered_log is not None:
                    try:
                        self.delivered_log.append(DeliveredLog.record(item.payload, self.wall_clock()))
                    except OSError as e:
                        log.warning("cannot append to the delivered log: %s", e)
                result.delivered += 1
                return True
            st.last_error = res.error
            if res.retryable and st.count < d.max_attempts:
                self.metrics.notifications.labels(receiver=item.receiver, outcome="retried").inc()
                delay = backoff_s(st.count, d, self.rng)
                if res.retry_after_s is not None:
                    delay = max(delay, min(res.retry_after_s, d.backoff_max_s))
                st.next_at = self.clock() + delay
                log.info("notification %s to %s: attempt %d failed (%s); retry in %.2fs",
                         item.id, item.receiver, st.count, res.error, delay)
                continue
            return self._give_up(item, n, st, result)

    def _give_up(self, item: OutboxItem, n: Notification, st: _Attempts, result: DrainResult) -> bool:
        self.metrics.notifications.labels(receiver=item.receiver, outcome="failed").inc()
        record = {"notification_id": item.id, "receiver": item.receiver, "attempts": st.count,
                  "last_error": st.last_error, "dead_lettered_at": self.wall_clock(),
                  "issue_ids": n.issue_ids, "notification": item.payload}
        try:
            self.dead_letters.write(record)
        except Exception as e:   # the notification must not vanish: keep it in the outbox
            log.error("cannot write dead letter for %s (%s); it stays pending", item.id, e)
            result.errors.append(f"dead letter write failed: {e}")
            st.next_at = self.clock() + 1.0
            return False
        self.outbox.ack(item.id, "dead_lettered")
        self._attempts.pop(item.id, None)
        self.metrics.notifications.labels(receiver=item.receiver, outcome="dead_lettered").inc()
        self.metrics.dead_letters.labels(receiver=item.receiver).inc()
        log.warning("notification %s to %s dead-lettered after %d attempt(s): %s",
                    item.id, item.receiver, st.count, st.last_error)
        result.dead_lettered += 1
        return True
