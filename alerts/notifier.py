"""The entry point the runners call: issue events in, notifications delivered.

    notifier = Notifier("config/alerting.yaml", outbox_dir="runs/alerts")
    for event in issue_events:                      # dicts from the detector core
        notifier.submit(event, now=event_time)      # event time in a replay, wall time in a live worker
        notifier.tick(now=event_time)               # route/group/flush what is due into the outbox
        notifier.deliver_pending(timeout_s=5)       # sync; or `await notifier.drain(5)` from async code
    notifier.flush(now=last_event_time)             # end of a finite replay: send what still waits
    notifier.deliver_pending(timeout_s=30)
    notifier.close()

``submit``/``tick``/``flush`` are pure bookkeeping plus a durable outbox write; they never block on the
network. Delivery runs in ``drain`` (async) or ``deliver_pending`` (sync: a private event loop in a thread, so
it works from plain sync code and even from inside another event loop). Pending notifications survive a
restart: a new Notifier on the same ``outbox_dir`` re-sends them with the same idempotency keys.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping

import httpx

from .config import AlertingConfig, load_alerting_config
from .deadletter import DeadLetterSink, FileDeadLetters
from .delivered import DeliveredLog
from .delivery import Deliverer, DrainResult
from .dispatcher import Dispatcher, Notification
from .metrics import AlertMetrics
from .outbox import FileOutbox, Outbox, OutboxItem
from .sinks import SinkContext, make_sink

log = logging.getLogger(__name__)


class Notifier:
    """Dispatcher + durable outbox + delivery, for one alerting config.

    Args:
        config: an :class:`AlertingConfig` or the path of an alerting YAML.
        outbox_dir: where the outbox journal, dead letters, delivered log and file receivers live.
        registry: prometheus ``CollectorRegistry`` (default: the global one).
        rng: ``random.Random`` for backoff jitter (seed it in tests).
        http_client: an ``httpx.AsyncClient`` to use in :meth:`drain` (it must belong to the loop ``drain``
            runs in); by default the notifier makes its own.
        environ: where receiver URLs/secrets are read (default ``os.environ``).
        outbox, dead_letters: other implementations of the protocols (e.g. Kafka-backed).
        clock: wall clock for request signing and records (tests may freeze it).
        persist_state: keep the dispatcher's state (alerts, groups, timers) in
            ``<outbox_dir>/dispatcher_state.json``, written after each :meth:`tick` that changed it and
            loaded at start. For live workers, so that an issue resolved after a restart is still announced
            and nothing is re-announced; a replaying runner does not need it (the replay rebuilds the state).
    """

    def __init__(self, config: AlertingConfig | str | os.PathLike, *, outbox_dir: str | os.PathLike,
                 registry=None, rng: random.Random | None = None, http_client: httpx.AsyncClient | None = None,
                 environ: Mapping[str, str] | None = None, outbox: Outbox | None = None,
                 dead_letters: DeadLetterSink | None = None, clock: Callable[[], float] = time.time,
                 persist_state: bool = False):
        self.config = config if isinstance(config, AlertingConfig) else load_alerting_config(config)
        self.outbox_dir = Path(outbox_dir)
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        env = self.config.resolve_env(environ)
        from .redact import register_secret, register_url
        for url in env.urls.values():          # a chat bot's URL is its credential: never in a log line
            register_url(url)
        for secret in env.secrets.values():
            register_secret(secret)
        for name, why in env.disabled.items():
            log.warning("receiver %s is disabled: %s", name, why)
        self.disabled = dict(env.disabled)
        self.metrics = AlertMetrics.for_registry(registry)
        self.dispatcher = Dispatcher(self.config, disabled_receivers=set(env.disabled), metrics=self.metrics)
        self.outbox: Outbox = outbox if outbox is not None else FileOutbox(self.outbox_dir)
        dl_path = self._under(self.config.dead_letter.path)
        self.dead_letter_path = dl_path
        self.dead_letters = dead_letters if dead_letters is not None else FileDeadLetters(dl_path)
        self.delivered_log = DeliveredLog(self.outbox_dir / "delivered.jsonl")
        g = self.config.global_
        sinks, settings = {}, {}
        for r in self.config.receivers:
            if r.name in env.disabled:
                continue
            ctx = SinkContext(url=env.urls.get(r.name), secret=env.secrets.get(r.name),
                              language=r.language or g.language, timezone=r.timezone or g.timezone,
                              config=self.config, base_dir=str(self.outbox_dir), clock=clock)
            sinks[r.name] = make_sink(r, ctx)
            settings[r.name] = self.config.delivery_for(r)
        self.sinks = sinks
        self.deliverer = Deliverer(sinks, settings, self.outbox, self.dead_letters, self.metrics, rng=rng,
                                   delivered_log=self.delivered_log, wall_clock=clock)
        self._http_client = http_client
        self._own_clients: dict[int, httpx.AsyncClient] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._background: Any = None        # the background delivery task (a concurrent future), when started
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self.state_path = self.outbox_dir / "dispatcher_state.json" if persist_state else None
        self._dirty = False
        if self.state_path is not None and self.state_path.exists():
            self.dispatcher.restore(json.loads(self.state_path.read_text(encoding="utf-8")))
        self.deliverer.update_queue_gauge()

    def _under(self, path: str) -> Path:
        p = Path(path)
        return p if p.is_absolute() else self.outbox_dir / p

    # ------------------------------------------------------------------ bookkeeping (never blocks on I/O)
    def submit(self, event: dict[str, Any], now: float) -> None:
        """Take one issue event (``ValueError`` if malformed). ``now``: seconds since the epoch."""
        with self._lock:
            self.dispatcher.submit(event, now)
            self._dirty = True

    def tick(self, now: float) -> list[Notification]:
        """Flush due groups into the durable outbox; returns the new notifications."""
        with self._lock:
            return self._enqueue(self.dispatcher.tick(now))

    def flush(self, now: float) -> list[Notification]:
        """Flush every group now, group_wait or not (end of a finite replay, shutdown)."""
        with self._lock:
            return self._enqueue(self.dispatcher.flush_all(now))

    def _enqueue(self, notes: list[Notification]) -> list[Notification]:
        wall = time.time()
        new = [n for n in notes if self.outbox.enqueue(OutboxItem(n.notification_id, n.receiver, n.to_dict(), wall))]
        if notes:
            self.deliverer.update_queue_gauge()
        if new and self._wake is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)   # background delivery: there is work
        if self.state_path is not None and (self._dirty or notes):
            self._save_state()
        return new

    def _save_state(self) -> None:
        """Write the dispatcher state atomically (after the outbox has the notifications it implies)."""
        tmp = self.state_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.dispatcher.snapshot(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.state_path)
        self._dirty = False

    def pending(self) -> list[OutboxItem]:
        return self.outbox.pending()

    # ------------------------------------------------------------------ delivery
    async def drain(self, timeout_s: float = 30.0) -> DrainResult:
        """Deliver pending notifications until none is left or ``timeout_s`` passed."""
        client = self._http_client or self._client_for_loop()
        return await self.deliverer.drain(client, timeout_s)

    def _client_for_loop(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        c = self._own_clients.get(id(loop))
        if c is None or c.is_closed:
            c = httpx.AsyncClient(follow_redirects=False)   # honours HTTPS_PROXY / NO_PROXY / SSL_CERT_FILE
            self._own_clients[id(loop)] = c
        return c

    def deliver_pending(self, timeout_s: float = 30.0) -> DrainResult:
        """Sync wrapper of :meth:`drain`, run on the notifier's private event loop thread."""
        loop = self._ensure_loop()
        fut = asyncio.run_coroutine_threadsafe(self.drain(timeout_s), loop)
        return fut.result()

    # ------------------------------------------------------------------ background delivery
    def start_background_delivery(self, *, slice_s: float = 1.0) -> None:
        """Deliver from the outbox in the background (the private loop's thread) from now on, so the caller never
        waits on a receiver: what a rate-limited bot cannot take yet (DingTalk, WeCom: 20 a minute) stays queued
        in the outbox, in order, while detection goes on. New notifications wake it (``tick``/``flush``).
        Stop with :meth:`stop_background_delivery` (or :meth:`close`)."""
        if self._background is not None:
            return
        loop = self._ensure_loop()
        self._stopping = False

        async def run() -> None:
            self._wake = asyncio.Event()
            while not self._stopping:
                self._wake.clear()
                if self.outbox.pending():
                    before = len(self.outbox.pending())
                    await self.drain(slice_s)
                    if len(self.outbox.pending()) < before:
                        continue
                    wait = slice_s / 4      # nothing could go yet (rate limit, backoff): look again shortly
                else:
                    wait = None
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
                except asyncio.TimeoutError:
                    pass

        self._background = asyncio.run_coroutine_threadsafe(run(), loop)

    def stop_background_delivery(self, timeout_s: float = 30.0) -> None:
        """Let the background delivery finish the request it is in and stop (pending ones stay queued)."""
        fut, self._background = self._background, None
        if fut is None:
            return
        self._stopping = True
        if self._wake is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)
        try:
            fut.result(timeout=timeout_s)
        except Exception:   # (a timeout: cancel it; an unsent notification stays in the outbox)
            fut.cancel()
        self._wake = None

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            t = threading.Thread(target=run, name="groundswell-alerts-delivery", daemon=True)
            t.start()
            ready.wait()
            self._loop, self._thread = loop, t
        return self._loop

    async def run(self, stop: asyncio.Event, *, tick_s: float = 1.0, drain_s: float = 5.0,
                  clock: Callable[[], float] = time.time) -> None:
        """A live worker's loop on wall time: tick, deliver, sleep ``tick_s``, until ``stop`` is set.
        Events are fed with :meth:`submit` (``now=clock()``) from the consumer, in this loop's thread."""
        while not stop.is_set():
            self.tick(clock())
            if self.outbox.pending():
                await self.drain(drain_s)
            try:
                await asyncio.wait_for(stop.wait(), timeout=tick_s)
            except asyncio.TimeoutError:
                pass

    def close(self) -> None:
        """Close HTTP clients, the private loop and the outbox. Pending notifications stay in the outbox."""
        self.stop_background_delivery()
        if self._loop is not None:
            async def _close_clients() -> None:
                for c in list(self._own_clients.values()):
                    await c.aclose()
            try:
                asyncio.run_coroutine_threadsafe(_close_clients(), self._loop).result(timeout=5)
            except Exception:   # closing is best effort
                pass
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._loop.close()
            self._loop = self._thread = None
        self._own_clients.clear()
        self.outbox.close()

    async def aclose(self) -> None:
        """Async close for notifiers used only through :meth:`drain` in the caller's loop."""
        for c in list(self._own_clients.values()):
            await c.aclose()
        self._own_clients.clear()
        self.close()

    def __enter__(self) -> "Notifier":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
