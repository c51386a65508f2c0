"""Finding 11, the smaller ones: label fields had no length limit (a 60,000-character label reached alerts; sharding
by lang made a 60,003-character issue id); a NUL inside created_at was accepted; a duplicate post id silently took
over the first post's assignment; late posts were counted twice in groundswell_posts_total; the receiver kept
every delivery in memory; third-party @handles appeared raw in chat messages."""
from __future__ import annotations

import asyncio

import httpx
import orjson
from aiohttp import web
from prometheus_client import CollectorRegistry

from groundswell.alerts.config import parse_alerting_config
from groundswell.alerts.dispatcher import Notification
from groundswell.alerts.receiver import WebhookReceiver
from groundswell.alerts.sinks import SinkContext, make_sink
from groundswell.config.schema import load_config
from groundswell.streams.embedded import EmbeddedRunner
from groundswell.streams.metrics import PipelineMetrics
from groundswell.streams.pseudonym import Pseudonymizer
from tests.alerts.helpers import ThreadedApp, event
from tests.security.helpers import T0, read_jsonl, run_cli, small_stream, write_lines


def _run(tmp_path, lines, *extra):
    path = write_lines(tmp_path / "posts.jsonl", lines)
    rc, out, err = run_cli(["run", str(path), "--alerts-out", str(tmp_path / "alerts.jsonl"), "--assignments-out",
                            str(tmp_path / "assignments.jsonl"), "--rejects-out", str(tmp_path / "rejects.jsonl"),
                            "--no-progress", *extra])
    assert rc == 0, err
    return [read_jsonl(tmp_path / f"{k}.jsonl") for k in ("alerts", "assignments", "rejects")]


def test_labels_have_a_length_limit(tmp_path):
    (tmp_path / "by-lang.yaml").write_text("sharding: {by: lang}\n")
    long = "x" * 60_000
    lines = [orjson.loads(x) for x in small_stream()]
    for i, p in enumerate(lines):
        if p["id"].startswith("x"):                    # the burst's posts carry huge labels
            p.update({"source": long, "region": long, "lang": long} if i % 2 else {"lang": long})
    alerts, assignments, rejects = _run(tmp_path, [orjson.dumps(p) for p in lines], "--config",
                                        str(tmp_path / "by-lang.yaml"))
    assert {r["reason"] for r in rejects} == {"label_too_long"} and len(rejects) == 60
    assert all(len(a["issue_id"] or "") < 300 for a in assignments)
    assert all(len(orjson.dumps(a)) < 20_000 for a in alerts)


def test_created_at_with_a_nul_or_other_junk_is_rejected(tmp_path):
    junk = ["2026-03-02T00:00:00\u0000Z", "2026-03-02T00:00:00\u0000+08:00", "2026-03-02T00:00:00.5\u0000Z",
            "2026-03-02T00:00:00Z\u0000"]
    lines = [orjson.dumps({"id": f"n{i}", "text": "ferry timetable", "created_at": v}) for i, v in enumerate(junk)]
    _, assignments, rejects = _run(tmp_path, lines)
    assert assignments == [] and [r["reason"] for r in rejects] == ["bad_timestamp"] * len(junk)


def test_a_duplicate_post_id_is_rejected_and_the_first_keeps_its_issue(tmp_path):
    lines = small_stream()
    burst = [orjson.loads(x) for x in lines if orjson.loads(x)["id"].startswith("x")]
    copy = dict(burst[-1], id=burst[0]["id"], text="coffee morning train music", author="someone-else")
    alerts, assignments, rejects = _run(tmp_path, lines + [orjson.dumps(copy)])
    assert [r["reason"] for r in rejects] == ["duplicate_id"]
    first = [a for a in assignments if a["post_id"] == burst[0]["id"]]
    issue_of_burst = {a["issue_id"] for a in assignments if a["post_id"] == burst[1]["id"]}
    assert first and {first[-1]["issue_id"]} == issue_of_burst


def test_a_late_post_is_counted_once_in_posts_total():
    registry = CollectorRegistry()
    metrics = PipelineMetrics(registry)
    r = EmbeddedRunner(load_config(None), pseudonymizer=Pseudonymizer(b"k" * 32), metrics=metrics)
    lines = [orjson.dumps({"id": f"p{i}", "text": "tram delayed", "created_at": T0 + 60 * i}) for i in range(30)]
    lines.append(orjson.dumps({"id": "late", "text": "tram delayed", "created_at": T0 - 3600}))
    for i, line in enumerate(lines):
        r.process_line(line, "x", i)
    r.finish()
    get = registry.get_sample_value
    accepted = get("groundswell_posts_total", {"outcome": "accepted"})
    rejected = get("groundswell_posts_total", {"outcome": "rejected"})
    assert (accepted, rejected) == (30, 1)
    assert get("groundswell_rejected_posts_total", {"reason": "late"}) == 1


def test_the_receiver_keeps_a_bounded_memory():
    rx = WebhookReceiver("receiver0secret0for0the0hardening0tests")
    for i in range(150_000):
        rx._accept(f"key-{i}", {"version": "1", "notification_id": f"key-{i}", "alerts": []})
    assert len(rx.accepted) <= 30_000
    assert len(rx._seen) <= 150_000 // 1.4


def test_chat_messages_do_not_name_third_parties_by_default():
    bodies: list[bytes] = []

    async def handle(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return web.Response(text="ok") if request.path.startswith("/services") else web.json_response(
            {"errcode": 0, "code": 0})

    def app() -> web.Application:
        a = web.Application()
        a.router.add_post("/{tail:.*}", handle)
        return a

    ev = event("c1", 1, title="RT @bystander_one: the bridge is down")
    ev["sample_posts"] = [{"id": "p1", "text": "@bystander_two says //@路人甲: 桥塌了"}]
    cfg = parse_alerting_config({"route": {"receiver": "ding"}, "receivers": [
        {"name": "ding", "type": "dingtalk", "url_env": "A"}, {"name": "wecom", "type": "wecom", "url_env": "B"},
        {"name": "feishu", "type": "feishu", "url_env": "C"}, {"name": "slack", "type": "slack", "url_env": "D"}]})
    from groundswell.alerts.model import Alert
    alert = Alert.from_issue_event(ev).to_dict()
    n = Notification("n1", "ding", "root", "g", {}, "firing", 0, [alert])
    with ThreadedApp(app) as srv:
        async def send_all():
            async with httpx.AsyncClient() as client:
                for r, path in zip(cfg.receivers, ("/robot/send", "/cgi-bin/webhook/send", "/open-apis/hook",
                                                   "/services/T/B/x")):
                    ctx = SinkContext(url=f"http://127.0.0.1:{srv.port}{path}", secret=None, language="en",
                                      timezone="UTC", config=cfg)
                    res = await make_sink(r, ctx).send(n, client, 5)
                    assert res.ok, res
        asyncio.run(send_all())
    assert len(bodies) == 4
    for b in bodies:
        text = b.decode("utf-8")
        assert "bystander" not in text and "路人甲" not in text, text[:300]
