"""The durable outbox: notifications wait here until a receiver took them or they were dead-lettered.

:class:`Outbox` is the protocol delivery works against; :class:`FileOutbox` keeps it in an append-only JSON
lines journal (``<dir>/outbox.jsonl``): ``enq`` records carry the notification, ``ack`` records close it.
Re-opening the directory after a crash or restart yields the same pending notifications, in the same order,
with the same ids (= idempotency keys), so they are re-sent and receivers can deduplicate. A Kafka/Faust host
implements the same protocol on a compacted topic or table.

Enqueueing an id the outbox has already seen (pending, or acked and still remembered) is a no-op, so
replaying the same events after a restart does not send twice what was already delivered.

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> box = FileOutbox(d)
    >>> box.enqueue(OutboxItem("n1", "duty", {"notification_id": "n1"}, 0.0))
    True
    >>> box.close(); box = FileOutbox(d)
    >>> [i.id for i in box.pending()]
    ['n1']
    >>> box.ack("n1", "delivered"); box.enqueue(OutboxItem("n1", "duty", {}, 0.0)), box.pending()
    (False, [])
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)


@dataclass
class OutboxItem:
    id: str                      # the notification id: idempotency key
    receiver: str
    payload: dict[str, Any]      # Notification.to_dict()
    enqueued_at: float           # wall clock, seconds since the epoch


@runtime_checkable
class Outbox(Protocol):
    def enqueue(self, item: OutboxItem) -> bool:
        """Store ``item`` durably; False if its id is already known (pending or delivered)."""

    def ack(self, item_id: str, outcome: str) -> None:
        """Close an item: ``delivered`` or ``dead_lettered``."""

    def pending(self, receiver: str | None = None) -> list[OutboxItem]:
        """Open items (of one receiver, or all) in enqueue order."""

    def close(self) -> None: ...


class FileOutbox:
    """Append-only JSONL journal with acks; compacted when acks pile up. Thread-safe.

    ``fsync=True`` (default) makes each enqueue/ack durable before it returns. ``keep_acked`` ids of
    delivered items are remembered (also across compaction) to make re-enqueueing them a no-op.
    """

    FILE = "outbox.jsonl"

    def __init__(self, directory: str | os.PathLike, *, fsync: bool = True, keep_acked: int = 20000,
                 compact_after: int = 2000):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / self.FILE
        self.fsync = fsync
        self.keep_acked = keep_acked
        self.compact_after = compact_after
        self._lock = threading.RLock()
        self._pending: "OrderedDict[str, OutboxItem]" = OrderedDict()
        self._acked: "OrderedDict[str, str]" = OrderedDict()
        self._acks_since_compact = 0
        self._load()
        self._file = self.path.open("ab")
        self.compact()

    # ------------------------------------------------------------------ journal
    def _load(self) -> None:
        if not self.path.exists():
            return
        raw = self.path.read_bytes()
        if raw and not raw.endswith(b"\n"):          # a torn last line from a crash: isolate it
            with self.path.open("ab") as f:
                f.write(b"\n")
        bad = 0
        for line in raw.splitlines():
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                op = rec["op"]
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            if op == "enq":
                if rec["id"] not in self._acked:
                    self._pending[rec["id"]] = OutboxItem(rec["id"], rec["receiver"], rec["payload"],
                                                          float(rec.get("at", 0.0)))
            elif op == "ack":
                self._pending.pop(rec["id"], None)
                self._remember(rec["id"], rec.get("outcome", "delivered"))
        if bad:
            log.warning("outbox %s: skipped %d unreadable line(s)", self.path, bad)

    def _remember(self, item_id: str, outcome: str) -> None:
        self._acked[item_id] = outcome
        self._acked.move_to_end(item_id)
        while len(self._acked) > self.keep_acked:
            self._acked.popitem(last=False)

    def _write(self, rec: dict[str, Any]) -> None:
        self._file.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())

    # ------------------------------------------------------------------ protocol
    def enqueue(self, item: OutboxItem) -> bool:
        with self._lock:
            if item.id in self._pending or item.id in self._acked:
                return False
            self._write({"op": "enq", "id": item.id, "receiver": item.receiver, "at": item.enqueued_at,
                         "payload": item.payload})
            self._pending[item.id] = item
            return True

    def ack(self, item_id: str, outcome: str) -> None:
        with self._lock:
            if item_id not in self._pending:
                return
            self._write({"op": "ack", "id": item_id, "outcome": outcome, "at": time.time()})
            del self._pending[item_id]
            self._remember(item_id, outcome)
            self._acks_since_compact += 1
            if self._acks_since_compact >= self.compact_after:
                self.compact()

    def pending(self, receiver: str | None = None) -> list[OutboxItem]:
        with self._lock:
            return [i for i in self._pending.values() if receiver is None or i.receiver == receiver]

    def outcome(self, item_id: str) -> str | None:
        """``pending``, ``delivered``, ``dead_lettered`` or None if unknown (or forgotten)."""
        with self._lock:
            if item_id in self._pending:
                return "pending"
            return self._acked.get(item_id)

    def compact(self) -> None:
        """Rewrite the journal as remembered acks + pending items (atomic rename)."""
        with self._lock:
            tmp = self.path.with_suffix(".jsonl.tmp")
            with tmp.open("wb") as f:
                for item_id, outcome in self._acked.items():
                    f.write(json.dumps({"op": "ack", "id": item_id, "outcome": outcome}).encode("utf-8") + b"\n")
                for i in self._pending.values():
                    f.write(json.dumps({"op": "enq", "id": i.id, "receiver": i.receiver, "at": i.enqueued_at,
                                        "payload": i.payload}, ensure_ascii=False,
                                       separators=(",", ":")).encode("utf-8") + b"\n")
                f.flush()
                os.fsync(f.fileno())
            self._file.close()
            os.replace(tmp, self.path)
            self._file = self.path.open("ab")
            self._acks_since_compact = 0

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()

    def __len__(self) -> int:
        return len(self._pending)


class MemoryOutbox:
    """Non-durable outbox for tests and throwaway runs (same protocol)."""

    def __init__(self):
        self._pending: "OrderedDict[str, OutboxItem]" = OrderedDict()
        self._acked: dict[str, str] = {}
        self._lock = threading.RLock()

    def enqueue(self, item: OutboxItem) -> bool:
        with self._lock:
            if item.id in self._pending or item.id in self._acked:
                return False
            self._pending[item.id] = item
            return True

    def ack(self, item_id: str, outcome: str) -> None:
        with self._lock:
            if self._pending.pop(item_id, None) is not None:
                self._acked[item_id] = outcome

    def pending(self, receiver: str | None = None) -> list[OutboxItem]:
        with self._lock:
            return [i for i in self._pending.values() if receiver is None or i.receiver == receiver]

    def outcome(self, item_id: str) -> str | None:
        """``pending``, ``delivered``, ``dead_lettered`` or None if unknown."""
        with self._lock:
            return "pending" if item_id in self._pending else self._acked.get(item_id)

    def close(self) -> None:
        pass
