"""The alert: labels (identity), annotations (what to show), ``starts_at``/``ends_at`` and fingerprints.

Modelled on Prometheus Alertmanager, with one deliberate difference in how severity relates to identity:

* ``fingerprint`` — a stable hash of the sorted labels *without* ``severity``: the identity of the **issue**
  (``issue_id`` plus source/region/lang/... labels). It stays the same as an issue escalates, so dashboards,
  feedback and receivers can follow one issue across its notifications.
* ``key`` — ``"<fingerprint>/<severity>"``: the identity of one **alert instance**, the unit the dispatcher
  routes, groups, silences and inhibits (as Alertmanager would, where severity is an ordinary label).

An escalation (the same issue at a higher severity) is therefore a *new alert instance* with the same
fingerprint: it is routed on its own (a ``severity="red"`` route can page someone the yellow route does not)
and is a change to any group it joins, so it notifies. The lower instances stay firing until the issue is
resolved, and the default inhibit rules (``equal: [issue_id]``) mute them while the higher one fires — "a red
alert mutes the yellow one for the same issue". A ``resolved`` event resolves every instance of the issue;
a firing event at a *lower* severity resolves the instances above it (de-escalation).

    >>> a = Alert.from_issue_event({"alert_id": "c1:1", "issue_id": "c1", "status": "firing", "severity": "yellow",
    ...     "at": "2024-05-01T08:00:00Z", "first_post_at": "2024-05-01T07:40:00Z", "posts": 12, "authors": 9,
    ...     "terms": ["停电", "小区"], "title": "小区停电", "sample_posts": [{"id": "p1", "text": "又停电了"}],
    ...     "growth": {"interval_s": 300, "counts": [1, 3, 8]}, "score": 4.2, "labels": {"region": "sh"}},
    ...     dashboard_url="http://127.0.0.1:3000/issues/{issue_id}")
    >>> a.labels["severity"], a.annotations["dashboard_url"], a.key == a.fingerprint + "/yellow"
    ('yellow', 'http://127.0.0.1:3000/issues/c1', True)
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .durations import format_time, parse_time

SEVERITY = "severity"
_BAD_LABEL_CHARS = re.compile(r"[^a-zA-Z0-9_]")
MAX_SAMPLE_POSTS = 3


def fingerprint(labels: dict[str, str]) -> str:
    """Stable 16-hex-digit hash of the labels except ``severity`` (sorted by name)."""
    h = hashlib.sha256()
    for k in sorted(labels):
        if k == SEVERITY:
            continue
        h.update(k.encode("utf-8") + b"\xff" + str(labels[k]).encode("utf-8") + b"\xff")
    return h.hexdigest()[:16]


@dataclass
class Alert:
    labels: dict[str, str]
    annotations: dict[str, Any]
    starts_at: float
    ends_at: float | None = None
    status: str = "firing"                      # firing | resolved
    alert_id: str = ""                          # the issue event that last set this state (idempotent per event)
    escalated_from: str | None = None           # lower severity of the same issue that fired before this one
    fingerprint: str = field(default="", init=False)

    def __post_init__(self) -> None:
        self.fingerprint = fingerprint(self.labels)

    @property
    def severity(self) -> str:
        return self.labels.get(SEVERITY, "")

    @property
    def issue_id(self) -> str:
        return self.labels.get("issue_id", "")

    @property
    def key(self) -> str:
        """Identity of this alert instance: issue fingerprint + severity."""
        return f"{self.fingerprint}/{self.severity}"

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        d = {
            "alert_id": self.alert_id,
            "fingerprint": self.fingerprint,
            "status": self.status,
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "starts_at": format_time(self.starts_at),
            "ends_at": format_time(self.ends_at) if self.ends_at is not None else None,
        }
        if self.escalated_from:
            d["escalated_from"] = self.escalated_from
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Alert":
        return cls(labels=dict(d["labels"]), annotations=dict(d.get("annotations", {})),
                   starts_at=parse_time(d["starts_at"]),
                   ends_at=parse_time(d["ends_at"]) if d.get("ends_at") else None,
                   status=d.get("status", "firing"), alert_id=d.get("alert_id", ""),
                   escalated_from=d.get("escalated_from"))

    @classmethod
    def from_issue_event(cls, event: dict[str, Any], *, dashboard_url: str | None = None) -> "Alert":
        """Build an alert from one issue event of the detector core (see the module doc and docs/alerts.md).

        Raises ``ValueError`` naming the field when the event is malformed.
        """
        def need(name: str, kind: type | tuple) -> Any:
            if name not in event:
                raise ValueError(f"issue event lacks {name!r}: {str(event)[:200]}")
            v = event[name]
            if not isinstance(v, kind) or isinstance(v, bool) and kind is not bool:
                raise ValueError(f"issue event field {name!r} has the wrong type: {v!r}")
            return v

        alert_id = need("alert_id", str)
        issue_id = need("issue_id", str)
        status = need("status", str)
        if status not in ("firing", "resolved"):
            raise ValueError(f"issue event field 'status' must be 'firing' or 'resolved', got {status!r}")
        severity = need("severity", str)
        try:
            at = parse_time(need("at", str))
        except ValueError as e:
            raise ValueError(f"issue event field 'at': {e}") from None

        labels: dict[str, str] = {}
        for k, v in (event.get("labels") or {}).items():
            if v is None or v == "":
                continue
            name = _BAD_LABEL_CHARS.sub("_", str(k))
            if not name or name[0].isdigit():
                name = "_" + name
            labels[name] = str(v)
        labels["issue_id"] = issue_id          # identity fields win over free-form labels
        labels[SEVERITY] = severity

        samples = [
            {"id": str(p.get("id", "")), "text": str(p.get("text", "")),
             **({"url": str(p["url"])} if p.get("url") else {})}
            for p in (event.get("sample_posts") or [])[:MAX_SAMPLE_POSTS]
            if isinstance(p, dict)
        ]
        terms = [str(t) for t in (event.get("terms") or [])]
        growth = event.get("growth") or {}
        posts = int(event.get("posts") or 0)
        authors = int(event.get("authors") or 0)
        annotations: dict[str, Any] = {
            "title": str(event.get("title") or " · ".join(terms[:4]) or issue_id),
            "summary": f"{posts} posts from {authors} distinct authors"
                       + (f"; top terms: {', '.join(terms[:5])}" if terms else ""),
            "terms": terms,
            "sample_posts": samples,
            "sample_post_ids": [str(x) for x in (event.get("sample_post_ids") or [p["id"] for p in samples])],
            "posts": posts,
            "authors": authors,
            "growth": {"interval_s": int(growth.get("interval_s") or 0),
                       "counts": [int(c) for c in (growth.get("counts") or [])],
                       **({"current_s": float(growth["current_s"])} if growth.get("current_s") is not None else {})},
            "first_seen": event.get("first_post_at"),
            "score": event.get("score"),
            "languages": [str(x) for x in (event.get("languages") or [])],
            "event_at": format_time(at),
        }
        if event.get("merged_into"):
            # the issue is the same story as another one: it resolves here and carries on there
            annotations["merged_into"] = str(event["merged_into"])
        if dashboard_url:
            annotations["dashboard_url"] = dashboard_url.format(
                issue_id=quote(issue_id, safe=""), alert_id=quote(alert_id, safe=""))
        return cls(labels=labels, annotations=annotations, starts_at=at,
                   ends_at=at if status == "resolved" else None, status=status, alert_id=alert_id)
