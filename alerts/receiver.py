"""A small webhook receiver: verifies signatures, rejects replays, deduplicates by ``Idempotency-Key``, logs
what it accepts to stdout and a JSON lines file. Use it to try a config, as a template for a real receiver,
and in tests, where it can be told to fail (status codes, slow answers) to exercise delivery.

    run_receiver("127.0.0.1", 9095, secret=os.environ["GROUNDSWELL_WEBHOOK_SECRET"], out_path="received.jsonl")

Async building blocks: :class:`WebhookReceiver` (``await start(host, port)`` / ``await stop()``), and
:class:`BackgroundReceiver` to run one in a thread next to sync code.

Responses: 200 accepted (``{"accepted": true}``) or duplicate (``{"duplicate": true}``); 401 bad or missing
signature, or stale timestamp; 400 when the body is not a v1 body (not JSON, nested past 32 levels, not an
object) or its ``notification_id`` differs from the ``Idempotency-Key`` header (the header is not signed, the body
is); 413 over 4 MB. Never 500, whatever the request. ``secret=None`` (no verification) is for tests and the
``--insecure`` flag of ``groundswell receiver`` only.

Memory is bounded: the last ``keep`` bodies, deliveries and refusals are kept for inspection (tests), and the
idempotency keys seen for deduplication are the last ``remember_keys`` (a receiver runs for months).
"""
from __future__ import annotations

import asyncio
import json
import logging
import socket
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from aiohttp import web

from .feedback import never_500
from .safe_json import loads_bounded
from .verify import verify_signature

log = logging.getLogger(__name__)


@dataclass
class FaultPlan:
    """Failures to inject, by request number (0-based, counting every request that passed verification).

    ``statuses[i]``: answer request i with this status without accepting it. ``slow[i]``: accept request i,
    then answer only after this many seconds (the sender times out although the receiver has it: the retry
    is a duplicate). ``always_status``: answer every request with this status (a receiver that never works).
    """
    statuses: dict[int, int] = field(default_factory=dict)
    slow: dict[int, float] = field(default_factory=dict)
    always_status: int | None = None


class WebhookReceiver:
    def __init__(self, secret: str | list[str] | None, out_path: str | Path | None = None, *,
                 tolerance_s: float = 300, faults: FaultPlan | None = None,
                 clock: Callable[[], float] = time.time, echo: bool = False, keep: int = 10_000,
                 remember_keys: int = 100_000):
        self.secret = secret
        self.out_path = Path(out_path) if out_path else None
        self.tolerance_s = tolerance_s
        self.faults = faults or FaultPlan()
        self.clock = clock
        self.echo = echo
        self.requests = 0                 # verified requests seen
        self.rejected: list[str] = []     # reasons of 401/400 answers
        self.deliveries: list[str] = []   # Idempotency-Key of every verified request, duplicates included
        self.accepted: list[dict] = []    # bodies, first delivery of each key, in arrival order
        self.keep = keep                  # the lists above hold at most about this many (the latest)
        self.remember_keys = remember_keys
        self._seen: OrderedDict[str, None] = OrderedDict()   # idempotency keys, oldest first (bounded)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024, middlewares=[never_500])
        app.router.add_post("/{tail:.*}", self._handle)
        app.router.add_get("/healthz", _healthz)
        return app

    def _bounded(self, items: list) -> None:
        if len(items) > 2 * self.keep:
            del items[: len(items) - self.keep]

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.secret is not None:
            ok = verify_signature(self.secret, request.headers.get("X-Groundswell-Timestamp"),
                                  request.headers.get("X-Groundswell-Signature"), body,
                                  now=self.clock(), tolerance_s=self.tolerance_s)
            if not ok:
                self.rejected.append("signature")
                self._bounded(self.rejected)
                return web.json_response({"error": "bad signature or stale timestamp"}, status=401)
        key = request.headers.get("Idempotency-Key", "")
        try:
            doc = loads_bounded(body)
            if not isinstance(doc, dict) or doc.get("version") != "1" or doc.get("notification_id") != key:
                raise ValueError("not a v1 body for this Idempotency-Key")
        except ValueError as e:
            self.rejected.append(f"body: {e}")
            self._bounded(self.rejected)
            return web.json_response({"error": f"bad body: {e}"}, status=400)
        index = self.requests
        self.requests += 1
        self.deliveries.append(key)
        self._bounded(self.deliveries)
        status = self.faults.always_status or self.faults.statuses.get(index)
        if status is not None and status >= 300:
            return web.json_response({"error": "injected failure"}, status=status)
        duplicate = key in self._seen
        if not duplicate:
            self._accept(key, doc)
        delay = self.faults.slow.get(index)
        if delay:
            await asyncio.sleep(delay)
        return web.json_response({"duplicate": True} if duplicate else {"accepted": True})

    def _accept(self, key: str, doc: dict) -> None:
        self._seen[key] = None
        if len(self._seen) > self.remember_keys:
            self._seen.popitem(last=False)
        self.accepted.append(doc)
        self._bounded(self.accepted)
        line = json.dumps(doc, ensure_ascii=False)
        if self.out_path is not None:
            self.out_path.parent.mkdir(parents=True, exist_ok=True)
            with self.out_path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        if self.echo:
            alerts = doc.get("alerts")
            titles = "; ".join(str(a.get("annotations", {}).get("title", ""))[:100] for a in alerts
                               if isinstance(a, dict) and isinstance(a.get("annotations"), dict)) \
                if isinstance(alerts, list) else ""
            print(f"[{str(doc.get('status'))[:20]}] {key[:80]} {titles}"[:2000], file=sys.stdout, flush=True)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class BackgroundReceiver:
    """Run an aiohttp app (a :class:`WebhookReceiver` by default) on its own loop in a thread.

        with BackgroundReceiver(WebhookReceiver("s3cret")) as rx:
            url = f"http://127.0.0.1:{rx.port}/hook"
    """

    def __init__(self, receiver, host: str = "127.0.0.1", port: int = 0):
        self.receiver = receiver
        self.host, self.port = host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> int:
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        self._thread = threading.Thread(target=self._loop.run_forever, name="groundswell-receiver", daemon=True)
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self.receiver.start(self.host, self.port), self._loop)
        self.port = fut.result(timeout=10)
        started.set()
        return self.port

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.receiver.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> "BackgroundReceiver":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (for tests that start a server later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def run_receiver(host: str, port: int, secret: str | None, out_path: str | Path | None, *,
                 insecure: bool = False) -> None:
    """Serve until interrupted (the ``groundswell receiver`` command). Without a secret it refuses to start
    (``ValueError``) unless ``insecure`` (then nothing is verified: anyone can post a notification)."""
    if not secret and not insecure:
        raise ValueError("no webhook secret: refusing to accept unverified notifications (set the secret, or "
                         "pass --insecure to accept anything, for a local test only)")
    rx = WebhookReceiver(secret or None, out_path, echo=True)

    async def main() -> None:
        bound = await rx.start(host, port)
        print(f"groundswell receiver listening on http://{host}:{bound}/ (verify={'on' if secret else 'OFF'})",
              flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await rx.stop()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
