"""Delivery under faults, against a real local HTTP receiver (no mocks of the HTTP layer): 5xx answers,
timeouts, a receiver that is down for a while, one that stays down past the retry budget; the outbox across
restarts; rate limits and backoff."""
from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import defaultdict

import pytest
from aiohttp import web

from groundswell.alerts import BackgroundReceiver, FaultPlan, FileOutbox, OutboxItem, WebhookReceiver, read_dead_letters
from groundswell.alerts.config import Delivery
from groundswell.alerts.delivery import TokenBucket, backoff_s
from groundswell.alerts.durations import parse_time
from groundswell.alerts.receiver import free_port

from .helpers import T0, ThreadedApp, assert_in_order_per_issue, event, make_notifier, webhook_config

SECRET = "delivery-secret"


# every issue of issue_stream: fires yellow, escalates twice, resolves
LIFECYCLE = [("firing", "yellow"), ("firing", "orange"), ("firing", "red"), ("resolved", "red")]


def issue_stream(n_issues: int, start: float = T0) -> list[dict]:
    """Each issue fires yellow, escalates to orange and red, then resolves: 4 notifications per issue."""
    events = []
    for i in range(n_issues):
        iid, t = f"c{i}", start + 7 * i
        events += [event(iid, 1, "yellow", at=t), event(iid, 2, "orange", at=t + 100),
                   event(iid, 3, "red", at=t + 200), event(iid, 4, "red", "resolved", at=t + 300)]
    return sorted(events, key=lambda e: parse_time(e["at"]))


def enqueue_stream(notifier, events) -> list[tuple[str, str]]:
    """Drive the notifier like the embedded runner; returns (issue_id, notification_id) in enqueue order."""
    made = []
    for e in events:
        now = parse_time(e["at"])
        notifier.submit(e, now)
        made += notifier.tick(now)
    made += notifier.tick(parse_time(events[-1]["at"]) + 3600)
    return [(n.issue_ids[0], n.notification_id) for n in made]


def env_for(port: int) -> dict[str, str]:
    return {"TEST_HOOK_URL": f"http://127.0.0.1:{port}/hook", "TEST_HOOK_SECRET": SECRET}


def assert_exactly_once_in_order(rx: WebhookReceiver, made: list[tuple[str, str]]) -> None:
    got = [b["notification_id"] for b in rx.accepted]
    assert len(got) == len(set(got)), "a key was accepted twice"
    assert set(got) == {k for _, k in made}, "a notification is missing"
    per_issue_sent, per_issue_got = defaultdict(list), defaultdict(list)
    for issue, key in made:
        per_issue_sent[issue].append(key)
    for b in rx.accepted:
        per_issue_got[b["alerts"][0]["labels"]["issue_id"]].append(b["notification_id"])
    assert per_issue_got == per_issue_sent, "notifications of an issue arrived out of order"
    lifecycle = defaultdict(list)          # what officials saw per issue, in arrival order
    for b in rx.accepted:
        lifecycle[b["alerts"][0]["labels"]["issue_id"]].append((b["status"], b["alerts"][0]["labels"]["severity"]))
    assert all(seen == LIFECYCLE for seen in lifecycle.values()), dict(lifecycle)
    assert_in_order_per_issue(rx.accepted)
    assert rx.rejected == []


def test_500s_then_success(tmp_path):
    rx = WebhookReceiver(SECRET, faults=FaultPlan(statuses={0: 500, 1: 500, 2: 503, 7: 502, 8: 500}))
    with BackgroundReceiver(rx) as srv:
        n = make_notifier(webhook_config(), tmp_path, env_for(srv.port))
        made = enqueue_stream(n, issue_stream(5))
        assert len(made) == 20
        result = n.deliver_pending(timeout_s=20)
        n.close()
    assert result.delivered == 20 and result.pending == 0 and result.dead_lettered == 0
    assert_exactly_once_in_order(rx, made)
    assert n.metrics.value("groundswell_notifications_total", receiver="hook", outcome="retried") == 5
    assert n.metrics.value("groundswell_notifications_total", receiver="hook", outcome="delivered") == 20
    assert n.metrics.value("groundswell_notification_queue", receiver="hook") == 0
    assert n.metrics.value("groundswell_notification_delivery_seconds_count", receiver="hook") == 20


