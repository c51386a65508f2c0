"""Score a run's alerts and assignments against labelled posts: the backtest's scorer, in the product.

The metrics, their definitions and their JSON keys are those of the reference scorer the project is judged by
(``../shared/eval/score.py``, beside the repository), so that an engineer's backtest and the judge agree to the digit
(``benchmarks/evaluate.py --check-scorer`` compares them on every labelled stream):

- ``bcubed_precision`` / ``bcubed_recall`` / ``bcubed_f1``: B-cubed over labelled posts, each post in its last
  assigned issue (a post with no issue is a cluster of its own).
- ``event_recall``: share of events whose posts are the majority of some alerted issue at its first alert.
- ``median_posts_at_first_alert`` / ``median_minutes_to_first_alert``: how big and how old an event was when first
  alerted (its posts up to the alert time).
- ``big_recall_within_<early>_posts``: share of events with >= ``big`` posts alerted while they had <= ``early``.
- ``duplicate_alert_rate``: alerted issues whose majority event was already alerted, over all alerted issues.
- ``impure_alert_rate``: alerted issues whose majority event holds < 80% of their posts at alert time.
- ``background_alert_rate``: alerted issues made mostly of unlabelled posts, or of no posts yet.

An issue's posts at alert time are every post ever reported under its id up to then (a post reported under an
issue that later merged still counts for the alert that went out about it). Only the first ``firing`` record of an
issue counts. Times: RFC 3339 (a time without an offset is read as UTC) or epoch seconds.

>>> posts = [{"id": f"p{i}", "created_at": 60 * i, "event": "flood" if i < 8 else None} for i in range(10)]
>>> assignments = [{"post_id": f"p{i}", "issue_id": "c1" if i < 8 else "c2"} for i in range(10)]
>>> alerts = [{"issue_id": "c1", "status": "firing", "at": 60 * 4}]
>>> m = score(posts, alerts, assignments, truth_field="event")
>>> m["event_recall"], m["median_posts_at_first_alert"], m["bcubed_f1"]
(1.0, 5, 1.0)
"""
from __future__ import annotations

import bisect
import collections
import statistics
from datetime import datetime, timezone
from typing import Iterable, Mapping

IMPURE_BELOW = 0.8   # an alerted issue is impure when its majority event holds less than this share of its posts


