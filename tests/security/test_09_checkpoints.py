"""Finding 9: worker checkpoints were `pickle.loads`-ed from a Kafka topic: whoever can write to the changelog runs
code on every worker. Checkpoints are now in a safe, versioned format (streams/checkpoint.py) that can only describe
data and Groundswell's own state classes; a pickle (or a forged blob naming anything else) is refused and never
run. The worker restoring from a changelog holding a pickle: test_kafka_hardening.py."""
from __future__ import annotations

import copy
import pathlib
import zlib

import orjson
import pytest

from groundswell.config.schema import load_config
from groundswell.streams import checkpoint
from groundswell.streams.embedded import EmbeddedRunner
from groundswell.streams.pseudonym import Pseudonymizer
from tests.security.helpers import small_stream


class _Touch:
    """What an attacker would write: unpickling it calls Path.touch (a stand-in for os.system)."""

    def __init__(self, path: pathlib.Path):
        self.path = path

    def __reduce__(self):
        return pathlib.Path.touch, (self.path,)


def _runner(outputs: list) -> EmbeddedRunner:
    return EmbeddedRunner(load_config(None), pseudonymizer=Pseudonymizer(b"k" * 32),
                          on_alert=lambda a: outputs.append(("alert", a)),
                          on_assignment=lambda p, i: outputs.append(("assignment", p, i)))


def test_a_checkpoint_restores_a_detector_that_goes_on_identically():
    lines = small_stream()
    a_out, b_out = [], []
    a, b = _runner(a_out), _runner(b_out)
    for i, line in enumerate(lines[:300]):
        a.process_line(line, "x", i)
    blob = checkpoint.encode(a.detection)
    assert blob.startswith(checkpoint.MAGIC) and b"\x80\x04" not in blob[:8]      # not a pickle
    b.detection = checkpoint.decode(blob)
    b.guard = copy.deepcopy(a.guard)          # (the embedded host's own holding: not in a Kafka checkpoint)
    a_out.clear()
    for i, line in enumerate(lines[300:]):
        a.process_line(line, "x", i)
        b.process_line(line, "x", i)
    a.finish()
    b.finish()
    assert a_out == b_out and any(k == "alert" for k, *_ in a_out)


def _forged(tree) -> bytes:
    return checkpoint.MAGIC + bytes([checkpoint.VERSION]) + zlib.compress(orjson.dumps(tree))


@pytest.mark.parametrize("name", ["pickle", "class-os", "function-os", "builtin", "dunder-attr", "method-dunder",
                                  "subprocess", "not-a-detector-module", "bomb-ref", "bad-version"])
def test_a_forged_checkpoint_is_refused_and_runs_nothing(tmp_path, name):
    import pickle
    marker = tmp_path / "owned"
    blobs = {
        "pickle": pickle.dumps({"state": _Touch(marker)}),
        "class-os": _forged(["o", "os:PathLike", {}]),
        "function-os": _forged(["F", "os:system"]),
        "builtin": _forged(["F", "builtins:eval"]),
        "dunder-attr": _forged(["o", "groundswell.streams.ordering:EventTimeMerger", {"__class__": 1}]),
        "method-dunder": _forged(["m", ["o", "groundswell.streams.ordering:EventTimeMerger", {}], "__init__"]),
        "subprocess": _forged(["o", "subprocess:Popen", {"args": ["touch", str(marker)]}]),
        "not-a-detector-module": _forged(["F", "groundswell.streams.cli:main"]),
        "bomb-ref": _forged(["l", [["r", 99]]]),
        "bad-version": checkpoint.MAGIC + b"\x09" + zlib.compress(b"[]"),
    }
    with pytest.raises(checkpoint.CheckpointError):
        checkpoint.decode(blobs[name])
    assert not marker.exists()
