"""The delivered log: one JSON line per notification a receiver accepted, with the wall-clock time.

Delivery appends to it; the feedback service reads it to know when an issue was first put in front of an
official (time to acknowledge) and on which route and detector (false-alarm share). Backtests can join it
with the feedback file on ``issue_id``.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .jsonl_file import append_jsonl


@dataclass
class FirstNotice:
    issue_id: str
    delivered_at: float
    route: str
    receiver: str
    detector: str
    severity: str


class DeliveredLog:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._offset = 0
        self._first: dict[str, FirstNotice] = {}        # issue id -> first firing delivery
        self._alert_issue: dict[str, str] = {}          # alert id -> issue id

    def append(self, record: dict[str, Any]) -> None:
        with self._lock:
            append_jsonl(self.path, record)

    @staticmethod
    def record(payload: dict[str, Any], delivered_at: float) -> dict[str, Any]:
        return {
            "notification_id": payload["notification_id"], "receiver": payload["receiver"],
            "route": payload["route"], "status": payload["status"], "repeat": payload.get("repeat", 0),
            "delivered_at": delivered_at,
            "alerts": [{"alert_id": a["alert_id"], "issue_id": a["labels"].get("issue_id", ""),
                        "severity": a["labels"].get("severity", ""), "status": a["status"],
                        "detector": a["labels"].get("detector", "core")} for a in payload["alerts"]],
        }

    def refresh(self) -> None:
        """Read lines appended since the last call (possibly by another process)."""
        with self._lock:
            if not self.path.exists():
                return
            with self.path.open("rb") as f:
                f.seek(self._offset)
                data = f.read()
            end = data.rfind(b"\n")
            if end < 0:
                return
            self._offset += end + 1
            for line in data[: end + 1].splitlines():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                for a in rec.get("alerts", []):
                    self._alert_issue[a["alert_id"]] = a["issue_id"]
                    if a["status"] == "firing" and a["issue_id"] not in self._first:
                        self._first[a["issue_id"]] = FirstNotice(a["issue_id"], float(rec["delivered_at"]),
                                                                 rec["route"], rec["receiver"],
                                                                 a.get("detector", "core"), a["severity"])

    def issue_of(self, alert_id: str) -> str | None:
        self.refresh()
        return self._alert_issue.get(alert_id)

    def first_notice(self, issue_id: str) -> FirstNotice | None:
        self.refresh()
        return self._first.get(issue_id)
