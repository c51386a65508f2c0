"""What keeps an alert from being sent: silences, inhibition and quiet hours. Time is always passed in.

* A **silence** mutes every alert whose labels match all its matchers while ``starts_at <= now < ends_at``.
* An **inhibit rule** mutes a *target* alert while some other *firing* alert matches the source matchers and
  has the same values for the ``equal`` labels (an alert never inhibits itself).
* **Quiet hours** belong to a receiver: while one of its ranges covers ``now`` (in its time zone), alerts of the
  held severities are kept back and sent when the quiet hours end. Severities not held (by default the
  highest one) go through at any hour.

    >>> qh = QuietSchedule.from_config(None)
    >>> qh.active(0.0)
    False
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable
from zoneinfo import ZoneInfo

from .config import InhibitRule, QuietHours, Silence
from .matchers import matches_all
from .model import Alert


class Silences:
    """The active set of silences; ``add`` and ``expire`` let an operator change it at run time."""

    def __init__(self, silences: Iterable[Silence] = ()):
        self._items: dict[str, Silence] = {}
        for i, s in enumerate(silences):
            self.add(s, default_id=f"silence-{i}")

    def add(self, silence: Silence, *, default_id: str | None = None) -> str:
        sid = silence.id or default_id or f"silence-{len(self._items)}"
        self._items[sid] = silence
        return sid

    def expire(self, silence_id: str, now: float) -> None:
        s = self._items.get(silence_id)
        if s is not None:
            self._items[silence_id] = s.model_copy(update={"ends_at": max(s.starts_at, now)})

    def muting(self, labels: dict[str, str], now: float) -> str | None:
        """The id of an active silence matching ``labels``, or None."""
        for sid, s in self._items.items():
            if s.active(now) and matches_all(tuple(s.matchers), labels):
                return sid
        return None

    def __iter__(self):
        return iter(self._items.items())


class Inhibitor:
    def __init__(self, rules: Iterable[InhibitRule]):
        self.rules = list(rules)
        self._indexed: list | None = None   # the ``firing`` list the index below was built from (one tick's)
        self._index: list[dict[tuple, set[str]]] = []

    def _sources(self, firing: list) -> list[dict[tuple, set[str]]]:
        """Per rule: the keys of the firing alerts matching its source, by their ``equal`` labels' values. Built
        once per ``firing`` list (a tick's), so a tick with many groups does not scan every alert for each."""
        if firing is not self._indexed:
            self._index = []
            for rule in self.rules:
                by: dict[tuple, set[str]] = {}
                for src in firing:
                    if src.status == "firing" and matches_all(tuple(rule.source_matchers), src.labels):
                        by.setdefault(tuple(src.labels.get(n, "") for n in rule.equal), set()).add(src.key)
                self._index.append(by)
            self._indexed = firing
        return self._index

    def inhibited(self, target: Alert, firing: Iterable[Alert]) -> bool:
        """True when a firing alert other than ``target`` inhibits it under some rule."""
        if not self.rules or target.status != "firing":
            return False
        if isinstance(firing, list):
            index = self._sources(firing)
            for rule, by in zip(self.rules, index):
                if not matches_all(tuple(rule.target_matchers), target.labels):
                    continue
                keys = by.get(tuple(target.labels.get(n, "") for n in rule.equal))
                if keys and (len(keys) > 1 or target.key not in keys):
                    return True
            return False
        candidates = None
        for rule in self.rules:
            if not matches_all(tuple(rule.target_matchers), target.labels):
                continue
            if candidates is None:
                candidates = [a for a in firing if a.status == "firing" and a.key != target.key]
            want = {n: target.labels.get(n, "") for n in rule.equal}
            for src in candidates:
                if matches_all(tuple(rule.source_matchers), src.labels) and \
                        all(src.labels.get(n, "") == v for n, v in want.items()):
                    return True
        return False


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class QuietSchedule:
    tz: ZoneInfo | None
    ranges: tuple[tuple[int, int, frozenset[str] | None], ...]   # (start minute, end minute, weekdays)

    @classmethod
    def from_config(cls, qh: QuietHours | None, default_tz: str = "UTC") -> "QuietSchedule":
        if qh is None:
            return cls(None, ())
        return cls(ZoneInfo(qh.timezone or default_tz),
                   tuple((r.start, r.end, frozenset(r.weekdays) if r.weekdays else None) for r in qh.ranges))

    def active(self, now: float) -> bool:
        """Whether ``now`` (seconds since the epoch) falls in a quiet range."""
        if not self.ranges:
            return False
        local = datetime.fromtimestamp(now, tz=self.tz)
        minute = local.hour * 60 + local.minute
        today = _DAYS[local.weekday()]
        yesterday = _DAYS[(local.weekday() - 1) % 7]
        for start, end, days in self.ranges:
            if start < end:
                if start <= minute < end and (days is None or today in days):
                    return True
            else:   # wraps past midnight: the early part belongs to the day the range started
                if minute >= start and (days is None or today in days):
                    return True
                if minute < end and (days is None or yesterday in days):
                    return True
        return False
