"""The `groundswell` command line."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from groundswell.config.schema import ConfigError, load_config


def _severity_line(a: dict) -> str:
    growth = ",".join(str(c) for c in a["growth"]["counts"][-6:])
    return (f"{a['at']}  {a['status']:<8} {a['severity']:<6} {a['issue_id']:<8} posts={a['posts']:<5} "
            f"voices={a['authors']:<5} growth/{a['growth']['interval_s'] // 60}min=[{growth}]  {a['title'][:70]}")


def _metrics(port: int | None):
    if port is None:
        return None
    from prometheus_client import start_http_server

    from .metrics import PipelineMetrics
    start_http_server(port, addr=os.environ.get("GROUNDSWELL_METRICS_ADDR", "127.0.0.1"))
    return PipelineMetrics()


def cmd_run(a) -> int:
    from .run import run_files
    config = load_config(a.config)
    notifier = None
    if a.alerting:
        from .notify import EventTimeNotifier
        outbox = a.outbox or (str(Path(a.alerts_out).with_suffix("")) + "-outbox")
        notifier = EventTimeNotifier(a.alerting, outbox, final_wait_s=a.deliver_wait)
    printer = (lambda x: print(_severity_line(x), file=sys.stderr)) if a.verbose else None

    def on_alert(x: dict) -> None:
        if printer:
            printer(x)
        if notifier:
            notifier.on_alert(x)

    summary = run_files(a.inputs, config, alerts_out=a.alerts_out, assignments_out=a.assignments_out,
                        rejects_out=a.rejects_out, progress=False if a.no_progress else None, on_alert=on_alert,
                        metrics=_metrics(a.metrics_port), on_time=notifier.on_time if notifier else None)
    print(summary.line(), file=sys.stderr)
    if notifier:
        result = notifier.close()
        print(f"notifications: {notifier.notifications} queued; delivery: {result}", file=sys.stderr)
        if result.pending:
            print(f"{result.pending} notifications wait in the outbox (rate-limited receivers); send them with: "
                  f"groundswell deliver --alerting {a.alerting} --outbox {outbox}", file=sys.stderr)
    return 0


def cmd_deliver(a) -> int:
    """Deliver what waits in an outbox (left by a replay), at each receiver's rate, until none is left."""
    from groundswell.alerts import Notifier
    notifier = Notifier(a.alerting, outbox_dir=a.outbox)
    try:
        result = notifier.deliver_pending(timeout_s=a.timeout)
    finally:
        notifier.close()
    print(f"delivery: {result}", file=sys.stderr)
    return 0 if result.pending == 0 else 1


def cmd_demo(a) -> int:
    from .demo import run_demo
    return run_demo(out_dir=Path(a.out), seed=a.seed, hours=a.hours, config_path=a.config, alerting=a.alerting)


def cmd_receiver(a) -> int:
    from groundswell.alerts import run_receiver
    from groundswell.alerts.redact import register_secret
    secret = os.environ.get(a.secret_env) if a.secret_env else None
    if not secret and not a.insecure:
        print(f"groundswell receiver: {a.secret_env} is not set: refusing to start, since anyone could post a forged "
              "notification. Set it to the senders' shared secret, or pass --insecure (a local test only).",
              file=sys.stderr)
        return 2
    if not secret:
        print("groundswell receiver: --insecure: signatures are NOT verified; anyone who can reach this port can "
              "post a notification", file=sys.stderr)
    register_secret(secret)
    try:
        run_receiver(a.host, a.port, secret, a.out, insecure=a.insecure)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_feedback(a) -> int:
    if a.action == "serve":
        from groundswell.alerts.config import default_config_path
        from groundswell.alerts.feedback import run_feedback_server
        alerting = a.alerting or str(default_config_path())
        if a.metrics_port is not None:
            from prometheus_client import start_http_server
            start_http_server(a.metrics_port, addr=os.environ.get("GROUNDSWELL_METRICS_ADDR", "127.0.0.1"))
        run_feedback_server(alerting, a.outbox, host=a.host, port=a.port)
        return 0
    import json

    from groundswell.alerts.feedback_report import feedback_report, notified_from_delivered, notified_from_events
    if not a.feedback or bool(a.delivered) == bool(a.alerts):
        print("groundswell feedback report: give FEEDBACK and exactly one of --delivered or --alerts",
              file=sys.stderr)
        return 2
    for path in (a.feedback, a.delivered or a.alerts):
        if not Path(path).is_file():
            raise FileNotFoundError(f"no such file: {path}")
    if a.delivered:
        notified = notified_from_delivered(a.delivered)
    else:
        from groundswell.alerts import load_alerting_config
        from groundswell.alerts.config import default_config_path
        from groundswell.alerts.jsonl_file import iter_jsonl
        cfg = load_alerting_config(a.alerting or default_config_path())
        notified = notified_from_events(iter_jsonl(a.alerts), cfg)
    report = feedback_report(a.feedback, notified)
    if a.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(report.table())
    return 0


