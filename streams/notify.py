"""Bridge from the detector's alert records to the alerting component, on event time (replays stay deterministic)."""
from __future__ import annotations

from pathlib import Path

from groundswell.alerts.durations import parse_time


class EventTimeNotifier:
    """Submits alert records to a :class:`groundswell.alerts.Notifier`, ticking its timers on post time; delivery
    runs in the background (``Notifier.start_background_delivery``), so detection never waits on a receiver: what
    a rate-limited chat bot cannot take yet queues in the durable outbox. At the end (``close``) what is still
    queued gets ``final_wait_s`` more; the rest stays in the outbox for the next run on it (or ``groundswell
    deliver``), with the same idempotency keys."""

    def __init__(self, alerting_config: str | Path, outbox_dir: str | Path, *, tick_s: float = 10.0,
                 final_wait_s: float = 0.0, notifier=None):
        if notifier is None:
            from groundswell.alerts import Notifier
            notifier = Notifier(str(alerting_config), outbox_dir=str(outbox_dir))
        self.notifier = notifier
        self.tick_s = tick_s
        self.final_wait_s = final_wait_s
        self._next_tick: float | None = None
        self._now = 0.0
        self.notifications = 0
        self.notifier.start_background_delivery()

    def on_alert(self, alert: dict) -> None:
        now = parse_time(alert["at"])
        self.notifier.submit(alert, now)
        self.on_time(now)

    def on_time(self, t: float) -> None:
        if t <= self._now:
            return
        self._now = t
        if self._next_tick is None or t >= self._next_tick:
            self.notifications += len(self.notifier.tick(t))   # (into the outbox: delivery is in the background)
            self._next_tick = t + self.tick_s

    def close(self):
        """Flush every group (end of a finite input), give delivery ``final_wait_s`` more, and return the result
        (``pending``: left queued in the outbox)."""
        self.notifications += len(self.notifier.flush(self._now))
        self.notifier.stop_background_delivery()
        result = self.notifier.deliver_pending(timeout_s=self.final_wait_s)
        self.notifier.close()
        return result
