"""The runnable examples in the alerts modules' docstrings stay true."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["durations", "matchers", "model", "config", "routing", "muting", "outbox", "metrics", "verify", "feedback_report", "scoring",
           "sinks.text", "sinks.webhook", "sinks.dingtalk", "sinks.feishu"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(f"groundswell.alerts.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
