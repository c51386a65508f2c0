"""The alerting config (``config/alerting.yaml``): pydantic models, loading and validation.

``load_alerting_config(path)`` returns an :class:`AlertingConfig` or raises :class:`AlertingConfigError`, whose
message names the file, the field path (``route.routes[1].receiver``), the bad value and what is allowed.
Environment variables (receiver URLs and secrets) are NOT read here: :meth:`AlertingConfig.resolve_env` does
that when a :class:`~groundswell.alerts.notifier.Notifier` is built, so a config can be checked anywhere.

    >>> cfg = load_alerting_config_text('''
    ... route: {receiver: log}
    ... receivers: [{name: log, type: file, path: notifications.jsonl}]
    ... ''')
    >>> cfg.route.receiver, cfg.route_tree().group_wait_s
    ('log', 30.0)

Durations accept a number of seconds or ``"30s"``/``"5m"``/``"1h30m"`` (see :mod:`.durations`), both for the
Alertmanager-named fields (``group_wait``) and the ``_s`` fields (``timeout_s``).
"""
from __future__ import annotations

import os
import re
import typing
from dataclasses import dataclass, field
from datetime import time as dtime
from pathlib import Path
from typing import Annotated, Any, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from groundswell.config.safe_yaml import UnsafeYAMLError, load_yaml

from .durations import parse_duration, parse_time
from .matchers import LABEL_NAME, Matcher, parse_matchers

YEAR_S = 365 * 86400.0
MAX_EPOCH_S = 253402300799.0     # 9999-12-31T23:59:59Z


def _timestamp(value: Any) -> float:
    try:
        return parse_time(value)
    except (OverflowError, OSError):        # an offset that pushes a date past year 9999
        raise ValueError(f"expected an RFC 3339 time between years 1970 and 9999, got {value!r}") from None


# every duration and time of the file is bounded: `.inf`, 1e20 or a date in year 30000 are refused here (by
# `groundswell check` as by a running notifier), not met later as an overflow
Duration = Annotated[float, BeforeValidator(parse_duration), Field(ge=0, le=YEAR_S)]
Timestamp = Annotated[float, BeforeValidator(_timestamp), Field(ge=0, le=MAX_EPOCH_S)]
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RECEIVER_TYPES = ("webhook", "dingtalk", "wecom", "feishu", "slack", "file")
CHAT_TYPES = ("dingtalk", "wecom", "feishu", "slack")      # people read these: @handles are redacted by default
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Built-in display names for the default severities; custom levels fall back to their name.
DEFAULT_SEVERITY_DISPLAY = {
    "blue": {"en": "Blue", "zh": "蓝色", "emoji": "🔵", "color": "blue"},
    "yellow": {"en": "Yellow", "zh": "黄色", "emoji": "🟡", "color": "yellow"},
    "orange": {"en": "Orange", "zh": "橙色", "emoji": "🟠", "color": "orange"},
    "red": {"en": "Red", "zh": "红色", "emoji": "🔴", "color": "red"},
}
# Per-type default send rates (messages/minute), under each vendor's documented limit.
DEFAULT_RATE_PER_MIN = {"dingtalk": 20, "wecom": 20, "feishu": 100, "slack": 60, "webhook": 600, "file": None}


class AlertingConfigError(ValueError):
    """A bad alerting config. ``problems`` holds ``(field_path, message)`` pairs; ``str()`` lists them all."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{path}: {msg}" if path else msg for path, msg in problems]
        head = f"{source}: invalid alerting config" + (f" ({len(lines)} problems)" if len(lines) > 1 else "")
        super().__init__(head + ":\n  " + "\n  ".join(lines))


class _Model(BaseModel):
    # strict: `max_attempts: "3"` or `send_resolved: 1` are errors, not coerced; numbers are finite; strings bounded
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True, allow_inf_nan=False,
                              str_max_length=4096)


def _contained_path(v: str) -> str:
    """A relative path stays under the outbox folder (no ``..``); an absolute one is the operator's explicit choice."""
    if not v or "\x00" in v:
        raise ValueError("expected a file path")
    p = Path(v)
    if not p.is_absolute() and ".." in p.parts:
        raise ValueError(f"{v!r} leaves the outbox folder ('..'); use a path under it, or an absolute path")
    return v


