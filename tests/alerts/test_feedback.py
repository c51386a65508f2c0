"""The officials' feedback API over real HTTP: token auth, validation, storage, metrics, backtest readers."""
from __future__ import annotations

import httpx
import pytest
from prometheus_client import CollectorRegistry

from groundswell.alerts import (
    AlertMetrics, FeedbackService, FeedbackStore, feedback_labels, load_feedback, make_feedback_app,
)
from groundswell.alerts.delivered import DeliveredLog
from groundswell.alerts.durations import parse_time

from .helpers import T0, ThreadedApp, config_from, event, make_notifier

TOKEN = "feedback-token-for-tests-0123456789abcdef"


@pytest.fixture
def delivered(tmp_path):
    """Deliver two issues through a real Notifier (file receiver) so the delivered log exists."""
    cfg = config_from({"route": {"receiver": "log", "group_wait": 0,
                                 "routes": [{"name": "duty", "matchers": ['severity="red"'], "receiver": "log"}]},
                       "receivers": [{"name": "log", "type": "file", "path": "log.jsonl"}]})
    n = make_notifier(cfg, tmp_path)
    n.submit(event("c1", 1, "red", labels={"region": "sh", "detector": "burst"}), T0)
    n.submit(event("c2", 1, "yellow"), T0)
    n.tick(T0)
    assert n.deliver_pending(timeout_s=5).delivered == 2
    notified = n.metrics.value("groundswell_alerts_notified_total", route="duty", detector="burst")
    issues = {d: n.metrics.value("groundswell_issues_notified_total", detector=d) for d in ("burst", "core")}
    n.close()
    assert notified == 1 and issues == {"burst": 1, "core": 1}
    log = DeliveredLog(tmp_path / "delivered.jsonl")
    return log, log.first_notice("c1").delivered_at


@pytest.fixture
def api(tmp_path, delivered):
    log, delivered_at = delivered
    metrics = AlertMetrics.for_registry(CollectorRegistry())
    clock = [delivered_at + 120.0]
    service = FeedbackService(FeedbackStore(tmp_path / "feedback.jsonl"), metrics, delivered_log=log,
                              clock=lambda: clock[0])
    with ThreadedApp(lambda: make_feedback_app(service, token=TOKEN)) as srv:
        client = httpx.Client(base_url=f"http://127.0.0.1:{srv.port}", timeout=5,
                              headers={"Authorization": f"Bearer {TOKEN}"})
        yield client, metrics, service, clock
        client.close()


def test_token_is_required(api):
    client, *_ = api
    url = str(client.base_url) + "/api/v1/feedback"
    r = httpx.post(url, json={"issue_id": "c1", "action": "ack"})
    assert r.status_code == 401 and "Bearer" in r.headers["WWW-Authenticate"]
    assert httpx.post(url, json={"issue_id": "c1", "action": "ack"},
                      headers={"Authorization": "Bearer guess"}).status_code == 401
    assert httpx.get(url).status_code == 401
    assert httpx.get(str(client.base_url) + "/healthz").status_code == 200


@pytest.mark.parametrize("body,field", [
    ({"issue_id": "c1", "action": "maybe"}, "action"),
    ({"action": "ack"}, "issue_id"),
    ({"issue_id": "c1", "action": "ack", "severity": "red"}, "unknown field"),
    ({"issue_id": 42, "action": "ack"}, "issue_id"),
    ({"issue_id": "c1", "action": "ack", "comment": "x" * 2001}, "comment"),
    ([1, 2], "JSON object"),
])
def test_bad_feedback_is_rejected_naming_the_field(api, body, field):
    client, *_ = api
    r = client.post("/api/v1/feedback", json=body)
    assert r.status_code == 400 and field in r.json()["error"]


