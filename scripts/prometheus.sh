#!/usr/bin/env bash
# Local Prometheus (Debian package binary, run by hand on 127.0.0.1) for real-parts tests.
#
#   scripts/prometheus.sh install    apt-get install prometheus (idempotent); the Debian service is
#                                    kept from starting, and disabled/stopped if it runs anyway
#   scripts/prometheus.sh start      start on 127.0.0.1:$PORT with a temp TSDB, wait for /-/ready
#   scripts/prometheus.sh reload     POST /-/reload (after editing the config file)
#   scripts/prometheus.sh stop [--keep-data]
#   scripts/prometheus.sh status     exit 0 when running and ready, 3 when stopped
#
# Environment (all optional):
#   PROMETHEUS_PORT / PORT        listen port, default 19090 (always bound to 127.0.0.1)
#   PROMETHEUS_CONFIG             config file to use; default: one generated in the state dir
#   PROMETHEUS_TARGETS            for the generated config: comma-separated host:port list scraped
#                                 as job "groundswell" (default: only Prometheus itself)
#   PROMETHEUS_SCRAPE_INTERVAL    for the generated config, default 1s
#   PROMETHEUS_STATE_DIR          default ${TMPDIR:-/tmp}/groundswell-prometheus-$PORT
#   PROMETHEUS_START_TIMEOUT      default 60 (seconds)
#   GROUNDSWELL_OWNER_PID         if set at start, a watchdog stops Prometheus once that process is gone
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SELF="$SCRIPT_DIR/$(basename "${BASH_SOURCE[0]}")"
PROBE="$SCRIPT_DIR/netprobe.py"
PYTHON="${PYTHON:-$(command -v python3 || command -v python)}"

PORT="${PROMETHEUS_PORT:-${PORT:-19090}}"
HOST=127.0.0.1
STATE_DIR="${PROMETHEUS_STATE_DIR:-${TMPDIR:-/tmp}/groundswell-prometheus-$PORT}"
PID_FILE="$STATE_DIR/prometheus.pid"
DATA_DIR="$STATE_DIR/data"
LOG_FILE="$STATE_DIR/prometheus.log"
CONFIG="${PROMETHEUS_CONFIG:-$STATE_DIR/prometheus.yml}"
START_TIMEOUT="${PROMETHEUS_START_TIMEOUT:-60}"
URL="http://$HOST:$PORT"

