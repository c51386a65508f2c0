"""Dead letters: notifications that could not be delivered within the retry budget (or were refused for
good). They are written here, counted (``groundswell_dead_letters_total{receiver}``) and never dropped.

:class:`DeadLetterSink` is the protocol; :class:`FileDeadLetters` appends JSON lines; a Kafka host writes to a
topic instead. Each record has the notification, the receiver, the number of attempts and the last error,
so it can be inspected and re-queued (:func:`read_dead_letters`).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .jsonl_file import append_jsonl, iter_jsonl


@runtime_checkable
class DeadLetterSink(Protocol):
    def write(self, record: dict[str, Any]) -> None:
        """Store ``record`` durably; raise on failure (the notification then stays in the outbox)."""


class FileDeadLetters:
    def __init__(self, path: str | os.PathLike, *, fsync: bool = True):
        self.path = Path(path)
        self.fsync = fsync
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        with self._lock:
            append_jsonl(self.path, record, fsync=self.fsync)


def read_dead_letters(path: str | os.PathLike) -> list[dict[str, Any]]:
    """All readable records of a dead-letter file (an absent file has none)."""
    return list(iter_jsonl(path))
