"""Label matchers, written as in Alertmanager: ``name="value"``, ``name!="value"``, ``name=~"regex"``,
``name!~"regex"``. Regexes are anchored (they must match the whole value). A label that is absent has the
value ``""``, so ``region!=""`` means "has a region".

A matcher list may also be a mapping ``{name: value}`` meaning equality on each pair.

    >>> m = Matcher.parse('severity=~"orange|red"')
    >>> m.matches({"severity": "red"}), m.matches({"severity": "reddish"})
    (True, False)
    >>> matches_all(parse_matchers({"region": "bj"}), {"region": "bj", "severity": "red"})
    True
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$')


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str          # = != =~ !~
    value: str
    _regex: re.Pattern | None = field(default=None, compare=False, repr=False)

    @classmethod
    def parse(cls, text: str) -> "Matcher":
        """Parse ``name op "value"`` (the quotes are optional for simple values)."""
        if not isinstance(text, str):
            raise ValueError(f'a matcher is a string like severity="red", got {text!r}')
        m = _MATCHER.match(text)
        if not m:
            raise ValueError(
                f'cannot parse matcher {text!r}: expected name="value", name!="value", name=~"regex" or name!~"regex"'
            )
        name, op, raw = m.groups()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            value = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        elif '"' in raw:
            raise ValueError(f"cannot parse matcher {text!r}: unbalanced quotes in the value")
        else:
            value = raw
        return cls.make(name, op, value)

    @classmethod
    def make(cls, name: str, op: str, value: str) -> "Matcher":
        if not LABEL_NAME.match(name):
            raise ValueError(f"invalid label name {name!r}: use letters, digits and _ (not starting with a digit)")
        if op not in ("=", "!=", "=~", "!~"):
            raise ValueError(f"invalid matcher operator {op!r}: use =, !=, =~ or !~")
        regex = None
        if op in ("=~", "!~"):
            try:
                regex = re.compile(value)
            except re.error as e:
                raise ValueError(f"invalid regex {value!r} in matcher on {name!r}: {e}") from None
        return cls(name, op, str(value), regex)

    def matches(self, labels: dict[str, str]) -> bool:
        v = labels.get(self.name, "")
        if self.op == "=":
            return v == self.value
        if self.op == "!=":
            return v != self.value
        hit = self._regex.fullmatch(v) is not None
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


def parse_matchers(spec: object) -> tuple[Matcher, ...]:
    """A tuple of matchers from a list of matcher strings or a ``{name: value}`` mapping."""
    if spec is None:
        return ()
    if isinstance(spec, dict):
        return tuple(Matcher.make(str(k), "=", str(v)) for k, v in spec.items())
    if isinstance(spec, str):
        return (Matcher.parse(spec),)
    if isinstance(spec, (list, tuple)):
        out = []
        for item in spec:
            out.append(item if isinstance(item, Matcher) else Matcher.parse(item))
        return tuple(out)
    raise ValueError(f'matchers are a list of strings like severity="red" or a mapping, got {spec!r}')


def matches_all(matchers: tuple[Matcher, ...], labels: dict[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)
