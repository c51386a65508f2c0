"""Raw line sources: ``.jsonl``, ``.jsonl.gz`` and ``-`` (stdin), as bytes.

Lines are not decoded, so invalid UTF-8 reaches the parser and is rejected
there with a reason.  Progress: :func:`total_bytes` gives the on-disk size of
the inputs (compressed size for ``.gz``) and a :class:`ByteCounter` passed to
:func:`iter_lines` tracks how many on-disk bytes have been consumed (for gz,
the position of the underlying compressed file, which advances in read-ahead
chunks, so it is approximate).  Together they drive a progress bar.

A compressed file that breaks (truncated, a bad CRC, trailing garbage, not gzip at all) or a read error does not
stop the run: every line before the break is yielded, then ``on_error(source, line_no, detail)`` is told where and
why, and the next input is read. Without ``on_error`` the error is raised, as before.
"""

from __future__ import annotations

import gzip
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

#: what reading a file can raise once it is open: gzip.BadGzipFile and other I/O errors are OSErrors, a truncated
#: member an EOFError, corrupt deflate data a zlib.error
READ_ERRORS = (OSError, EOFError, zlib.error)

STDIN = "-"


def _is_gz(path: str) -> bool:
    return path.endswith(".gz")


def total_bytes(paths: list[str]) -> int | None:
    """Sum of on-disk sizes, or None when stdin (``-``) is among the inputs."""
    if STDIN in paths:
        return None
    return sum(os.path.getsize(p) for p in paths)


class ByteCounter:
    """On-disk bytes consumed so far across all inputs (``position``)."""

    __slots__ = ("position",)

    def __init__(self) -> None:
        self.position = 0


def _lines(
    f: BinaryIO, max_line_bytes: int
) -> Iterator[tuple[int, bytes]]:
    """(line_no, line) for non-blank lines; an overlong line is cut to
    at least ``max_line_bytes + 1`` bytes (enough for the parser to reject it
    as ``line_too_long``) and the rest is skipped, so memory stays bounded."""
    limit = max_line_bytes + 2  # room for content + "\r" before deciding
    line_no = 0
    readline = f.readline
    while True:
        chunk = readline(limit)
        if not chunk:
            return
        line_no += 1
        if len(chunk) == limit and not chunk.endswith(b"\n"):
            while True:  # drain the rest of the overlong line
                rest = readline(limit)
                if not rest or rest.endswith(b"\n"):
                    break
            yield line_no, chunk.rstrip(b"\r")
            continue
        line = chunk.rstrip(b"\r\n")
        if line and not line.isspace():
            yield line_no, line


def _describe(e: BaseException, compressed: bool) -> str:
    what = "gzip" if compressed else "read"
    if isinstance(e, EOFError):
        return f"{what}: the file ends in the middle of compressed data (truncated)"
    return f"{what}: {type(e).__name__}: {str(e)[:200]}"


def iter_lines(
    paths: list[str],
    *,
    max_line_bytes: int = 262_144,
    counter: ByteCounter | None = None,
    on_error: Callable[[str, int, str], None] | None = None,
) -> Iterator[tuple[str, int, bytes]]:
    """Yield ``(source_name, line_no, raw_line)`` for every non-blank line.

    ``source_name`` is the path as given (``"<stdin>"`` for ``-``); line
    numbers are 1-based and count blank lines.  Trailing ``\\r\\n`` is removed.
    Pass the parser's ``max_line_bytes`` so overlong lines are cut, not buffered.
    """
    done = 0
    for path in paths:
        if path == STDIN:
            for no, line in _lines(sys.stdin.buffer, max_line_bytes):
                yield "<stdin>", no, line
            continue
        with open(path, "rb") as disk:
            f: BinaryIO = gzip.GzipFile(fileobj=disk, mode="rb") if _is_gz(path) else disk  # type: ignore[assignment]
            last = 0
            try:
                lines = _lines(f, max_line_bytes)
                while True:
                    try:
                        no, line = next(lines)
                    except StopIteration:
                        break
                    except READ_ERRORS as e:
                        if on_error is None:
                            raise
                        on_error(path, last + 1, _describe(e, f is not disk) + f" (after line {last}; the rest "
                                                                               "of this input is skipped)")
                        break
                    last = no
                    if counter is not None:
                        counter.position = done + disk.tell()
                    yield path, no, line
            finally:
                if f is not disk:
                    f.close()
            done += os.fstat(disk.fileno()).st_size
            if counter is not None:
                counter.position = done
