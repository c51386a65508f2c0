"""The runnable examples in the docstrings stay true: every detectors module (text included), config/schema.py, and
every streams module that has examples."""
from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import groundswell.detectors
import groundswell.streams


def _modules(package) -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".") if not m.ispkg)


def _has_examples(name: str) -> bool:
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.origin is not None and ">>>" in Path(spec.origin).read_text(encoding="utf-8")


DETECTORS = _modules(groundswell.detectors)
STREAMS = [name for name in _modules(groundswell.streams) if _has_examples(name)]   # importing only those


def test_the_modules_are_found():
    assert {"groundswell.detectors.pipeline", "groundswell.detectors.near_duplicates"} <= set(DETECTORS)


@pytest.mark.parametrize("name", DETECTORS + ["groundswell.config.schema"] + STREAMS)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if _has_examples(name):
        assert result.attempted > 0     # examples doctest cannot see would silently never run
