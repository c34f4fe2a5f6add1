#!/usr/bin/env bash
# Install everything a fresh machine lacks: Debian's Chromium (for chart exports and browser tests) and a
# Python >= 3.11 virtual environment in .venv with the pinned packages.
# Usage: ./setup.sh          runtime packages
#        ./setup.sh --dev    also the test, lint and benchmark packages
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup.sh: needs Python 3.11 or newer as '$PYTHON' (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    # Debian/Ubuntu ship venv separately
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    else
        echo "setup.sh: Python's venv module is missing (apt-get install python3-venv)" >&2
        exit 1
    fi
fi
# Chromium renders static chart exports (kaleido) and runs the browser tests
if ! command -v chromium >/dev/null 2>&1; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    else
        echo "setup.sh: Chromium is missing (apt-get install chromium); chart exports need it" >&2
    fi
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "${1:-}" = "--dev" ]; then
    .venv/bin/python -m pip install -q -r requirements.txt -r requirements-dev.txt
else
    .venv/bin/python -m pip install -q -r requirements.txt
fi
# the package itself, editable (it reads queries/ and data/ beside it): gives the `explorer` command
.venv/bin/python -m pip install -q --no-deps -e .
