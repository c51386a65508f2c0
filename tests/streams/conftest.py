"""Fixtures shared by the host tests."""
from __future__ import annotations

import pytest

from tests.streams.hosts import EmbeddedHost, stream_lines


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    """The embedded run of the test stream: what every host must reproduce."""
    return EmbeddedHost(tmp_path_factory.mktemp("reference")).run(list(stream_lines()))