ContainedPath = Annotated[str, Field(min_length=1, max_length=1024), BeforeValidator(
    lambda v: _contained_path(v) if isinstance(v, str) else v)]


def _check_env_name(v: str | None) -> str | None:
    if v is not None and not ENV_NAME.match(v):
        raise ValueError(f"{v!r} is not an environment variable name (letters, digits, _)")
    return v


EnvName = Annotated[str, BeforeValidator(lambda v: _check_env_name(v) if isinstance(v, str) else v)]


# ----------------------------------------------------------------------------- severities
class SeverityLevel(_Model):
    name: str
    en: str | None = None
    zh: str | None = None
    emoji: str | None = None
    color: str | None = None

    def display(self, language: str) -> str:
        own = getattr(self, language, None)
        return own or DEFAULT_SEVERITY_DISPLAY.get(self.name, {}).get(language) or self.name

    @property
    def icon(self) -> str:
        return self.emoji or DEFAULT_SEVERITY_DISPLAY.get(self.name, {}).get("emoji") or "⚪"

    @property
    def colour(self) -> str:
        return self.color or DEFAULT_SEVERITY_DISPLAY.get(self.name, {}).get("color") or "grey"


def _severity_item(v: Any) -> Any:
    return {"name": v} if isinstance(v, str) else v


class GlobalConfig(_Model):
    dashboard_url: str | None = Field(
        None, description="Link template for one issue; {issue_id} and {alert_id} are filled in (URL-quoted).")
    severities: list[Annotated[SeverityLevel, BeforeValidator(_severity_item)]] = Field(
        default_factory=lambda: [SeverityLevel(name=n) for n in ("blue", "yellow", "orange", "red")],
        description="Severity levels, lowest first. Strings or {name, en, zh, emoji, color}.")
    resolve_timeout: Duration | None = Field(
        None, description="Resolve an alert that saw no event for this long (event time). null: only on 'resolved' events.")
    send_resolved: bool = True
    language: Literal["zh", "en"] = "zh"
    timezone: str = "Asia/Shanghai"

    @field_validator("severities")
    @classmethod
    def _unique(cls, v: list[SeverityLevel]) -> list[SeverityLevel]:
        if not v:
            raise ValueError("at least one severity level is needed")
        names = [s.name for s in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"severity names must be unique, repeated: {', '.join(dup)}")
        for n in names:
            if not n or not re.match(r"^[A-Za-z0-9_-]+$", n):
                raise ValueError(f"severity name {n!r} must be letters, digits, '_' or '-'")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _check_tz(v)

    @field_validator("dashboard_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                v.format(issue_id="x", alert_id="x")
            except (KeyError, IndexError, ValueError) as e:
                raise ValueError(f"only {{issue_id}} and {{alert_id}} may be used as placeholders ({e})") from None
        return v


def _check_tz(v: str) -> str:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {v!r}; use an IANA name such as Asia/Shanghai, Europe/London, UTC") from None
    return v


# ----------------------------------------------------------------------------- delivery
class DeliverySettings(_Model):
    """Per-receiver delivery knobs. At the top level they are the defaults; a receiver may override any."""
    timeout_s: Duration | None = None
    max_attempts: int | None = Field(None, ge=1, le=100)
    backoff_initial_s: Duration | None = None
    backoff_max_s: Duration | None = None
    jitter: Literal["full", "none"] | None = None
    rate_limit_per_min: float | None = Field(None, gt=0, le=1_000_000)
    burst: int | None = Field(None, ge=1, le=100_000)
    max_alerts: int | None = Field(None, ge=1, le=1000)


DELIVERY_DEFAULTS = dict(timeout_s=10.0, max_attempts=8, backoff_initial_s=1.0, backoff_max_s=60.0, jitter="full",
                         rate_limit_per_min=None, burst=None, max_alerts=10)


@dataclass(frozen=True)
class Delivery:
    """Effective delivery settings of one receiver (defaults < top-level ``delivery`` < receiver ``delivery``)."""
    timeout_s: float
    max_attempts: int
    backoff_initial_s: float
    backoff_max_s: float
    jitter: str
    rate_limit_per_min: float | None
    burst: int
    max_alerts: int


class DeadLetterConfig(_Model):
    path: ContainedPath = Field("dead_letter.jsonl", description="JSON lines; relative paths are under the outbox dir.")


class FeedbackConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(9094, ge=0, le=65535)
    token_env: EnvName = "GROUNDSWELL_FEEDBACK_TOKEN"
    path: ContainedPath = Field("feedback.jsonl", description="JSON lines; relative paths are under the outbox dir.")


# ----------------------------------------------------------------------------- quiet hours
_HHMM = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def _minutes(v: Any) -> int:
    if isinstance(v, int) and not isinstance(v, bool):   # YAML 1.1 reads 22:00 unquoted as 1320 (sexagesimal)
        if 0 <= v <= 1440:
            return v
    if isinstance(v, str):
        m = _HHMM.match(v.strip())
        if m:
            minutes = int(m.group(1)) * 60 + int(m.group(2))
            if minutes <= 1440:
                return minutes
    raise ValueError(f"expected a time of day 'HH:MM' between 00:00 and 24:00, got {v!r}")


class QuietRange(_Model):
    start: Annotated[int, BeforeValidator(_minutes)] = Field(description="'HH:MM' local time")
    end: Annotated[int, BeforeValidator(_minutes)] = Field(description="'HH:MM'; before start means it ends the next day")
    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] | None = Field(
        None, description="days on which the range starts; default every day")

    @model_validator(mode="after")
    def _nonempty(self) -> "QuietRange":
        if self.start == self.end:
            raise ValueError("start and end are equal: the range would be empty (use 00:00-24:00 for a whole day)")
        return self


