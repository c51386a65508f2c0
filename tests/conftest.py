"""Shared pytest wiring. Fixture modules live in tests/fixtures/ and are listed here."""
import pytest

# shared assertion helpers: show pytest's diffs when they fail
pytest.register_assert_rewrite("tests.streams.hosts")

pytest_plugins: list[str] = [
    "tests.fixtures.kafka_broker",
    "tests.fixtures.prometheus_server",
]