def test_timeouts_deliver_exactly_once_after_dedup(tmp_path):
    # the receiver takes requests 0 and 4 but answers too late: the sender retries, the receiver deduplicates
    rx = WebhookReceiver(SECRET, faults=FaultPlan(slow={0: 1.0, 4: 1.0}))
    with BackgroundReceiver(rx) as srv:
        n = make_notifier(webhook_config(delivery={"timeout_s": 0.25}), tmp_path, env_for(srv.port))
        made = enqueue_stream(n, issue_stream(3))
        result = n.deliver_pending(timeout_s=20)
        n.close()
    assert result.delivered == 12
    assert len(rx.deliveries) > len(set(rx.deliveries)), "expected duplicate deliveries after timeouts"
    assert_exactly_once_in_order(rx, made)
    assert n.metrics.value("groundswell_notifications_total", receiver="hook", outcome="retried") == 2


def test_receiver_down_for_a_while_then_up(tmp_path):
    port = free_port()
    rx = WebhookReceiver(SECRET)
    cfg = webhook_config(delivery={"max_attempts": 100, "backoff_initial_s": 0.05, "backoff_max_s": 0.2})

    async def main():
        n = make_notifier(cfg, tmp_path, env_for(port))
        made = enqueue_stream(n, issue_stream(3))
        drain = asyncio.create_task(n.drain(timeout_s=20))
        await asyncio.sleep(0.8)                 # connection refused meanwhile
        assert not drain.done()
        await rx.start("127.0.0.1", port)        # the receiver comes back
        result = await drain
        await rx.stop()
        await n.aclose()
        return n, made, result

    n, made, result = asyncio.run(main())
    assert result.delivered == 12 and result.pending == 0
    assert_exactly_once_in_order(rx, made)
    assert n.metrics.value("groundswell_notifications_total", receiver="hook", outcome="retried") >= 3


def test_receiver_down_past_retry_budget_goes_to_dead_letters(tmp_path):
    port = free_port()                           # nothing will ever listen here
    cfg = webhook_config(delivery={"max_attempts": 3, "backoff_initial_s": 0.01, "backoff_max_s": 0.02})
    n = make_notifier(cfg, tmp_path, env_for(port))
    made = enqueue_stream(n, issue_stream(2))
    result = n.deliver_pending(timeout_s=20)
    n.close()
    assert result.dead_lettered == 8 and result.delivered == 0 and result.pending == 0
    dead = read_dead_letters(tmp_path / "dead_letter.jsonl")
    assert [d["notification_id"] for d in dead] == [k for _, k in made]      # in order, none lost
    assert all(d["attempts"] == 3 and d["receiver"] == "hook" and "Connect" in d["last_error"] for d in dead)
    assert dead[0]["notification"]["alerts"][0]["labels"]["issue_id"] == dead[0]["issue_ids"][0]
    m = n.metrics
    assert m.value("groundswell_dead_letters_total", receiver="hook") == 8
    assert m.value("groundswell_notifications_total", receiver="hook", outcome="dead_lettered") == 8
    assert m.value("groundswell_notifications_total", receiver="hook", outcome="failed") == 8
    assert m.value("groundswell_notifications_total", receiver="hook", outcome="retried") == 16
    assert n.pending() == []


def test_dead_letter_write_failure_keeps_the_notification(tmp_path):
    class Broken:
        def write(self, record):
            raise OSError("disk full")

    cfg = webhook_config(delivery={"max_attempts": 1})
    n = make_notifier(cfg, tmp_path, env_for(free_port()), dead_letters=Broken())
    enqueue_stream(n, issue_stream(1)[:1])
    result = n.deliver_pending(timeout_s=5)
    n.close()
    assert result.pending == 1 and result.dead_lettered == 0 and "disk full" in result.errors[0]


def test_permanent_refusal_is_not_retried(tmp_path):
    rx = WebhookReceiver(SECRET, faults=FaultPlan(always_status=410))
    with BackgroundReceiver(rx) as srv:
        n = make_notifier(webhook_config(), tmp_path, env_for(srv.port))
        enqueue_stream(n, issue_stream(1))
        result = n.deliver_pending(timeout_s=10)
        n.close()
    assert result.dead_lettered == 4 and rx.requests == 4


def test_pending_notifications_survive_a_restart(tmp_path):
    events = issue_stream(3)
    first = make_notifier(webhook_config(), tmp_path, env_for(free_port()))
    made = enqueue_stream(first, events)
    first.close()                                # stopped before delivering anything

    rx = WebhookReceiver(SECRET)
    with BackgroundReceiver(rx) as srv:
        second = make_notifier(webhook_config(), tmp_path, env_for(srv.port))
        assert [i.id for i in second.pending()] == [k for _, k in made]
        assert second.metrics.value("groundswell_notification_queue", receiver="hook") == 12
        result = second.deliver_pending(timeout_s=10)
        assert result.delivered == 12
        # replaying the same events after the restart sends nothing twice
        assert enqueue_stream(second, events) == []
        assert second.deliver_pending(timeout_s=5).delivered == 0
        second.close()
    assert_exactly_once_in_order(rx, made)


