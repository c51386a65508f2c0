"""Durations and timestamps as the alerting config and the issue events write them.

A duration is a number of seconds (``30``, ``0.5``) or an Alertmanager-style string made of
``<number><unit>`` parts, units ``ms s m h d w`` (``"30s"``, ``"5m"``, ``"1h30m"``, ``"250ms"``).

    >>> parse_duration("1h30m"), parse_duration(45), parse_duration("250ms")
    (5400.0, 45.0, 0.25)
    >>> format_duration(5400)
    '1h30m'
    >>> parse_time("2024-05-01T08:00:00Z")
    1714550400.0
    >>> format_time(1714550400.0)
    '2024-05-01T08:00:00Z'
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from groundswell.detectors.times import format_time  # noqa: F401  (re-exported: the one format_time)

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


def parse_duration(value: object) -> float:
    """Seconds in ``value`` (a non-negative number, or a string like ``"5m"``); ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 30, '30s', '5m' or '1h30m', got {value!r}")
    if isinstance(value, (int, float)):
        if value < 0 or value != value:
            raise ValueError(f"a duration must be >= 0, got {value!r}")
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            pos, seconds = 0, 0.0
            for m in _PART.finditer(text):
                if m.start() != pos:
                    break
                seconds += float(m.group(1)) * _UNITS[m.group(2)]
                pos = m.end()
            if pos == 0 or pos != len(text):
                raise ValueError(
                    f"expected a duration such as 30, '30s', '5m' or '1h30m' (units ms s m h d w), got {value!r}"
                ) from None
        if seconds < 0:
            raise ValueError(f"a duration must be >= 0, got {value!r}")
        return seconds
    raise ValueError(f"expected a duration such as 30, '30s', '5m' or '1h30m', got {value!r}")


def format_duration(seconds: float) -> str:
    """The shortest ``1h30m``-style string for ``seconds`` (sub-second values as ``ms``)."""
    if seconds < 1 and seconds > 0:
        return f"{round(seconds * 1000)}ms"
    total = int(round(seconds))
    if total == 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, total = divmod(total, size)
        if n:
            out.append(f"{n}{unit}")
    return "".join(out)


def parse_time(value: object) -> float:
    """Seconds since the epoch for an RFC 3339 string (``Z`` or offset; naive means UTC) or a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"expected an RFC 3339 time such as 2024-05-01T08:00:00Z, got {value!r}") from None
    else:
        raise ValueError(f"expected an RFC 3339 time such as 2024-05-01T08:00:00Z, got {value!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()
