"""format_time (detectors/times.py): RFC 3339 UTC for event times, the one formatter (alerts and streams use it)."""
from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.detectors.times import format_time

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
TIMES = st.floats(0, 4_102_444_800)     # 1970 .. 2100


def test_known_values():
    assert format_time(0) == "1970-01-01T00:00:00Z"
    assert format_time(1_714_521_600) == "2024-05-01T00:00:00Z"
    assert format_time(1_714_521_600.25) == "2024-05-01T00:00:00.250Z"
    assert format_time(1.9996) == "1970-01-01T00:00:01.999Z"   # down to the millisecond, never up


def test_one_format_time():
    """The alerts and the input contract write times with this one function (they once had copies that disagreed
    below a millisecond)."""
    from groundswell.alerts import durations
    from groundswell.streams import contract
    assert durations.format_time is format_time and contract.format_time is format_time


@given(TIMES)
def test_rfc3339_utc_and_round_trips_to_the_millisecond(t):
    s = format_time(t)
    assert RFC3339.match(s), s
    back = dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    assert back <= t + 1e-6 and t - back < 1e-3 + 1e-6      # truncated to milliseconds, never rounded up


@given(TIMES)
def test_whole_seconds_have_no_fraction(t):
    assert "." not in format_time(float(int(t)))


@settings(max_examples=40)
@given(TIMES, TIMES)
def test_order_is_kept_to_the_millisecond(a, b):
    """Alert times compare as instants: parsing them back keeps the order of the event times."""
    pa, pb = (dt.datetime.fromisoformat(format_time(x).replace("Z", "+00:00")) for x in (a, b))
    if a + 1e-3 < b:
        assert pa <= pb
