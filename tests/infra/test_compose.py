"""Static checks of the docker-compose demo stack (no Docker needed).

docker-compose.yml, Dockerfile, config/prometheus/prometheus.yml, config/grafana/**: structure, pinned
images, loopback-only published ports, mounted files that exist, Prometheus targets that match the worker
services, and a Grafana dashboard whose PromQL uses only the project's metric names. promtool (from
Debian's prometheus package; the `promtool` fixture installs it when missing) also checks the Prometheus
config and every dashboard expression with Prometheus' own parser.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
PROM_CONFIG = REPO / "config" / "prometheus" / "prometheus.yml"
DASHBOARD = REPO / "config" / "grafana" / "dashboards" / "groundswell.json"
GRAFANA_PROVISIONING = REPO / "config" / "grafana" / "provisioning"

METRICS = {  # name -> type, as specified for the dashboard
    "groundswell_posts_total": "counter",
    "groundswell_rejected_posts_total": "counter",
    "groundswell_alerts_total": "counter",
    "groundswell_issues_active": "gauge",
    "groundswell_candidates_active": "gauge",
    "groundswell_post_processing_seconds": "histogram",
    "groundswell_event_time_lag_seconds": "gauge",
    "groundswell_notifications_total": "counter",
    "groundswell_dead_letters_total": "counter",
    "groundswell_notification_queue": "gauge",
    "groundswell_input_lag_messages": "gauge",
    "groundswell_detector_snapshot_bytes": "gauge",
}
SERIES = {m for m in METRICS} | {f"{m}{s}" for m, t in METRICS.items() if t == "histogram"
                                for s in ("_bucket", "_sum", "_count")}
WORKERS = ("worker-1", "worker-2")
METRICS_PORT = "8000"

PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
                   "unless", "offset", "atop", "inf", "nan"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _command(service: dict) -> str:
    cmd = service.get("command", "")
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


def _panels(dashboard: dict):
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def _exprs(dashboard: dict) -> list[tuple[str, str]]:
    return [(p["title"], t["expr"]) for p in _panels(dashboard) for t in p.get("targets", [])]


def promql_metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (Grafana's $__variables allowed in ranges)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)  # string literals
    names = set()
    if re.search(r"__name__", s):
        names.add("<__name__ matcher>")  # selecting by __name__ hides the metric name: never allowed
    s = re.sub(r"\{[^{}]*\}", " ", s)                       # label matchers
    s = re.sub(r"\[[^\[\]]*\]", " ", s)                     # range / subquery selectors
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", " ", s)  # label lists
    s = re.sub(r"\boffset\s+-?[0-9a-z$_]+", " ", s)
    for m in re.finditer(r"(?<![\w$:.])([a-zA-Z_:][a-zA-Z0-9_:]*)", s):
        name = m.group(1)
        rest = s[m.end():].lstrip()
        if rest.startswith("(") or name.lower() in PROMQL_KEYWORDS:
            continue  # function call or keyword
        names.add(name)
    return names


# -- docker-compose.yml ----------------------------------------------------------------------

def test_services_present(services):
    expected = {"kafka", "topics", *WORKERS, "receiver", "prometheus", "grafana"}
    assert expected <= set(services), f"missing: {expected - set(services)}"


def test_images_are_pinned(services):
    for name, svc in services.items():
        if "build" in svc:
            continue  # built from the repo's Dockerfile
        image = svc.get("image")
        assert image, f"{name}: neither image nor build"
        repo, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
        assert tag, f"{name}: image {image} has no tag"
        assert tag != "latest" and "latest" not in tag, f"{name}: image {image} is not pinned"
        assert re.fullmatch(r"v?\d+\.\d+\.\d+([.-][\w.]+)?", tag), f"{name}: tag {tag} is not an exact version"
    expected_images = {"kafka": "apache/kafka", "prometheus": "prom/prometheus", "grafana": "grafana/grafana"}
    for name, repo in expected_images.items():
        assert services[name]["image"].startswith(repo + ":"), services[name]["image"]


def test_built_services_use_the_dockerfile(services):
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M), "Dockerfile must build on python:3.11-slim"
    assert re.search(r"^RUN .*pip install \.", dockerfile, re.M), "Dockerfile must pip install the project"
    for name in ("topics", *WORKERS, "receiver"):
        build = services[name].get("build")
        assert build, f"{name} must be built from the repo"
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile_name = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        assert (REPO / context / dockerfile_name).resolve() == (REPO / "Dockerfile").resolve()
    ignore = (REPO / ".dockerignore").read_text().split()
    assert ".venv" in ignore and ".git" in ignore


def test_commands(services):
    for w in WORKERS:
        assert _command(services[w]) == "groundswell worker"
    assert _command(services["topics"]) == "groundswell topics create"
    assert services["topics"].get("restart", "no") == "no"
    recv = _command(services["receiver"])
    assert recv.startswith("groundswell receiver") and "--port 9000" in recv
    # the workers post to http://receiver:9000/: inside its container it must not listen on loopback only
    assert "--host 0.0.0.0" in recv


def test_commands_parse_with_the_real_cli(services):
    """Every `groundswell ...` command in the compose file is accepted by the CLI that ships."""
    import shlex

    from groundswell.streams.cli import build_parser
    for name in ("topics", *WORKERS, "receiver"):
        argv = shlex.split(_command(services[name]))
        assert argv[0] == "groundswell"
        build_parser().parse_args(argv[1:])     # SystemExit on an unknown command or option


def test_published_ports_bind_loopback(services):
    published = {}
    for name, svc in services.items():
        for port in svc.get("ports", []):
            if isinstance(port, dict):  # long syntax
                assert port.get("host_ip") == "127.0.0.1", f"{name}: {port} must bind 127.0.0.1"
                published[name] = str(port["published"])
                continue
            parts = str(port).split(":")
            assert len(parts) == 3 and parts[0] == "127.0.0.1", f"{name}: {port!r} must be 127.0.0.1:HOST:CONTAINER"
            published.setdefault(name, parts[1])
    # operators reach Grafana, Prometheus and Kafka from the host; workers' metrics stay internal
    assert {"grafana", "prometheus", "kafka"} <= set(published)
    for w in WORKERS:
        assert w not in published
    host_ports = list(published.values())
    assert len(host_ports) == len(set(host_ports)), "two services publish the same host port"


def test_kafka_kraft_single_node(services):
    kafka = services["kafka"]
    env = _env(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", env["CLUSTER_ID"].split()[0]), "CLUSTER_ID must be a base64url UUID"
    node = env["KAFKA_NODE_ID"]
    voter_id, _, voter_addr = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].partition("@")
    assert voter_id == node
    listeners = dict(l.split("://") for l in env["KAFKA_LISTENERS"].split(","))
    advertised = dict(l.split("://") for l in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    proto = dict(kv.split(":") for kv in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert controller in listeners and controller not in advertised
    assert voter_addr == f"kafka:{listeners[controller].rsplit(':', 1)[1]}"
    assert set(listeners) <= set(proto)
    for key in ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"):
        assert env[key] == "1", key
    assert env["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] == "0"
    # clients inside the network use an advertised listener that names the service
    for name in ("topics", *WORKERS):
        bootstrap = _env(services[name])["GROUNDSWELL_KAFKA_BOOTSTRAP"]
        assert bootstrap in advertised.values(), (name, bootstrap, advertised)
        assert bootstrap.split(":")[0] == "kafka"
    # the host listener is advertised on loopback and published on the same port
    host_addrs = [a for a in advertised.values() if a.startswith("127.0.0.1:")]
    assert host_addrs and any(p.endswith(":" + host_addrs[0].split(":")[1] + ":" + host_addrs[0].split(":")[1])
                              for p in kafka["ports"])
    assert "healthcheck" in kafka
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    for w in WORKERS:
        assert services[w]["depends_on"]["topics"]["condition"] == "service_completed_successfully"


def test_workers_metrics_env(services):
    for w in WORKERS:
        env = _env(services[w])
        assert env["GROUNDSWELL_METRICS_PORT"] == METRICS_PORT
        assert env.get("GROUNDSWELL_WORKER_ID") == w


def test_bind_mounts_exist(services):
    for name, svc in services.items():
        for vol in svc.get("volumes", []):
            src = vol["source"] if isinstance(vol, dict) else str(vol).split(":")[0]
            if src.startswith((".", "/")):
                path = (REPO / src).resolve()
                assert path.exists(), f"{name}: mounted {src} does not exist"
                assert REPO in path.parents or path == REPO, f"{name}: {src} is outside the repo"


def test_named_volumes_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, svc in services.items():
        for vol in svc.get("volumes", []):
            src = vol["source"] if isinstance(vol, dict) else str(vol).split(":")[0]
            if not src.startswith((".", "/")):
                assert src in declared, f"{name}: named volume {src} not declared"


# -- Prometheus ------------------------------------------------------------------------------

def test_prometheus_config_mounted_and_targets_match_workers(services):
    prom = services["prometheus"]
    mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in prom["volumes"]}
    assert mounts.get("./config/prometheus/prometheus.yml") == "/etc/prometheus/prometheus.yml"
    assert "--config.file=/etc/prometheus/prometheus.yml" in prom["command"]

    config = yaml.safe_load(PROM_CONFIG.read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    worker_jobs = [j for j in jobs.values()
                   if any(t.split(":")[0] in services for sc in j.get("static_configs", []) for t in sc["targets"])]
    targets = {t for j in worker_jobs for sc in j["static_configs"] for t in sc["targets"]}
    assert targets == {f"{w}:{METRICS_PORT}" for w in WORKERS}
    for job in worker_jobs:
        assert job.get("metrics_path", "/metrics") == "/metrics"
    # every scraped host is a compose service (or Prometheus itself)
    for job in jobs.values():
        for sc in job.get("static_configs", []):
            for target in sc["targets"]:
                host = target.rsplit(":", 1)[0]
                assert host in services or host == "localhost", f"unknown scrape host {host}"


def test_promtool_check_config(promtool):
    proc = subprocess.run([promtool, "check", "config", str(PROM_CONFIG)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- Grafana ---------------------------------------------------------------------------------

def test_grafana_provisioning(services):
    graf = services["grafana"]
    mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in graf["volumes"]}
    assert mounts["./config/grafana/provisioning/datasources"] == "/etc/grafana/provisioning/datasources"
    assert mounts["./config/grafana/provisioning/dashboards"] == "/etc/grafana/provisioning/dashboards"
    dash_mount = mounts["./config/grafana/dashboards"]

    ds_files = list((GRAFANA_PROVISIONING / "datasources").glob("*.y*ml"))
    assert ds_files
    datasources = [d for f in ds_files for d in yaml.safe_load(f.read_text())["datasources"]]
    prom_ds = [d for d in datasources if d["type"] == "prometheus"]
    assert len(prom_ds) == 1
    assert prom_ds[0]["url"] == "http://prometheus:9090"
    assert "--web.listen-address=:9090" in services["prometheus"]["command"]

    providers = [p for f in (GRAFANA_PROVISIONING / "dashboards").glob("*.y*ml")
                 for p in yaml.safe_load(f.read_text())["providers"]]
    assert [p["options"]["path"] for p in providers] == [dash_mount]
    home = _env(graf).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    assert home is None or home == f"{dash_mount}/{DASHBOARD.name}"


def test_dashboard_json(dashboard):
    assert dashboard["uid"] == "groundswell"  # config/alerting.yaml links to /d/groundswell/...
    ds_uid = yaml.safe_load((GRAFANA_PROVISIONING / "datasources" / "prometheus.yml").read_text())[
        "datasources"][0]["uid"]
    ids = [p["id"] for p in _panels(dashboard)]
    assert len(ids) == len(set(ids)), "duplicate panel ids"
    for panel in _panels(dashboard):
        if panel["type"] == "row":
            continue
        assert panel["targets"], f"panel {panel['title']} has no query"
        assert panel["datasource"]["uid"] == ds_uid
        for t in panel["targets"]:
            assert t.get("datasource", panel["datasource"])["uid"] == ds_uid


def test_metric_list_is_what_the_code_exports():
    """The list above is the code's: every pipeline metric (embedded and Kafka workers) is on the dashboard."""
    from prometheus_client import CollectorRegistry

    from groundswell.streams.metrics import PipelineMetrics
    reg = CollectorRegistry()
    PipelineMetrics(reg)
    exported = {}
    for fam in reg.collect():
        name = fam.name + ("_total" if fam.type == "counter" else "")
        exported[name] = fam.type
    pipeline = {k: v for k, v in METRICS.items() if not k.startswith(("groundswell_notification",
                                                                      "groundswell_dead_letters"))}
    assert exported == pipeline