def test_partial_delivery_then_restart_resends_only_the_rest(tmp_path):
    rx = WebhookReceiver(SECRET, faults=FaultPlan(always_status=503))
    with BackgroundReceiver(rx) as srv:
        first = make_notifier(webhook_config(delivery={"max_attempts": 50}), tmp_path, env_for(srv.port))
        made = enqueue_stream(first, issue_stream(2))
        result = first.deliver_pending(timeout_s=0.2)       # budget runs out while retrying
        assert result.pending == 8
        first.close()
    rx2 = WebhookReceiver(SECRET)
    with BackgroundReceiver(rx2) as srv:
        second = make_notifier(webhook_config(), tmp_path, env_for(srv.port))
        assert second.deliver_pending(timeout_s=10).delivered == 8
        second.close()
    assert_exactly_once_in_order(rx2, made)


def test_random_faults_none_lost_none_duplicated(tmp_path):
    rng = random.Random(1234)
    plan = FaultPlan(statuses={i: rng.choice([500, 502, 503, 429]) for i in range(60) if rng.random() < 0.3},
                     slow={i: 0.4 for i in range(60) if rng.random() < 0.08})
    rx = WebhookReceiver(SECRET, faults=plan)
    with BackgroundReceiver(rx) as srv:
        n = make_notifier(webhook_config(delivery={"timeout_s": 0.2, "max_attempts": 20}), tmp_path, env_for(srv.port))
        made = enqueue_stream(n, issue_stream(6))
        result = n.deliver_pending(timeout_s=30)
        n.close()
    assert result.delivered == 24 and result.dead_lettered == 0
    assert_exactly_once_in_order(rx, made)


def test_sync_delivery_works_inside_a_running_event_loop(tmp_path):
    rx = WebhookReceiver(SECRET)
    with BackgroundReceiver(rx) as srv:
        n = make_notifier(webhook_config(), tmp_path, env_for(srv.port))

        async def inside():
            enqueue_stream(n, issue_stream(1))
            return n.deliver_pending(timeout_s=10)      # sync call from async code: private loop thread

        assert asyncio.run(inside()).delivered == 4
        n.close()


def test_retry_after_is_honoured(tmp_path):
    hits: list[float] = []

    def app():
        async def handle(request):
            hits.append(time.monotonic())
            if len(hits) == 1:
                return web.Response(status=429, headers={"Retry-After": "0.4"})
            return web.json_response({"ok": True})
        a = web.Application()
        a.router.add_post("/{tail:.*}", handle)
        return a

    with ThreadedApp(app) as srv:
        n = make_notifier(webhook_config(delivery={"backoff_max_s": 1}), tmp_path, env_for(srv.port))
        enqueue_stream(n, issue_stream(1)[:1])
        assert n.deliver_pending(timeout_s=10).delivered == 1
        n.close()
    assert hits[1] - hits[0] >= 0.39


def test_rate_limit_spaces_requests(tmp_path):
    rx = WebhookReceiver(SECRET)
    with BackgroundReceiver(rx) as srv:
        cfg = webhook_config(delivery={"rate_limit_per_min": 600, "burst": 1})      # one every 0.1 s
        n = make_notifier(cfg, tmp_path, env_for(srv.port))
        enqueue_stream(n, issue_stream(2))
        t0 = time.monotonic()
        assert n.deliver_pending(timeout_s=10).delivered == 8
        elapsed = time.monotonic() - t0
        n.close()
    assert elapsed >= 0.65


def test_token_bucket_with_a_fake_clock():
    now = [0.0]
    b = TokenBucket(rate_per_min=60, burst=3, clock=lambda: now[0])
    for _ in range(3):
        assert b.wait_s() == 0
        b.take()
    assert b.wait_s() == pytest.approx(1.0)
    now[0] += 0.5
    assert b.wait_s() == pytest.approx(0.5)
    now[0] += 10
    assert b.wait_s() == 0 and b.tokens == 3
    assert TokenBucket(None, 1).wait_s() == 0


def test_backoff_is_exponential_capped_and_jittered_reproducibly():
    d = Delivery(timeout_s=1, max_attempts=10, backoff_initial_s=1, backoff_max_s=8, jitter="none",
                 rate_limit_per_min=None, burst=1, max_alerts=10)
    assert [backoff_s(a, d, random.Random(0)) for a in range(1, 7)] == [1, 2, 4, 8, 8, 8]
    full = Delivery(**{**d.__dict__, "jitter": "full"})
    a = [backoff_s(k, full, random.Random(42)) for k in range(1, 7)]
    b = [backoff_s(k, full, random.Random(42)) for k in range(1, 7)]
    assert a == b and all(0 <= x <= cap for x, cap in zip(a, [1, 2, 4, 8, 8, 8]))