log() { echo "prometheus.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

find_bin() {
    local b
    for b in "${PROMETHEUS_BIN:-}" "$(command -v prometheus || true)" /usr/bin/prometheus; do
        [ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
    done
    return 1
}

# The Debian package would run prometheus as a service on 0.0.0.0:9090. Keep it from starting;
# if it runs anyway (systemd machine, or a package installed earlier), stop and disable it.
tame_debian_service() {
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
        systemctl disable --now prometheus.service >/dev/null 2>&1 || true
        systemctl disable --now prometheus-node-exporter.service >/dev/null 2>&1 || true
    fi
    if [ -x /etc/init.d/prometheus ] && /etc/init.d/prometheus status >/dev/null 2>&1; then
        log "stopping the Debian prometheus service"
        /etc/init.d/prometheus stop >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null && [ -x /etc/init.d/prometheus ]; then
        update-rc.d prometheus disable >/dev/null 2>&1 || true
    fi
    # defence in depth: should anything start the service later, it listens on loopback only
    if [ -f /etc/default/prometheus ] && grep -q '^ARGS=""' /etc/default/prometheus; then
        sed -i 's|^ARGS=""|ARGS="--web.listen-address=127.0.0.1:9090"|' /etc/default/prometheus
    fi
}

do_install() {
    if find_bin >/dev/null && command -v promtool >/dev/null; then
        log "prometheus already installed: $(find_bin) ($("$(find_bin)" --version 2>&1 | head -1))"
        tame_debian_service
        return 0
    fi
    command -v apt-get >/dev/null || die "prometheus is not installed and apt-get is not available"
    [ "$(id -u)" = 0 ] || die "prometheus is not installed; 'apt-get install prometheus' needs root"
    local t0=$SECONDS made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        # tell invoke-rc.d not to start services during this install
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    local rc=0
    {
        apt-get install -y --no-install-recommends prometheus </dev/null \
            || { apt-get update </dev/null && apt-get install -y --no-install-recommends prometheus </dev/null; }
    } >"${TMPDIR:-/tmp}/groundswell-prometheus-install.log" 2>&1 || rc=$?
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    if [ "$rc" != 0 ]; then
        tail -30 "${TMPDIR:-/tmp}/groundswell-prometheus-install.log" >&2
        die "apt-get install prometheus failed"
    fi
    tame_debian_service
    find_bin >/dev/null || die "prometheus binary not found after install"
    log "installed $("$(find_bin)" --version 2>&1 | head -1) in $((SECONDS - t0))s"
}

prom_pid() {
    [ -f "$PID_FILE" ] || return 0
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--storage.tsdb.path=$DATA_DIR"; then
        echo "$pid"
    fi
}

ready() { "$PYTHON" "$PROBE" http-ok "$URL/-/ready"; }

write_default_config() {
    local interval="${PROMETHEUS_SCRAPE_INTERVAL:-1s}" targets="" t
    IFS=',' read -r -a tlist <<<"${PROMETHEUS_TARGETS:-}"
    for t in "${tlist[@]}"; do
        [ -n "$t" ] && targets="$targets'$t', "
    done
    {
        echo "# generated by scripts/prometheus.sh"
        echo "global:"
        echo "  scrape_interval: $interval"
        echo "  evaluation_interval: $interval"
        echo "scrape_configs:"
        echo "  - job_name: prometheus"
        echo "    static_configs:"
        echo "      - targets: ['$HOST:$PORT']"
        if [ -n "$targets" ]; then
            echo "  - job_name: groundswell"
            echo "    static_configs:"
            echo "      - targets: [${targets%, }]"
        fi
    } >"$CONFIG"
}

do_start() {
    mkdir -p "$STATE_DIR"
    local pid
    pid="$(prom_pid)"
    if [ -n "$pid" ]; then
        if wait_ready "$pid"; then log "already running (pid $pid) at $URL"; echo "$URL"; return 0; fi
        die "prometheus pid $pid is alive but not ready; run '$0 stop' first"
    fi
    [ -f "$PID_FILE" ] && { log "removing stale pid file $PID_FILE"; rm -f "$PID_FILE"; }
    "$PYTHON" "$PROBE" port-open "$HOST:$PORT" && die "port $HOST:$PORT is already in use by another process"
    do_install
    local bin
    bin="$(find_bin)"
    mkdir -p "$DATA_DIR"
    if [ -z "${PROMETHEUS_CONFIG:-}" ]; then
        write_default_config
    fi
    [ -f "$CONFIG" ] || die "config file $CONFIG not found"
    local t0=$SECONDS
    setsid "$bin" \
        --config.file="$CONFIG" \
        --storage.tsdb.path="$DATA_DIR" \
        --storage.tsdb.retention.time=2h \
        --web.listen-address="$HOST:$PORT" \
        --web.enable-lifecycle \
        --log.level=info \
        </dev/null >"$LOG_FILE" 2>&1 &
    pid=$!
    echo "$pid" >"$PID_FILE"
    if ! wait_ready "$pid"; then
        tail -30 "$LOG_FILE" >&2 || true
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$PID_FILE"
        die "prometheus did not become ready within ${START_TIMEOUT}s"
    fi
    log "started pid $pid at $URL (config $CONFIG) in $((SECONDS - t0))s"
    if [ -n "${GROUNDSWELL_OWNER_PID:-}" ]; then
        setsid bash -c '
            owner=$1 pid=$2 self=$3
            while kill -0 "$owner" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 2; done
            if kill -0 "$pid" 2>/dev/null && [ "$(cat "$PID_FILE_W" 2>/dev/null)" = "$pid" ]; then
                exec "$self" stop
            fi' watchdog "$GROUNDSWELL_OWNER_PID" "$pid" "$SELF" </dev/null >/dev/null 2>&1 &
    fi
    echo "$URL"
}

wait_ready() {
    local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
    while [ $SECONDS -lt $deadline ]; do
        kill -0 "$pid" 2>/dev/null || { log "prometheus process $pid exited"; return 1; }
        ready && return 0
        sleep 0.2
    done
    return 1
}

do_reload() {
    [ -n "$(prom_pid)" ] || die "prometheus is not running"
    "$PYTHON" "$PROBE" http-post "$URL/-/reload" || die "reload failed (see $LOG_FILE)"
    log "reloaded $CONFIG"
}

do_stop() {
    local keep=0 arg
    for arg in "$@"; do
        case "$arg" in
            --keep-data) keep=1 ;;
            *) die "unknown stop option $arg" ;;
        esac
    done
    local pid
    pid="$(prom_pid)"
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 20))
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        fi
        log "stopped prometheus pid $pid"
    else
        log "no prometheus running for $STATE_DIR"
    fi
    rm -f "$PID_FILE"
    if [ "$keep" != 1 ] && [ -d "$STATE_DIR" ]; then
        rm -rf "$STATE_DIR"
        log "removed $STATE_DIR"
    fi
}

do_status() {
    local pid
    pid="$(prom_pid)"
    if [ -n "$pid" ] && ready; then echo "running pid=$pid url=$URL config=$CONFIG"; return 0; fi
    if [ -n "$pid" ]; then echo "starting-or-unhealthy pid=$pid url=$URL"; return 1; fi
    echo "stopped url=$URL installed=$(find_bin >/dev/null && echo yes || echo no)"
    return 3
}

export PROMETHEUS_PORT="$PORT" PROMETHEUS_STATE_DIR="$STATE_DIR" PID_FILE_W="$PID_FILE"
[ -n "${PROMETHEUS_CONFIG:-}" ] && export PROMETHEUS_CONFIG

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    install) do_install ;;
    start) do_start ;;
    reload) do_reload ;;
    stop) do_stop "$@" ;;
    status) do_status ;;
    url) echo "$URL" ;;
    *) echo "usage: $0 install|start|reload|stop [--keep-data]|status|url" >&2; exit 2 ;;
esac
