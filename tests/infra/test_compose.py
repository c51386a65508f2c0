"""Static checks of the docker-compose demo stack (no Docker needed).

docker-compose.yml, Dockerfile, config/prometheus/prometheus.yml, config/grafana/**: structure, pinned
images, loopback-only published ports, mounted files that exist, Prometheus targets that match the worker
and feedback services, the feedback API sharing the workers' outbox volume with its token from the environment
only, every secret required from the environment with no default (issue #17; also tests/security/test_10_compose.py),
Kafka's data on a named volume, and a Grafana dashboard whose PromQL uses only the metric names the code exports. promtool (from
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
    # officials' feedback (groundswell feedback serve) and its denominators (the worker delivering alerts)
    "groundswell_time_to_acknowledge_seconds": "histogram",
    "groundswell_false_alarms_total": "counter",
    "groundswell_issues_answered_total": "counter",
    "groundswell_issues_notified_total": "counter",
    "groundswell_feedback_total": "counter",
}
SERIES = {m for m in METRICS} | {f"{m}{s}" for m, t in METRICS.items() if t == "histogram"
                                for s in ("_bucket", "_sum", "_count")}
WORKERS = ("worker-1", "worker-2")
FEEDBACK = "feedback"
BUILT = ("topics", *WORKERS, "receiver", FEEDBACK)
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
    expected = {"kafka", *BUILT, "prometheus", "grafana"}
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
    for name in BUILT:
        build = services[name].get("build")
        assert build, f"{name} must be built from the repo"
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile_name = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        assert (REPO / context / dockerfile_name).resolve() == (REPO / "Dockerfile").resolve()
    ignore = (REPO / ".dockerignore").read_text().split()
    assert ".venv" in ignore and ".git" in ignore
    assert ".env" in ignore, "COPY . would bake compose's .env (the feedback token) into the image"


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
    for name in BUILT:
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
    # officials' tools on the host reach the feedback API; its metrics port stays inside the network
    assert FEEDBACK in published
    assert not any(str(p).endswith(":" + METRICS_PORT) for p in services[FEEDBACK].get("ports", []))
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


# -- feedback API ----------------------------------------------------------------------------

def _feedback_args(services):
    import shlex

    from groundswell.streams.cli import build_parser
    argv = shlex.split(_command(services[FEEDBACK]))
    assert argv[:3] == ["groundswell", "feedback", "serve"], argv
    return build_parser().parse_args(argv[1:])


def _named_mounts(service: dict) -> dict[str, str]:
    """container path -> named volume"""
    out = {}
    for vol in service.get("volumes", []):
        src, dst = (vol["source"], vol["target"]) if isinstance(vol, dict) else str(vol).split(":")[:2]
        if not src.startswith((".", "/")):
            out[dst] = src
    return out


def test_feedback_service_listens_for_other_containers_and_publishes_on_loopback(services):
    svc, args = services[FEEDBACK], _feedback_args(services)
    # inside its container the API must listen on all interfaces, or nothing outside the container reaches it
    assert args.host == "0.0.0.0"
    assert args.port and f"127.0.0.1:{args.port}:{args.port}" in [str(p) for p in svc["ports"]]
    # its metrics: on the port Prometheus scrapes, on the container's interfaces, not published on the host
    assert str(args.metrics_port) == METRICS_PORT
    assert _env(svc)["GROUNDSWELL_METRICS_ADDR"] == "0.0.0.0"
    assert METRICS_PORT in [str(p) for p in svc.get("expose", [])]
    assert svc.get("restart") == "unless-stopped"


def test_feedback_token_comes_from_the_environment_only(compose, services):
    from groundswell.alerts import load_alerting_config
    from groundswell.config.schema import default_config_path
    args = _feedback_args(services)
    alerting = args.alerting or default_config_path().with_name("alerting.yaml")
    token_env = load_alerting_config(alerting).feedback.token_env
    env = _env(services[FEEDBACK])
    assert token_env in env, f"{FEEDBACK} gets no {token_env}: the API refuses to start without a token"
    # ${VAR} or ${VAR:?message}: interpolated from the operator's environment, no default, never a literal
    assert re.fullmatch(rf"\$\{{{token_env}(:?\?[^}}]*)?\}}", env[token_env]), \
        f"{token_env} must come from the environment without a default, not {env[token_env]!r}"
    # no other service (nor an x- anchor) carries it, and the file gives it no default anywhere
    others = [name for name, svc in services.items() if name != FEEDBACK and token_env in _env(svc)]
    others += [key for key, val in compose.items() if key.startswith("x-") and token_env in str(val)]
    assert not others, f"{token_env} also set in {others}"
    assert not re.search(rf"\$\{{{token_env}:?[-=+]", COMPOSE.read_text()), f"{token_env} must have no default"


@pytest.mark.parametrize("var", ["GROUNDSWELL_WEBHOOK_SECRET", "GROUNDSWELL_PSEUDONYM_KEY", "GRAFANA_ADMIN_PASSWORD"])
def test_secrets_are_required_from_the_environment(compose, var):
    """No default in the file (${VAR:-x} would publish it in git): compose refuses to start without it."""
    text = COMPOSE.read_text()
    assert not re.search(rf"\$\{{{var}:?[-=+]", text), f"{var} has a default"
    assert re.search(rf"\$\{{{var}:\?[^}}]+\}}", text), f"{var} is not required"
    assert _env(compose["services"]["grafana"]).get("GF_AUTH_ANONYMOUS_ENABLED", "false") == "false"


def test_kafka_data_is_on_a_named_volume(compose, services):
    log_dirs = _env(services["kafka"])["KAFKA_LOG_DIRS"]
    assert _named_mounts(services["kafka"]).get(log_dirs) in (compose.get("volumes") or {}), log_dirs


def test_feedback_shares_the_workers_outbox_volume(compose, services):
    """The feedback API reads the delivered log the delivering worker writes: same named volume, same folder."""
    args = _feedback_args(services)
    mounts = _named_mounts(services[FEEDBACK])
    assert args.outbox in mounts, f"{FEEDBACK}: --outbox {args.outbox} is not on a named volume"
    volume = mounts[args.outbox]
    assert volume in (compose.get("volumes") or {})
    for w in WORKERS:
        worker_mounts = _named_mounts(services[w])
        outbox = _env(services[w]).get("GROUNDSWELL_ALERTS_OUTBOX")
        if "--outbox" in _command(services[w]).split():
            cmd = _command(services[w]).split()
            outbox = cmd[cmd.index("--outbox") + 1]
        assert outbox, f"{w}: no --outbox / GROUNDSWELL_ALERTS_OUTBOX: its delivered log stays in a private folder"
        assert worker_mounts.get(outbox) == volume, f"{w}: outbox {outbox} is not on the volume {volume}"
    # a new named volume takes the owner of the image's folder: the non-root user must be able to write it
    dockerfile = (REPO / "Dockerfile").read_text()
    user = re.search(r"^USER (\S+)", dockerfile, re.M).group(1)
    for path in {args.outbox}:
        assert re.search(rf"mkdir -p [^&\n]*{re.escape(path)}\b", dockerfile), f"Dockerfile must create {path}"
        assert re.search(rf"chown {user} [^&\n]*{re.escape(path)}\b", dockerfile), f"{path} must belong to {user}"


# -- Prometheus ------------------------------------------------------------------------------

def test_prometheus_config_mounted_and_targets_match_workers(services):
    prom = services["prometheus"]
    mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in prom["volumes"]}
    assert mounts.get("./config/prometheus/prometheus.yml") == "/etc/prometheus/prometheus.yml"
    assert "--config.file=/etc/prometheus/prometheus.yml" in prom["command"]

    config = yaml.safe_load(PROM_CONFIG.read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    service_jobs = [j for j in jobs.values()
                    if any(t.split(":")[0] in services for sc in j.get("static_configs", []) for t in sc["targets"])]
    targets = {t for j in service_jobs for sc in j["static_configs"] for t in sc["targets"]}
    assert targets == {f"{w}:{METRICS_PORT}" for w in (*WORKERS, FEEDBACK)}
    for job in service_jobs:
        assert job.get("metrics_path", "/metrics") == "/metrics"
    # the feedback API's metrics (time to acknowledge, false alarms) have a job of their own
    feedback_jobs = [j["job_name"] for j in service_jobs
                     if any(t.startswith(FEEDBACK + ":") for sc in j["static_configs"] for t in sc["targets"])]
    assert len(feedback_jobs) == 1
    assert not any(t.split(":")[0] in WORKERS for sc in jobs[feedback_jobs[0]]["static_configs"]
                   for t in sc["targets"])
    assert FEEDBACK in prom.get("depends_on", [])
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


def _exported(factory) -> dict[str, str]:
    from prometheus_client import CollectorRegistry
    reg = CollectorRegistry()
    factory(reg)
    return {fam.name + ("_total" if fam.type == "counter" else ""): fam.type for fam in reg.collect()}


def test_metric_list_is_what_the_code_exports():
    """The list above is the code's: every pipeline metric (embedded and Kafka workers) is on the dashboard, and
    every alerting / feedback metric it names exists, with that type."""
    from groundswell.alerts.metrics import AlertMetrics
    from groundswell.streams.metrics import PipelineMetrics
    pipeline = _exported(PipelineMetrics)
    missing = {k: v for k, v in pipeline.items() if METRICS.get(k) != v}
    assert not missing, f"pipeline metrics not on the dashboard: {missing}"
    code = {**pipeline, **_exported(AlertMetrics)}
    for name, kind in METRICS.items():
        assert code.get(name) == kind, f"{name} ({kind}) is not a {kind} the code exports: {code.get(name)}"


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
            if kind == "histogram" and name.endswith("_bucket"):
                assert "histogram_quantile" in expr, f"{title}: {expr}"
            elif kind == "histogram":   # _count / _sum: counters
                assert name.endswith(("_count", "_sum")) and re.search(
                    rf"\b(rate|increase)\s*\(\s*{name}\b", expr), f"{title}: {expr}"
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


def test_dashboard_has_the_feedback_row(dashboard):
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert any("feedback" in r.lower() for r in rows), rows
    exprs = [e for _, e in _exprs(dashboard)]
    assert any(re.search(r"histogram_quantile\(\s*0\.5", e) and "time_to_acknowledge_seconds_bucket" in e
               for e in exprs), "time to acknowledge (median) missing"
    assert any(re.search(r"histogram_quantile\(\s*0\.9", e) and "time_to_acknowledge_seconds_bucket" in e
               for e in exprs), "time to acknowledge (p90) missing"
    for by in ("route", "detector"):   # false alarms / all verdicts, both counted on the same route / detector
        share = rf"^\(?sum by \({by}\) \(increase\(groundswell_false_alarms_total\[[^\]]+\]\)\).*\s/\s*" \
                rf"sum by \({by}\) \(increase\(groundswell_issues_answered_total\[[^\]]+\]\)\)$"
        assert any(re.search(share, e) for e in exprs), f"false-alarm share by {by} missing"
    assert any("time_to_acknowledge_seconds_count" in e for e in exprs), "acknowledged issues missing"
    assert any("groundswell_issues_notified_total" in e and "-" in e and "groundswell_issues_answered_total" in e
               for e in exprs), "unanswered issues (notified - answered) missing"


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
              "expr": expr.replace("$__rate_interval", "1m").replace("$__interval", "1m")
                          .replace("$__range", "1h")}
             for i, (_, expr) in enumerate(_exprs(dashboard))]
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    proc = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(rules)} rules found" in proc.stdout
