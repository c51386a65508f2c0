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