def _iter_json_lines(path: str, skipped: list[int]):
    import gzip

    import orjson
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        for line in f:
            if line.strip():
                try:
                    row = orjson.loads(line)
                except orjson.JSONDecodeError:
                    skipped[0] += 1
                    continue
                if isinstance(row, dict):
                    yield row
                else:
                    skipped[0] += 1


def cmd_evaluate(a) -> int:
    import json

    from groundswell.alerts.scoring import score, table
    if bool(a.labels_field) == bool(a.truth):
        print("groundswell evaluate: give exactly one of --labels-field and --truth", file=sys.stderr)
        return 2
    for path in (a.posts, a.alerts, a.assignments) + ((a.truth,) if a.truth else ()):
        if not Path(path).is_file():
            raise FileNotFoundError(f"no such file: {path}")
    truth = None
    if a.truth:
        with open(a.truth, encoding="utf-8") as f:
            truth = json.load(f)["truth"]
    skipped = [0]
    posts = [p for p in _iter_json_lines(a.posts, skipped) if "id" in p and "created_at" in p]
    metrics = score(posts, _iter_json_lines(a.alerts, skipped), _iter_json_lines(a.assignments, skipped),
                    truth_field=a.labels_field, truth=truth, big=a.big, early=a.early)
    if skipped[0]:
        print(f"groundswell evaluate: {skipped[0]} unreadable lines skipped", file=sys.stderr)
    print(json.dumps(metrics) if a.json else table(metrics))
    return 0


def cmd_check(a) -> int:
    if a.kind == "detector":
        load_config(a.file)
    elif a.kind == "kafka":
        from .kafka_settings import load_kafka_settings
        load_kafka_settings(a.file, env={})
    else:
        from groundswell.alerts import load_alerting_config
        load_alerting_config(a.file)
    print(f"{a.file}: ok")
    return 0


def _kafka_settings(a):
    from .kafka_settings import load_kafka_settings
    overrides = {}
    if getattr(a, "bootstrap", None):
        overrides["bootstrap"] = a.bootstrap
    return load_kafka_settings(a.kafka_config, overrides=overrides)


def cmd_worker(a) -> int:
    import logging

    from faust import Worker

    from .faust_app import make_app
    settings = _kafka_settings(a)
    config = load_config(a.config or os.environ.get("GROUNDSWELL_CONFIG") or None)
    port = a.metrics_port or (int(os.environ["GROUNDSWELL_METRICS_PORT"])
                              if os.environ.get("GROUNDSWELL_METRICS_PORT") else None)
    alerting = None
    if not a.no_alerting:
        from groundswell.alerts.config import default_config_path
        alerting = a.alerting or os.environ.get("GROUNDSWELL_ALERTING") or str(default_config_path())
        from groundswell.alerts import load_alerting_config
        load_alerting_config(alerting)      # fail fast on a bad file
    app = make_app(settings, config, metrics=_metrics(port), alerting=alerting,
                   alerts_dir=a.outbox or os.environ.get("GROUNDSWELL_ALERTS_OUTBOX") or None)
    logging.getLogger("groundswell").setLevel(a.loglevel.upper())
    Worker(app, loglevel=a.loglevel).execute_from_commandline()
    return 0


def cmd_topics(a) -> int:
    from .kafka_tools import create_topics, topic_specs
    settings = _kafka_settings(a)
    if a.action == "list":
        for name, parts, cfg in topic_specs(settings):
            print(f"{name}\t{parts} partitions\tretention.ms={cfg['retention.ms']}")
        return 0
    create_topics(settings)
    return 0


