"""Alerting: issue events from the detector core -> routed, grouped, muted, escalated notifications ->
officials' webhooks and chat bots, delivered durably, with feedback coming back.

What a runner calls (see :mod:`.notifier` and docs/alerts.md)::

    from groundswell.alerts import Notifier
    notifier = Notifier("config/alerting.yaml", outbox_dir="runs/alerts")   # or an AlertingConfig
    notifier.submit(event, now)              # one issue event dict; now = seconds since the epoch
    notifier.tick(now)                       # flush due groups into the durable outbox
    notifier.deliver_pending(timeout_s=5)    # sync delivery (private loop thread) -> DrainResult
    await notifier.drain(timeout_s=5)        # ... or async, in the caller's loop
    notifier.flush(now)                      # end of a finite replay: flush all groups now
    notifier.close()

The embedded runner drives ``now`` with event time (replays are deterministic), a live worker with wall
time. Delivery state lives in the outbox (file journal here; a Kafka/Faust outbox implements the same
:class:`Outbox` protocol), so pending notifications survive a restart.

Modules: ``model`` (Alert, fingerprints), ``config`` (alerting.yaml), ``matchers``, ``routing``, ``muting``
(silences, inhibition, quiet hours), ``dispatcher`` (groups and timers), ``sinks/`` (webhook, DingTalk, WeCom,
Feishu, Slack, file), ``outbox``, ``delivery``, ``deadletter``, ``delivered``, ``metrics``, ``verify`` (the
receiver-side signature check), ``receiver`` (demo receiver), ``feedback`` (officials' feedback API),
``feedback_report`` (verdicts joined with a run's notifications, for backtests).
"""
from .config import AlertingConfig, AlertingConfigError, load_alerting_config, load_alerting_config_text
from .deadletter import DeadLetterSink, FileDeadLetters, read_dead_letters
from .delivery import DrainResult
from .dispatcher import Dispatcher, Notification
from .feedback import FeedbackService, FeedbackStore, feedback_labels, load_feedback, make_feedback_app
from .metrics import AlertMetrics
from .model import Alert, fingerprint
from .notifier import Notifier
from .outbox import FileOutbox, MemoryOutbox, Outbox, OutboxItem
from .receiver import BackgroundReceiver, FaultPlan, WebhookReceiver, run_receiver
from .verify import verify_signature

__all__ = [
    "Alert", "AlertMetrics", "AlertingConfig", "AlertingConfigError", "BackgroundReceiver", "DeadLetterSink",
    "Dispatcher", "DrainResult", "FaultPlan", "FeedbackService", "FeedbackStore", "FileDeadLetters",
    "FileOutbox", "MemoryOutbox", "Notification", "Notifier", "Outbox", "OutboxItem", "WebhookReceiver",
    "feedback_labels", "fingerprint", "load_alerting_config", "load_alerting_config_text", "load_feedback",
    "make_feedback_app", "read_dead_letters", "run_receiver", "verify_signature",
]
