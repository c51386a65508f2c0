"""Faust proof of concept used by tests/infra/test_faust_smoke.py (run as a worker subprocess).

One agent reads JSON ``{"word": ...}`` from an input topic (keyed by the word), counts words in a
changelog-backed Table, and writes ``{"word": ..., "count": ...}`` to an output topic.

Configured entirely from the environment so a test can point it at its own broker/topics:

    GS_SMOKE_BROKER     bootstrap "host:port"            (required)
    GS_SMOKE_APP_ID     Faust app id = consumer group id   (required, unique per test)
    GS_SMOKE_IN         input topic name                   (required)
    GS_SMOKE_OUT        output topic name                  (required)
    GS_SMOKE_WEB_PORT   web port on 127.0.0.1; "0" or unset disables the web server
    GS_SMOKE_DATADIR    Faust datadir (defaults to a folder under the system temp dir)

Run:  python -m faust -A tests.infra.faust_smoke_app worker -l info   (from the repo root)
"""
from __future__ import annotations

import os
import tempfile

import faust

BROKER = os.environ["GS_SMOKE_BROKER"]
APP_ID = os.environ["GS_SMOKE_APP_ID"]
IN_TOPIC = os.environ["GS_SMOKE_IN"]
OUT_TOPIC = os.environ["GS_SMOKE_OUT"]
WEB_PORT = int(os.environ.get("GS_SMOKE_WEB_PORT", "0") or 0)
DATADIR = os.environ.get("GS_SMOKE_DATADIR") or os.path.join(tempfile.gettempdir(), f"faust-{APP_ID}")

app = faust.App(
    APP_ID,
    broker=f"kafka://{BROKER}",
    store="memory://",            # state lives in the changelog topic only: recovery must replay it
    datadir=DATADIR,
    topic_partitions=2,
    topic_replication_factor=1,
    table_standby_replicas=0,     # single worker: no standby replicas to wait for
    consumer_auto_offset_reset="earliest",
    # short timeouts so a killed worker's group membership expires fast and rebalances are quick
    broker_session_timeout=6.0,
    broker_heartbeat_interval=1.0,
    broker_rebalance_timeout=10.0,
    broker_request_timeout=30.0,
    broker_commit_interval=0.5,
    stream_recovery_delay=0.0,
    producer_linger=0.0,
    # web: never 0.0.0.0 -- web_bind (not web_host) decides the interface
    web_enabled=bool(WEB_PORT),
    web_bind="127.0.0.1",
    web_host="127.0.0.1",
    web_port=WEB_PORT or 6066,
)

words_in = app.topic(IN_TOPIC, key_type=str, value_serializer="json", partitions=2)
counts_out = app.topic(OUT_TOPIC, key_type=str, value_serializer="json", partitions=2)
counts = app.Table("counts", default=int, partitions=2)


@app.agent(words_in)
async def count_words(stream):
    async for event in stream.events():
        word = event.value["word"]
        counts[word] += 1
        await counts_out.send(key=word, value={"word": word, "count": counts[word]})


if __name__ == "__main__":
    app.main()
