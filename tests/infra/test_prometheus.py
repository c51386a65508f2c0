"""Real-Prometheus checks: it scrapes a prometheus_client endpoint served by the test."""
from __future__ import annotations

import pytest
from prometheus_client import Counter, Gauge

pytestmark = [pytest.mark.prometheus, pytest.mark.slow]


def test_prometheus_scrapes_a_test_counter(prometheus_server, prometheus_url, prometheus_scrape,
                                           metrics_endpoint):
    assert prometheus_url.startswith("http://127.0.0.1:")
    registry, target = metrics_endpoint()
    posts = Counter("groundswell_infra_test_posts", "test counter", ["outcome"], registry=registry)
    queue = Gauge("groundswell_infra_test_queue", "test gauge", registry=registry)
    posts.labels(outcome="accepted").inc(7)
    posts.labels(outcome="rejected").inc(2)
    queue.set(3)

    job = prometheus_scrape(target)

    result = prometheus_server.wait_for(
        f'groundswell_infra_test_posts_total{{job="{job}",outcome="accepted"}}',
        lambda r: len(r) == 1 and float(r[0]["value"][1]) == 7.0)
    assert result[0]["metric"]["instance"] == target

    # a later increment shows up on a later scrape
    posts.labels(outcome="accepted").inc(5)
    prometheus_server.wait_for(
        f'sum by (job) (groundswell_infra_test_posts_total{{job="{job}"}})',
        lambda r: len(r) == 1 and float(r[0]["value"][1]) == 14.0)
    prometheus_server.wait_for(f'groundswell_infra_test_queue{{job="{job}"}}',
                               lambda r: len(r) == 1 and float(r[0]["value"][1]) == 3.0)


def test_scrape_jobs_are_removed_after_use(prometheus_server, prometheus_scrape, metrics_endpoint):
    _, target = metrics_endpoint()
    job = prometheus_scrape(target)
    assert job in prometheus_server.jobs
    targets = prometheus_server.api("targets")["activeTargets"]
    assert any(t["labels"]["job"] == job and t["health"] == "up" for t in targets)


def test_dashboard_feedback_queries_on_real_prometheus(prometheus_server, prometheus_scrape, metrics_endpoint,
                                                       tmp_path):
    """The dashboard's feedback row, evaluated by Prometheus on what the feedback service and a worker export:
    time to acknowledge, false alarms / verdicts per route and per detector, acknowledged vs unanswered."""
    import json
    import re
    import time
    from pathlib import Path

    from groundswell.alerts.delivered import DeliveredLog
    from groundswell.alerts.feedback import FeedbackService, FeedbackStore
    from groundswell.alerts.metrics import AlertMetrics

    registry, target = metrics_endpoint()
    metrics = AlertMetrics.for_registry(registry)
    t0 = 1_700_000_000.0
    issues = {"c1": ("duty", "burst"), "c2": ("duty", "core"), "c3": ("group", "core"), "c4": ("group", "core")}
    with (tmp_path / "delivered.jsonl").open("w") as f:
        for iid, (route, detector) in issues.items():
            f.write(json.dumps({"notification_id": f"n-{iid}", "receiver": route, "route": route, "status": "firing",
                                "repeat": 0, "delivered_at": t0, "alerts": [{"alert_id": f"{iid}:1", "issue_id": iid,
                                "severity": "red", "status": "firing", "detector": detector}]}) + "\n")
    clock = [t0]
    service = FeedbackService(FeedbackStore(tmp_path / "feedback.jsonl"), metrics,
                              delivered_log=DeliveredLog(tmp_path / "delivered.jsonl"), clock=lambda: clock[0])
    # the series exist (at 0) before the first scrape, as they do once a live service has counted anything
    for detector in ("burst", "core"):
        metrics.issues_notified.labels(detector=detector)
    for route, detector in (("duty", "burst"), ("duty", "core"), ("group", "core")):
        metrics.issues_answered.labels(route=route, detector=detector)
    for route, detector in (("duty", "core"), ("group", "core")):
        metrics.false_alarms.labels(route=route, detector=detector)
    for action in ("ack", "resolve", "false_alarm"):
        metrics.feedback.labels(action=action)
    job = prometheus_scrape(target)
    sel = f'{{job="{job}"}}'
    prometheus_server.wait_for(f"count(groundswell_issues_answered_total{sel})",
                               lambda r: bool(r) and r[0]["value"][1] == "3")

    for iid, (_, detector) in issues.items():        # what the delivering worker counts
        metrics.issues_notified.labels(detector=detector).inc()
    for dt, iid, action in ((120, "c1", "ack"), (130, "c1", "resolve"), (200, "c2", "false_alarm"),
                            (600, "c3", "ack"), (700, "c3", "false_alarm")):
        clock[0] = t0 + dt
        service.record({"issue_id": iid, "action": action})
    done = time.time()
    # evaluated at a scrape taken after all of it, so increase() has nothing to extrapolate: exact counts
    at = prometheus_server.wait_for(f"max(timestamp(groundswell_feedback_total{sel})) > {done}",
                                    lambda r: bool(r))[0]["value"][1]

    dashboard = json.loads((Path(__file__).resolve().parents[2] / "config" / "grafana" / "dashboards"
                            / "groundswell.json").read_text())
    panels = {p["title"]: p for p in dashboard["panels"] if p["type"] != "row"}

    def query(title: str, legend: str | None = None) -> dict[str, float]:
        out = {}
        for t in panels[title]["targets"]:
            if legend is not None and t["legendFormat"] != legend:
                continue
            expr = re.sub(r"\b(groundswell_\w+)\[", rf"\1{sel}[", t["expr"]).replace("$__range", "5m")
            for r in prometheus_server.api("query", query=expr, time=str(at))["result"]:
                key = re.sub(r"\{\{(\w+)\}\}", lambda m: r["metric"].get(m.group(1), ""), t["legendFormat"])
                out[key] = float(r["value"][1])
        return out

    ttack = query("Time to acknowledge")                        # first acks after 120 s and 600 s
    assert 60 < ttack["median"] <= 120 and 300 < ttack["p90"] <= 600
    assert query("False-alarm share by route (of verdicts)") == {"duty": 0.5, "group": 1.0}
    assert query("False-alarm share by detector (of verdicts)") == {"burst": 0.0, "core": 1.0}
    assert query("Issues: acknowledged vs unanswered") == {"notified": 4, "acknowledged": 2, "answered": 3,
                                                           "unanswered": 1}
