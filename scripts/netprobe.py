#!/usr/bin/env python3
"""Tiny stdlib-only network probes used by scripts/kafka.sh and scripts/prometheus.sh.

Kept free of third-party imports so the shell scripts work before (or without) the
project's virtualenv.

    netprobe.py free-port                 print a free TCP port on 127.0.0.1
    netprobe.py port-open HOST:PORT       exit 0 if something accepts connections there
    netprobe.py kafka-metadata HOST:PORT  ApiVersions + Metadata request; exit 0 when the
                                          broker answers with at least one live broker
    netprobe.py http-ok URL               exit 0 if GET URL answers 2xx
    netprobe.py http-post URL             POST an empty body; exit 0 on 2xx
"""
from __future__ import annotations

import socket
import struct
import sys
import urllib.error
import urllib.request

TIMEOUT = 3.0


def _hostport(s: str) -> tuple[str, int]:
    host, _, port = s.rpartition(":")
    return host or "127.0.0.1", int(port)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(addr: str) -> bool:
    try:
        with socket.create_connection(_hostport(addr), timeout=TIMEOUT):
            return True
    except OSError:
        return False


# --- minimal Kafka wire protocol -------------------------------------------------------

def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        buf += chunk
    return bytes(buf)


def _request(sock: socket.socket, api_key: int, api_version: int, corr: int, body: bytes) -> bytes:
    client_id = b"groundswell-probe"
    # request header v1: api_key, api_version, correlation_id, client_id (nullable string)
    header = struct.pack(">hhih", api_key, api_version, corr, len(client_id)) + client_id
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    (size,) = struct.unpack(">i", _recv_exact(sock, 4))
    resp = _recv_exact(sock, size)
    (rcorr,) = struct.unpack(">i", resp[:4])
    if rcorr != corr:
        raise ValueError(f"correlation id mismatch {rcorr} != {corr}")
    return resp[4:]  # response header v0 is just the correlation id


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        vals = struct.unpack(fmt, self.data[self.pos:self.pos + size])
        self.pos += size
        return vals if len(vals) > 1 else vals[0]

    def string(self) -> str | None:
        n = self.take(">h")
        if n < 0:
            return None
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s


def kafka_metadata(addr: str) -> dict:
    """ApiVersions v0, then Metadata (a non-flexible version 4..8) listing no topics."""
    with socket.create_connection(_hostport(addr), timeout=TIMEOUT) as sock:
        sock.settimeout(TIMEOUT)
        r = _Reader(_request(sock, 18, 0, 1, b""))
        err = r.take(">h")
        if err != 0:
            raise RuntimeError(f"ApiVersions error code {err}")
        versions = {}
        for _ in range(r.take(">i")):
            key, lo, hi = r.take(">hhh")
            versions[key] = (lo, hi)
        lo, hi = versions.get(3, (0, -1))
        candidates = [v for v in range(4, 9) if lo <= v <= hi]
        if not candidates:
            raise RuntimeError(f"no Metadata version 4..8 supported (broker offers {lo}..{hi})")
        v = max(candidates)
        body = struct.pack(">ib", 0, 0)  # topics: empty array; allow_auto_topic_creation: false
        if v >= 8:
            body += struct.pack(">bb", 0, 0)
        r = _Reader(_request(sock, 3, v, 2, body))
        r.take(">i")  # throttle_time_ms
        brokers = []
        for _ in range(r.take(">i")):
            node_id = r.take(">i")
            host = r.string()
            port = r.take(">i")
            r.string()  # rack
            brokers.append((node_id, host, port))
        cluster_id = r.string()
        controller_id = r.take(">i")
        return {"metadata_version": v, "brokers": brokers, "cluster_id": cluster_id,
                "controller_id": controller_id}


def http(url: str, method: str = "GET") -> bool:
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return 200 <= resp.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "free-port":
        print(free_port())
        return 0
    if cmd == "port-open":
        return 0 if port_open(args[0]) else 1
    if cmd == "kafka-metadata":
        try:
            md = kafka_metadata(args[0])
        except Exception as exc:  # noqa: BLE001 - a probe reports, it does not crash
            print(f"metadata request failed: {exc}", file=sys.stderr)
            return 1
        print(md)
        return 0 if md["brokers"] else 1
    if cmd == "http-ok":
        return 0 if http(args[0]) else 1
    if cmd == "http-post":
        return 0 if http(args[0], "POST") else 1
    print(f"unknown command {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
