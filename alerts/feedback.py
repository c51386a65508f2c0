"""Feedback from officials: acknowledge, mark resolved, or mark a false alarm — over HTTP, with a token.

    POST /api/v1/feedback   Authorization: Bearer <GROUNDSWELL_FEEDBACK_TOKEN>
         {"issue_id": "c42" | "alert_id": "c42:3", "action": "ack"|"resolve"|"false_alarm",
          "comment": "optional text", "by": "optional name"}
      -> 201 {"id": ..., "issue_id": ..., "action": ..., "recorded_at": ...}; 404 for an issue never notified
    GET  /api/v1/feedback?issue_id=&action=&since=<RFC3339>&limit=   (same token)
      -> 200 {"version": "1", "feedback": [record, ...]}
    GET  /healthz (no token)

Each record is appended to a JSON lines file with the wall-clock time; backtests read it with
:func:`load_feedback` / :func:`feedback_labels`. Metrics: ``groundswell_feedback_total{action}``,
``groundswell_time_to_acknowledge_seconds`` (first delivered notification of the issue → its first ack, from
the delivered log), ``groundswell_false_alarms_total{route,detector}`` (first false-alarm mark of an issue; divide by
``groundswell_alerts_notified_total`` for the share of notified issues),
``groundswell_issues_answered_total{route,detector}`` (first feedback of an issue, any action: the share
among verdicts, and notified - answered = unanswered).

The server binds 127.0.0.1 unless told otherwise; put a TLS-terminating proxy in front to expose it. The token
must be at least :data:`MIN_TOKEN_BYTES` bytes (``openssl rand -hex 32``). Whatever a client sends, the answer is
a 2xx, 400 (bad request), 401 (no or a wrong token), 404/405 (no such endpoint), 413 (body over 64 KB) or 503
(storage unavailable): a malformed header or body is never a 500.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from aiohttp import web

from .delivered import DeliveredLog
from .jsonl_file import iter_jsonl
from .durations import format_time, parse_time
from .metrics import FEEDBACK_ACTIONS, AlertMetrics
from .safe_json import loads_bounded

MAX_COMMENT = 2000
MIN_TOKEN_BYTES = 32
log = logging.getLogger(__name__)


class FeedbackStore:
    """Append-only JSON lines of feedback records (thread-safe)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())

    def load(self) -> list[dict[str, Any]]:
        return load_feedback(self.path)


def load_feedback(path: str | os.PathLike, *, issue_id: str | None = None, action: str | None = None,
                  since: float | None = None) -> list[dict[str, Any]]:
    """Feedback records in file order, optionally filtered (``since``: seconds since the epoch)."""
    out = []
    for rec in iter_jsonl(path):
        if issue_id is not None and rec.get("issue_id") != issue_id:
            continue
        if action is not None and rec.get("action") != action:
            continue
        if since is not None and parse_time(rec["recorded_at"]) < since:
            continue
        out.append(rec)
    return out


def feedback_labels(path: str | os.PathLike) -> dict[str, str]:
    """For backtests: issue id -> its verdict. ``false_alarm`` wins over everything; else the latest action."""
    labels: dict[str, str] = {}
    for rec in load_feedback(path):
        iid = rec.get("issue_id")
        if not iid:
            continue
        if labels.get(iid) != "false_alarm":
            labels[iid] = rec["action"]
    return labels


class UnknownIssue(LookupError):
    """Feedback about an issue that was never notified (not in the delivered log): refused, 404."""


