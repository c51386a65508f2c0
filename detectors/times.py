"""Event-time formatting (no clock reads: times are passed in)."""
from __future__ import annotations

import datetime as _dt


def format_time(t: float) -> str:
    """RFC 3339 UTC with a Z; milliseconds only when the time has a fraction.

    >>> format_time(0), format_time(1.5)
    ('1970-01-01T00:00:00Z', '1970-01-01T00:00:01.500Z')
    """
    d = _dt.datetime.fromtimestamp(t, _dt.timezone.utc)
    if d.microsecond:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")
