"""The hardening tests run the pipeline as an operator would: with a pseudonymisation key of their own."""
import pytest


@pytest.fixture(autouse=True)
def _pseudonym_key(monkeypatch):
    monkeypatch.setenv("GROUNDSWELL_PSEUDONYM_KEY", "hardening0tests0pseudonym0key0x0y0z")