class FeedbackService:
    """Validation, storage and metrics behind the HTTP endpoints (usable without HTTP, e.g. in tests)."""

    def __init__(self, store: FeedbackStore, metrics: AlertMetrics, *, delivered_log: DeliveredLog | None = None,
                 clock: Callable[[], float] = time.time):
        self.store = store
        self.metrics = metrics
        self.delivered_log = delivered_log
        self.clock = clock
        self._acked: set[str] = set()
        self._false: set[str] = set()
        self._answered: set[str] = set()
        for rec in store.load():             # a restart must not count first acks / false alarms twice
            self._answered.add(rec.get("issue_id", ""))
            if rec.get("action") == "ack":
                self._acked.add(rec.get("issue_id", ""))
            elif rec.get("action") == "false_alarm":
                self._false.add(rec.get("issue_id", ""))

    def record(self, data: Any) -> dict[str, Any]:
        """Validate and store one feedback; ``ValueError`` names the bad field."""
        if not isinstance(data, dict):
            raise ValueError("body: expected a JSON object")
        unknown = set(data) - {"issue_id", "alert_id", "action", "comment", "by"}
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; allowed: issue_id, alert_id, action, comment, by")
        action = data.get("action")
        if action not in FEEDBACK_ACTIONS:
            raise ValueError(f"action: {action!r} is not allowed; use one of {', '.join(FEEDBACK_ACTIONS)}")
        for name in ("issue_id", "alert_id", "comment", "by"):
            v = data.get(name)
            if v is not None and not isinstance(v, str):
                raise ValueError(f"{name}: expected a string")
        issue_id, alert_id = data.get("issue_id") or None, data.get("alert_id") or None
        if not issue_id and not alert_id:
            raise ValueError("issue_id: give issue_id or alert_id")
        for name, v in (("issue_id", issue_id), ("alert_id", alert_id)):
            if v is not None and len(v) > 200:
                raise ValueError(f"{name}: too long")
        comment = data.get("comment") or ""
        if len(comment) > MAX_COMMENT:
            raise ValueError(f"comment: at most {MAX_COMMENT} characters")
        if not issue_id:
            found = self.delivered_log.issue_of(alert_id) if self.delivered_log else None
            issue_id = found or alert_id.rsplit(":", 1)[0]     # the core's alert ids are "<issue_id>:<seq>"
        now = self.clock()
        notice = self.delivered_log.first_notice(issue_id) if self.delivered_log else None
        if self.delivered_log is not None and notice is None:
            # an answer about nothing anyone was told (a typo, an issue of another deployment) would be counted
            # as route "unknown" and skew every response figure: refused
            raise UnknownIssue(f"issue {issue_id!r} was never notified here: no feedback is taken for it")
        rec: dict[str, Any] = {
            "id": uuid.uuid4().hex, "recorded_at": format_time(now), "issue_id": issue_id, "alert_id": alert_id,
            "action": action, "comment": comment, "by": (data.get("by") or "")[:200],
            "route": notice.route if notice else None, "detector": notice.detector if notice else None,
            "receiver": notice.receiver if notice else None,
        }
        if action == "ack" and issue_id not in self._acked and notice is not None:
            rec["time_to_ack_s"] = round(max(0.0, now - notice.delivered_at), 3)
        self.store.append(rec)
        self.metrics.feedback.labels(action=action).inc()
        route, detector = rec["route"] or "unknown", rec["detector"] or "unknown"
        if issue_id not in self._answered:
            self._answered.add(issue_id)
            self.metrics.issues_answered.labels(route=route, detector=detector).inc()
        if action == "ack" and issue_id not in self._acked:
            self._acked.add(issue_id)
            if "time_to_ack_s" in rec:
                self.metrics.time_to_ack.observe(rec["time_to_ack_s"])
        if action == "false_alarm" and issue_id not in self._false:
            self._false.add(issue_id)
            self.metrics.false_alarms.labels(route=route, detector=detector).inc()
        return rec


def check_token(token: str | None) -> str:
    """The token, if it is long enough to be one; ``ValueError`` otherwise."""
    if not token:
        raise ValueError("the feedback API needs a token (set GROUNDSWELL_FEEDBACK_TOKEN)")
    if len(token.encode("utf-8", "surrogatepass")) < MIN_TOKEN_BYTES:
        raise ValueError(f"the feedback token must be at least {MIN_TOKEN_BYTES} bytes (e.g. openssl rand -hex 32)")
    return token


