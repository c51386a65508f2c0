"""Settings of the Kafka host (config/kafka.yaml + environment), validated like the detector config."""
from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from groundswell.config.schema import ConfigError, format_errors


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


TOPIC_NAME = r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$"   # kebab-case


class TopicSettings(_Section):
    name: str = Field(pattern=TOPIC_NAME)
    partitions: int = Field(ge=1, le=1024)
    retention_s: float = Field(gt=0)


class Topics(_Section):
    posts: TopicSettings = TopicSettings(name="posts", partitions=4, retention_s=7 * 86400)
    rejects: TopicSettings = TopicSettings(name="post-rejects", partitions=1, retention_s=30 * 86400)
    clean: TopicSettings = TopicSettings(name="clean-posts", partitions=4, retention_s=86400)
    alerts: TopicSettings = TopicSettings(name="issue-alerts", partitions=1, retention_s=90 * 86400)
    assignments: TopicSettings = TopicSettings(name="issue-assignments", partitions=4, retention_s=7 * 86400)
    dead_letters: TopicSettings = TopicSettings(name="alert-dead-letters", partitions=1, retention_s=90 * 86400)


class WorkerSettings(_Section):
    web_bind: str = "127.0.0.1"
    web_port: int = Field(6066, ge=0, le=65535, description="0: no web server")
    session_timeout_s: float = Field(30, ge=3)
    heartbeat_s: float = Field(3, gt=0)
    commit_interval_s: float = Field(2.8, gt=0)
    snapshot_every_s: float = Field(10, gt=0)
    idle_after_s: float = Field(5, gt=0)
    mark_every_posts: int = Field(500, ge=1)


class KafkaSettings(_Section):
    bootstrap: str = Field("127.0.0.1:9092", min_length=3)
    app_id: str = Field("groundswell", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    topic_prefix: str = Field("", pattern=r"^[a-z0-9.-]*$")
    topics: Topics = Topics()
    shard_partitions: int = Field(4, ge=1, le=1024)
    assignments: bool = True
    worker: WorkerSettings = WorkerSettings()

    def topic(self, which: str) -> str:
        return self.topic_prefix + getattr(self.topics, which).name


ENV = {"GROUNDSWELL_KAFKA_BOOTSTRAP": ("bootstrap",), "GROUNDSWELL_APP_ID": ("app_id",),
       "GROUNDSWELL_TOPIC_PREFIX": ("topic_prefix",), "GROUNDSWELL_WEB_PORT": ("worker", "web_port"),
       "GROUNDSWELL_WEB_BIND": ("worker", "web_bind")}


def default_kafka_path() -> Path:
    from groundswell.config.schema import default_config_path
    return default_config_path().with_name("kafka.yaml")


def load_kafka_settings(path: str | Path | None = None, env: dict[str, str] | None = None,
                        overrides: dict | None = None) -> KafkaSettings:
    """Load config/kafka.yaml (or ``path``), apply environment overrides (``env`` defaults to os.environ)."""
    path = Path(path) if path is not None else default_kafka_path()
    env = os.environ if env is None else env
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {type(data).__name__}")
    items = [(keys, env[var]) for var, keys in ENV.items() if env.get(var) not in (None, "")]
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
