"""The Kafka host: Faust agents running the same two halves as the embedded runner (streams/detection.py).

Topology (topic names from config/kafka.yaml; values JSON with ``"v": 1``)::

    posts ──clean_posts──> clean-posts ──detect_issues: group_by(shard)──> <app>-clean-posts-by-shard
      (raw lines)  │        (keyed by input partition:                       │  (one Detection per partition,
                   │         one ordered path per input partition)           │   checkpointed to the table
                   └──> post-rejects <───────────── late posts ──────────────┤   detector_snapshots)
                                                     issue-alerts <──────────┤
                                                     issue-assignments <─────┘

* ``clean_posts`` is stateless (parse, validate, pseudonymise, segment): it scales with the input partitions.
* ``detect_issues`` repartitions with Faust's ``group_by`` on the shard key (``sharding.by``) and keeps one
  :class:`Detection` per partition of the repartitioned topic. Its state is not rebuilt per message (a detector is
  megabytes): it is checkpointed whole to the ``detector_snapshots`` table (changelog-backed) every
  ``worker.snapshot_every_s``, and input events are acknowledged only once a checkpoint covers them, so after a
  crash the new owner restores the checkpoint and re-reads exactly the events after it. Alerts re-emitted by that
  re-reading carry the same ``alert_id``.
* Event time: posts are fed to detectors in ``(created_at, id)`` order over all input partitions (the same order
  the embedded runner uses), held until every input partition has passed them. Input partitions announce their
  progress with marks every ``mark_every_posts`` posts and go idle after ``idle_after_s`` without input (checked
  against the broker's end offsets, so a lagging partition never counts as idle).
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field

import faust
import orjson
from faust.types import TP

from . import checkpoint as ckpt
from .contract import PostParser, Reject
from .detection import Detection, clean, future_reject, reject_of, shard_key
from .embedded import make_tokenizer
from .kafka_settings import KafkaSettings
from .ordering import FutureGuard
from .pseudonym import Pseudonymizer

log = logging.getLogger("groundswell.worker")

SCHEMA = 1
REJECT_SCHEMA = 2                 # post-rejects: v2 carries an author-free "excerpt" instead of v1's raw line
CHECKPOINT_FORMAT = f"gsck/{ckpt.VERSION}"   # streams/checkpoint.py; never pickle (v1 checkpoints were pickles)
CHUNK_BYTES = 512 * 1024          # snapshot pieces stay well under Kafka's default 1 MB message limit
BATCH_BYTES = 512 * 1024          # clean-post batches too (a full batch of long Chinese posts would pass 1 MB)
ASSIGNMENTS_PER_MESSAGE = 5000    # ~250 KB: an end-of-input re-report can cover every remembered post
ALERT_HEADERS = {"groundswell-schema": b"alert/1"}


def shard_topic_name(s: KafkaSettings) -> str:
    return f"{s.topic_prefix}{s.app_id}-{s.topics.clean.name}-by-shard"


@dataclass
class _Partition:
    """What one worker holds for one partition of the repartitioned stream."""
    detection: Detection
    offset: int = -1                       # last offset of the repartitioned topic applied to ``detection``
    generation: int = 0
    last_snapshot: float = field(default_factory=time.monotonic)
    pending: list = field(default_factory=list)   # events applied but not covered by a checkpoint yet


def make_app(settings: KafkaSettings, config, *, pseudonymizer: Pseudonymizer | None = None,
             metrics=None, datadir: str | None = None, alerting: str | None = None,
             alerts_dir: str | None = None) -> faust.App:
    """The Faust app. ``alerting``: an alerting config YAML; alerts are then routed and delivered by the worker
    that owns the (single) issue-alerts partition, with its outbox in a Faust table. ``alerts_dir``: the
    folder of the delivered log and file receivers (default: under the worker's private ``datadir``); share it
    with ``groundswell feedback serve --outbox`` so feedback knows when and where an issue was delivered."""
    s, w = settings, settings.worker
    datadir = datadir or os.path.join(tempfile.gettempdir(), f"groundswell-{s.app_id}-{os.getpid()}")
    app = faust.App(
        s.app_id,
        broker=[f"kafka://{h.strip()}" for h in s.bootstrap.split(",")],
        store="memory://",                 # tables live in their changelog topics; a restart replays them
        datadir=datadir,
        topic_partitions=s.shard_partitions,
        topic_replication_factor=1,
        table_standby_replicas=0,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=w.session_timeout_s,
        broker_heartbeat_interval=w.heartbeat_s,
        broker_rebalance_timeout=max(2 * w.session_timeout_s, 10.0),
        broker_commit_interval=w.commit_interval_s,
        broker_request_timeout=max(40.0, w.session_timeout_s + 5),
        stream_wait_empty=False,           # events wait for a checkpoint to be acked: never block a rebalance on it
        stream_recovery_delay=0.0,
        producer_linger=0.005,
        producer_max_batch_size=512 * 1024,   # one batch per partition in flight: small batches stall the agents
        web_enabled=w.web_port > 0,
        web_bind=w.web_bind,
        web_host=w.web_bind,
        web_port=w.web_port or 6066,
    )
    pseudonymizer = pseudonymizer or Pseudonymizer.from_env()
    parser = PostParser(pseudonymizer=pseudonymizer, max_text_chars=config.input.max_text_chars,
                        max_line_bytes=config.input.max_line_bytes, min_year=config.input.min_year,
                        max_year=config.input.max_year)
    tokenize = make_tokenizer(config)
    max_tokens = config.text.max_tokens
    n_sources = s.topics.posts.partitions
    by = config.sharding.by

    posts_topic = app.topic(s.topic("posts"), key_serializer="raw", value_serializer="raw",
                            partitions=s.topics.posts.partitions)
    clean_topic = app.topic(s.topic("clean"), key_serializer="raw", value_serializer="json",
                            partitions=s.topics.clean.partitions)
    rejects_topic = app.topic(s.topic("rejects"), key_serializer="raw", value_serializer="json")
    alerts_topic = app.topic(s.topic("alerts"), key_serializer="raw", value_serializer="json")
    assignments_topic = app.topic(s.topic("assignments"), key_serializer="raw", value_serializer="json")
    shard_topic = app.topic(shard_topic_name(s), key_serializer="raw", value_serializer="json",
                            partitions=s.shard_partitions, internal=True)
    snapshots = app.Table("detector_snapshots", partitions=s.shard_partitions, key_type=str, value_type=bytes,
                          help="detector checkpoints: <partition> -> manifest, <partition>/<gen>/<i> -> pieces")
    snapshots.value_serializer = "raw"    # checkpoint pieces are bytes of streams/checkpoint.py (Table has no
                                          # serializer argument; its changelog topic derives from this attribute)

    shard_partition_of: dict[str, int] = {}

    def shard_partition(shard: str) -> int:
        """The partition of the repartitioned topic a shard key goes to: Faust's default partitioner (aiokafka's
        murmur2), computed here so that no metadata is needed."""
        q = shard_partition_of.get(shard)
        if q is None:
            from aiokafka.partitioner import DefaultPartitioner
            every = list(range(s.shard_partitions))
            q = shard_partition_of[shard] = DefaultPartitioner()(shard.encode(), every, every)
        return q

    # ---------------------------------------------------------------- clean_posts: stateless, per input partition
    seen_at: dict[int, float] = {}        # input partition -> monotonic time of its last post here
    last_offset: dict[int, int] = {}      # input partition -> last offset cleaned here
    newest: dict[int, float] = {}         # input partition -> newest event time cleaned here
    idle_sent: dict[int, float] = {}
    cleaned: dict[int, int] = {}
    lag_checked = [0.0]
    # event time: a post dated more than max_future_s ahead of the wall clock, or (a replay of the past: the clock
    # cannot tell) of its input partition's recent median, is rejected as future here, before it can move any
    # partition's progress (marks) or a detector's event time
    max_future_s = config.event_time.max_future_s
    guard = FutureGuard(max_future_s, hold=False)

    def future(c: dict) -> Reject | None:
        t, now = c["t"], time.time()
        ahead = guard.ahead(c["_src"], t)
        if t > now + max_future_s:
            return future_reject(c, max_future_s, "the wall clock")
        if ahead and t < now - max_future_s:
            return future_reject(c, max_future_s, "its input partition's recent median")
        return None

    def to_clean(raw: bytes | None) -> dict | Reject:
        """One input line -> its clean post (the stateless half, streams.detection.clean), or its reject."""
        item = parser.parse(raw if raw is not None else b"")
        return item if isinstance(item, Reject) else clean(item, tokenize, max_tokens)

    async def send_reject(r: Reject, where: str, offset: int) -> None:
        await rejects_topic.send(value={"v": REJECT_SCHEMA, **r.to_json(source=where, offset=offset)})
        if metrics:
            metrics.posts.labels("rejected").inc()
            metrics.rejected.labels(r.reason).inc()

    @app.agent(posts_topic)
    async def clean_posts(stream):
        # Batches: Faust's cost per message (consume, forward, produce) dwarfs cleaning a post, so the internal
        # stream carries up to 500 clean posts of one input partition (for one detector partition) per message.
        async for events in stream.take_events(500, within=0.05):
            groups: dict[tuple[int, int], tuple[str, list]] = {}   # (input, detector partition) -> shard, chunks
            read: dict[int, list[int]] = {}   # input partition -> [first, last] offset read in this batch
            for event in events:
                src, off = event.message.partition, event.message.offset
                if src not in last_offset:
                    log.info("cleaning input partition %d from offset %d", src, off)
                seen_at[src] = time.monotonic()
                idle_sent.pop(src, None)
                last_offset[src] = off
                read.setdefault(src, [off, off])[1] = off
                c = to_clean(event.value)
                if isinstance(c, Reject):
                    await send_reject(c, f"{s.topic('posts')}/{src}", off)
                    continue
                c["_src"] = src
                r = future(c)
                del c["_src"]
                if r is not None:
                    await send_reject(r, f"{s.topic('posts')}/{src}", off)
                    continue
                # a message's size, bounded from above (UTF-8 <= 3 bytes a char; ids, times and keys ~300 bytes)
                size = 3 * (len(c["text"]) + sum(map(len, c["terms"])) + 2 * len(c["terms"])) + 300
                # one message per input partition and *target partition*, posts in offset order: shards that
                # share a partition must not split a batch there (its detector would see time go backwards)
                shard = shard_key(by, c)
                _, chunks = groups.setdefault((src, shard_partition(shard)), (shard, [[[], 0]]))
                if chunks[-1][1] + size > BATCH_BYTES:
                    chunks.append([[], 0])
                chunks[-1][0].append({"off": off, "post": c})
                chunks[-1][1] += size
                if c["t"] > newest.get(src, float("-inf")):
                    newest[src] = c["t"]
            marks: set[int] = set()
            for (src, _), (shard, chunks) in groups.items():
                key = str(src).encode()
                first, last = read[src]
                for i, (items, _) in enumerate(chunks):
                    # "from"/"to": the input offsets this message accounts for (with by=none: every offset of
                    # its partition in that range was used or rejected), so the detector can tell a gap
                    to = last if i == len(chunks) - 1 else items[-1]["off"]
                    await clean_topic.send(key=key, value={"v": SCHEMA, "kind": "posts", "src": src,
                                                           "shard": shard,   # routes it (see route)
                                                           "sources": n_sources, "posts": items,
                                                           "from": first, "to": to})
                    first = to + 1
                    before = cleaned.get(src, 0)
                    cleaned[src] = before + len(items)
                    if cleaned[src] // w.mark_every_posts != before // w.mark_every_posts:
                        marks.add(src)
            # marks go after every post of the batch: a mark claims that its partition sent all posts up to
            # newest[src], which holds only once every shard's group of this batch is out. A batch of rejected
            # lines only sends one too (time may be unknown), so that its offsets count as handled.
            # Sharded, every batch ends with a mark for each of its input partitions: it reaches every detector
            # partition, so each can tell that it had nothing in the batch from that it lost something.
            marks |= set(read) if by != "none" else {src for src in read if not any(g[0] == src for g in groups)}
            for src in marks:
                first, last = read[src]
                # "parts": the detector partitions that got posts of this batch: there the posts messages, not
                # the mark, account for the range (if they were lost, the mark says so)
                await clean_topic.send(key=str(src).encode(), value={
                    "v": SCHEMA, "kind": "mark", "src": src, "off": last, "t": newest.get(src),
                    "sources": n_sources, "from": first, "to": last,
                    "parts": sorted({q for g, q in groups if g == src})})

    @app.timer(1.0)
    async def mark_idle_inputs():
        """An input partition with nothing left to read for ``idle_after_s`` stops holding event time back."""
        now = time.monotonic()
        mine = [tp for tp in app.consumer.assignment() if tp.topic == posts_topic.get_topic_name()]
        if metrics and mine and now - lag_checked[0] >= 5.0:
            lag_checked[0] = now
            ends = await app.consumer.highwaters(*mine)
            metrics.input_lag.set(sum(max(0, e - (last_offset.get(tp.partition, -1) + 1))
                                      for tp, e in ends.items() if e is not None and tp.partition in last_offset))
        quiet = []
        for tp in mine:
            src = tp.partition
            last = seen_at.setdefault(src, now)
            if now - last >= w.idle_after_s and now - idle_sent.get(src, -1e18) >= w.idle_after_s:
                quiet.append(tp)
        if not quiet:
            return
        ends = await app.consumer.highwaters(*quiet)
        for tp in quiet:
            src = tp.partition
            read = last_offset.get(src)
            next_off = read + 1 if read is not None else None
            if next_off is None:      # nothing read here since the assignment: where does the consumer stand?
                try:
                    next_off = await app.consumer.position(tp)
                except Exception:     # e.g. the broker is away: decide next time
                    next_off = None
            end = ends.get(tp)
            if end is None or next_off is None or next_off < end:
                continue     # unread posts remain (lagging, not idle), or we cannot tell yet
            idle_sent[src] = now
            # "to": every offset before the end was sent; a detector that accounted for fewer lost the rest
            await clean_topic.send(key=str(src).encode(), value={
                "v": SCHEMA, "kind": "idle", "src": src, "sources": n_sources, "to": next_off - 1})

    @app.on_partitions_assigned.connect
    async def _assigned(app_, assigned, **kwargs):
        now = time.monotonic()
        for tp in assigned:
            if tp.topic == posts_topic.get_topic_name():
                seen_at[tp.partition] = now
                last_offset.pop(tp.partition, None)

    # ---------------------------------------------------------------- detect_issues: stateful, per shard partition
    parts: dict[int, _Partition] = {}

    async def route(value) -> bytes:
        """Shard key for group_by. Marks and idles concern every detector: they are copied to all partitions
        here, after this input partition's earlier posts were forwarded (same producer, so in order)."""
        kind = value.get("kind") if isinstance(value, dict) else None
        if kind in ("mark", "idle"):
            for p in range(s.shard_partitions):
                await shard_topic.send(key=b"", value=value, partition=p)
            return b"\x00"          # the original also goes somewhere; a repeated mark changes nothing
        if kind == "posts":
            return value["shard"].encode()
        return b"\x00"

    def posts_partition() -> int:
        """With ``sharding.by: none`` every post goes to the partition of shard key ``""``."""
        return shard_partition("")

    async def refill(q: int, det: Detection, src: int, first: int, last: int) -> list:
        """Offer input offsets ``first..last`` of input partition ``src`` that never arrived here, read from the
        input topic itself (Faust can acknowledge a message it did not process when a worker dies or the group
        rebalances at the wrong moment; this makes the detector's input complete whatever happened upstream)."""
        from aiokafka import AIOKafkaConsumer
        from aiokafka.structs import TopicPartition

        tp = TopicPartition(s.topic("posts"), src)
        consumer = AIOKafkaConsumer(bootstrap_servers=s.bootstrap.split(","), group_id=None,
                                    enable_auto_commit=False, auto_offset_reset="earliest",
                                    client_id=f"{s.app_id}-refill")
        out, used, rejected, refused = [], 0, 0, 0
        offered = det.offered
        await consumer.start()
        try:
            consumer.assign([tp])
            consumer.seek(tp, first)
            end = (await consumer.end_offsets([tp]))[tp]
            deadline = time.monotonic() + 120
            while await consumer.position(tp) <= min(last, end - 1) and time.monotonic() < deadline:
                for rec in (await consumer.getmany(tp, timeout_ms=500)).get(tp, ()):
                    if rec.offset > last:
                        break
                    c = to_clean(rec.value)
                    if isinstance(c, Reject):
                        if q == posts_partition():         # said once, not once per detector partition
                            await send_reject(c, f"{s.topic('posts')}/{src}", rec.offset)
                            rejected += 1
                        continue
                    if by != "none" and shard_partition(shard_key(by, c)) != q:
                        continue                          # another detector partition's post
                    r = det.offer(src, c, rec.offset)
                    if r and r[0][0] == "late":        # counted in offered, but refused (duplicate ids are not)
                        refused += 1
                    out += r
                    used += 1
        finally:
            await consumer.stop()
        det.cover(src, last)
        det.refilled += used
        if metrics:
            metrics.posts.labels("accepted").inc(max(0, det.offered - offered - refused))
        log.warning("partition %d: input partition %d offsets %d..%d never arrived; read them from the input "
                    "(%d posts used, %d rejected)", q, src, first, last, used, rejected)
        return out

    def restore(q: int) -> _Partition:
        manifest = snapshots.data.get(f"{q}")
        if manifest is None:
            return _Partition(Detection(config, sources=n_sources))
        m: dict = {}
        try:
            m = orjson.loads(manifest)
            if not isinstance(m, dict) or type(m.get("chunks")) is not int or not 0 < m["chunks"] <= 100_000 \
                    or m.get("gen") not in (0, 1) or type(m.get("offset")) is not int:
                raise ckpt.CheckpointError("unreadable manifest")
            pieces = [snapshots.data.get(f"{q}/{m['gen']}/{i}") for i in range(m["chunks"])]
            if any(not isinstance(p, bytes) for p in pieces):
                raise ckpt.CheckpointError("pieces missing")
            blob = b"".join(pieces)
            if hashlib.blake2b(blob, digest_size=16).hexdigest() != m.get("digest"):
                raise ckpt.CheckpointError("corrupt (digest mismatch)")
            if m.get("format") != CHECKPOINT_FORMAT:
                raise ckpt.CheckpointError(f"format {str(m.get('format'))[:40]!r}, expected {CHECKPOINT_FORMAT}")
            detection = ckpt.decode(blob)
            if type(detection) is not Detection:
                raise ckpt.CheckpointError(f"holds a {type(detection).__name__}, not a Detection")
        except (ckpt.CheckpointError, orjson.JSONDecodeError) as e:
            # never unpickled, never half-loaded, never a crash loop: the detector of this partition starts cold,
            # after the offset the checkpoint claimed to cover (those events were acknowledged)
            offset = m.get("offset") if isinstance(m, dict) and type(m.get("offset")) is int else -1
            log.error("partition %d: detector checkpoint refused (%s); starting this partition's detector cold "
                      "at offset %d", q, e, offset)
            gen = m.get("gen") if isinstance(m, dict) and m.get("gen") in (0, 1) else 0
            return _Partition(Detection(config, sources=n_sources), offset=offset, generation=gen)
        part = _Partition(detection, offset=m["offset"], generation=m["gen"])
        log.info("partition %d: restored detector state at offset %d (%d bytes)", q, m["offset"], len(blob))
        return part

    def write(q: int, key: str, value: bytes) -> None:
        snapshots.data[key] = value
        snapshots.send_changelog(q, key, value)

    async def checkpoint(q: int, part: _Partition, grouped) -> None:
        await app.producer.flush()       # outputs reach Kafka before the inputs behind them are committed
        blob = ckpt.encode(part.detection)
        gen = 1 - part.generation        # write the other generation, then point the manifest at it
        chunks = [blob[i:i + CHUNK_BYTES] for i in range(0, len(blob), CHUNK_BYTES)] or [b""]
        for i, c in enumerate(chunks):
            write(q, f"{q}/{gen}/{i}", c)
        write(q, f"{q}", orjson.dumps({"format": CHECKPOINT_FORMAT, "gen": gen, "chunks": len(chunks),
                                       "offset": part.offset,
                                       "digest": hashlib.blake2b(blob, digest_size=16).hexdigest(),
                                       "at": time.time()}))
        part.generation = gen
        part.last_snapshot = time.monotonic()
        d = part.detection
        log.info("partition %d: checkpoint at offset %d (%d bytes, %d events acked; %d posts held, %d offered, "
                 "%d replays skipped, %d refilled, %d late)", q, part.offset, len(blob), len(part.pending),
                 d.held, d.offered, d.duplicates, d.refilled, d.late)
        for ev in part.pending:
            await grouped.ack(ev)
        part.pending.clear()
        if metrics:
            metrics.snapshot_bytes.set(len(blob))

    async def emit(out: list, q: int) -> None:
        assigned = []
        for kind, v in out:
            if kind == "assignment":
                assigned.append(v)
            elif kind == "alert":
                await alerts_topic.send(key=v["issue_id"].encode(), value=v, headers=ALERT_HEADERS)
                if metrics:
                    metrics.alerts.labels(v["status"], v["severity"]).inc()
            else:       # late or duplicate_id
                await send_reject(reject_of(kind, v, parts[q].detection), f"{shard_topic_name(s)}/{q}", -1)
        if assigned and s.assignments:
            # one message per input batch (a message per post halved the worker's throughput), split so that a
            # re-report of every remembered post stays under Kafka's message size limit
            for k in range(0, len(assigned), ASSIGNMENTS_PER_MESSAGE):
                await assignments_topic.send(key=str(q).encode(), value={
                    "v": SCHEMA, "assignments": [{"post_id": p, "issue_id": i}
                                                 for p, i in assigned[k:k + ASSIGNMENTS_PER_MESSAGE]]})

    @app.agent(clean_topic)
    async def detect_issues(stream):
        grouped = stream.group_by(route, name="shard", topic=shard_topic)
        shard_name = shard_topic.get_topic_name()
        async for batch in grouped.noack_take(64, within=0.1):
            assigned = app.consumer.assignment()
            touched = set()
            for ev in batch:
                q, off = ev.message.partition, ev.message.offset
                if TP(shard_name, q) not in assigned:
                    continue            # revoked while buffered: its new owner re-reads it from the checkpoint
                part = parts.get(q)
                if part is None:
                    part = parts[q] = restore(q)
                if off <= part.offset:
                    await grouped.ack(ev)   # already inside the restored checkpoint
                    continue
                part.offset = off
                part.pending.append(ev)
                touched.add(q)
                v = ev.value
                if not isinstance(v, dict) or v.get("v") != SCHEMA:
                    log.warning("partition %d offset %d: unknown message schema, skipped", q, off)
                    continue
                det = part.detection
                if v.get("sources", 0) > det.merger.sources:
                    det.merger.add_sources(v["sources"])
                kind = v.get("kind")
                t0 = time.perf_counter()
                if "to" in v and (by != "none" or q == posts_partition()):
                    # every input offset is accounted for here in order (with by=none: on the partition that gets
                    # the posts; sharded: by each batch's posts for this partition, or its mark): a jump means
                    # messages were lost upstream (a crash between commits): read the missing ones from the input
                    src, gap = v["src"], det.covered(v["src"]) + 1
                    if kind == "idle" or (kind == "mark" and q in v.get("parts", ())):
                        upto = v["to"]                 # posts messages should have covered all of it already
                    else:
                        upto = v["from"] - 1
                    if upto >= gap:
                        await emit(await refill(q, det, src, gap, upto), q)
                refused = 0
                offered = det.offered
                if kind == "posts":
                    src = v["src"]
                    out = []
                    for item in v["posts"]:
                        r = det.offer(src, item["post"], item["off"])
                        if r and r[0][0] == "late":    # counted in offered, but refused (duplicate ids are not)
                            refused += 1
                        out += r
                    if "to" in v:
                        det.cover(src, v["to"])       # rejected lines and other partitions' posts of the range
                elif kind == "mark":                   # t is None: a batch of rejected lines only
                    out = det.mark(v["src"], v["t"], v["off"])
                elif kind == "idle":
                    out = det.idle(v["src"])
                else:
                    out = []
                await emit(out, q)
                if metrics and kind == "posts":
                    n = len(v["posts"])
                    metrics.processing.observe((time.perf_counter() - t0) / max(n, 1))
                    # late and duplicate posts were counted as rejected (send_reject); replays are not new posts
                    metrics.posts.labels("accepted").inc(max(0, det.offered - offered - refused))
            if metrics and touched:
                dets = [d for p in parts.values() for d in p.detection.detectors.values()]
                metrics.issues_active.set(sum(len(d.issues) for d in dets))
                metrics.candidates_active.set(sum(len(d.clusterer) for d in dets))
                newest_t = max((t for d in dets if (t := d.event_time) is not None), default=None)
                if newest_t is not None:
                    metrics.event_time_lag.set(time.time() - newest_t)
            now = time.monotonic()
            for q in touched:
                part = parts[q]
                if now - part.last_snapshot >= w.snapshot_every_s:
                    await checkpoint(q, part, grouped)

    @app.on_partitions_revoked.connect
    async def _revoked(app_, revoked, **kwargs):
        for tp in revoked:
            if tp.topic == shard_topic.get_topic_name():
                parts.pop(tp.partition, None)   # unacked events will be re-read by the next owner

    if alerting:
        _add_delivery(app, s, alerting, alerts_topic, alerts_dir or os.path.join(datadir, "alerts"))

    app.groundswell = {"parts": parts, "clean_posts": clean_posts, "detect_issues": detect_issues,
                       "topics": {"posts": posts_topic, "clean": clean_topic, "rejects": rejects_topic,
                                  "alerts": alerts_topic, "assignments": assignments_topic, "shard": shard_topic}}
    return app


