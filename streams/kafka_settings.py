"""Settings of the Kafka host (config/kafka.yaml + environment), validated like the detector config."""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from groundswell.config.schema import ConfigError, format_errors, read_yaml_file

HOUR, YEAR = 3600.0, 365 * 86400.0


class _Section(BaseModel):
    # strict types and upper bounds, as the detector config (config/schema.py); environment overrides are strings:
    # see _coerce_env
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, str_max_length=1024)


TOPIC_NAME = r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$"   # kebab-case


class TopicSettings(_Section):
    name: str = Field(pattern=TOPIC_NAME, max_length=200)
    partitions: int = Field(ge=1, le=1024)
    retention_s: float = Field(gt=0, le=100 * YEAR)


class Topics(_Section):
    posts: TopicSettings = TopicSettings(name="posts", partitions=4, retention_s=7 * 86400)
    rejects: TopicSettings = TopicSettings(name="post-rejects", partitions=1, retention_s=30 * 86400)
    clean: TopicSettings = TopicSettings(name="clean-posts", partitions=4, retention_s=86400)
    alerts: TopicSettings = TopicSettings(name="issue-alerts", partitions=1, retention_s=90 * 86400)
    assignments: TopicSettings = TopicSettings(name="issue-assignments", partitions=4, retention_s=7 * 86400)
    dead_letters: TopicSettings = TopicSettings(name="alert-dead-letters", partitions=1, retention_s=90 * 86400)


class WorkerSettings(_Section):
    web_bind: str = Field("127.0.0.1", max_length=255)
    web_port: int = Field(6066, ge=0, le=65535, description="0: no web server")
    session_timeout_s: float = Field(30, ge=3, le=HOUR)
    heartbeat_s: float = Field(3, gt=0, le=HOUR)
    commit_interval_s: float = Field(2.8, gt=0, le=HOUR)
    snapshot_every_s: float = Field(10, gt=0, le=HOUR)
    idle_after_s: float = Field(5, gt=0, le=HOUR)
    mark_every_posts: int = Field(500, ge=1, le=1_000_000)


class KafkaSettings(_Section):
    bootstrap: str = Field("127.0.0.1:9092", min_length=3)
    app_id: str = Field("groundswell", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=100)
    topic_prefix: str = Field("", pattern=r"^[a-z0-9.-]*$", max_length=100)
    topics: Topics = Topics()
    shard_partitions: int = Field(4, ge=1, le=1024)
    assignments: bool = True
    worker: WorkerSettings = WorkerSettings()

    def topic(self, which: str) -> str:
        return self.topic_prefix + getattr(self.topics, which).name


ENV = {"GROUNDSWELL_KAFKA_BOOTSTRAP": ("bootstrap",), "GROUNDSWELL_APP_ID": ("app_id",),
       "GROUNDSWELL_TOPIC_PREFIX": ("topic_prefix",), "GROUNDSWELL_WEB_PORT": ("worker", "web_port"),
       "GROUNDSWELL_WEB_BIND": ("worker", "web_bind")}


def _coerce_env(keys: tuple[str, ...], value: str):
    """An environment variable is text: a port becomes an int here (strict validation would refuse "6066"), and
    what is not an int is left as text, so that the error names the field and the value."""
    if keys == ("worker", "web_port") and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return value


def default_kafka_path() -> Path:
    from groundswell.config.schema import default_config_path
    return default_config_path().with_name("kafka.yaml")


def load_kafka_settings(path: str | Path | None = None, env: dict[str, str] | None = None,
                        overrides: dict | None = None) -> KafkaSettings:
    """Load config/kafka.yaml (or ``path``), apply environment overrides (``env`` defaults to os.environ)."""
    path = Path(path) if path is not None else default_kafka_path()
    env = os.environ if env is None else env
    data = read_yaml_file(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {type(data).__name__}")
    items = [(keys, _coerce_env(keys, env[var])) for var, keys in ENV.items() if env.get(var) not in (None, "")]
    items += [(tuple(k.split(".")), v) for k, v in (overrides or {}).items()]
    for keys, value in items:
        node = data
        for k in keys[:-1]:
            node = node.setdefault(k, {}) if isinstance(node.get(k, {}), dict) else {}
        node[keys[-1]] = value
    try:
        return KafkaSettings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_errors(str(path), e)) from None
