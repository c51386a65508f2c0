"""alerting.yaml: good configs load, bad ones fail naming the file and the field; env resolution."""
from __future__ import annotations

import pytest
import yaml

from groundswell.alerts.config import (
    AlertingConfigError, default_config_path, load_alerting_config, load_alerting_config_text,
)
from groundswell.alerts.durations import format_duration, parse_duration

from .helpers import FIXTURES

BAD = yaml.safe_load((FIXTURES / "bad_configs.yaml").read_text(encoding="utf-8"))
GOOD = yaml.safe_load((FIXTURES / "good_configs.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", BAD, ids=[c["name"] for c in BAD])
def test_bad_config_is_rejected_naming_the_field(case, tmp_path):
    path = tmp_path / "alerting.yaml"
    path.write_text(case["yaml"], encoding="utf-8")
    with pytest.raises(AlertingConfigError) as err:
        load_alerting_config(path)
    msg = str(err.value)
    assert str(path) in msg
    for part in case["errors"]:
        assert part in msg, f"{part!r} not in:\n{msg}"


def lookup(obj, dotted: str):
    for part in dotted.split("."):
        if part == "tree":
            obj = obj.route_tree()
        elif part.isdigit():
            obj = obj[int(part)]
        else:
            obj = getattr(obj, part)
    return list(obj) if isinstance(obj, tuple) else obj


@pytest.mark.parametrize("case", GOOD, ids=[c["name"] for c in GOOD])
def test_good_config_loads(case):
    cfg = load_alerting_config_text(case["yaml"], source=case["name"])
    for dotted, want in case.get("check", {}).items():
        assert lookup(cfg, dotted) == want, dotted


def test_shipped_config_works_with_no_environment():
    cfg = load_alerting_config(default_config_path())
    env = cfg.resolve_env({})
    assert set(env.disabled) == {"duty-webhook", "dingtalk-group", "wecom-group", "feishu-group", "slack-channel"}
    assert cfg.receiver("log").type == "file"
    # every chat bot and the webhook switch on when their variables are set
    full = {n: "https://127.0.0.1/x" if n.endswith("_URL") else "s3cret"
            for r in cfg.receivers for n in r.env_names()}
    env = cfg.resolve_env(full)
    assert env.disabled == {} and env.secrets["duty-webhook"] == "s3cret"


def test_required_receiver_env_missing_names_receiver_and_variable():
    cfg = load_alerting_config_text("""
route: {receiver: hook}
receivers: [{name: hook, type: webhook, url_env: HOOK_URL, secret_env: HOOK_SECRET}]
""")
    with pytest.raises(AlertingConfigError) as err:
        cfg.resolve_env({"HOOK_URL": "http://127.0.0.1:1/x"})
    assert "receivers[0] (hook)" in str(err.value) and "HOOK_SECRET" in str(err.value)
    with pytest.raises(AlertingConfigError, match="must hold an http"):
        cfg.resolve_env({"HOOK_URL": "ftp://x", "HOOK_SECRET": "s"})


def test_delivery_settings_layer_and_default_per_type():
    cfg = load_alerting_config_text("""
delivery: {max_attempts: 3, backoff_initial_s: 2}
route: {receiver: ding}
receivers:
  - {name: ding, type: dingtalk, url_env: D, delivery: {timeout_s: 5s}}
  - {name: hook, type: webhook, url: "http://127.0.0.1:1/x", secret_env: S, delivery: {backoff_max_s: 1}}
""")
    d = cfg.delivery_for(cfg.receiver("ding"))
    assert (d.max_attempts, d.timeout_s, d.backoff_initial_s, d.rate_limit_per_min) == (3, 5.0, 2.0, 20)
    h = cfg.delivery_for(cfg.receiver("hook"))
    assert h.rate_limit_per_min == 600 and h.backoff_max_s == 2.0   # never below the initial backoff


@pytest.mark.parametrize("text,seconds", [("30s", 30), ("5m", 300), ("1h30m", 5400), ("250ms", 0.25),
                                          ("1d", 86400), ("2w", 1209600), (45, 45), ("12.5", 12.5)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["5 minutes", "m5", "", "-5s", True, None, "1h 30m", -1])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_format_duration_round_trips():
    for s in (0, 0.25, 59, 60, 3600, 5400, 90061):
        assert parse_duration(format_duration(s)) == pytest.approx(s)
