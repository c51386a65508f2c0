"""Prometheus metrics of the alerting component.

Labels stay low-cardinality: receiver, route, detector, outcome, action — never issue ids or authors.
``AlertMetrics.for_registry(registry)`` returns one shared instance per registry (default: the global one),
so several notifiers in one process, or tests with their own ``CollectorRegistry``, do not collide.

    >>> from prometheus_client import CollectorRegistry
    >>> m = AlertMetrics.for_registry(CollectorRegistry())
    >>> m.notifications.labels(receiver="duty", outcome="delivered").inc()
    >>> m.value("groundswell_notifications_total", receiver="duty", outcome="delivered")
    1.0
"""
from __future__ import annotations

import threading
import weakref

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

OUTCOMES = ("delivered", "retried", "failed", "dead_lettered", "suppressed")
FEEDBACK_ACTIONS = ("ack", "resolve", "false_alarm")


class AlertMetrics:
    _by_registry: "weakref.WeakKeyDictionary[CollectorRegistry, AlertMetrics]" = weakref.WeakKeyDictionary()
    _lock = threading.Lock()

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self.notifications = Counter(
            "groundswell_notifications_total",
            "Notifications by receiver and outcome: delivered, retried (one per failed attempt that will be "
            "retried), failed (given up), dead_lettered, suppressed (silenced/inhibited/receiver disabled).",
            ["receiver", "outcome"], registry=registry)
        self.dead_letters = Counter(
            "groundswell_dead_letters_total", "Notifications written to the dead-letter sink.",
            ["receiver"], registry=registry)
        self.queue = Gauge(
            "groundswell_notification_queue", "Notifications waiting in the outbox.", ["receiver"],
            registry=registry)
        self.held = Gauge(
            "groundswell_notification_groups_held", "Groups holding alerts back for quiet hours.", ["receiver"],
            registry=registry)
        self.delivery_seconds = Histogram(
            "groundswell_notification_delivery_seconds",
            "From the first attempt to successful delivery, retries and backoff included.", ["receiver"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600), registry=registry)
        self.alerts_notified = Counter(
            "groundswell_alerts_notified_total",
            "Issues notified per route (first firing notification of an issue on a route); the denominator "
            "of the false-alarm share.", ["route", "detector"], registry=registry)
        self.issues_notified = Counter(
            "groundswell_issues_notified_total",
            "Issues notified (first firing notification of an issue on any route, once per issue), by detector; "
            "minus groundswell_issues_answered_total: the issues officials left unanswered.", ["detector"],
            registry=registry)
        self.feedback = Counter(
            "groundswell_feedback_total", "Feedback from officials by action.", ["action"], registry=registry)
        self.time_to_ack = Histogram(
            "groundswell_time_to_acknowledge_seconds",
            "From the first delivered notification of an issue to its first acknowledgement.",
            buckets=(30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400), registry=registry)
        self.false_alarms = Counter(
            "groundswell_false_alarms_total", "Issues marked false alarm, by route and detector.",
            ["route", "detector"], registry=registry)
        self.issues_answered = Counter(
            "groundswell_issues_answered_total",
            "Issues that got their first feedback (any action), by route and detector: the issues officials gave "
            "a verdict on; false alarms / answered is the false-alarm share among verdicts, notified - answered "
            "the unanswered.", ["route", "detector"], registry=registry)

    @classmethod
    def for_registry(cls, registry: CollectorRegistry | None = None) -> "AlertMetrics":
        registry = REGISTRY if registry is None else registry
        with cls._lock:
            m = cls._by_registry.get(registry)
            if m is None:
                m = cls(registry)
                cls._by_registry[registry] = m
            return m

    def value(self, name: str, **labels: str) -> float:
        """Current value of a sample (0.0 if absent): handy in tests and health checks."""
        v = self.registry.get_sample_value(name, labels)
        return 0.0 if v is None else v
