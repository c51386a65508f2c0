"""Routing, grouping, escalation, inhibition, silences and quiet hours: table-driven from YAML fixtures."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from groundswell.alerts.config import parse_alerting_config
from groundswell.alerts.dispatcher import Dispatcher
from groundswell.alerts.durations import parse_time
from groundswell.alerts.metrics import AlertMetrics
from groundswell.alerts.routing import group_key, match_routes

from .helpers import FIXTURES, T0, event

DISPATCH = FIXTURES / "dispatch"


def merge(base: dict, over: dict) -> dict:
    """Deep-merge mappings; lists and scalars in ``over`` replace."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def scenarios():
    for path in sorted(DISPATCH.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for sc in doc["scenarios"]:
            yield pytest.param(path.stem, doc["config"], sc, id=f"{path.stem}: {sc['name']}")


def at_time(v) -> float:
    return T0 + float(v) if isinstance(v, (int, float)) else parse_time(v)


def expand(spec: list) -> dict:
    issue, seq, severity, *rest = spec
    status = rest[0] if rest else "firing"
    kw = {"labels": rest[1]} if len(rest) > 1 else {}
    return issue, seq, severity, status, kw


def describe(n) -> list[str]:
    out = []
    for a in n.alerts:
        s = f"{a['labels']['issue_id']}/{a['labels']['severity']}"
        out.append(s if a["status"] == "firing" else s + ":resolved")
    return out


def run(config: dict, steps: list[dict], metrics=None):
    cfg = parse_alerting_config(config, source="fixture")
    d = Dispatcher(cfg, metrics=metrics)
    produced = []
    for step in steps:
        now = at_time(step["at"])
        for spec in step.get("events", []):
            issue, seq, sev, status, kw = expand(spec)
            d.submit(event(issue, seq, sev, status, now, **kw), now)
        notes = d.flush_all(now) if step.get("flush") else d.tick(now)
        produced.append(notes)
    return produced


@pytest.mark.parametrize("topic,base,scenario", list(scenarios()))
def test_dispatch_scenario(topic, base, scenario):
    config = merge(base, scenario.get("config", {}))
    produced = run(config, scenario["steps"])
    for step, notes in zip(scenario["steps"], produced):
        if "expect" not in step:
            continue
        want = step["expect"]
        got = [describe(n) for n in notes]
        assert got == [w["alerts"] for w in want], f"at {step['at']}: got {got}"
        for n, w in zip(notes, want):
            for key in ("receiver", "route", "status", "repeat", "truncated_alerts", "group_key"):
                if key in w:
                    assert getattr(n, key) == w[key], f"at {step['at']}: {key} {getattr(n, key)!r} != {w[key]!r}"
            if "escalated_from" in w:
                assert [a.get("escalated_from") for a in n.alerts] == w["escalated_from"]
    # replaying the same events at the same times gives the same notification ids
    again = run(config, scenario["steps"])
    assert [[n.notification_id for n in ns] for ns in produced] == [[n.notification_id for n in ns] for ns in again]


def test_notification_ids_are_unique_per_notification():
    doc = yaml.safe_load((DISPATCH / "escalation.yaml").read_text(encoding="utf-8"))
    produced = run(doc["config"], doc["scenarios"][0]["steps"])
    ids = [n.notification_id for ns in produced for n in ns]
    assert len(ids) == len(set(ids)) == 7


def routing_cases():
    doc = yaml.safe_load((FIXTURES / "routing.yaml").read_text(encoding="utf-8"))
    cfg = parse_alerting_config(doc["config"], source="routing.yaml")
    for case in doc["cases"]:
        yield pytest.param(cfg, case, id=case["name"])


@pytest.mark.parametrize("cfg,case", list(routing_cases()))
def test_routing_table(cfg, case):
    tree = cfg.route_tree()
    routes = match_routes(tree, case["labels"])
    assert {r.id: group_key(r, case["labels"]) for r in routes} == case["routes"]


def test_suppressed_alerts_are_counted_once():
    doc = yaml.safe_load((DISPATCH / "silences.yaml").read_text(encoding="utf-8"))
    m = AlertMetrics.for_registry(CollectorRegistry())
    steps = doc["scenarios"][0]["steps"]
    run(doc["config"], steps, metrics=m)
    assert m.value("groundswell_notifications_total", receiver="log", outcome="suppressed") == 1.0


def test_disabled_receiver_counts_suppressed_and_keeps_state_small():
    cfg = parse_alerting_config({
        "route": {"receiver": "log", "group_wait": 0},
        "receivers": [{"name": "log", "type": "file", "path": "x.jsonl"}]})
    m = AlertMetrics.for_registry(CollectorRegistry())
    d = Dispatcher(cfg, disabled_receivers={"log"}, metrics=m)
    d.submit(event("c1", 1), T0)
    assert d.tick(T0) == []
    d.submit(event("c1", 2, status="resolved"), T0 + 10)
    d.tick(T0 + 400)
    assert m.value("groundswell_notifications_total", receiver="log", outcome="suppressed") == 1.0
    assert d.alerts == {} and d.groups() == {}


def test_malformed_event_names_the_field():
    cfg = parse_alerting_config({"route": {"receiver": "log"},
                                 "receivers": [{"name": "log", "type": "file", "path": "x.jsonl"}]})
    d = Dispatcher(cfg)
    bad = event("c1", 1)
    del bad["issue_id"]
    with pytest.raises(ValueError, match="issue_id"):
        d.submit(bad, T0)
    bad = event("c1", 1, status="gone")
    with pytest.raises(ValueError, match="status"):
        d.submit(bad, T0)
    bad = event("c1", 1)
    bad["at"] = "yesterday"
    with pytest.raises(ValueError, match="'at'"):
        d.submit(bad, T0)


def test_state_is_released_after_resolution():
    doc = yaml.safe_load((DISPATCH / "escalation.yaml").read_text(encoding="utf-8"))
    cfg = parse_alerting_config(doc["config"])
    d = Dispatcher(cfg)
    for i, sev in enumerate(["yellow", "orange", "red"]):
        d.submit(event("c1", i + 1, sev, at=T0 + i), T0 + i)
        d.tick(T0 + i + 30)
    d.submit(event("c1", 4, "red", "resolved", T0 + 100), T0 + 100)
    d.tick(T0 + 1000)
    assert d.alerts == {} and d.groups() == {}
