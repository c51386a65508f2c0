"""Line-delimited JSON output files ('-' is stdout), flushed per line so tailing readers see records at once."""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

import orjson


class JsonlWriter:
    def __init__(self, path: str | Path | None, flush_each: bool = False):
        self.path = str(path) if path is not None else None
        self._flush_each = flush_each
        if self.path is None:
            self._f = None
        elif self.path == "-":
            self._f = sys.stdout.buffer
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._f = gzip.open(self.path, "wb") if self.path.endswith(".gz") else open(self.path, "wb")

    def write(self, record: dict) -> None:
        if self._f is not None:
            self._f.write(orjson.dumps(record) + b"\n")
            if self._flush_each:
                self._f.flush()

    def close(self) -> None:
        if self._f is not None and self.path != "-":
            self._f.close()
        elif self._f is not None:
            self._f.flush()
        self._f = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