def cmd_replay(a) -> int:
    from .kafka_tools import replay
    if not a.to_kafka:
        print("groundswell replay: only --to-kafka is supported (use `groundswell run` for the embedded host)",
              file=sys.stderr)
        return 2
    settings = _kafka_settings(a)
    summary = replay(a.inputs, settings, speed=a.speed, rate=a.rate, progress=False if a.no_progress else None)
    print(summary.line(), file=sys.stderr)
    return 0


def _add_kafka_args(p) -> None:
    p.add_argument("--kafka-config", help="Kafka settings YAML (default: the shipped config/kafka.yaml)")
    p.add_argument("--bootstrap", help="host:port of the brokers (or GROUNDSWELL_KAFKA_BOOTSTRAP)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="groundswell", description="Early warning for emerging public issues.")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="detect issues in JSON Lines posts (files or '-') with the embedded pipeline")
    r.add_argument("inputs", nargs="+", metavar="INPUT", help=".jsonl, .jsonl.gz or - for stdin")
    r.add_argument("--config", help="detector config YAML (default: the shipped config/detector.yaml)")
    r.add_argument("--alerts-out", required=True, help="alert records, JSON Lines ('-' for stdout)")
    r.add_argument("--assignments-out", help="one {post_id, issue_id} line per accepted post")
    r.add_argument("--rejects-out", help="rejected input lines with reasons")
    r.add_argument("--alerting", help="alerting config YAML: route and deliver alerts (webhooks, chat bots)")
    r.add_argument("--outbox", help="durable delivery state folder (default: next to --alerts-out)")
    r.add_argument("--deliver-wait", type=float, default=0.0, metavar="SECONDS",
                   help="at the end, wait up to this for notifications still queued (delivery runs in the background "
                        "and never holds detection back; what rate-limited bots cannot take yet stays in the outbox "
                        "for 'groundswell deliver'; default 0)")
    r.add_argument("--metrics-port", type=int, help="serve Prometheus metrics on 127.0.0.1:PORT")
    r.add_argument("--no-progress", action="store_true")
    r.add_argument("-v", "--verbose", action="store_true", help="print each alert to stderr as it fires")
    r.set_defaults(func=cmd_run)

    d = sub.add_parser("demo", help="generate a seeded synthetic stream and run it, printing alerts as they fire")
    d.add_argument("--out", default="demo-out", help="folder for the stream, alerts, assignments (default demo-out)")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--hours", type=float, default=24.0)
    d.add_argument("--config", help="detector config YAML")
    d.add_argument("--alerting", help="alerting config YAML (default: the shipped config/alerting.yaml)")
    d.set_defaults(func=cmd_demo)

    v = sub.add_parser("receiver", help="a demo webhook receiver that verifies signatures and logs alerts")
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=9000)
    v.add_argument("--secret-env", default="GROUNDSWELL_WEBHOOK_SECRET",
                   help="environment variable holding the shared secret (required, unless --insecure)")
    v.add_argument("--insecure", action="store_true",
                   help="run without a secret: accept unverified notifications (a local test only)")
    v.add_argument("--out", help="append received notifications to this JSON Lines file")
    v.set_defaults(func=cmd_receiver)

    w = sub.add_parser("worker", help="run a Faust worker of the Kafka pipeline (web server on 127.0.0.1)")
    _add_kafka_args(w)
    w.add_argument("--config", help="detector config YAML (or GROUNDSWELL_CONFIG)")
    w.add_argument("--metrics-port", type=int, help="serve Prometheus metrics on PORT (or GROUNDSWELL_METRICS_PORT;"
                                                    " address GROUNDSWELL_METRICS_ADDR, default 127.0.0.1)")
    w.add_argument("--alerting", help="alerting config YAML (or GROUNDSWELL_ALERTING; default: the shipped "
                                      "config/alerting.yaml): the worker owning issue-alerts delivers notifications")
    w.add_argument("--no-alerting", action="store_true", help="only detect; deliver nothing")
    w.add_argument("--outbox", help="folder for the delivered log and file receivers (or GROUNDSWELL_ALERTS_OUTBOX;"
                                    " default: a private temporary folder); share it with `feedback serve`")
    w.add_argument("-l", "--loglevel", default="info", choices=["debug", "info", "warning", "error"])
    w.set_defaults(func=cmd_worker)

    t = sub.add_parser("topics", help="create (or list) the Kafka topics of the pipeline")
    t.add_argument("action", choices=["create", "list"])
    _add_kafka_args(t)
    t.set_defaults(func=cmd_topics)

    rp = sub.add_parser("replay", help="send JSON Lines posts to the posts topic (a recorded stream, a test)")
    rp.add_argument("inputs", nargs="+", metavar="FILE", help=".jsonl, .jsonl.gz or - for stdin")
    rp.add_argument("--to-kafka", action="store_true", help="send to Kafka's posts topic (required)")
    rp.add_argument("--speed", type=float, help="pace by event time, this many times faster than it happened")
    rp.add_argument("--rate", type=float, help="send at most this many posts per second")
    rp.add_argument("--no-progress", action="store_true")
    _add_kafka_args(rp)
    rp.set_defaults(func=cmd_replay)

    fb = sub.add_parser("feedback", help="officials' feedback: serve the API, or report false-alarm shares")
    fb.add_argument("action", choices=["serve", "report"])
    fb.add_argument("feedback", nargs="?", help="report: the feedback file (feedback.jsonl of the API)")
    fb.add_argument("--alerting", help="alerting config YAML (default: the shipped config/alerting.yaml)")
    fb.add_argument("--outbox", default=".", help="serve: the notifier's outbox folder (delivered log, "
                                                 "feedback file; default .)")
    fb.add_argument("--host", help="serve: bind address (default: feedback.host of the config)")
    fb.add_argument("--port", type=int, help="serve: port (default: feedback.port of the config)")
    fb.add_argument("--metrics-port", type=int, help="serve: Prometheus metrics (time to acknowledge, false "
                                                     "alarms) on PORT (address GROUNDSWELL_METRICS_ADDR, "
                                                     "default 127.0.0.1)")
    fb.add_argument("--delivered", help="report: the delivered log of a run (<outbox>/delivered.jsonl)")
    fb.add_argument("--alerts", help="report: a run's --alerts-out, routed through --alerting")
    fb.add_argument("--json", action="store_true", help="report: one JSON document instead of a table")
    fb.set_defaults(func=cmd_feedback)

    ev = sub.add_parser("evaluate", help="score a run's alerts and assignments against labelled posts (the "
                                         "project's reference metrics: B-cubed, event recall, earliness, "
                                         "duplicate, impure and background alert rates)")
    ev.add_argument("posts", metavar="POSTS", help="the labelled posts (.jsonl or .jsonl.gz)")
    ev.add_argument("--alerts", required=True, help="the run's --alerts-out")
    ev.add_argument("--assignments", required=True, help="the run's --assignments-out")
    ev.add_argument("--labels-field", metavar="F", help="the posts' field holding their event (null: background)")
    ev.add_argument("--truth", metavar="FILE", help='labels as JSON {"truth": {post_id: event_id}}')
    ev.add_argument("--big", type=int, default=500, help="events with at least this many posts are big (500)")
    ev.add_argument("--early", type=int, default=50, help="big events alerted within this many posts (50)")
    ev.add_argument("--json", action="store_true", help="one JSON object (the reference scorer's keys)")
    ev.set_defaults(func=cmd_evaluate)

    dl = sub.add_parser("deliver", help="deliver the notifications waiting in an outbox (left by a replay)")
    dl.add_argument("--alerting", required=True, help="the alerting config YAML the outbox was made with")
    dl.add_argument("--outbox", required=True, help="the outbox folder")
    dl.add_argument("--timeout", type=float, default=3600.0, help="give up after this many seconds (default 3600)")
    dl.set_defaults(func=cmd_deliver)

    c = sub.add_parser("check", help="validate a config file")
    c.add_argument("kind", choices=["detector", "alerting", "kafka"])
    c.add_argument("file")
    c.set_defaults(func=cmd_check)
    return p


def main(argv: list[str] | None = None) -> int:
    from groundswell.alerts.redact import install_log_redaction
    install_log_redaction()     # before anything logs: chat-bot URLs and secrets never reach a log line
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as e:
        print(f"groundswell: invalid config:\n{e}", file=sys.stderr)
        return 2
    except Exception as e:  # config errors of the alerting component, unreadable inputs
        from groundswell.alerts import AlertingConfigError
        if isinstance(e, (AlertingConfigError, FileNotFoundError, IsADirectoryError)):
            print(f"groundswell: {e}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
