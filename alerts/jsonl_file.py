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
    """The readable records of a file, in order (an absent file has none; torn or bad lines are skipped)."""
    p = Path(path)
    if not p.exists():
        return
    for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            yield json.loads(line)
        except ValueError:
            continue
