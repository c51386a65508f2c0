"""Grouping and timing: turns issue events into notifications, Alertmanager style. Time is always passed in.

``submit(event, now)`` updates the alert instances (see :mod:`.model` for fingerprints and escalation) and
adds new ones to a group on every route they match. ``tick(now)`` flushes the groups that are due and
returns the :class:`Notification` objects to deliver. Nothing here reads a clock, so feeding the same events
with the same ``now`` values gives the same notifications with the same ids (replays are deterministic).

Per group (one per route and value of its ``group_by`` labels):

* a new group is flushed ``group_wait`` after its first alert; later it is looked at every ``group_interval``;
* a flush sends when the group changed since the last notification (a new firing instance — including an
  escalation — or a resolved one the receiver had been told about, if ``send_resolved``), or when nothing
  changed but ``repeat_interval`` has passed since the last notification and something still fires;
* a severity rise in a group that already notified is flushed after ``escalation_wait`` (default 0), not the
  remaining ``group_interval``;
* silenced or inhibited instances are left out (counted once as ``suppressed``); instances of held severities
  are left out while the receiver's quiet hours last and go out at the first tick after they end.

Annotation-only updates (the same severity with new counts) do not notify by themselves; the next
notification carries the latest annotations.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from .config import AlertingConfig, RouteNode
from .durations import format_time, parse_time
from .model import Alert
from .muting import Inhibitor, QuietSchedule, Silences
from .routing import all_routes, group_key, group_labels, match_routes

log = logging.getLogger(__name__)


@dataclass
class Notification:
    """One message to one receiver about one group. ``notification_id`` is its idempotency key."""
    notification_id: str
    receiver: str
    route: str
    group_key: str
    group_labels: dict[str, str]
    status: str                     # firing if any alert in it fires, else resolved
    repeat: int                     # 0 for a change, n for the n-th reminder of an unchanged group
    alerts: list[dict[str, Any]]    # Alert.to_dict() of each alert, most severe first
    truncated_alerts: int = 0
    created_at: float = 0.0         # the `now` of the tick that made it (event time in replays)

    def to_dict(self) -> dict[str, Any]:
        return {
            "notification_id": self.notification_id,
            "receiver": self.receiver,
            "route": self.route,
            "group_key": self.group_key,
            "group_labels": dict(self.group_labels),
            "status": self.status,
            "repeat": self.repeat,
            "alerts": list(self.alerts),
            "truncated_alerts": self.truncated_alerts,
            "created_at": format_time(self.created_at),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Notification":
        return cls(notification_id=d["notification_id"], receiver=d["receiver"], route=d["route"],
                   group_key=d["group_key"], group_labels=dict(d.get("group_labels", {})), status=d["status"],
                   repeat=int(d.get("repeat", 0)), alerts=list(d["alerts"]),
                   truncated_alerts=int(d.get("truncated_alerts", 0)),
                   created_at=parse_time(d["created_at"]) if d.get("created_at") else 0.0)

    @property
    def issue_ids(self) -> list[str]:
        return sorted({a["labels"].get("issue_id", "") for a in self.alerts})


@dataclass
class _Group:
    route: RouteNode
    key: str
    labels: dict[str, str]
    next_flush_at: float
    keys: dict[str, None] = field(default_factory=dict)          # alert instance keys, insertion ordered
    notified_firing: dict[str, str] = field(default_factory=dict)  # key -> alert_id the receiver was told fires
    last_notified_at: float | None = None
    repeats: int = 0
    suppressed_seen: set[tuple[str, str]] = field(default_factory=set)
    held: bool = False


class Dispatcher:
    def __init__(self, config: AlertingConfig, *, disabled_receivers: set[str] | frozenset = frozenset(),
                 metrics=None):
        self.config = config
        self.tree = config.route_tree()
        self.silences = Silences(config.silences)
        self.inhibitor = Inhibitor(config.inhibit_rules)
        self.metrics = metrics
        g = config.global_
        self.disabled = set(disabled_receivers)
        self._quiet = {r.name: QuietSchedule.from_config(r.quiet_hours, r.timezone or g.timezone)
                       for r in config.receivers}
        self._held = {r.name: config.held_severities(r) for r in config.receivers}
        self._send_resolved = {r.name: g.send_resolved if r.send_resolved is None else r.send_resolved
                               for r in config.receivers}
        self._max_alerts = {r.name: config.delivery_for(r).max_alerts for r in config.receivers}
        self._was_quiet: dict[str, bool] = {}
        self.alerts: dict[str, Alert] = {}              # instance key -> alert
        self._updated_at: dict[str, float] = {}          # instance key -> event time of its last event
        self._groups: dict[str, _Group] = {}             # group key -> group
        self._route_seen: set[tuple[str, str]] = set()   # (route id, issue id) counted as notified
        self._issue_seen: set[str] = set()                # issue ids counted as notified (on any route)

    # ------------------------------------------------------------------ input
    def submit(self, event: dict[str, Any], now: float) -> Alert:
        """Take one issue event; returns the alert instance it set. ``ValueError`` for a malformed event."""
        a = Alert.from_issue_event(event, dashboard_url=self.config.global_.dashboard_url)
        if a.severity not in self.config.severity_names:
            log.warning("issue event %s has severity %r, not one of %s", a.alert_id, a.severity,
                        self.config.severity_names)
        if a.status == "resolved":
            self._resolve_issue(a.issue_id, a, ends_at=a.ends_at or now)
            return a
        rank = self.config.severity_rank(a.severity)
        # de-escalation: instances of this issue above the new severity are over
        for other in self._issue_instances(a.issue_id):
            if other.status == "firing" and self.config.severity_rank(other.severity) > rank:
                self._set_resolved(other, a.alert_id, a.starts_at, a.annotations)
        for other in self._issue_instances(a.issue_id):   # every instance shows the issue as it is now
            if other.status == "firing" and other.key != a.key:
                other.annotations = a.annotations
        existing = self.alerts.get(a.key)
        self._updated_at[a.key] = a.starts_at
        if existing is not None and existing.status == "firing":
            existing.annotations = a.annotations
            existing.alert_id = a.alert_id
            return existing
        lower = [o for o in self._issue_instances(a.issue_id)
                 if o.status == "firing" and self.config.severity_rank(o.severity) < rank]
        if lower:
            a.escalated_from = max(lower, key=lambda o: self.config.severity_rank(o.severity)).severity
        if existing is not None:     # fired again while its resolution is still pending in some group
            existing.status, existing.ends_at = "firing", None
            existing.alert_id, existing.annotations = a.alert_id, a.annotations
            existing.escalated_from = a.escalated_from
            a = existing
        self.alerts[a.key] = a
        self._attach(a, now)
        return a

    def _attach(self, a: Alert, now: float) -> None:
        """Put the alert in the group of every route it matches (where it is not already)."""
        for route in match_routes(self.tree, a.labels):
            gk = group_key(route, a.labels)
            grp = self._groups.get(gk)
            if grp is None:
                grp = _Group(route=route, key=gk, labels=group_labels(route, a.labels),
                             next_flush_at=now + route.group_wait_s)
                self._groups[gk] = grp
            elif a.key in grp.keys:
                continue
            elif a.escalated_from and grp.last_notified_at is not None:
                grp.next_flush_at = min(grp.next_flush_at, now + route.escalation_wait_s)
            grp.keys[a.key] = None

    def _issue_instances(self, issue_id: str) -> list[Alert]:
        return [x for x in self.alerts.values() if x.issue_id == issue_id]

    def _resolve_issue(self, issue_id: str, event_alert: Alert, ends_at: float) -> None:
        for inst in self._issue_instances(issue_id):
            if inst.status == "firing":
                self._set_resolved(inst, event_alert.alert_id, ends_at, event_alert.annotations)

    @staticmethod
    def _set_resolved(inst: Alert, alert_id: str, ends_at: float, annotations: dict[str, Any]) -> None:
        inst.status, inst.ends_at, inst.alert_id = "resolved", ends_at, alert_id
        inst.annotations = {**inst.annotations, **{k: v for k, v in annotations.items() if k != "title"}}

    # ------------------------------------------------------------------ output
    def tick(self, now: float) -> list[Notification]:
        """Flush the groups due at ``now``; returns the notifications to deliver, in a deterministic order."""
        self._auto_resolve(now)
        for name, sched in self._quiet.items():     # quiet hours just ended: release held alerts now
            q = sched.active(now)
            if self._was_quiet.get(name) and not q:
                for grp in self._groups.values():
                    if grp.route.receiver == name and grp.held:
                        grp.next_flush_at = min(grp.next_flush_at, now)
            self._was_quiet[name] = q
        due = sorted((g for g in self._groups.values() if g.next_flush_at <= now),
                     key=lambda g: (g.next_flush_at, g.key))
        firing = [a for a in self.alerts.values() if a.status == "firing"] if due else []
        out = [n for g in due if (n := self._flush(g, now, firing)) is not None]
        self._collect_garbage()
        if self.metrics is not None and due:
            held: dict[str, int] = {name: 0 for name in self._quiet}
            for g in self._groups.values():
                if g.held:
                    held[g.route.receiver] = held.get(g.route.receiver, 0) + 1
            for name, count in held.items():
                self.metrics.held.labels(receiver=name).set(count)
        return out

    def flush_all(self, now: float) -> list[Notification]:
        """Flush every group now, waiting or not: the end of a finite replay."""
        for g in self._groups.values():
            g.next_flush_at = min(g.next_flush_at, now)
        return self.tick(now)

    def next_due(self) -> float | None:
        """Earliest time a group is due (for a live worker's sleep), or None."""
        return min((g.next_flush_at for g in self._groups.values()), default=None)

    def _auto_resolve(self, now: float) -> None:
        timeout = self.config.global_.resolve_timeout
        if not timeout:
            return
        for key, a in list(self.alerts.items()):
            last = self._updated_at.get(key, a.starts_at)
            if a.status == "firing" and now - last >= timeout:
                self._set_resolved(a, f"{a.alert_id}:timeout", last + timeout, {})

    def _flush(self, grp: _Group, now: float, firing: list[Alert]) -> Notification | None:
        receiver = grp.route.receiver
        grp.next_flush_at = now + grp.route.group_interval_s
        if receiver in self.disabled:
            for key in list(grp.keys):
                a = self.alerts[key]
                if a.status == "firing" and (key, a.alert_id) not in grp.suppressed_seen:
                    grp.suppressed_seen.add((key, a.alert_id))
                    self._count_suppressed(receiver, "receiver_disabled")
                if a.status == "resolved":
                    grp.keys.pop(key, None)
            return None
        quiet = self._quiet[receiver].active(now)
        held_sev = self._held[receiver]
        send_firing: list[Alert] = []
        send_resolved: list[Alert] = []
        grp.held = False
        for key in list(grp.keys):
            a = self.alerts[key]
            silenced = self.silences.muting(a.labels, now)
            if a.status == "firing":
                why = "silenced" if silenced else "inhibited" if self.inhibitor.inhibited(a, firing) else None
                if why:
                    if (key, a.alert_id) not in grp.suppressed_seen:
                        grp.suppressed_seen.add((key, a.alert_id))
                        self._count_suppressed(receiver, why)
                    continue
                if quiet and a.severity in held_sev:
                    grp.held = True
                    continue
                send_firing.append(a)
            else:
                if key not in grp.notified_firing or not self._send_resolved[receiver] or silenced:
                    grp.keys.pop(key, None)
                    grp.notified_firing.pop(key, None)
                    continue
                if quiet and a.severity in held_sev:
                    grp.held = True
                    continue
                send_resolved.append(a)

        changed = any(a.key not in grp.notified_firing for a in send_firing) or bool(send_resolved)
        repeat = (not changed and bool(send_firing) and grp.last_notified_at is not None
                  and now - grp.last_notified_at >= grp.route.repeat_interval_s)
        if not (changed or repeat):
            return None
        grp.repeats = grp.repeats + 1 if repeat else 0
        rank = self.config.severity_rank
        # most severe first; among equals, what the receiver has not heard of yet, then oldest
        order = lambda a: (-rank(a.severity), a.key in grp.notified_firing, a.starts_at, a.issue_id, a.key)  # noqa: E731
        chosen = sorted(send_firing, key=order) + sorted(send_resolved, key=order)
        limit = self._max_alerts[receiver]
        included, truncated = chosen[:limit], max(0, len(chosen) - limit)
        items = sorted(f"{a.key}|{a.alert_id}|{a.status}" for a in included)
        digest = hashlib.sha256("\x1f".join(
            ["v1", receiver, grp.key, *items, f"repeat={grp.repeats}"]).encode("utf-8")).hexdigest()[:32]
        n = Notification(
            notification_id=digest, receiver=receiver, route=grp.route.id, group_key=grp.key,
            group_labels=dict(grp.labels), status="firing" if any(a.status == "firing" for a in included)
            else "resolved", repeat=grp.repeats, alerts=[a.to_dict() for a in included],
            truncated_alerts=truncated, created_at=now)
        for a in included:
            if a.status == "firing":
                if a.key not in grp.notified_firing:
                    self._count_notified(grp.route.id, a)
                grp.notified_firing[a.key] = a.alert_id
            else:
                grp.keys.pop(a.key, None)
                grp.notified_firing.pop(a.key, None)
        grp.last_notified_at = now
        return n

    def _collect_garbage(self) -> None:
        for gk in [k for k, g in self._groups.items() if not g.keys]:
            del self._groups[gk]
        live = {k for g in self._groups.values() for k in g.keys}
        for key in [k for k, a in self.alerts.items() if a.status == "resolved" and k not in live]:
            del self.alerts[key]
            self._updated_at.pop(key, None)

    # ------------------------------------------------------------------ metrics hooks
    def _count_suppressed(self, receiver: str, why: str) -> None:
        log.info("alert suppressed for receiver %s: %s", receiver, why)
        if self.metrics is not None:
            self.metrics.notifications.labels(receiver=receiver, outcome="suppressed").inc()

    def _count_notified(self, route: str, a: Alert) -> None:
        if (route, a.issue_id) in self._route_seen:
            return
        self._route_seen.add((route, a.issue_id))
        if len(self._route_seen) > 200_000:
            self._route_seen.clear()
        detector = a.labels.get("detector", "core")
        if self.metrics is not None:
            self.metrics.alerts_notified.labels(route=route, detector=detector).inc()
        if a.issue_id in self._issue_seen:
            return
        self._issue_seen.add(a.issue_id)
        if len(self._issue_seen) > 200_000:
            self._issue_seen.clear()
        if self.metrics is not None:
            self.metrics.issues_notified.labels(detector=detector).inc()

    # ------------------------------------------------------------------ persistence (live workers)
    def snapshot(self) -> dict[str, Any]:
        """JSON-able state (alert instances, groups, timers) for :meth:`restore` after a restart."""
        return {
            "version": 1,
            "alerts": [{"alert": a.to_dict(), "updated_at": self._updated_at.get(k, a.starts_at)}
                       for k, a in self.alerts.items()],
            "groups": [{"key": g.key, "route": g.route.id, "labels": g.labels, "next_flush_at": g.next_flush_at,
                        "keys": list(g.keys), "notified_firing": g.notified_firing,
                        "last_notified_at": g.last_notified_at, "repeats": g.repeats, "held": g.held}
                       for g in self._groups.values()],
            "was_quiet": self._was_quiet,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Load a :meth:`snapshot`. Groups of routes that no longer exist are dropped (with a warning)."""
        if state.get("version") != 1:
            raise ValueError(f"unknown dispatcher state version {state.get('version')!r}")
        routes = {r.id: r for r in all_routes(self.tree)}
        self.alerts, self._updated_at, self._groups = {}, {}, {}
        for item in state.get("alerts", []):
            a = Alert.from_dict(item["alert"])
            self.alerts[a.key] = a
            self._updated_at[a.key] = float(item.get("updated_at", a.starts_at))
        for g in state.get("groups", []):
            route = routes.get(g["route"])
            if route is None:
                log.warning("dispatcher state: route %r is gone from the config; dropping its group", g["route"])
                continue
            keys = [k for k in g["keys"] if k in self.alerts]
            self._groups[g["key"]] = _Group(
                route=route, key=g["key"], labels=dict(g["labels"]), next_flush_at=float(g["next_flush_at"]),
                keys=dict.fromkeys(keys), notified_firing=dict(g.get("notified_firing", {})),
                last_notified_at=g.get("last_notified_at"), repeats=int(g.get("repeats", 0)),
                held=bool(g.get("held", False)))
        self._was_quiet = {k: bool(v) for k, v in state.get("was_quiet", {}).items()}
        self._collect_garbage()

    # ------------------------------------------------------------------ introspection (tests, debugging)
    def groups(self) -> dict[str, dict[str, Any]]:
        return {k: {"route": g.route.id, "receiver": g.route.receiver, "alerts": list(g.keys),
                    "next_flush_at": g.next_flush_at, "last_notified_at": g.last_notified_at}
                for k, g in self._groups.items()}
