"""File receiver: appends each notification's webhook v1 body as one JSON line. Works with no network and
no environment, so it is the default receiver. Lines already written (same ``notification_id``) are not
written again, so a re-delivery after a restart does not duplicate them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import httpx

from ..dispatcher import Notification
from .base import SendResult, Sink, json_bytes
from .webhook import webhook_body


class FileSink(Sink):
    type = "file"

    def __init__(self, receiver, ctx):
        super().__init__(receiver, ctx)
        p = Path(receiver.path)
        self.path = p if p.is_absolute() else Path(ctx.base_dir) / p
        self._seen: set[str] | None = None

    def _load_seen(self) -> set[str]:
        seen: set[str] = set()
        if self.path.exists():
            with self.path.open("r", encoding="utf-8", errors="replace") as f:
                for line in f:
                    try:
                        seen.add(json.loads(line)["notification_id"])
                    except (ValueError, KeyError, TypeError):
                        continue
        return seen

    async def send(self, n: Notification, client: httpx.AsyncClient | None, timeout_s: float) -> SendResult:
        if self._seen is None:
            self._seen = self._load_seen()
        if n.notification_id in self._seen:
            return SendResult.delivered()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as f:
                f.write(json_bytes(webhook_body(self.view(n))) + b"\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            return SendResult(ok=False, retryable=True, error=f"cannot write {self.path}: {e}")
        self._seen.add(n.notification_id)
        return SendResult.delivered()