class QuietHours(_Model):
    timezone: str | None = Field(None, description="IANA zone; default the receiver's timezone")
    ranges: list[QuietRange] = Field(min_length=1)
    hold: list[str] | None = Field(None, description="severities held while quiet; default all but the highest")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str | None) -> str | None:
        return None if v is None else _check_tz(v)


# ----------------------------------------------------------------------------- receivers
class _ReceiverBase(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    language: Literal["zh", "en"] | None = None
    timezone: str | None = Field(None, description="for times shown in messages; default global.timezone")
    send_resolved: bool | None = None
    redact_handles: bool | None = Field(None, description="replace @handles in titles and sample posts by '@…' "
                                        "(default: on for chat bots, off for webhook and file receivers)")
    optional: bool = Field(False, description="if its env vars are unset, disable this receiver instead of failing")
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    quiet_hours: QuietHours | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str | None) -> str | None:
        return None if v is None else _check_tz(v)

    def env_names(self) -> list[str]:
        return [v for v in (getattr(self, "url_env", None), getattr(self, "secret_env", None)) if v]

    @property
    def redacts_handles(self) -> bool:
        """Whether @handles in post text are replaced in what this receiver gets (see ``redact_handles``)."""
        return self.redact_handles if self.redact_handles is not None else self.type in CHAT_TYPES


class FileReceiver(_ReceiverBase):
    type: Literal["file"]
    path: ContainedPath = Field(description="JSON lines of webhook bodies; relative paths are under the outbox dir")


class WebhookReceiver(_ReceiverBase):
    type: Literal["webhook"]
    url: str | None = Field(None, pattern=r"^https?://")
    url_env: EnvName | None = None
    secret_env: EnvName = Field(description="env var holding the HMAC-SHA256 shared secret")

    @model_validator(mode="after")
    def _one_url(self) -> "WebhookReceiver":
        if (self.url is None) == (self.url_env is None):
            raise ValueError("set exactly one of 'url' or 'url_env'")
        return self


class _ChatReceiver(_ReceiverBase):
    url_env: EnvName = Field(description="env var holding the bot's webhook URL (it is a credential)")

    @model_validator(mode="before")
    @classmethod
    def _no_inline_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and "url" in data:
            raise ValueError("'url' is not allowed for chat bots: their webhook URL carries the access token; "
                             "put it in an environment variable and name it with 'url_env'")
        return data