def _add_delivery(app: faust.App, s: KafkaSettings, alerting: str, alerts_topic, outbox_dir: str) -> None:
    """notify_alerts: issue-alerts (a small stream, one partition: the one global view, and it is small) ->
    routing, grouping, inhibition, silences -> outbox table -> webhooks. Runs on wall time (live delivery)."""
    import json

    from groundswell.alerts import Notifier

    from .alert_delivery import TableOutbox, TopicDeadLetters

    outbox_table = app.Table("alert_outbox", partitions=s.topics.alerts.partitions, key_type=str,
                             value_type=bytes, help="pending notifications, recent outcomes, dispatcher state")
    outbox_table.value_serializer = "raw"
    dead_topic = app.topic(s.topic("dead_letters"), key_serializer="raw", value_serializer="json")
    holder: dict = {}

    def owner() -> bool:
        return TP(alerts_topic.get_topic_name(), 0) in app.consumer.assignment()

    def notifier() -> Notifier:
        n = holder.get("n")
        if n is None:
            outbox = TableOutbox(outbox_table)
            n = Notifier(alerting, outbox_dir=outbox_dir, outbox=outbox, dead_letters=TopicDeadLetters(dead_topic))
            state = outbox.load_state()
            if state:
                n.dispatcher.restore(state)
            holder.update(n=n, outbox=outbox, state=json.dumps(state, sort_keys=True) if state else None)
            log.info("alert delivery: %d notifications pending from before", len(outbox))
        return n

    def save() -> None:
        n = holder["n"]
        snap = n.dispatcher.snapshot()
        text = json.dumps(snap, sort_keys=True)
        if text != holder.get("state"):
            holder["outbox"].save_state(snap)
            holder["state"] = text

    @app.agent(alerts_topic)
    async def notify_alerts(stream):
        async for event in stream.events():
            n = notifier()
            try:
                n.submit(event.value, now=time.time())
            except ValueError as e:
                log.warning("issue-alerts offset %d: not an alert record (%s), skipped", event.message.offset, e)
                continue
            n.tick(time.time())
            save()    # before this event is acked: the changelog write is flushed before the offset commit

    @app.timer(1.0)
    async def deliver_alerts():
        if not owner():
            return
        n = notifier()
        n.tick(time.time())
        save()
        if n.outbox.pending():
            await n.drain(5.0)

    @app.on_partitions_revoked.connect
    async def _drop_notifier(app_, revoked, **kwargs):
        if any(tp.topic == alerts_topic.get_topic_name() for tp in revoked):
            holder.clear()
