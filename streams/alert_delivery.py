"""Alert delivery on the Kafka host: the alerting component's protocols backed by Kafka.

* :class:`TableOutbox` keeps pending notifications (and recent outcomes, for idempotency) in a Faust table, so a
  worker that dies with notifications undelivered leaves them to the next owner of the alerts partition, which
  re-sends them with the same idempotency keys.
* :class:`TopicDeadLetters` writes what could not be delivered within the retry budget to the
  ``alert-dead-letters`` topic.

Writes go to the table's store and its changelog partition explicitly (``send_changelog``), because delivery
runs from a timer, outside any stream event.
"""
from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any

from groundswell.alerts.outbox import OutboxItem

PENDING = "out/"
DONE = "done/"
STATE = "dispatcher"


class TableOutbox:
    """The :class:`groundswell.alerts.outbox.Outbox` protocol over a changelog-backed Faust table partition."""

    def __init__(self, table, partition: int = 0, keep_acked: int = 20_000):
        self.table, self.partition, self.keep_acked = table, partition, keep_acked
        self._pending: OrderedDict[str, OutboxItem] = OrderedDict()
        self._acked: OrderedDict[str, str] = OrderedDict()
        rows = []
        for key, raw in list(table.data.items()):
            if raw is None:
                continue
            v = json.loads(raw)
            if key.startswith(PENDING):
                rows.append((v["seq"], OutboxItem(key[len(PENDING):], v["receiver"], v["payload"], v["at"])))
            elif key.startswith(DONE):
                self._acked[key[len(DONE):]] = v["outcome"]
        for _, item in sorted(rows, key=lambda r: r[0]):
            self._pending[item.id] = item
        self._seq = max([r[0] for r in rows], default=0)

    def _put(self, key: str, value: dict | None) -> None:
        if value is None:
            self.table.data.pop(key, None)
            self.table.send_changelog(self.partition, key, None, value_serializer="raw")   # tombstone
        else:
            raw = json.dumps(value, ensure_ascii=False).encode()
            self.table.data[key] = raw
            self.table.send_changelog(self.partition, key, raw)

    def enqueue(self, item: OutboxItem) -> bool:
        if item.id in self._pending or item.id in self._acked:
            return False
        self._seq += 1
        self._put(PENDING + item.id, {"seq": self._seq, "receiver": item.receiver, "payload": item.payload,
                                      "at": item.enqueued_at})
        self._pending[item.id] = item
        return True

    def ack(self, item_id: str, outcome: str) -> None:
        if self._pending.pop(item_id, None) is None:
            return
        self._put(DONE + item_id, {"outcome": outcome, "at": time.time()})
        self._put(PENDING + item_id, None)
        self._acked[item_id] = outcome
        while len(self._acked) > self.keep_acked:
            old, _ = self._acked.popitem(last=False)
            self._put(DONE + old, None)

    def pending(self, receiver: str | None = None) -> list[OutboxItem]:
        return [i for i in self._pending.values() if receiver is None or i.receiver == receiver]

    def outcome(self, item_id: str) -> str | None:
        return "pending" if item_id in self._pending else self._acked.get(item_id)

    def load_state(self) -> dict[str, Any] | None:
        raw = self.table.data.get(STATE)
        return json.loads(raw) if raw else None

    def save_state(self, state: dict[str, Any]) -> None:
        self._put(STATE, state)

    def close(self) -> None:
        pass

    def __len__(self) -> int:
        return len(self._pending)


class TopicDeadLetters:
    """Dead letters to a Kafka topic (the alerting component's ``DeadLetterSink`` protocol)."""

    def __init__(self, topic):
        self.topic = topic

    def write(self, record: dict[str, Any]) -> None:
        self.topic.send_soon(key=str(record.get("notification_id") or record.get("id") or "").encode(),
                             value=record)
