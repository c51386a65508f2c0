"""Detector checkpoints in a safe, versioned format: the Kafka host's ``detector_snapshots`` table, read back from a
Kafka changelog topic, is never unpickled.

``pickle.loads`` runs whatever the bytes tell it to (any importable callable, with any arguments): whoever can
write to the changelog topic would run code on every worker that restores from it. This format can only describe
data, and the reader builds only what it allows:

* plain values: ``None``, booleans, integers, floats (``inf``/``nan`` tagged), strings, bytes;
* containers: list, tuple, dict (any keys), set, frozenset, ``deque`` (with its ``maxlen``), ``Counter``,
  ``OrderedDict``; shared and cyclic references are kept (a reference is a number, resolved by the reader);
* objects of Groundswell's own state classes (modules ``groundswell.detectors.*``, ``groundswell.streams.detection``,
  ``groundswell.streams.ordering``, ``groundswell.config.schema``): created with ``object.__new__`` (no
  ``__init__``, no ``__setstate__``), their attributes written into the instance ``__dict__`` or through the
  class's slot descriptors only (no property setter, no ``__setattr__`` runs);
* a bound method of such an object, if the name is a plain function of its class (the detector keeps callbacks);
  a module-level function of ``groundswell.detectors.*``; a ``datasketch.HyperLogLog`` (its registers and size:
  the hash function is always the default one).

Nothing else can be named: no other module is imported, no other callable is looked up, and no constructor is
called but the containers' own. A blob that names anything else, or is malformed, raises
:class:`CheckpointError`. Writing refuses state it cannot describe (a new kind of object in the detector fails the
first checkpoint loudly rather than restoring wrongly).

Layout: ``MAGIC`` (``GSCK``), one version byte (:data:`VERSION`), then a zlib-compressed JSON document (orjson):
every value is either a plain JSON value or a list whose first item is a tag (see ``_encode``).

>>> from collections import deque
>>> state = {"a": [1, 2.5, float("inf")], "b": deque([1, 2], maxlen=3), (1, "x"): {"s"}}
>>> decode(encode(state)) == state
True
>>> import pickle
>>> decode(pickle.dumps(state))
Traceback (most recent call last):
...
groundswell.streams.checkpoint.CheckpointError: not a Groundswell checkpoint (no GSCK header): refused
"""
from __future__ import annotations

import base64
import collections
import importlib
import inspect
import sys
import types
import zlib
from typing import Any

import orjson

MAGIC = b"GSCK"
VERSION = 1
MAX_DECOMPRESSED = 1 << 31          # 2 GiB: a checkpoint is tens of MB; more is a decompression bomb
_INT_LIMIT = 1 << 63

ALLOWED_MODULES = ("groundswell.streams.detection", "groundswell.streams.ordering", "groundswell.config.schema")
ALLOWED_PREFIXES = ("groundswell.detectors.",)
_CONTAINER_BASES = (dict, list, set, frozenset, tuple, str, bytes, bytearray, int, float, collections.deque)
_CUSTOM_PICKLING = ("__reduce__", "__reduce_ex__", "__getstate__", "__setstate__", "__getnewargs__",
                    "__getnewargs_ex__")

__all__ = ["CheckpointError", "encode", "decode", "MAGIC", "VERSION"]


class CheckpointError(ValueError):
    """A checkpoint that cannot be written in, or read from, this format."""


def _module_allowed(name: str) -> bool:
    return name in ALLOWED_MODULES or name.startswith(ALLOWED_PREFIXES)


def _check_class(cls: type) -> None:
    """The rules for a state class, the same when writing and reading."""
    if not _module_allowed(getattr(cls, "__module__", "")):
        raise CheckpointError(f"class {cls.__module__}.{cls.__qualname__} is not a Groundswell state class")
    if issubclass(cls, _CONTAINER_BASES):
        raise CheckpointError(f"class {cls.__qualname__} subclasses a built-in container: not supported")
    for c in cls.__mro__:
        if c.__module__.startswith("groundswell.") and any(m in c.__dict__ for m in _CUSTOM_PICKLING):
            raise CheckpointError(f"class {c.__qualname__} customises pickling: not supported")