@web.middleware
async def never_500(request: web.Request, handler):
    """The last line of defence: whatever a request does to a handler, the client gets a 4xx, not a 500 (the
    cause is logged). Handlers answer bad input themselves; this is for what they did not foresee."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s %s: unexpected error; answered 400", request.method, request.path)
        return web.json_response({"error": "bad request"}, status=400)


def make_feedback_app(service: FeedbackService, *, token: str) -> web.Application:
    token = check_token(token)
    from .redact import register_secret
    register_secret(token)
    expected = f"Bearer {token}".encode("utf-8")

    @web.middleware
    async def auth(request: web.Request, handler):
        if request.path.startswith("/api/"):
            # header bytes that are not UTF-8 arrive as surrogate escapes: compare them as bytes, never fail
            got = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
            if not hmac.compare_digest(got, expected):
                return web.json_response({"error": "missing or bad bearer token"}, status=401,
                                         headers={"WWW-Authenticate": 'Bearer realm="groundswell"'})
        return await handler(request)

    async def post(request: web.Request) -> web.Response:
        body = await request.read()         # over client_max_size: aiohttp answers 413
        try:
            data = loads_bounded(body)
        except ValueError as e:
            return web.json_response({"error": f"body: {e}"}, status=400)
        try:
            rec = service.record(data)
        except ValueError as e:
            return web.json_response({"error": str(e)}, status=400)
        except UnknownIssue as e:
            return web.json_response({"error": str(e)}, status=404)
        except OSError as e:
            log.error("cannot store feedback: %s", e)
            return web.json_response({"error": "feedback storage unavailable"}, status=503)
        return web.json_response({k: rec[k] for k in ("id", "issue_id", "action", "recorded_at")}, status=201)

    async def get(request: web.Request) -> web.Response:
        q = request.query
        try:
            since = parse_time(q["since"]) if q.get("since") else None
            limit = int(q.get("limit", "1000"))
        except (ValueError, OverflowError, OSError) as e:
            return web.json_response({"error": f"query: {str(e)[:200]}"}, status=400)
        recs = load_feedback(service.store.path, issue_id=q.get("issue_id"), action=q.get("action"), since=since)
        return web.json_response({"version": "1", "feedback": recs[-limit:] if limit > 0 else []})

    app = web.Application(middlewares=[never_500, auth], client_max_size=64 * 1024)
    app.router.add_post("/api/v1/feedback", post)
    app.router.add_get("/api/v1/feedback", get)
    app.router.add_get("/healthz", _healthz)
    return app


async def start_feedback_server(app: web.Application, host: str = "127.0.0.1",
                                port: int = 0) -> tuple[web.AppRunner, int]:
    """Start ``app``; returns the runner (``await runner.cleanup()`` to stop) and the bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def run_feedback_server(config, outbox_dir: str | os.PathLike, *, host: str | None = None,
                        port: int | None = None, token: str | None = None, registry=None) -> None:
    """Serve the feedback API for an alerting config until interrupted (token from ``feedback.token_env``)."""
    from .config import AlertingConfig, load_alerting_config
    cfg = config if isinstance(config, AlertingConfig) else load_alerting_config(config)
    fb = cfg.feedback
    token = token or os.environ.get(fb.token_env, "")
    if not token:
        raise SystemExit(f"set {fb.token_env} to the token officials' tools will send")
    try:
        check_token(token)
    except ValueError as e:
        raise SystemExit(f"{fb.token_env}: {e}") from None
    base = Path(outbox_dir)
    store_path = Path(fb.path) if Path(fb.path).is_absolute() else base / fb.path
    service = FeedbackService(FeedbackStore(store_path), AlertMetrics.for_registry(registry),
                              delivered_log=DeliveredLog(base / "delivered.jsonl"))
    app = make_feedback_app(service, token=token)

    async def main() -> None:
        runner, bound = await start_feedback_server(app, host or fb.host, fb.port if port is None else port)
        print(f"groundswell feedback API on http://{host or fb.host}:{bound}/api/v1/feedback", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
