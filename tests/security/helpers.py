"""Shared by the hardening tests (issue #17): a small stream that alerts, hostile lines, a fake chat-bot vendor,
a raw HTTP client, and running the `groundswell` command in-process. Nothing here reads ../shared."""
from __future__ import annotations

import contextlib
import io
import json
import logging
import random
import socket
import sys
from pathlib import Path

import orjson
from aiohttp import web

T0 = 1_772_409_600                      # 2026-03-02T00:00:00Z


def small_stream(seed: int = 3) -> list[bytes]:
    """3.5 hours of everyday chatter (2 posts a minute) and, from hour 3, a burst of 60 posts about a bridge that
    collapsed: the embedded run alerts within a few seconds of work."""
    rng = random.Random(seed)
    words = ("coffee morning train music game lunch weather weekend movie dinner book garden football class "
             "office phone").split()
    posts = []
    for i in range(7 * 60):
        posts.append({"id": f"b{i:05d}", "text": " ".join(rng.sample(words, 4)) + f" day {rng.randint(1, 9)}",
                      "author": f"user{rng.randint(1, 300)}", "created_at": T0 + 30 * i, "lang": "en"})
    for j in range(60):
        posts.append({"id": f"x{j:04d}", "text": f"riverside bridge collapsed near harbour road, cars in the water {j}",
                      "author": f"witness{j}", "created_at": T0 + 3 * 3600 + 15 * j, "lang": "en"})
    posts.sort(key=lambda d: d["created_at"])
    return [orjson.dumps(p) for p in posts]


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line.rstrip(b"\n") + b"\n" for line in lines))
    return path


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_bytes().split(b"\n") if x.strip()]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """`groundswell ARGV` in this process: (exit code, stdout, stderr); an exception is re-raised (a crash)."""
    from groundswell.streams.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


class CaptureLogs(logging.Handler):
    """Every record of every logger, at DEBUG, formatted as a real handler would (tracebacks included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def __enter__(self) -> "CaptureLogs":
        root = logging.getLogger()
        self._level = root.level
        root.addHandler(self)
        root.setLevel(logging.DEBUG)
        self._quiet = {}
        for name in ("httpx", "httpcore"):      # whatever the code sets, record what these libraries say
            lg = logging.getLogger(name)
            self._quiet[name] = lg.level
            lg.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._level)
        for name, level in self._quiet.items():
            logging.getLogger(name).setLevel(level)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@contextlib.contextmanager
def restore_log_record_factory():
    """`groundswell` installs a process-wide log record factory: put the previous one back after a test."""
    factory = logging.getLogRecordFactory()
    try:
        yield
    finally:
        logging.setLogRecordFactory(factory)


class FakeVendors:
    """One local endpoint answering like DingTalk, WeCom and Feishu ({"errcode": 0, "code": 0}) and Slack ("ok"),
    recording each request's path and query. Its own access log is off."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.Response:
            await request.read()
            self.requests.append((request.path, request.query_string))
            if request.path.startswith("/services/"):
                return web.Response(text="ok")
            return web.json_response({"errcode": 0, "errmsg": "ok", "code": 0})

        app = web.Application()
        app.router.add_post("/{tail:.*}", handle)
        return app


# secrets of chat bots that live in their URLs (and signing secrets): none may reach a log line
CHAT_SECRETS = {
    "DING_TOKEN": "dingtalk0access0token0f3a9c1d2e",
    "DING_SECRET": "SECdingtalk0signing0secret0b7e2",
    "WECOM_KEY": "wecom0key0693b7a2c1d0e9f8a7b6c5d4",
    "FEISHU_HOOK": "feishu0hook0token0aa11bb22cc33dd44",
    "FEISHU_SECRET": "feishu0signing0secret0e5f6a7b8",
    "SLACK_PATH": "T0SLACKTEAM/B0SLACKBOT/slack0webhook0path0secret",
    "HOOK_SECRET": "webhook0hmac0secret0c0ffee0d00d0f00d",
}


def chat_env(port: int) -> dict[str, str]:
    s = CHAT_SECRETS
    base = f"http://127.0.0.1:{port}"
    return {
        "GS_DING_URL": f"{base}/robot/send?access_token={s['DING_TOKEN']}", "GS_DING_SECRET": s["DING_SECRET"],
        "GS_WECOM_URL": f"{base}/cgi-bin/webhook/send?key={s['WECOM_KEY']}",
        "GS_FEISHU_URL": f"{base}/open-apis/bot/v2/hook/{s['FEISHU_HOOK']}", "GS_FEISHU_SECRET": s["FEISHU_SECRET"],
        "GS_SLACK_URL": f"{base}/services/{s['SLACK_PATH']}",
        "GS_HOOK_URL": f"{base}/hook/{s['HOOK_SECRET'][:8]}", "GS_HOOK_SECRET": s["HOOK_SECRET"],
    }


CHAT_ALERTING = """\
route: {receiver: ding, group_by: [issue_id], group_wait: 0s, group_interval: 1m, repeat_interval: 4h,
        routes: [{receiver: ding, continue: true}, {receiver: wecom, continue: true},
                 {receiver: feishu, continue: true}, {receiver: slack, continue: true}, {receiver: hook}]}
delivery: {timeout_s: 5, max_attempts: 3, backoff_initial_s: 0.01, backoff_max_s: 0.05, rate_limit_per_min: 60000}
receivers:
  - {name: ding, type: dingtalk, url_env: GS_DING_URL, secret_env: GS_DING_SECRET}
  - {name: wecom, type: wecom, url_env: GS_WECOM_URL}
  - {name: feishu, type: feishu, url_env: GS_FEISHU_URL, secret_env: GS_FEISHU_SECRET}
  - {name: slack, type: slack, url_env: GS_SLACK_URL}
  - {name: hook, type: webhook, url_env: GS_HOOK_URL, secret_env: GS_HOOK_SECRET}
"""


def leaked(text: str) -> list[str]:
    """The configured secrets found in ``text``, and live signatures / tokens of chat-bot URLs."""
    import re
    found = [name for name, value in CHAT_SECRETS.items() if value in text]
    found += [m.group(0) for m in re.finditer(r"(?:access_token|key|sign|timestamp)=(?!\[redacted\])[^&\s\"']+",
                                              text)]
    found += [m.group(0) for m in re.finditer(r"/(?:robot/send|open-apis/bot/v2/hook|services|cgi-bin/webhook)"
                                              r"[^\s\"']*", text)]
    return found


def raw_http(port: int, request: bytes, timeout: float = 10.0) -> int:
    """Send raw bytes as an HTTP request; the status code of the answer (0: the connection was closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    if not data.startswith(b"HTTP/1."):
        return 0
    return int(data.split(b" ", 2)[1])


def http_request(method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> bytes:
    head = [f"{method} {path} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close",
            b"Content-Length: " + str(len(body)).encode()]
    head += [k + b": " + v for k, v in headers]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PY = sys.executable