def _slots(cls: type) -> dict[str, Any]:
    """Slot name -> its member descriptor, over the MRO (``__dict__``/``__weakref__`` are not state)."""
    out: dict[str, Any] = {}
    for c in reversed(cls.__mro__):
        names = c.__dict__.get("__slots__", ())
        if isinstance(names, str):
            names = (names,)
        for name in names:
            if name in ("__dict__", "__weakref__"):
                continue
            # a private slot (__x) is stored under its mangled name
            key = f"_{c.__name__.lstrip('_')}{name}" if name.startswith("__") and not name.endswith("__") else name
            desc = c.__dict__.get(key)
            if isinstance(desc, types.MemberDescriptorType):
                out[key] = desc
    return out


_SLOTS_CACHE: dict[type, dict[str, Any]] = {}


def _slots_of(cls: type) -> dict[str, Any]:
    s = _SLOTS_CACHE.get(cls)
    if s is None:
        s = _SLOTS_CACHE[cls] = _slots(cls)
    return s


def _hll_type():
    mod = sys.modules.get("datasketch.hyperloglog")
    return getattr(mod, "HyperLogLog", None) if mod else None


# --------------------------------------------------------------------------------------------------- writing
def _plain(items) -> list | None:
    """The items as a list when every one is a plain JSON value, else None."""
    out = list(items)
    for v in out:
        t = type(v)
        if not (t is str or (t is float and v - v == 0.0) or (t is int and -_INT_LIMIT < v < _INT_LIMIT)
                or v is None or t is bool):
            return None
    return out


class _Encoder:
    def __init__(self) -> None:
        self.memo: dict[int, int] = {}       # id(obj) -> index (in the order the reader will meet them)
        self.busy: set[int] = set()          # immutable containers being written (a cycle through one: refused)
        self.keep: list[Any] = []            # keeps every memoised object alive while ids are in use

    def enc(self, x: Any) -> Any:
        t = type(x)
        if t is str or x is None or t is bool:
            return x
        if t is int:
            return x if -_INT_LIMIT < x < _INT_LIMIT else ["i", str(x)]
        if t is float:
            return x if x - x == 0.0 else ["f", repr(x)]
        if t is tuple or t is frozenset:       # immutable, of plain values only: written in place, not shared
            plain = _plain(x)
            if plain is not None:
                return ["T" if t is tuple else "Z", plain]
        memo = self.memo
        i = memo.get(id(x))
        if i is not None:
            if id(x) in self.busy:
                raise CheckpointError(f"a {t.__name__} contains itself: not supported")
            return ["r", i]
        memo[id(x)] = len(memo)
        self.keep.append(x)
        if t is list:
            return ["l", self._seq(x)]
        if t is dict:
            return ["d", self._pairs(x)]
        if t is tuple:
            return ["t", self._frozen(x)]
        if t is set:
            return ["s", self._seq(x)]
        if t is frozenset:
            return ["z", self._frozen(x)]
        if t is collections.deque:
            return ["q", x.maxlen, self._seq(x)]
        if t is collections.Counter:
            return ["C", self._pairs(x)]
        if t is collections.OrderedDict:
            return ["O", self._pairs(x)]
        if t is bytes:
            return ["b", base64.b64encode(x).decode("ascii")]
        if t is bytearray:
            return ["B", base64.b64encode(x).decode("ascii")]
        if t is types.MethodType:
            name = x.__func__.__name__
            if getattr(type(x.__self__), name, None) is None:
                raise CheckpointError(f"bound method {x!r} is not an attribute of its class")
            return ["m", self.enc(x.__self__), name]
        if t is types.FunctionType:
            if not x.__module__.startswith(ALLOWED_PREFIXES) or "<" in x.__qualname__ or "." in x.__qualname__:
                raise CheckpointError(f"function {x.__module__}.{x.__qualname__} cannot be checkpointed")
            return ["F", f"{x.__module__}:{x.__qualname__}"]
        if t is _hll_type():
            return self._hll(x)
        return self._object(x)

    def _seq(self, items) -> list:
        # plain values are written as they are, without a call each (most of a detector's state is plain)
        enc = self.enc
        out = []
        add = out.append
        for v in items:
            t = type(v)
            if t is str or (t is float and v - v == 0.0) or (t is int and -_INT_LIMIT < v < _INT_LIMIT) \
                    or v is None or t is bool:
                add(v)
            else:
                add(enc(v))
        return out

    def _pairs(self, d: dict) -> list:
        enc = self.enc
        out = []
        add = out.append
        for k, v in d.items():
            add(k if type(k) is str else enc(k))
            t = type(v)
            if t is str or (t is float and v - v == 0.0) or (t is int and -_INT_LIMIT < v < _INT_LIMIT) \
                    or v is None or t is bool:
                add(v)
            else:
                add(enc(v))
        return out

    def _frozen(self, obj: Any) -> list:
        busy = self.busy
        busy.add(id(obj))
        try:
            return self._seq(obj)
        finally:
            busy.discard(id(obj))

    def _hll(self, h) -> list:
        from datasketch.hashfunc import sha1_hash32
        if h.hashfunc is not sha1_hash32:
            raise CheckpointError("a HyperLogLog with another hash function than sha1_hash32")
        return ["h", int(h.p), base64.b64encode(h.reg.tobytes()).decode("ascii")]

    def _object(self, obj: Any) -> list:
        cls = type(obj)
        _check_class(cls)
        state: dict[str, Any] = {}
        d = getattr(obj, "__dict__", None)
        if d is not None:
            for k, v in d.items():
                if type(k) is not str:
                    raise CheckpointError(f"{cls.__qualname__}: attribute name {k!r} is not a string")
                state[k] = v
        for name, desc in _slots_of(cls).items():
            try:
                state[name] = desc.__get__(obj, cls)
            except AttributeError:    # an unset slot
                continue
        return ["o", f"{cls.__module__}:{cls.__qualname__}", {k: self.enc(v) for k, v in state.items()}]


