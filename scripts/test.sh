#!/usr/bin/env bash
# Run the whole test suite: unit, property, end-to-end, and the real-parts tests (a local Apache Kafka broker and
# Prometheus are installed and started by the fixtures on first use: scripts/kafka.sh, scripts/prometheus.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
.venv/bin/python -m pytest -p no:cacheprovider "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "test.sh: pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$rc"