def test_outbox_journal_survives_a_torn_line_and_compacts(tmp_path):
    box = FileOutbox(tmp_path, compact_after=3)
    for i in range(5):
        box.enqueue(OutboxItem(f"n{i}", "hook", {"notification_id": f"n{i}"}, 0.0))
    for i in range(3):
        box.ack(f"n{i}", "delivered")              # the third ack compacts the journal
    box.close()
    with (tmp_path / "outbox.jsonl").open("ab") as f:
        f.write(b'{"op":"enq","id":"n9","receiver":"hook","payl')     # a crash mid-write
    box = FileOutbox(tmp_path)
    assert [i.id for i in box.pending()] == ["n3", "n4"]
    assert box.outcome("n1") == "delivered" and box.enqueue(OutboxItem("n1", "hook", {}, 0.0)) is False
    box.enqueue(OutboxItem("n5", "hook", {"notification_id": "n5"}, 0.0))
    box.close()
    box = FileOutbox(tmp_path)
    assert [i.id for i in box.pending()] == ["n3", "n4", "n5"]
    lines = (tmp_path / "outbox.jsonl").read_text().splitlines()
    assert all(json.loads(line) for line in lines)       # compaction on open dropped the torn line
    box.close()


def test_outbox_is_thread_safe(tmp_path):
    box = FileOutbox(tmp_path, fsync=False)

    def work(k):
        for i in range(50):
            box.enqueue(OutboxItem(f"{k}-{i}", "hook", {}, 0.0))
            if i % 2:
                box.ack(f"{k}-{i}", "delivered")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    box.close()
    assert len(FileOutbox(tmp_path).pending()) == 100


def test_dispatcher_state_survives_a_restart_so_resolution_is_still_sent(tmp_path):
    events = issue_stream(2)
    firing = [e for e in events if e["status"] == "firing"]
    resolved = [e for e in events if e["status"] == "resolved"]
    rx = WebhookReceiver(SECRET)
    with BackgroundReceiver(rx) as srv:
        first = make_notifier(webhook_config(), tmp_path, env_for(srv.port), persist_state=True)
        made = enqueue_stream(first, firing)
        first.deliver_pending(timeout_s=10)
        first.close()
        second = make_notifier(webhook_config(), tmp_path, env_for(srv.port), persist_state=True)
        assert second.dispatcher.groups().keys() == {'root:{issue_id="c0"}', 'root:{issue_id="c1"}'}
        made += enqueue_stream(second, resolved)
        assert len(made) == 8 and second.deliver_pending(timeout_s=10).delivered == 2
        second.close()
    assert [b["status"] for b in rx.accepted][-2:] == ["resolved", "resolved"]
    assert_exactly_once_in_order(rx, made)
    # without persisted state, a restarted notifier knows nothing of the issues and stays silent
    fresh = make_notifier(webhook_config(), tmp_path / "other", env_for(free_port()))
    assert enqueue_stream(fresh, resolved) == []
    fresh.close()


def test_live_loop_ticks_and_delivers_on_wall_time(tmp_path):
    rx = WebhookReceiver(SECRET)
    with BackgroundReceiver(rx) as srv:
        n = make_notifier(webhook_config(), tmp_path, env_for(srv.port))

        async def main():
            stop = asyncio.Event()
            task = asyncio.create_task(n.run(stop, tick_s=0.05))
            now = time.time()
            n.submit(event("c1", 1, "red", at=now), now)
            for _ in range(100):
                await asyncio.sleep(0.05)
                if rx.accepted:
                    break
            stop.set()
            await task
            await n.aclose()

        asyncio.run(main())
    assert [b["alerts"][0]["alert_id"] for b in rx.accepted] == ["c1:1"]


def test_a_notification_that_breaks_its_sink_is_dead_lettered_not_stuck(tmp_path):
    rx = WebhookReceiver(SECRET)
    with BackgroundReceiver(rx) as srv:
        n = make_notifier(webhook_config(), tmp_path, env_for(srv.port))
        n.outbox.enqueue(OutboxItem("corrupt", "hook", {"receiver": "hook"}, 0.0))
        made = enqueue_stream(n, issue_stream(1))
        result = n.deliver_pending(timeout_s=10)
        n.close()
    assert result.dead_lettered == 1 and result.delivered == 4
    assert "unreadable" in read_dead_letters(tmp_path / "dead_letter.jsonl")[0]["last_error"]
    assert_exactly_once_in_order(rx, made)