def test_dashboard_promql_uses_only_known_metrics(dashboard):
    used = set()
    for title, expr in _exprs(dashboard):
        names = promql_metric_names(expr)
        assert names, f"{title}: {expr} selects no metric"
        unknown = names - SERIES
        assert not unknown, f"{title}: {expr} uses unknown metric(s) {unknown}"
        used |= {n for n in names}
        for name in names:
            base = re.sub(r"_(bucket|sum|count)$", "", name) if name not in METRICS else name
            kind = METRICS[base]
            if kind == "counter":
                assert re.search(rf"\b(rate|irate|increase)\s*\(\s*{name}\b", expr), \
                    f"{title}: counter {name} must be used through rate()/increase()"
            if kind == "histogram":
                assert name.endswith("_bucket") and "histogram_quantile" in expr, f"{title}: {expr}"
    covered = {re.sub(r"_(bucket|sum|count)$", "", n) if n not in METRICS else n for n in used}
    assert covered == set(METRICS), f"metrics without a panel: {set(METRICS) - covered}"


def test_dashboard_has_the_required_panels(dashboard):
    exprs = " ".join(e for _, e in _exprs(dashboard))
    for q in ("0.5", "0.95", "0.99"):
        assert re.search(rf"histogram_quantile\(\s*{re.escape(q)}0*\s*,", exprs), f"latency p{q} missing"
    by_outcome = [e for _, e in _exprs(dashboard) if "groundswell_posts_total" in e and "outcome" in e]
    assert by_outcome, "posts/s accepted vs rejected panel missing"
    assert any("by (reason)" in e for _, e in _exprs(dashboard) if "rejected_posts" in e)
    assert any("severity" in e for _, e in _exprs(dashboard) if "groundswell_alerts_total" in e)


def test_promql_metric_name_extraction():
    # the checker itself: it must see through functions, matchers, ranges and by-clauses
    assert promql_metric_names('sum by (outcome) (rate(groundswell_posts_total{outcome="x"}[$__rate_interval]))') \
        == {"groundswell_posts_total"}
    assert promql_metric_names("histogram_quantile(0.9, sum by (le) (rate(foo_bucket[5m])))") == {"foo_bucket"}
    assert promql_metric_names("a / on (job) group_left b offset 5m") == {"a", "b"}
    assert promql_metric_names('up{job="grafana"} == 1') == {"up"}


def test_dashboard_promql_parses(dashboard, tmp_path, promtool):
    """Prometheus' own parser: every panel expression as a recording rule through `promtool check rules`."""
    rules = [{"record": f"groundswell:dashboard_check:{i}",
              "expr": expr.replace("$__rate_interval", "1m").replace("$__interval", "1m")}
             for i, (_, expr) in enumerate(_exprs(dashboard))]
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    proc = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(rules)} rules found" in proc.stdout
