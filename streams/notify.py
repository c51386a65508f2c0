"""Bridge from the detector's alert records to the alerting component, on event time (replays stay deterministic)."""
from __future__ import annotations

from pathlib import Path

from groundswell.alerts.durations import parse_time


class EventTimeNotifier:
    """Submits alert records to a :class:`groundswell.alerts.Notifier`, ticking its timers on post time and
    delivering what is due every ``deliver_every_s`` of event time (and at the end)."""

    def __init__(self, alerting_config: str | Path, outbox_dir: str | Path, *, tick_s: float = 10.0,
                 deliver_every_s: float = 300.0, deliver_timeout_s: float = 10.0):
        from groundswell.alerts import Notifier
        self.notifier = Notifier(str(alerting_config), outbox_dir=str(outbox_dir))
        self.tick_s = tick_s
        self.deliver_every_s = deliver_every_s
        self.deliver_timeout_s = deliver_timeout_s
        self._next_tick: float | None = None
        self._next_delivery: float | None = None
        self._now = 0.0
        self.notifications = 0

    def on_alert(self, alert: dict) -> None:
        now = parse_time(alert["at"])
        self.notifier.submit(alert, now)
        self.on_time(now)

    def on_time(self, t: float) -> None:
        if t <= self._now:
            return
        self._now = t
        if self._next_tick is None or t >= self._next_tick:
            self.notifications += len(self.notifier.tick(t))
            self._next_tick = t + self.tick_s
        if self._next_delivery is None:
            self._next_delivery = t + self.deliver_every_s
        elif t >= self._next_delivery:
            self.notifier.deliver_pending(timeout_s=self.deliver_timeout_s)
            self._next_delivery = t + self.deliver_every_s

    def close(self):
        """Flush every group (end of a finite input), deliver, and return the delivery result."""
        self.notifications += len(self.notifier.flush(self._now))
        result = self.notifier.deliver_pending(timeout_s=max(self.deliver_timeout_s, 30.0))
        self.notifier.close()
        return result
