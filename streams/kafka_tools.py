"""`groundswell topics create` and `groundswell replay --to-kafka` (kafka-python: admin and producer)."""
from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass

from .kafka_settings import KafkaSettings


def _kafka():
    with warnings.catch_warnings():   # kafka-python 3.x warns on import
        warnings.simplefilter("ignore")
        import kafka
        import kafka.admin  # noqa: F401
    return kafka


def topic_specs(s: KafkaSettings) -> list[tuple[str, int, dict[str, str]]]:
    """(name, partitions, topic configs) of every topic the app reads or writes."""
    from .faust_app import shard_topic_name
    specs = []
    for which in ("posts", "rejects", "clean", "alerts", "assignments", "dead_letters"):
        t = getattr(s.topics, which)
        specs.append((s.topic(which), t.partitions, {"retention.ms": str(int(t.retention_s * 1000))}))
    specs.append((shard_topic_name(s), s.shard_partitions,
                  {"retention.ms": str(int(s.topics.clean.retention_s * 1000))}))
    return specs


def create_topics(s: KafkaSettings, *, timeout_s: float = 60.0, log=print) -> list[str]:
    """Create the topics of ``s`` that are missing (existing ones are left as they are, with a note if their
    partitions differ); waits until every partition has a leader. Returns the names created."""
    return ensure_topics(s.bootstrap, topic_specs(s), timeout_s=timeout_s, log=log)


def ensure_topics(bootstrap: str, specs: list[tuple[str, int, dict]], *, timeout_s: float = 60.0,
                  log=print) -> list[str]:
    """Create the missing ones of ``(name, partitions, config)`` and wait until every partition has a leader."""
    kafka = _kafka()
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = kafka.admin.KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="groundswell-admin",
                                         request_timeout_ms=int(timeout_s * 1000))
    created = []
    try:
        existing = set(admin.list_topics())
        new = [NewTopic(n, num_partitions=p, replication_factor=1, topic_configs=c or {})
               for n, p, c in specs if n not in existing]
        if new:
            try:
                result = admin.create_topics(new, timeout_ms=int(timeout_s * 1000))
            except TopicAlreadyExistsError:
                result = None
            # kafka-python 3.x returns the CreateTopics response as a dict instead of raising
            for t in (result or {}).get("topics", []) if isinstance(result, dict) else []:
                if t.get("error_code") not in (0, TopicAlreadyExistsError.errno):
                    raise RuntimeError(f"creating topic {t.get('name')} failed: {t}")
            created = [t.name for t in new]
        names = [n for n, _, _ in specs]
        deadline = time.monotonic() + timeout_s
        while True:
            described = {t.get("topic", t.get("name")): t for t in admin.describe_topics(names)}
            ready = all(d.get("error_code", 0) == 0 and d["partitions"]
                        and all(p.get("leader_id", p.get("leader", -1)) >= 0 for p in d["partitions"])
                        for d in described.values())
            if ready:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics not ready after {timeout_s:.0f} s: {sorted(described)}")
            time.sleep(0.2)
        for n, p, _ in specs:
            have = len(described[n]["partitions"])
            state = "created" if n in created else "exists"
            note = f" (has {have}, config says {p})" if have != p else ""
            log(f"{n}: {state}, {have} partitions{note}")
    finally:
        admin.close()
    return created


@dataclass
class ReplaySummary:
    sent: int
    seconds: float

    def line(self) -> str:
        rate = self.sent / self.seconds if self.seconds > 0 else 0.0
        return f"{self.sent} lines sent in {self.seconds:.1f} s ({rate:,.0f}/s)"


def _event_time(parser, raw: bytes) -> float | None:
    """created_at of a line if it has a readable one (pacing only; the workers do the real validation)."""
    import orjson
    try:
        v = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return parser.event_time(v.get("created_at")) if isinstance(v, dict) else None


def replay(paths: list[str], s: KafkaSettings, *, speed: float | None = None, rate: float | None = None,
           progress: bool | None = None, max_line_bytes: int = 262_144, producer=None,
           on_sent=None) -> ReplaySummary:
    """Send the lines of JSON Lines files (or '-') to the posts topic, in file order, keyed by post id.

    ``speed``: pace by event time, ``speed`` x faster than it happened (1 = as it happened; None = no pacing).
    ``rate``: at most this many lines per second. Lines are sent raw: invalid ones are the workers' to reject.
    """
    import orjson

    from .contract import PostParser
    from .sources import ByteCounter, iter_lines, total_bytes
    parser = PostParser(pseudonymizer=lambda a: a)
    kafka = _kafka()
    own = producer is None
    if own:
        producer = kafka.KafkaProducer(bootstrap_servers=s.bootstrap.split(","), acks="all", linger_ms=20,
                                       batch_size=256 * 1024, max_request_size=max(1_048_576, max_line_bytes + 4096),
                                       client_id="groundswell-replay")
    topic = s.topic("posts")
    if progress is None:
        progress = sys.stderr.isatty() and "-" not in paths
    bar = None
    counter = ByteCounter()
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=total_bytes(paths), unit="B", unit_scale=True, desc="replay", file=sys.stderr)
    t0 = time.monotonic()
    first_t = None
    sent = 0
    done = 0
    try:
        def unreadable(src: str, line_no: int, detail: str) -> None:
            print(f"groundswell replay: {src}: {detail}", file=sys.stderr)

        for _, _, raw in iter_lines(paths, max_line_bytes=max_line_bytes * 4, counter=counter, on_error=unreadable):
            if isinstance(raw, str):
                raw = raw.encode("utf-8", "surrogateescape")
            key = None
            try:
                pid = orjson.loads(raw).get("id")
                if isinstance(pid, str) and pid:
                    key = pid.encode()[:256]
            except Exception:
                pass
            if speed:
                t = _event_time(parser, raw)
                if t is not None:
                    if first_t is None:
                        first_t = t
                    wait = (t - first_t) / speed - (time.monotonic() - t0)
                    if wait > 0:
                        time.sleep(wait)
            if rate:
                wait = sent / rate - (time.monotonic() - t0)
                if wait > 0:
                    time.sleep(wait)
            producer.send(topic, key=key, value=raw)
            sent += 1
            if on_sent is not None:
                on_sent(sent, raw)
            if bar is not None and sent % 2048 == 0:
                bar.update(counter.position - done)
                done = counter.position
        producer.flush(timeout=60)
    finally:
        if bar is not None:
            bar.update(counter.position - done)
            bar.close()
        if own:
            producer.close(timeout=10)
    return ReplaySummary(sent, time.monotonic() - t0)