class DingTalkReceiver(_ChatReceiver):
    type: Literal["dingtalk"]
    secret_env: EnvName | None = Field(None, description="env var with the robot's signing secret (加签, SEC...)")
    at_all_severities: list[str] = Field(default_factory=list, description="severities that @all in the group")


class WeComReceiver(_ChatReceiver):
    type: Literal["wecom"]


class FeishuReceiver(_ChatReceiver):
    type: Literal["feishu"]
    secret_env: EnvName | None = Field(None, description="env var with the bot's signature secret (签名校验)")


class SlackReceiver(_ChatReceiver):
    type: Literal["slack"]


Receiver = Annotated[
    Union[FileReceiver, WebhookReceiver, DingTalkReceiver, WeComReceiver, FeishuReceiver, SlackReceiver],
    Field(discriminator="type"),
]


# ----------------------------------------------------------------------------- routes, inhibition, silences
def _matchers(v: Any) -> Any:
    return list(parse_matchers(v))


Matchers = Annotated[list[Matcher], BeforeValidator(_matchers)]


class Route(_Model):
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+$")
    receiver: str | None = None
    matchers: Matchers = Field(default_factory=list)
    continue_: bool = Field(False, alias="continue")
    group_by: list[str] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    escalation_wait: Duration | None = Field(
        None, description="a severity rise in an existing group is sent after at most this (default 0s)")
    routes: list["Route"] = Field(default_factory=list)
    timezone: str | None = Field(None, description="IANA zone for times shown in this route's chat messages "
                                                   "(and its children's); default the receiver's, then global")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str | None) -> str | None:
        return None if v is None else _check_tz(v)

    @field_validator("group_by")
    @classmethod
    def _labels(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            if "..." in v and len(v) > 1:
                raise ValueError("'...' (group by all labels) must be alone")
            for name in v:
                if name != "..." and not LABEL_NAME.match(name):
                    raise ValueError(f"{name!r} is not a label name")
        return v


class InhibitRule(_Model):
    source_matchers: Matchers = Field(min_length=1)
    target_matchers: Matchers = Field(min_length=1)
    equal: list[str] = Field(default_factory=list)

    @field_validator("equal")
    @classmethod
    def _labels(cls, v: list[str]) -> list[str]:
        for name in v:
            if not LABEL_NAME.match(name):
                raise ValueError(f"{name!r} is not a label name")
        return v


class Silence(_Model):
    id: str | None = None
    matchers: Matchers = Field(min_length=1)
    starts_at: Timestamp
    ends_at: Timestamp
    created_by: str = Field(min_length=1)
    comment: str = Field(min_length=1, description="why: shown in logs and the dashboard")

    @model_validator(mode="after")
    def _order(self) -> "Silence":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self

    def active(self, now: float) -> bool:
        return self.starts_at <= now < self.ends_at


# ----------------------------------------------------------------------------- the whole file
class AlertingConfig(_Model):
    version: Literal[1] = 1
    global_: GlobalConfig = Field(default_factory=GlobalConfig, alias="global")
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    dead_letter: DeadLetterConfig = Field(default_factory=DeadLetterConfig)
    feedback: FeedbackConfig = Field(default_factory=FeedbackConfig)
    route: Route
    receivers: list[Receiver] = Field(min_length=1)
    inhibit_rules: list[InhibitRule] = Field(default_factory=list)
    silences: list[Silence] = Field(default_factory=list)

    # -- convenience views
    @property
    def severity_names(self) -> list[str]:
        return [s.name for s in self.global_.severities]

    def severity(self, name: str) -> SeverityLevel:
        for s in self.global_.severities:
            if s.name == name:
                return s
        return SeverityLevel(name=name)

    def severity_rank(self, name: str) -> int:
        names = self.severity_names
        return names.index(name) if name in names else -1

    def receiver(self, name: str):
        for r in self.receivers:
            if r.name == name:
                return r
        raise KeyError(name)

    def delivery_for(self, receiver) -> Delivery:
        merged = dict(DELIVERY_DEFAULTS)
        for layer in (self.delivery, receiver.delivery):
            merged.update({k: v for k, v in layer.model_dump().items() if v is not None})
        if merged["rate_limit_per_min"] is None:
            merged["rate_limit_per_min"] = DEFAULT_RATE_PER_MIN.get(receiver.type)
        if merged["burst"] is None:
            rate = merged["rate_limit_per_min"]
            merged["burst"] = max(1, min(10, int(rate // 6))) if rate else 1
        merged["backoff_max_s"] = max(merged["backoff_max_s"], merged["backoff_initial_s"])
        return Delivery(**merged)

    def held_severities(self, receiver) -> set[str]:
        qh = receiver.quiet_hours
        if qh is None:
            return set()
        if qh.hold is not None:
            return set(qh.hold)
        return set(self.severity_names[:-1])

    def route_tree(self) -> "RouteNode":
        return _resolve_route(self.route, None, "root")

    def display_timezone(self, route_id: str, default: str) -> str:
        """The time zone for times in a chat message of route ``route_id``: the route's (or its nearest parent's)
        ``timezone``, else ``default`` (the receiver's, else ``global.timezone``)."""
        stack = [self.route_tree()]
        while stack:
            node = stack.pop()
            if node.id == route_id:
                return node.timezone or default
            stack.extend(node.routes)
        return default

    def resolve_env(self, environ: typing.Mapping[str, str] | None = None) -> "ResolvedEnv":
        """Read receiver URLs and secrets from the environment.

        A receiver whose variables are unset is disabled when ``optional: true``; otherwise this raises
        :class:`AlertingConfigError` naming the receiver and the variable.
        """
        env = os.environ if environ is None else environ
        urls: dict[str, str] = {}
        secrets: dict[str, str | None] = {}
        disabled: dict[str, str] = {}
        problems: list[tuple[str, str]] = []
        for i, r in enumerate(self.receivers):
            missing = [n for n in r.env_names() if not env.get(n)]
            if missing:
                why = f"environment variable {', '.join(missing)} is not set"
                if r.optional:
                    disabled[r.name] = why
                else:
                    problems.append((f"receivers[{i}] ({r.name})",
                                     why + "; set it, or mark the receiver 'optional: true'"))
                continue
            url = getattr(r, "url", None) or (env[r.url_env] if getattr(r, "url_env", None) else None)
            if url is not None:
                if not re.match(r"^https?://", url):
                    problems.append((f"receivers[{i}] ({r.name}).url_env",
                                     f"{r.url_env} must hold an http(s) URL"))
                    continue
                urls[r.name] = url
            secret_env = getattr(r, "secret_env", None)
            secrets[r.name] = env[secret_env] if secret_env else None
        if problems:
            raise AlertingConfigError("environment", problems)
        return ResolvedEnv(urls=urls, secrets=secrets, disabled=disabled)

    # -- cross-field checks
    @model_validator(mode="after")
    def _cross_checks(self) -> "AlertingConfig":
        problems: list[tuple[str, str]] = []
        names = [r.name for r in self.receivers]
        for n in sorted({n for n in names if names.count(n) > 1}):
            problems.append(("receivers", f"receiver name {n!r} is used more than once"))
        allowed = ", ".join(names)
        sev = self.severity_names

        if self.route.receiver is None:
            problems.append(("route.receiver", "the root route needs a receiver (the default for all alerts)"))
        if self.route.matchers:
            problems.append(("route.matchers", "the root route matches every alert; it cannot have matchers"))
        route_names: list[str] = []

        def walk(route: Route, path: str) -> None:
            if route.receiver is not None and route.receiver not in names:
                problems.append((f"{path}.receiver", f"{route.receiver!r} is not a receiver; allowed: {allowed}"))
            if route.name:
                route_names.append(route.name)
            for m in route.matchers:
                if m.name == "severity" and m.op in ("=", "!=") and m.value not in sev:
                    problems.append((f"{path}.matchers", f"{m} names an unknown severity; allowed: {', '.join(sev)}"))
            for i, child in enumerate(route.routes):
                walk(child, f"{path}.routes[{i}]")

        walk(self.route, "route")
        for n in sorted({n for n in route_names if route_names.count(n) > 1}):
            problems.append(("route", f"route name {n!r} is used more than once"))
        for i, r in enumerate(self.receivers):
            qh = r.quiet_hours
            if qh is not None and qh.hold is not None:
                for s in qh.hold:
                    if s not in sev:
                        problems.append((f"receivers[{i}].quiet_hours.hold",
                                         f"{s!r} is not a severity; allowed: {', '.join(sev)}"))
            for s in getattr(r, "at_all_severities", []) or []:
                if s not in sev:
                    problems.append((f"receivers[{i}].at_all_severities",
                                     f"{s!r} is not a severity; allowed: {', '.join(sev)}"))
        for i, rule in enumerate(self.inhibit_rules):
            for key in ("source_matchers", "target_matchers"):
                for m in getattr(rule, key):
                    if m.name == "severity" and m.op in ("=", "!=") and m.value not in sev:
                        problems.append((f"inhibit_rules[{i}].{key}",
                                         f"{m} names an unknown severity; allowed: {', '.join(sev)}"))
        ids = [s.id for s in self.silences if s.id]
        for n in sorted({n for n in ids if ids.count(n) > 1}):
            problems.append(("silences", f"silence id {n!r} is used more than once"))
        if problems:
            raise _CrossError(problems)
        return self


class _CrossError(ValueError):
    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


Route.model_rebuild()


@dataclass(frozen=True)
class ResolvedEnv:
    urls: dict[str, str]
    secrets: dict[str, str | None]
    disabled: dict[str, str]          # receiver name -> why


# ----------------------------------------------------------------------------- the resolved route tree
ROUTE_DEFAULTS = dict(group_by=("issue_id",), group_wait=30.0, group_interval=300.0, repeat_interval=4 * 3600.0,
                      escalation_wait=0.0)


@dataclass(frozen=True)
class RouteNode:
    """A route with inherited settings filled in. ``id`` is its ``name`` or its path (``root/1/0``)."""
    id: str
    receiver: str
    matchers: tuple[Matcher, ...]
    continue_: bool
    group_by: tuple[str, ...]
    group_wait_s: float
    group_interval_s: float
    repeat_interval_s: float
    escalation_wait_s: float
    routes: tuple["RouteNode", ...] = field(default_factory=tuple)
    timezone: str | None = None      # display time zone of its messages (inherited; None: the receiver's)


def _resolve_route(r: Route, parent: RouteNode | None, path: str) -> RouteNode:
    def pick(name: str, own: Any) -> Any:
        if own is not None:
            return own
        if parent is not None:
            return getattr(parent, name if name in ("receiver", "group_by") else name + "_s")
        return ROUTE_DEFAULTS[name]

    node = RouteNode(
        id=r.name or path,
        receiver=pick("receiver", r.receiver),
        matchers=tuple(r.matchers),
        continue_=r.continue_,
        group_by=tuple(pick("group_by", r.group_by)),
        group_wait_s=float(pick("group_wait", r.group_wait)),
        group_interval_s=float(pick("group_interval", r.group_interval)),
        repeat_interval_s=float(pick("repeat_interval", r.repeat_interval)),
        escalation_wait_s=float(pick("escalation_wait", r.escalation_wait)),
        timezone=r.timezone if r.timezone is not None else (parent.timezone if parent is not None else None),
    )
    children = tuple(_resolve_route(c, node, f"{path}/{i}") for i, c in enumerate(r.routes))
    return RouteNode(**{**node.__dict__, "routes": children})


# ----------------------------------------------------------------------------- loading
def load_alerting_config(path: str | os.PathLike) -> AlertingConfig:
    """Load and validate a YAML alerting config; errors name the file and the field."""
    from groundswell.config.safe_yaml import MAX_BYTES
    p = Path(path)
    try:
        with open(p, "rb") as f:
            text = f.read(MAX_BYTES + 1)          # bytes: the safe loader checks size and UTF-8
    except OSError as e:
        raise AlertingConfigError(str(p), [("", f"cannot read the file: {e.strerror or e}")]) from None
    return load_alerting_config_text(text, source=str(p))


def load_alerting_config_text(text: str | bytes, *, source: str = "<string>") -> AlertingConfig:
    try:
        data = load_yaml(text)
    except UnsafeYAMLError as e:
        raise AlertingConfigError(source, [("", str(e))]) from None
    return parse_alerting_config(data, source=source)


def parse_alerting_config(data: Any, *, source: str = "<dict>") -> AlertingConfig:
    if not isinstance(data, dict):
        raise AlertingConfigError(source, [("", f"the file must hold a mapping at the top, got {type(data).__name__}")])
    try:
        return AlertingConfig.model_validate(data)
    except ValidationError as e:
        problems: list[tuple[str, str]] = []
        for err in e.errors(include_url=False):
            ctx_err = (err.get("ctx") or {}).get("error")
            if isinstance(ctx_err, _CrossError):
                problems.extend(ctx_err.problems)
                continue
            problems.append(_describe(err))
        raise AlertingConfigError(source, problems) from None


_ALIASES = {"global_": "global", "continue_": "continue"}


def _describe(err: dict) -> tuple[str, str]:
    loc = list(err["loc"])
    # drop discriminator tags pydantic puts in the location of a tagged union (receivers[0].webhook.url)
    clean: list[Any] = []
    for i, part in enumerate(loc):
        if isinstance(part, str) and part in RECEIVER_TYPES and i > 0 and isinstance(loc[i - 1], int):
            continue
        if isinstance(part, str) and part.startswith("function-") or part in ("list[...]",):
            continue
        clean.append(part)
    path = ""
    for part in clean:
        path += f"[{part}]" if isinstance(part, int) else (("." if path else "") + _ALIASES.get(part, str(part)))
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_fields(clean[:-1], err)
        return path, f"unknown field {clean[-1]!r}" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    if kind == "missing":
        return path, "required field is missing"
    if kind == "union_tag_invalid":
        return path, f"unknown receiver type {_short(value.get('type') if isinstance(value, dict) else value)}; " \
                     f"allowed: {', '.join(RECEIVER_TYPES)}"
    if kind == "union_tag_not_found":
        return path, f"'type' is missing; allowed: {', '.join(RECEIVER_TYPES)}"
    if repr(value) in msg or (isinstance(value, (dict, list)) and not kind.endswith("_type")):
        shown = ""
    elif isinstance(value, dict):
        shown = " (got a mapping)"
    elif isinstance(value, list):
        shown = " (got a list)"
    else:
        shown = f" (got {_short(value)})"
    return path, msg + shown


def _short(value: Any) -> str:
    s = repr(value)
    return s if len(s) <= 80 else s[:77] + "..."


def _allowed_fields(loc: list[Any], err: dict) -> list[str]:
    """Field names of the model at ``loc`` (walking the AlertingConfig types)."""
    tp: Any = AlertingConfig
    full_loc = list(err["loc"])[:-1]
    for i, part in enumerate(full_loc):
        tp = _step(tp, part, full_loc[i + 1] if i + 1 < len(full_loc) else None)
        if tp is None:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or n for n, f in tp.model_fields.items()]
    return []


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _step(tp: Any, part: Any, nxt: Any) -> Any:
    tp = _unwrap(tp)
    origin = typing.get_origin(tp)
    if origin in (list, tuple):
        return typing.get_args(tp)[0] if isinstance(part, int) else None
    if origin is Union or str(origin) == "types.UnionType":
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if isinstance(part, str) and part in RECEIVER_TYPES:   # a discriminator tag
            for o in options:
                o = _unwrap(o)
                if isinstance(o, type) and issubclass(o, BaseModel):
                    f = o.model_fields.get("type")
                    if f is not None and typing.get_args(f.annotation) == (part,):
                        return o
            return None
        for o in options:
            r = _step(o, part, nxt)
            if r is not None:
                return r
        return None
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for n, f in tp.model_fields.items():
            if part in (n, f.alias):
                return f.annotation
    return None


DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "alerting.yaml"


def default_config_path() -> Path:
    """The shipped ``config/alerting.yaml`` (installed as package data of ``groundswell.config``)."""
    try:
        from importlib.resources import files
        p = files("groundswell.config") / "alerting.yaml"
        if p.is_file():
            return Path(str(p))
    except (ModuleNotFoundError, TypeError):
        pass
    return DEFAULT_CONFIG_PATH
