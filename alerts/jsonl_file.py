"""Append-only JSON Lines files shared by the dead letters, the delivered log and the feedback store."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator


def append_jsonl(path: Path, record: dict[str, Any], *, fsync: bool = False) -> None:
    """Append one record as a line (creating the folder); callers hold their own lock."""
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as f:
        f.write(line)
        if fsync:
            f.flush()
            os.fsync(f.fileno())


def iter_jsonl(path: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """The readable records of a file, in order (an absent file has none; torn or bad lines, and lines that are
    not objects, are skipped). Lines end at ``\\n`` only: ``str.splitlines`` would also split at U+2028, U+2029
    and U+0085, which JSON keeps unescaped inside strings, and a record holding one would vanish."""
    p = Path(path)
    if not p.exists():
        return
    with p.open("rb") as f:
        for raw in f:                       # binary files split at b"\n" only
            line = raw.strip()
            if not line:
                continue
            try:
                rec = json.loads(line.decode("utf-8", "replace"))
            except (ValueError, RecursionError):
                continue
            if isinstance(rec, dict):
                yield rec
