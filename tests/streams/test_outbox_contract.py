"""One contract for every outbox (alerts/outbox.py's FileOutbox and MemoryOutbox, the Kafka host's TableOutbox over
a changelog-backed table): what the notifier relies on, run against each implementation (as arroyo runs one suite
against its in-memory and Kafka backends)."""
from __future__ import annotations

import pytest

from groundswell.alerts.outbox import FileOutbox, MemoryOutbox, Outbox, OutboxItem
from groundswell.streams.alert_delivery import TableOutbox


class FakeTable:
    """The two things TableOutbox uses of a Faust table: its local ``data`` and ``send_changelog``."""

    def __init__(self):
        self.data: dict = {}
        self.changelog: list = []

    def send_changelog(self, partition, key, value, value_serializer=None):
        self.changelog.append((partition, key, value))


class Backend:
    def __init__(self, kind: str, tmp_path):
        self.kind, self.tmp_path, self.table = kind, tmp_path, FakeTable()

    durable = property(lambda self: self.kind != "memory")

    def open(self):
        if self.kind == "file":
            return FileOutbox(self.tmp_path)
        if self.kind == "table":
            return TableOutbox(self.table)
        return MemoryOutbox()


@pytest.fixture(params=["memory", "file", "table"])
def backend(request, tmp_path) -> Backend:
    return Backend(request.param, tmp_path)


def item(n: int, receiver: str = "duty") -> OutboxItem:
    return OutboxItem(f"n{n}", receiver, {"alert_id": f"c{n}:1", "text": f"第{n}条 notification"}, 1_700_000_000.0 + n)


def test_is_an_outbox(backend):
    box = backend.open()
    assert isinstance(box, Outbox)
    box.close()


def test_enqueue_is_idempotent_by_id_while_pending_and_after_ack(backend):
    box = backend.open()
    assert box.enqueue(item(1)) is True
    assert box.enqueue(item(1)) is False            # pending
    box.ack("n1", "delivered")
    assert box.enqueue(item(1)) is False            # delivered once: never again
    assert box.pending() == []
    box.close()


def test_pending_keeps_enqueue_order_and_filters_by_receiver(backend):
    box = backend.open()
    for n, r in ((3, "duty"), (1, "dingtalk"), (2, "duty"), (5, "dingtalk")):
        box.enqueue(item(n, r))
    assert [i.id for i in box.pending()] == ["n3", "n1", "n2", "n5"]
    assert [i.id for i in box.pending("duty")] == ["n3", "n2"]
    assert [i.id for i in box.pending("nobody")] == []
    got = box.pending()[1]
    assert (got.receiver, got.payload, got.enqueued_at) == ("dingtalk", item(1).payload, item(1).enqueued_at)
    box.close()


def test_ack_closes_an_item_with_its_outcome_and_ignores_unknown_ids(backend):
    box = backend.open()
    for n in range(3):
        box.enqueue(item(n))
    box.ack("n1", "dead_lettered")
    box.ack("n0", "delivered")
    box.ack("never-seen", "delivered")
    box.ack("n1", "delivered")                       # a second ack does not change the first outcome
    assert [i.id for i in box.pending()] == ["n2"]
    assert [box.outcome(x) for x in ("n0", "n1", "n2", "never-seen")] == ["delivered", "dead_lettered", "pending",
                                                                         None]
    box.close()


def test_a_reopened_outbox_has_the_same_pending_items_and_remembers_acks(backend):
    if not backend.durable:
        pytest.skip("MemoryOutbox is not durable (tests and throwaway runs only)")
    box = backend.open()
    for n in range(5):
        box.enqueue(item(n, "duty" if n % 2 else "wecom"))
    box.ack("n3", "delivered")
    box.ack("n0", "dead_lettered")
    box.close()
    again = backend.open()
    assert [i.id for i in again.pending()] == ["n1", "n2", "n4"]
    assert [i.id for i in again.pending("wecom")] == ["n2", "n4"]
    assert again.pending()[0].payload == item(1).payload
    assert again.enqueue(item(3)) is False and again.enqueue(item(0)) is False
    assert again.outcome("n3") == "delivered" and again.outcome("n0") == "dead_lettered"
    assert again.enqueue(item(9)) is True
    again.close()
