"""The one YAML loader of every Groundswell config (detector, alerting, Kafka): PyYAML's ``SafeLoader``, stricter.

``SafeLoader`` builds only plain data, but it still accepts what makes a small file expensive or ambiguous:

* **aliases**: ``&a [*b, *b, ...]`` nested a few times is a "billion laughs" bomb: a 479-byte file expands to
  hundreds of millions of nodes once validation walks it. Aliases are allowed while the document, fully
  expanded, stays under :data:`MAX_NODES` nodes; a recursive alias (an anchor used inside itself) is refused;
* **duplicate keys**: ``window_s: 600`` twice in a mapping silently keeps the last; refused here, with both lines;
* **deep nesting**: PyYAML composes recursively, so ``[[[[...]]]]`` a few hundred levels deep raises
  ``RecursionError``; nesting beyond :data:`MAX_DEPTH` levels is refused first;
* **size**: a file over :data:`MAX_BYTES` is refused before it is parsed;
* numbers PyYAML cannot build (an integer of 5,000 digits) come out as a YAML error, not a ``ValueError`` traceback.

:func:`load_yaml` returns the data or raises :class:`UnsafeYAMLError` (a ``ValueError``) whose message says what and
where (line and column); each config loader adds its file name.

>>> load_yaml("a: 1\\nb: [x, y]")
{'a': 1, 'b': ['x', 'y']}
>>> load_yaml("a: 1\\na: 2")
Traceback (most recent call last):
...
groundswell.config.safe_yaml.UnsafeYAMLError: duplicate key 'a' (line 2, column 1; first at line 1)
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_BYTES = 1 << 20       # a config file is a few KB; 1 MiB leaves room for long silence and route lists
MAX_DEPTH = 32            # the deepest shipped config nests 6 levels
MAX_NODES = 100_000       # nodes of the fully expanded document (aliases counted as copies)

__all__ = ["UnsafeYAMLError", "load_yaml", "MAX_BYTES", "MAX_DEPTH", "MAX_NODES"]


class UnsafeYAMLError(ValueError):
    """The text is not YAML, or is YAML this loader refuses (see the module doc)."""


def _where(node_or_mark) -> str:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "unknown position"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with a depth limit, no recursive aliases and no duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._open_anchors: set[str] = set()

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if isinstance(event, AliasEvent):
            if anchor in self._open_anchors:
                raise ComposerError(None, None, f"alias *{anchor} is used inside its own anchor (a recursive "
                                    "alias)", event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        if anchor is not None:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open_anchors.discard(anchor)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        if isinstance(node, MappingNode):
            seen: dict[Any, Node] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue          # "<<: *base" then overriding a merged key is what merge keys are for
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:     # an unhashable key: SafeConstructor reports it below
                    continue
                if first is not None:
                    raise _DuplicateKey(key, key_node, first)
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


class _DuplicateKey(ConstructorError):
    def __init__(self, key: Any, node: Node, first: Node) -> None:
        super().__init__(None, None, "duplicate key", node.start_mark)
        self.key, self.node, self.first = key, node, first

    def __str__(self) -> str:
        return f"duplicate key {self.key!r} ({_where(self.node)}; first at line {self.first.start_mark.line + 1})"



def _expanded_size(root: Node) -> int:
    """Nodes of the document with every alias expanded, stopping as soon as the count passes MAX_NODES.
    An alias is the same node object reached twice, so sizes are memoised per node (a bomb is counted, not
    walked)."""
    sizes: dict[int, int] = {}
    # iterative post-order walk (depth is bounded by MAX_DEPTH, but sizes grow exponentially with aliases)
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        else:
            sizes[id(node)] = 1
            continue
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1
        for c in children:
            total += sizes[id(c)]
            if total > MAX_NODES:
                return total
        sizes[id(node)] = total
    return sizes[id(root)]


def load_yaml(text: str | bytes) -> Any:
    """Parse one YAML document with the limits of the module doc; ``None`` for an empty document."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise UnsafeYAMLError(f"the file is {len(text):,} bytes; a config may have at most {MAX_BYTES:,}")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise UnsafeYAMLError(f"not UTF-8 text (byte {e.start}); save the file as UTF-8") from None
    if len(text) > MAX_BYTES:
        raise UnsafeYAMLError(f"the file is {len(text):,} characters; a config may have at most {MAX_BYTES:,}")
    loader = None
    try:
        loader = _StrictLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node)
        if size > MAX_NODES:
            raise UnsafeYAMLError(f"aliases expand the document to more than {MAX_NODES:,} values; "
                                  "write the values out or use fewer aliases")
        return loader.construct_document(node)
    except UnsafeYAMLError:
        raise
    except _DuplicateKey as e:
        raise UnsafeYAMLError(str(e)) from None
    except yaml.MarkedYAMLError as e:
        where = f" ({_where(e.problem_mark)})" if e.problem_mark is not None else ""
        what = " ".join(x for x in (e.context, e.problem) if x)
        raise UnsafeYAMLError(f"not valid YAML: {what}{where}") from None
    except yaml.YAMLError as e:
        raise UnsafeYAMLError(f"not valid YAML: {str(e)[:300]}") from None
    except (ValueError, OverflowError, RecursionError, MemoryError) as e:   # e.g. int() of 5,000 digits
        raise UnsafeYAMLError(f"not valid YAML: {type(e).__name__}: {str(e)[:200]}") from None
    finally:
        if loader is not None:
            loader.dispose()