def test_not_json(api):
    client, *_ = api
    r = client.post("/api/v1/feedback", content=b"ack c1", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_ack_resolve_false_alarm_are_stored_and_measured(api, tmp_path):
    client, metrics, service, clock = api
    r = client.post("/api/v1/feedback", json={"alert_id": "c1:1", "action": "ack", "comment": "看到了", "by": "li"})
    assert r.status_code == 201 and r.json()["issue_id"] == "c1"
    clock[0] += 60
    assert client.post("/api/v1/feedback", json={"issue_id": "c1", "action": "ack"}).status_code == 201
    assert client.post("/api/v1/feedback", json={"issue_id": "c1", "action": "resolve"}).status_code == 201
    for _ in range(2):
        assert client.post("/api/v1/feedback", json={"issue_id": "c2", "action": "false_alarm"}).status_code == 201

    v = metrics.value
    assert v("groundswell_feedback_total", action="ack") == 2
    assert v("groundswell_feedback_total", action="resolve") == 1
    assert v("groundswell_feedback_total", action="false_alarm") == 2
    assert v("groundswell_time_to_acknowledge_seconds_count") == 1          # the first ack only
    assert v("groundswell_time_to_acknowledge_seconds_sum") == pytest.approx(120.0)
    assert v("groundswell_false_alarms_total", route="root", detector="core") == 1   # once per issue
    assert v("groundswell_issues_answered_total", route="duty", detector="burst") == 1   # c1: 2 acks, 1 resolve
    assert v("groundswell_issues_answered_total", route="root", detector="core") == 1    # c2

    recs = client.get("/api/v1/feedback", params={"issue_id": "c1"}).json()
    assert recs["version"] == "1" and [x["action"] for x in recs["feedback"]] == ["ack", "ack", "resolve"]
    first = recs["feedback"][0]
    assert first["comment"] == "看到了" and first["by"] == "li" and first["route"] == "duty"
    assert first["time_to_ack_s"] == pytest.approx(120.0) and first["detector"] == "burst"
    only = client.get("/api/v1/feedback", params={"action": "false_alarm"}).json()["feedback"]
    assert {x["issue_id"] for x in only} == {"c2"}
    assert client.get("/api/v1/feedback", params={"since": "2999-01-01T00:00:00Z"}).json()["feedback"] == []
    assert client.get("/api/v1/feedback", params={"since": "soon"}).status_code == 400

    # backtest readers
    path = tmp_path / "feedback.jsonl"
    assert len(load_feedback(path)) == 5 and feedback_labels(path) == {"c1": "resolve", "c2": "false_alarm"}
    assert all(parse_time(x["recorded_at"]) > 0 for x in load_feedback(path))

    # a restarted service does not count the first ack or the false alarm again
    again = FeedbackService(FeedbackStore(path), AlertMetrics.for_registry(CollectorRegistry()),
                            delivered_log=service.delivered_log, clock=lambda: clock[0])
    again.record({"issue_id": "c1", "action": "ack"})
    again.record({"issue_id": "c2", "action": "false_alarm"})
    assert again.metrics.value("groundswell_time_to_acknowledge_seconds_count") == 0
    assert again.metrics.value("groundswell_false_alarms_total", route="root", detector="core") == 0
    assert again.metrics.value("groundswell_issues_answered_total", route="root", detector="core") == 0


def test_feedback_for_an_issue_never_notified_is_refused(api, tmp_path):
    client, metrics, *_ = api
    for body in ({"alert_id": "c77:3", "action": "false_alarm"}, {"issue_id": "c9", "action": "ack"}):
        r = client.post("/api/v1/feedback", json=body)
        assert r.status_code == 404 and "never notified" in r.json()["error"]
    assert metrics.value("groundswell_false_alarms_total", route="unknown", detector="unknown") == 0
    assert metrics.value("groundswell_issues_answered_total", route="unknown", detector="unknown") == 0
    assert not (tmp_path / "feedback.jsonl").exists() or load_feedback(tmp_path / "feedback.jsonl") == []
    # an alert id of a notified issue still finds it (the core's alert ids are "<issue_id>:<seq>")
    assert client.post("/api/v1/feedback", json={"alert_id": "c2:9", "action": "ack"}).json()["issue_id"] == "c2"


def test_app_refuses_to_start_without_a_token(tmp_path):
    service = FeedbackService(FeedbackStore(tmp_path / "f.jsonl"), AlertMetrics.for_registry(CollectorRegistry()))
    with pytest.raises(ValueError, match="GROUNDSWELL_FEEDBACK_TOKEN"):
        make_feedback_app(service, token="")
