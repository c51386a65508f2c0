"""Does delivery hold detection back? Time a replay with every sink on (against local receivers) and off.

    python benchmarks/delivery_replay.py [POSTS.jsonl] [--alerting config/alerting.yaml] [--repeat 1]

Without POSTS it generates the demo's stream (seed 7, 24 h). "off" runs ``groundswell run POSTS --alerting CFG``
with no receiver URL set (the optional chat bots and webhook are disabled, the file log stays); "on" sets every
receiver's URL (and secret) to a local HTTP server that answers as each vendor does (DingTalk/WeCom
``{"errcode": 0}``, Feishu ``{"code": 0}``, Slack ``ok``, the webhook 200), so the configured rate limits
(DingTalk and WeCom 20 a minute) apply as they would live. Prints the wall time of each run, what the receivers
got, and what the run left queued in its outbox.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = {"dingtalk": b'{"errcode":0,"errmsg":"ok"}', "wecom": b'{"errcode":0,"errmsg":"ok"}',
           "feishu": b'{"code":0,"msg":"success"}', "slack": b"ok", "webhook": b"{}"}


class _Handler(BaseHTTPRequestHandler):
    counts: dict[str, int] = {}

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length") or 0))
        kind = self.path.strip("/").split("/")[0].split("?")[0]
        type(self).counts[kind] = type(self).counts.get(kind, 0) + 1
        body = ANSWERS.get(kind, b"{}")
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _run(posts: Path, alerting: str, env: dict[str, str], out: Path) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "groundswell.streams.cli", "run", str(posts), "--alerts-out", str(out / "alerts.jsonl"),
           "--assignments-out", str(out / "assignments.jsonl"), "--alerting", alerting, "--outbox", str(out / "outbox"),
           "--no-progress"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    return took, [line for line in p.stderr.splitlines() if line.startswith("notifications")][-1:]


def _pending(outbox: Path) -> int:
    open_, closed = set(), set()
    with open(outbox / "outbox.jsonl", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            (open_ if r["op"] == "enq" else closed).add(r.get("id"))
    return len(open_ - closed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("posts", nargs="?")
    ap.add_argument("--alerting", default=str(ROOT / "config" / "alerting.yaml"))
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gs-delivery-"))
    posts = Path(a.posts) if a.posts else None
    if posts is None:
        subprocess.run([sys.executable, "-m", "groundswell.streams.cli", "demo", "--out", str(tmp / "demo"),
                        "--alerting", a.alerting], check=True, capture_output=True)
        posts = tmp / "demo" / "posts.jsonl"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    env_off = {k: v for k, v in os.environ.items() if not k.startswith("GROUNDSWELL_")}
    env_on = dict(env_off,
                  GROUNDSWELL_WEBHOOK_URL=f"{base}/webhook", GROUNDSWELL_WEBHOOK_SECRET="bench-secret",
                  GROUNDSWELL_DINGTALK_URL=f"{base}/dingtalk?access_token=t", GROUNDSWELL_DINGTALK_SECRET="SECbench",
                  GROUNDSWELL_WECOM_URL=f"{base}/wecom?key=k", GROUNDSWELL_FEISHU_URL=f"{base}/feishu",
                  GROUNDSWELL_FEISHU_SECRET="bench", GROUNDSWELL_SLACK_URL=f"{base}/slack")
    for i in range(a.repeat):
        for name, env in (("off", env_off), ("on", env_on)):
            _Handler.counts = {}
            out = tmp / f"{name}{i}"
            took, line = _run(posts, a.alerting, env, out)
            print(f"sinks {name:3}: {took:6.1f} s  received {dict(sorted(_Handler.counts.items()))}  "
                  f"left queued in the outbox {_pending(out / 'outbox')}  {' '.join(line)}")
    server.shutdown()


if __name__ == "__main__":
    main()