def encode(state: Any, *, level: int = 1) -> bytes:
    """``state`` (a :class:`~groundswell.streams.detection.Detection`, or any value of the kinds above) as bytes."""
    enc = _Encoder()
    try:
        tree = enc.enc(state)
        body = orjson.dumps(tree)
    except RecursionError:
        raise CheckpointError("state nested too deeply to checkpoint") from None
    except orjson.JSONEncodeError as e:
        raise CheckpointError(f"state cannot be written as JSON: {e}") from None
    return MAGIC + bytes([VERSION]) + zlib.compress(body, level)


# --------------------------------------------------------------------------------------------------- reading
class _Decoder:
    def __init__(self) -> None:
        self.objs: list[Any] = []
        self.classes: dict[str, type] = {}

    def reserve(self, value: Any = None) -> int:
        self.objs.append(value)
        return len(self.objs) - 1

    def dec(self, x: Any) -> Any:
        t = type(x)
        if t is not list:
            if x is None or t in (bool, int, float, str):
                return x
            raise CheckpointError(f"unexpected JSON value of type {t.__name__}")
        if not x or type(x[0]) is not str:
            raise CheckpointError("a list without a tag")
        tag = x[0]
        try:
            handler = _HANDLERS[tag]
        except KeyError:
            raise CheckpointError(f"unknown tag {tag[:20]!r}") from None
        return handler(self, x)

    # -- handlers
    def _ref(self, x):
        _arity(x, 2)
        i = x[1]
        if type(i) is not int or not 0 <= i < len(self.objs):
            raise CheckpointError("a reference to nothing")
        return self.objs[i]

    def _int(self, x):
        _arity(x, 2)
        if type(x[1]) is not str or len(x[1]) > 4000:
            raise CheckpointError("bad big integer")
        return int(x[1])

    def _float(self, x):
        _arity(x, 2)
        if x[1] not in ("inf", "-inf", "nan"):
            raise CheckpointError("bad special float")
        return float(x[1])

    def _list(self, x):
        _arity(x, 2)
        out: list = []
        self.reserve(out)
        out.extend(self.dec(v) for v in _items(x[1]))
        return out

    def _dict(self, x, cls=dict):
        _arity(x, 2)
        out = cls()
        self.reserve(out)
        items = _items(x[1])
        if len(items) % 2:
            raise CheckpointError("a mapping with an odd number of items")
        for i in range(0, len(items), 2):
            k = self.dec(items[i])
            out[k] = self.dec(items[i + 1])
        return out

    def _counter(self, x):
        return self._dict(x, collections.Counter)

    def _ordered(self, x):
        return self._dict(x, collections.OrderedDict)

    def _frozen(self, x, cls):
        _arity(x, 2)
        i = self.reserve()
        value = cls(self.dec(v) for v in _items(x[1]))
        self.objs[i] = value
        return value

    def _tuple(self, x):
        return self._frozen(x, tuple)

    def _plain(self, x, cls):
        _arity(x, 2)
        items = _items(x[1])
        for v in items:
            if type(v) is list or type(v) is dict:
                raise CheckpointError("a plain tuple holds a tagged value")
        return cls(items)

    def _plain_tuple(self, x):
        return self._plain(x, tuple)

    def _plain_frozenset(self, x):
        return self._plain(x, frozenset)

    def _frozenset(self, x):
        return self._frozen(x, frozenset)

    def _set(self, x):
        _arity(x, 2)
        out: set = set()
        self.reserve(out)
        out.update(self.dec(v) for v in _items(x[1]))
        return out

    def _deque(self, x):
        _arity(x, 3)
        maxlen = x[1]
        if maxlen is not None and (type(maxlen) is not int or maxlen < 0):
            raise CheckpointError("bad deque maxlen")
        out: collections.deque = collections.deque(maxlen=maxlen)
        self.reserve(out)
        out.extend(self.dec(v) for v in _items(x[2]))
        return out

    def _bytes(self, x, cls=bytes):
        _arity(x, 2)
        if type(x[1]) is not str:
            raise CheckpointError("bad bytes")
        try:
            value = cls(base64.b64decode(x[1], validate=True))
        except ValueError:
            raise CheckpointError("bad base64") from None
        self.reserve(value)
        return value

    def _bytearray(self, x):
        return self._bytes(x, bytearray)

    def _class(self, path: Any) -> type:
        if type(path) is not str:
            raise CheckpointError("bad class name")
        cls = self.classes.get(path)
        if cls is not None:
            return cls
        cls = _resolve(path)
        if not isinstance(cls, type):
            raise CheckpointError(f"{path[:100]} is not a class")
        _check_class(cls)
        self.classes[path] = cls
        return cls

    def _object(self, x):
        _arity(x, 3)
        cls = self._class(x[1])
        state = x[2]
        if type(state) is not dict:
            raise CheckpointError("bad object state")
        obj = object.__new__(cls)
        self.reserve(obj)
        slots = _slots_of(cls)
        try:
            d = object.__getattribute__(obj, "__dict__")
        except AttributeError:       # a class with __slots__ only
            d = None
        for name, raw in state.items():
            value = self.dec(raw)
            desc = slots.get(name)
            if desc is not None:
                desc.__set__(obj, value)
            elif d is not None and not (name.startswith("__") and name.endswith("__")):
                d[name] = value
            else:
                raise CheckpointError(f"{cls.__qualname__} has no attribute slot {name[:60]!r}")
        return obj

    def _method(self, x):
        _arity(x, 3)
        i = self.reserve()
        owner = self.dec(x[1])
        name = x[2]
        cls = type(owner)
        if type(name) is not str or name.startswith("__") or not _module_allowed(cls.__module__):
            raise CheckpointError("bad bound method")
        func = inspect.getattr_static(cls, name, None)
        if type(func) is not types.FunctionType or not _module_allowed(func.__module__):
            raise CheckpointError(f"{cls.__qualname__}.{name[:60]} is not a plain method")
        value = types.MethodType(func, owner)
        self.objs[i] = value
        return value

    def _function(self, x):
        _arity(x, 2)
        path = x[1]
        if type(path) is not str:
            raise CheckpointError("bad function name")
        module, _, name = path.partition(":")
        if not module.startswith(ALLOWED_PREFIXES):
            raise CheckpointError(f"function {path[:100]} is not allowed")
        i = self.reserve()
        f = _resolve(path)
        if type(f) is not types.FunctionType or f.__module__ != module or f.__qualname__ != name:
            raise CheckpointError(f"{path[:100]} is not a module-level function")
        self.objs[i] = f
        return f

    def _hll(self, x):
        _arity(x, 3)
        p, reg = x[1], x[2]
        if type(p) is not int or not 4 <= p <= 18 or type(reg) is not str:
            raise CheckpointError("bad HyperLogLog")
        import numpy as np
        from datasketch import HyperLogLog
        try:
            raw = base64.b64decode(reg, validate=True)
        except ValueError:
            raise CheckpointError("bad base64") from None
        if len(raw) != 1 << p:
            raise CheckpointError("bad HyperLogLog registers")
        h = HyperLogLog(p=p)
        h.reg[:] = np.frombuffer(raw, dtype=np.int8)
        self.reserve(h)
        return h


