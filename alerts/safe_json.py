"""JSON from the network (request bodies of the feedback API and the webhook receiver): parsed by orjson, which
refuses invalid UTF-8, lone surrogates, NaN/Infinity and nesting past 1024 levels without recursing in Python,
then held to :data:`MAX_DEPTH` levels. Any problem is a ``ValueError`` (the servers answer 400), never a
``RecursionError`` or a ``UnicodeEncodeError`` later.

>>> loads_bounded(b'{"a": [1, 2]}')
{'a': [1, 2]}
>>> loads_bounded(b"[" * 40 + b"]" * 40)
Traceback (most recent call last):
...
ValueError: JSON nested more than 32 levels deep
"""
from __future__ import annotations

from typing import Any

import orjson

MAX_DEPTH = 32

__all__ = ["loads_bounded", "MAX_DEPTH"]


def loads_bounded(body: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise ValueError(f"not valid JSON: {str(e)[:120]}") from None
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            raise ValueError(f"JSON nested more than {max_depth} levels deep")
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return doc
