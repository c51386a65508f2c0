"""The routing tree: which routes (and so receivers) an alert goes to, and its group key on each.

Alertmanager semantics: the tree is walked depth first; a route matches when all its matchers match; the
first matching child wins unless it has ``continue: true``, in which case its later siblings are tried too;
a route none of whose children matched takes the alert itself. The root matches every alert.

    >>> from groundswell.alerts.config import load_alerting_config_text
    >>> tree = load_alerting_config_text('''
    ... route:
    ...   receiver: all
    ...   routes: [{name: red, matchers: ['severity="red"'], receiver: duty}]
    ... receivers: [{name: all, type: file, path: a.jsonl}, {name: duty, type: file, path: d.jsonl}]
    ... ''').route_tree()
    >>> [r.id for r in match_routes(tree, {"severity": "red", "issue_id": "c1"})]
    ['red']
    >>> group_key(tree, {"severity": "yellow", "issue_id": "c1"})
    'root:{issue_id="c1"}'
"""
from __future__ import annotations

from .config import RouteNode
from .matchers import matches_all


def match_routes(node: RouteNode, labels: dict[str, str]) -> list[RouteNode]:
    """The routes that take an alert with ``labels`` (at least the root's fallback when called on the root)."""
    if not matches_all(node.matchers, labels):
        return []
    found: list[RouteNode] = []
    for child in node.routes:
        hit = match_routes(child, labels)
        if hit:
            found.extend(hit)
            if not child.continue_:
                break
    return found or [node]


def group_labels(route: RouteNode, labels: dict[str, str]) -> dict[str, str]:
    """The labels an alert is grouped by on ``route`` (``...`` means all labels)."""
    if route.group_by == ("...",):
        return dict(sorted(labels.items()))
    return {name: labels.get(name, "") for name in sorted(route.group_by)}


def group_key(route: RouteNode, labels: dict[str, str]) -> str:
    """``<route id>:{name="value",...}`` — stable across processes and replays."""
    inner = ",".join(f'{k}="{v}"' for k, v in group_labels(route, labels).items())
    return f"{route.id}:{{{inner}}}"


def all_routes(node: RouteNode) -> list[RouteNode]:
    out = [node]
    for c in node.routes:
        out.extend(all_routes(c))
    return out
