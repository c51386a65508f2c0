#!/usr/bin/env bash
# Set up Groundswell in ./.venv (Python 3.11+ from the machine; dependencies from PyPI). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Groundswell needs Python 3.11+")'
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
echo "setup: ready (.venv/bin/groundswell)"
