"""Prometheus metrics of the pipeline (groundswell_ prefix, base units, no per-issue or per-author labels)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, REGISTRY


class PipelineMetrics:
    def __init__(self, registry: CollectorRegistry = REGISTRY):
        self.posts = Counter("groundswell_posts_total", "Posts read, by outcome.", ["outcome"], registry=registry)
        self.rejected = Counter("groundswell_rejected_posts_total", "Rejected posts, by reason.", ["reason"],
                                registry=registry)
        self.alerts = Counter("groundswell_alerts_total", "Alert records emitted.", ["status", "severity"],
                              registry=registry)
        self.issues_active = Gauge("groundswell_issues_active", "Issues currently firing.", registry=registry)
        self.candidates_active = Gauge("groundswell_candidates_active", "Clusters held in memory.",
                                       registry=registry)
        self.processing = Histogram("groundswell_post_processing_seconds", "Detector time per post.",
                                    buckets=(5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 5e-2, 0.25),
                                    registry=registry)
        self.event_time_lag = Gauge("groundswell_event_time_lag_seconds",
                                    "Wall clock minus the newest post's event time.", registry=registry)
        self.snapshot_bytes = Gauge("groundswell_detector_snapshot_bytes",
                                    "Size of the last detector checkpoint (Kafka host).", registry=registry)
        self.input_lag = Gauge("groundswell_input_lag_messages",
                               "Posts on this worker's input partitions not read yet (Kafka host).", registry=registry)
