"""Shared pytest wiring. Fixture modules live in tests/fixtures/ and are listed here."""
pytest_plugins: list[str] = [
    "tests.fixtures.kafka_broker",
    "tests.fixtures.prometheus_server",
]
