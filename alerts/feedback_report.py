"""Officials' feedback joined with the issues a run notified: false-alarm share and time to acknowledge per
route and detector — the backtest view of the feedback file (``groundswell feedback report``).

Which issues were notified on which route comes from either

* the **delivered log** of a live or replayed run (``<outbox_dir>/delivered.jsonl``: what receivers actually
  accepted), or
* the **issue events of a run** (``groundswell run --alerts-out``) routed, grouped and muted by an alerting
  config through the :class:`~groundswell.alerts.dispatcher.Dispatcher` on event time, exactly as the notifier
  would (silences, inhibition and ``send_resolved`` apply; nothing is sent and no environment is read). This
  lets a backtest ask what a *changed* routing tree would have told officials, given the verdicts they gave.

Issue ids are stable across replays of the same input, so verdicts recorded live (``feedback.jsonl``) apply to
a replay's issues. An issue's verdict is :func:`~groundswell.alerts.feedback.feedback_labels`' (``false_alarm``
wins); its time to acknowledge is the ``time_to_ack_s`` of its first ack, when the feedback service knew the
delivery time.

    >>> rows = feedback_report([{"issue_id": "c1", "action": "false_alarm"}, {"issue_id": "c2", "action": "ack",
    ...                          "time_to_ack_s": 90.0}], {("duty", "core"): {"c1", "c2"}, ("log", "core"): {"c2"}})
    >>> [(r.route, r.notified, r.false_alarms, r.false_alarm_share, r.acked) for r in rows.rows]
    [('duty', 2, 1, 0.5, 1), ('log', 1, 0, 0.0, 1)]
    >>> rows.total.notified, rows.total.median_ack_s, rows.unmatched_feedback
    (2, 90.0, [])
"""
from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from .config import AlertingConfig
from .dispatcher import Dispatcher
from .durations import parse_time
from .jsonl_file import iter_jsonl

ALL = "*"


@dataclass
class ReportRow:
    route: str
    detector: str
    notified: int = 0                    # distinct issues notified (firing) on this route
    false_alarms: int = 0                # of those, marked false alarm
    resolved: int = 0                    # of those, whose verdict is "resolve"
    acked: int = 0                       # of those, acknowledged at least once
    without_feedback: int = 0            # of those, with no feedback at all
    false_alarm_share: float | None = None
    median_ack_s: float | None = None
    p90_ack_s: float | None = None


@dataclass
class FeedbackReport:
    rows: list[ReportRow]                # one per (route, detector), sorted
    total: ReportRow                     # distinct issues over every route
    unmatched_feedback: list[str] = field(default_factory=list)   # issues with feedback the run never notified

    def to_dict(self) -> dict[str, Any]:
        return {"version": "1", "rows": [asdict(r) for r in self.rows], "total": asdict(self.total),
                "unmatched_feedback": list(self.unmatched_feedback)}

    def table(self) -> str:
        head = ("route", "detector", "notified", "false_alarms", "fa_share", "resolved", "acked", "no_feedback",
                "median_ack_s", "p90_ack_s")
        lines = [head]
        for r in [*self.rows, self.total]:
            lines.append((r.route, r.detector, str(r.notified), str(r.false_alarms),
                          "-" if r.false_alarm_share is None else f"{100 * r.false_alarm_share:.1f}%",
                          str(r.resolved), str(r.acked), str(r.without_feedback),
                          _num(r.median_ack_s), _num(r.p90_ack_s)))
        widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
        out = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in lines]
        if self.unmatched_feedback:
            out.append(f"feedback for {len(self.unmatched_feedback)} issue(s) this run never notified: "
                       + ", ".join(self.unmatched_feedback[:10]) + (" …" if len(self.unmatched_feedback) > 10 else ""))
        return "\n".join(out)


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}"


def _quantile(values: list[float], q: float) -> float | None:
    """Nearest-rank quantile; ``None`` for no values."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def notified_from_delivered(path: str | os.PathLike) -> dict[tuple[str, str], set[str]]:
    """(route, detector) -> issue ids with a delivered firing notification, from a delivered log."""
    out: dict[tuple[str, str], set[str]] = {}
    for rec in iter_jsonl(path):
        for a in rec.get("alerts", []):
            if a.get("status") == "firing" and a.get("issue_id"):
                out.setdefault((rec.get("route", "?"), a.get("detector") or "core"), set()).add(a["issue_id"])
    return out


def notified_from_events(events: Iterable[dict[str, Any]], config: AlertingConfig) -> dict[tuple[str, str], set[str]]:
    """(route, detector) -> issue ids notified (firing) when ``events`` (issue events, in emission order) go
    through ``config``'s routing tree, grouping, silences and inhibition on event time. Every receiver counts as
    enabled; quiet hours delay but never drop, so the final flush includes what they held."""
    d = Dispatcher(config)
    notes = []
    now = None
    for e in events:
        now = parse_time(e["at"])
        notes += d.tick(now)                 # timers that were due before this event
        d.submit(e, now)
        notes += d.tick(now)
    if now is not None:
        notes += d.flush_all(now)
    out: dict[tuple[str, str], set[str]] = {}
    for n in notes:
        for a in n.alerts:
            if a["status"] == "firing":
                labels = a["labels"]
                out.setdefault((n.route, labels.get("detector", "core")), set()).add(labels.get("issue_id", ""))
    return out


def feedback_report(feedback: Iterable[dict[str, Any]] | str | os.PathLike,
                    notified: dict[tuple[str, str], set[str]]) -> FeedbackReport:
    """Join feedback records (or a feedback file) with the issues notified per (route, detector)."""
    records = list(iter_jsonl(feedback)) if isinstance(feedback, (str, os.PathLike)) else list(feedback)
    verdict: dict[str, str] = {}
    acked: set[str] = set()
    ack_s: dict[str, float] = {}
    for rec in records:
        iid, action = rec.get("issue_id"), rec.get("action")
        if not iid or not action:
            continue
        if verdict.get(iid) != "false_alarm":
            verdict[iid] = action
        if action == "ack":
            acked.add(iid)
            if iid not in ack_s and isinstance(rec.get("time_to_ack_s"), (int, float)):
                ack_s[iid] = float(rec["time_to_ack_s"])

    def row(route: str, detector: str, issues: set[str]) -> ReportRow:
        r = ReportRow(route, detector, notified=len(issues))
        r.false_alarms = sum(1 for i in issues if verdict.get(i) == "false_alarm")
        r.resolved = sum(1 for i in issues if verdict.get(i) == "resolve")
        r.acked = len(issues & acked)
        r.without_feedback = sum(1 for i in issues if i not in verdict)
        r.false_alarm_share = r.false_alarms / r.notified if r.notified else None
        times = [ack_s[i] for i in issues if i in ack_s]
        r.median_ack_s, r.p90_ack_s = _quantile(times, 0.5), _quantile(times, 0.9)
        return r

    rows = [row(route, det, issues) for (route, det), issues in sorted(notified.items())]
    everything = set().union(*notified.values()) if notified else set()
    return FeedbackReport(rows, row(ALL, ALL, everything), sorted(set(verdict) - everything))