def _arity(x: list, n: int) -> None:
    if len(x) != n:
        raise CheckpointError(f"tag {x[0]!r} needs {n - 1} values")


def _items(v: Any) -> list:
    if type(v) is not list:
        raise CheckpointError("expected a list of items")
    return v


def _resolve(path: str) -> Any:
    """``module:name`` of an allowed module (imported if needed: only Groundswell's own modules can be)."""
    module, _, name = path.partition(":")
    if not _module_allowed(module) or not name or len(path) > 300:
        raise CheckpointError(f"{path[:100]} is not allowed in a checkpoint")
    parts = name.split(".")
    if any(not p.isidentifier() or p.startswith("__") for p in parts):
        raise CheckpointError(f"{path[:100]} is not allowed in a checkpoint")
    try:
        obj: Any = importlib.import_module(module)
    except ImportError:
        raise CheckpointError(f"no module {module[:100]}") from None
    for p in parts:
        obj = inspect.getattr_static(obj, p, None)
        if obj is None:
            raise CheckpointError(f"{path[:100]} does not exist")
    return obj


_HANDLERS = {
    "r": _Decoder._ref, "i": _Decoder._int, "f": _Decoder._float, "l": _Decoder._list, "d": _Decoder._dict,
    "t": _Decoder._tuple, "T": _Decoder._plain_tuple, "Z": _Decoder._plain_frozenset, "s": _Decoder._set, "z": _Decoder._frozenset, "q": _Decoder._deque,
    "C": _Decoder._counter, "O": _Decoder._ordered, "b": _Decoder._bytes, "B": _Decoder._bytearray,
    "o": _Decoder._object, "m": _Decoder._method, "F": _Decoder._function, "h": _Decoder._hll,
}


def decode(blob: bytes) -> Any:
    """The state :func:`encode` wrote; :class:`CheckpointError` for anything else (pickles included)."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise CheckpointError("a checkpoint is bytes")
    blob = bytes(blob)
    if not blob.startswith(MAGIC):
        raise CheckpointError("not a Groundswell checkpoint (no GSCK header): refused")
    if len(blob) < 5 or blob[4] != VERSION:
        raise CheckpointError(f"checkpoint format version {blob[4] if len(blob) > 4 else '?'} is not {VERSION}")
    try:
        d = zlib.decompressobj()
        body = d.decompress(blob[5:], MAX_DECOMPRESSED)
        if d.unconsumed_tail:
            raise CheckpointError("checkpoint too large once decompressed")
        tree = orjson.loads(body)
    except (zlib.error, orjson.JSONDecodeError) as e:
        raise CheckpointError(f"corrupt checkpoint: {e}") from None
    try:
        return _Decoder().dec(tree)
    except CheckpointError:
        raise
    except RecursionError:
        raise CheckpointError("checkpoint nested too deeply") from None
    except (TypeError, ValueError, AttributeError, OverflowError) as e:
        raise CheckpointError(f"malformed checkpoint: {type(e).__name__}: {e}") from None
