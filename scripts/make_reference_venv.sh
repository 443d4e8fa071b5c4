#!/usr/bin/env bash
# The test-only reference environment (.venv-ref) with lifetimes pinned, for the
# golden files of sostac.customer (tests/golden/customer/generate_lifetimes.py):
#   bash scripts/make_reference_venv.sh && .venv-ref/bin/python tests/golden/customer/generate_lifetimes.py
# `make golden` runs both. Nothing in `make test` needs it: the answers are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv-ref}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -r tests/golden/customer/requirements-lifetimes.txt
"$VENV/bin/python" -c "import lifetimes; print('lifetimes', lifetimes.__version__)"
