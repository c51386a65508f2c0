"""Shared helpers for the alerting tests: issue events, configs, real local HTTP servers."""
from __future__ import annotations

import asyncio
import json
import random
import threading
from pathlib import Path
from typing import Any, Callable

import yaml
from aiohttp import web
from prometheus_client import CollectorRegistry

from groundswell.alerts import Notifier
from groundswell.alerts.config import AlertingConfig, parse_alerting_config
from groundswell.alerts.durations import format_time, parse_time

FIXTURES = Path(__file__).parent / "fixtures"
T0 = parse_time("2024-05-01T00:00:00Z")        # 08:00 in Asia/Shanghai


def event(issue: str, seq: int, severity: str = "yellow", status: str = "firing", at: float = T0, *,
          labels: dict[str, str] | None = None, posts: int | None = None, title: str | None = None) -> dict[str, Any]:
    """An issue event in the detector core's format."""
    n = posts if posts is not None else 10 * seq
    return {
        "alert_id": f"{issue}:{seq}", "issue_id": issue, "status": status, "severity": severity,
        "at": format_time(at), "first_post_at": format_time(at - 600), "posts": n, "authors": max(1, n * 3 // 4),
        "terms": ["停电", "小区", "power", "outage"], "title": title or f"Issue {issue} 小区停电",
        "sample_post_ids": [f"{issue}-p1", f"{issue}-p2"],
        "sample_posts": [{"id": f"{issue}-p1", "text": f"{issue}: 又停电了 again"},
                         {"id": f"{issue}-p2", "text": "第三天了 still no power"}],
        "growth": {"interval_s": 300, "counts": [1, 2, 5, n]}, "score": 3.5, "languages": ["en", "zh"],
        "labels": dict(labels if labels is not None else {"source": "weibo", "region": "sh", "lang": "zh"}),
    }


def config_from(data: dict | str, source: str = "<test>") -> AlertingConfig:
    if isinstance(data, str):
        data = yaml.safe_load(data)
    return parse_alerting_config(data, source=source)


def webhook_config(*, delivery: dict | None = None, extra_receiver: dict | None = None,
                   route: dict | None = None) -> AlertingConfig:
    """One webhook receiver (URL and secret from env TEST_HOOK_URL / TEST_HOOK_SECRET), no waiting."""
    receiver = {"name": "hook", "type": "webhook", "url_env": "TEST_HOOK_URL", "secret_env": "TEST_HOOK_SECRET"}
    receiver.update(extra_receiver or {})
    return config_from({
        "route": {"receiver": "hook", "group_by": ["issue_id"], "group_wait": 0, "group_interval": 60,
                  "repeat_interval": "4h", **(route or {})},
        "receivers": [receiver],
        "delivery": {"timeout_s": 2, "max_attempts": 10, "backoff_initial_s": 0.01, "backoff_max_s": 0.05,
                     "rate_limit_per_min": 60000, **(delivery or {})},
    })


def make_notifier(cfg: AlertingConfig, outbox_dir, env: dict[str, str] | None = None, *, seed: int = 7,
                  **kw) -> Notifier:
    return Notifier(cfg, outbox_dir=outbox_dir, registry=CollectorRegistry(), rng=random.Random(seed),
                    environ=env or {}, **kw)


def feed(notifier: Notifier, events: list[dict], *, step_s: float = 1.0) -> None:
    """Submit events and tick at their event time, like the embedded runner."""
    for e in events:
        now = parse_time(e["at"])
        notifier.submit(e, now)
        notifier.tick(now)


def assert_in_order_per_issue(bodies: list[dict]) -> None:
    """Notification bodies (grouped by issue_id) in arrival order follow each issue's emission order: the newest
    emission a notification carries (``<issue_id>:<seq>``) never goes back, and an issue's first one fires."""
    last: dict[str, int] = {}
    for b in bodies:
        issue = b["alerts"][0]["labels"]["issue_id"]
        assert {a["labels"]["issue_id"] for a in b["alerts"]} == {issue}, "one issue per notification expected"
        seq = max(int(a["alert_id"].rsplit(":", 1)[1]) for a in b["alerts"])
        if issue not in last:
            assert b["status"] == "firing", f"{issue}: first notification is {b['status']}"
        assert seq >= last.get(issue, 0), f"{issue}: emission {seq} arrived after {last[issue]}"
        last[issue] = seq


class ThreadedApp:
    """Run an aiohttp Application on 127.0.0.1 in a background thread (a real HTTP server)."""

    def __init__(self, app_factory: Callable[[], web.Application], port: int = 0):
        self.app_factory = app_factory
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None

    def start(self) -> "ThreadedApp":
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

        async def up() -> int:
            self._runner = web.AppRunner(self.app_factory(), access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            await site.start()
            return site._server.sockets[0].getsockname()[1]

        self.port = asyncio.run_coroutine_threadsafe(up(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> "ThreadedApp":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class RecordingBot:
    """A stand-in chat-bot endpoint: records each request and answers like the vendor, after running a
    vendor-side verification callback (``verify(request_record) -> (ok, reason)``)."""


    def __init__(self, verify: Callable[[dict], tuple[bool, str]], ok_body: Any, fail_body: Any,
                 script: list[Any] | None = None):
        self.verify = verify
        self.ok_body, self.fail_body = ok_body, fail_body
        self.script = list(script or [])      # answers for the first verified requests (e.g. "too fast")
        self.requests: list[dict] = []

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.Response:
            raw = await request.read()
            rec = {"path": request.path, "query": dict(request.query), "headers": dict(request.headers),
                   "raw": raw, "json": json.loads(raw)}
            ok, reason = self.verify(rec)
            rec["verified"], rec["reason"] = ok, reason
            self.requests.append(rec)
            body = (self.script.pop(0) if self.script else self.ok_body) if ok else self.fail_body
            if isinstance(body, str):
                return web.Response(text=body, status=200 if ok else 400)
            return web.json_response(body)

        app = web.Application()
        app.router.add_post("/{tail:.*}", handle)
        return app