def seconds(value) -> float:
    """Epoch seconds of an RFC 3339 time (``Z`` or an offset; none: UTC) or a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def score(posts: Iterable[Mapping], alerts: Iterable[Mapping], assignments: Iterable[Mapping], *,
          truth_field: str | None = None, truth: Mapping[str, object] | None = None, big: int = 500,
          early: int = 50) -> dict:
    """The metrics above, as one JSON-ready dict. Labels come from ``truth_field`` of each post (None or missing:
    background) or from ``truth`` (post id -> event id); give exactly one."""
    if (truth_field is None) == (truth is None):
        raise ValueError("give exactly one of truth_field and truth")
    labels, time_of = _labels_and_times(posts, truth_field, truth)

    event_times: dict[object, list[float]] = collections.defaultdict(list)
    for pid, t in time_of.items():
        if pid in labels:
            event_times[labels[pid]].append(t)
    for times in event_times.values():
        times.sort()

    assigned, issue_posts = _issue_posts(assignments, time_of, labels)

    cluster = {pid: assigned.get(pid) or "_alone_" + pid for pid in time_of if pid in labels}
    cluster_size = collections.Counter(cluster.values())
    event_size = collections.Counter(labels[pid] for pid in cluster)
    overlap = collections.Counter((cluster[pid], labels[pid]) for pid in cluster)
    n = len(cluster) or 1
    precision = sum(c * c / cluster_size[k] for (k, _), c in overlap.items()) / n
    recall = sum(c * c / event_size[e] for (_, e), c in overlap.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    first_alert, alert_lines = _first_alerts(alerts)

    detected: dict[object, tuple[int, float]] = {}
    background = impure = duplicate = 0
    for issue, at, event, count, size in _alerted(first_alert, issue_posts):
        if event is None:
            background += 1
            continue
        impure += count / size < IMPURE_BELOW
        if event in detected:
            duplicate += 1
            continue
        detected[event] = (bisect.bisect_right(event_times[event], at), at - event_times[event][0])

    big_events = [e for e, times in event_times.items() if len(times) >= big]
    big_early = sum(1 for e in big_events if e in detected and detected[e][0] <= early)
    alerted = len(first_alert) or 1
    return {
        "posts": len(time_of), "labelled_posts": len(cluster), "events": len(event_times),
        "alerted_issues": len(first_alert), "alert_lines": alert_lines,
        "bcubed_precision": round(precision, 4), "bcubed_recall": round(recall, 4), "bcubed_f1": round(f1, 4),
        "event_recall": round(len(detected) / max(1, len(event_times)), 4),
        "big_events": len(big_events), f"big_recall_within_{early}_posts": round(big_early / max(1, len(big_events)), 4),
        "median_posts_at_first_alert": statistics.median(v[0] for v in detected.values()) if detected else None,
        "median_minutes_to_first_alert":
            round(statistics.median(v[1] for v in detected.values()) / 60, 2) if detected else None,
        "duplicate_alert_rate": round(duplicate / alerted, 4),
        "impure_alert_rate": round(impure / alerted, 4),
        "background_alert_rate": round(background / alerted, 4),
    }


def _labels_and_times(posts: Iterable[Mapping], truth_field: str | None, truth: Mapping[str, object] | None
                      ) -> tuple[dict[str, object], dict[str, float]]:
    """(post id -> event, for labelled posts; post id -> event time, for every post)."""
    labels: dict[str, object] = dict(truth) if truth is not None else {}
    time_of: dict[str, float] = {}
    for p in posts:
        time_of[p["id"]] = seconds(p["created_at"])
        if truth_field is not None and p.get(truth_field) is not None:
            labels[p["id"]] = p[truth_field]
    return labels, time_of


def _issue_posts(assignments: Iterable[Mapping], time_of: Mapping[str, float], labels: Mapping[str, object]):
    """(post id -> its last issue; issue -> (time, event) of every post ever reported under it, by time)."""
    assigned: dict[str, object] = {}
    issue_posts: dict[object, list[tuple[float, object]]] = collections.defaultdict(list)
    for row in assignments:
        pid, issue = row.get("post_id"), row.get("issue_id")
        if pid in time_of:
            assigned[pid] = issue
            if issue is not None:
                issue_posts[issue].append((time_of[pid], labels.get(pid)))
    for rows in issue_posts.values():
        rows.sort(key=lambda x: x[0])
    return assigned, issue_posts


def _first_alerts(alerts: Iterable[Mapping]) -> tuple[dict[object, float], int]:
    """(issue -> time of its first ``firing`` record; the number of alert records)."""
    first_alert: dict[object, float] = {}
    alert_lines = 0
    for row in alerts:
        alert_lines += 1
        if row.get("status", "firing") == "firing":
            at = seconds(row["at"])
            first_alert[row["issue_id"]] = min(at, first_alert.get(row["issue_id"], at))
    return first_alert, alert_lines


def _alerted(first_alert: Mapping, issue_posts: Mapping):
    """(issue, first alert time, its majority event at that time or None, that event's posts, all its posts) per
    alerted issue, in alert order: what each alert was about when it went out."""
    for issue, at in sorted(first_alert.items(), key=lambda x: x[1]):
        so_far = [e for t, e in issue_posts.get(issue, []) if t <= at]
        if not so_far:
            yield issue, at, None, 0, 0
            continue
        event, count = collections.Counter(so_far).most_common(1)[0]
        yield issue, at, event, count, len(so_far)


def alerted(posts: Iterable[Mapping], alerts: Iterable[Mapping], assignments: Iterable[Mapping], *,
            truth_field: str) -> list[dict]:
    """What each alerted issue was about when its first alert went out, in alert order: ``{"issue_id", "at"
    (epoch s), "event"`` (the majority of its posts then; None for background or no posts), ``"event_posts",
    "posts"}``. An event counts as caught by the first such alert (``score``'s event recall)."""
    labels, time_of = _labels_and_times(posts, truth_field, None)
    _, issue_posts = _issue_posts(assignments, time_of, labels)
    first_alert, _ = _first_alerts(alerts)
    return [{"issue_id": i, "at": at, "event": e, "event_posts": c, "posts": n}
            for i, at, e, c, n in _alerted(first_alert, issue_posts)]


LABELS = {
    "events": "events", "alerted_issues": "alerted issues", "bcubed_precision": "B-cubed precision",
    "bcubed_recall": "B-cubed recall", "bcubed_f1": "B-cubed F1", "event_recall": "events alerted (recall)",
    "median_posts_at_first_alert": "median posts at first alert",
    "median_minutes_to_first_alert": "median minutes to first alert", "duplicate_alert_rate": "duplicate alerts",
    "background_alert_rate": "background alerts", "impure_alert_rate": "impure alerts",
}


def table(metrics: Mapping) -> str:
    """The metrics as an aligned two-column text table, for a person."""
    rows = [(LABELS.get(k, k.replace("_", " ")), metrics[k]) for k in metrics]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {'-' if v is None else v}" for k, v in rows)
