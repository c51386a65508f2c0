"""Finding 10: docker-compose defaults. The pseudonym key and the webhook secret fell back to values written in the
file (and nothing warned when a variable held one of them), Grafana was admin/admin with anonymous viewers, and
Kafka's data lived in /tmp without a volume (detector checkpoints and pending notifications lost on `down`)."""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import yaml

from groundswell.streams.pseudonym import DefaultKeyWarning, Pseudonymizer

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
SECRETS = ("GROUNDSWELL_WEBHOOK_SECRET", "GROUNDSWELL_PSEUDONYM_KEY", "GROUNDSWELL_FEEDBACK_TOKEN",
           "GRAFANA_ADMIN_PASSWORD")


def _envs(compose: dict):
    for name, svc in compose["services"].items():
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.split("=", 1) for item in env)
        yield name, {k: str(v) for k, v in env.items()}


def test_compose_has_no_default_secret_and_refuses_to_start_without_them():
    text = COMPOSE.read_text()
    compose = yaml.safe_load(text)
    problems = []
    for var in SECRETS:
        # ${VAR:-default} / ${VAR-default} / ${VAR:=x}: a default written in the file; only ${VAR:?message} is allowed
        if re.search(rf"\$\{{{var}:?[-=+]", text):
            problems.append(f"{var} has a default in the file")
        if not re.search(rf"\$\{{{var}:\?[^}}]+\}}", text):
            problems.append(f"{var} is not required with ${{{var}:?message}}")
    grafana = dict(_envs(compose))["grafana"]
    if not re.fullmatch(r"\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}", grafana.get("GF_SECURITY_ADMIN_PASSWORD", "")):
        problems.append("Grafana's admin password does not come from the environment")
    if grafana.get("GF_AUTH_ANONYMOUS_ENABLED", "false").lower() != "false":
        problems.append("Grafana lets anonymous viewers in")
    for name, env in _envs(compose):
        for key, value in env.items():
            if re.search(r"(SECRET|TOKEN|KEY|PASSWORD)$", key) and "${" not in value:
                problems.append(f"{name}: {key} is written in the file")
    assert not problems, problems


def test_kafka_keeps_its_data_on_a_named_volume():
    compose = yaml.safe_load(COMPOSE.read_text())
    kafka = compose["services"]["kafka"]
    log_dirs = kafka["environment"]["KAFKA_LOG_DIRS"]
    assert not log_dirs.startswith("/tmp"), log_dirs
    mounts = {}
    for vol in kafka.get("volumes", []):
        src, dst = (vol["source"], vol["target"]) if isinstance(vol, dict) else str(vol).split(":")[:2]
        mounts[dst] = src
    volume = mounts.get(log_dirs)
    assert volume and not volume.startswith((".", "/")), f"{log_dirs} is not on a named volume: {mounts}"
    assert volume in (compose.get("volumes") or {})


def test_a_pseudonym_key_published_in_the_repo_warns():
    for public in ("groundswell-demo-pseudonym-key", "groundswell-default-pseudonym-key--not-secret"):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            p = Pseudonymizer.from_env({"GROUNDSWELL_PSEUDONYM_KEY": public})
        assert any(issubclass(w.category, DefaultKeyWarning) for w in seen), public
        assert p.using_default_key
