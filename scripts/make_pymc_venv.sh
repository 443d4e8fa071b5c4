#!/usr/bin/env bash
# The second test-only reference environment (.venv-pymc) with PyMC-Marketing pinned, for
# benchmarks/python/bench_customer_models.py (MAP fits of BG/NBD, Pareto/NBD and Gamma-Gamma)
# and tests/golden/customer/generate_pymc.py (the flat-prior MAP cross-check):
#   bash scripts/make_pymc_venv.sh
#   bash scripts/make_pymc_venv.sh --unpinned   # newest pymc-marketing==0.19.2 resolution, then
#                                               # `pip freeze` it into the requirements file
# Like .venv-ref it is gitignored and nothing in `make test` needs it. VENV=/tmp/x makes the
# environment elsewhere (.venv-pymc may then be a symlink to it).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv-pymc}
REQ=tests/golden/customer/requirements-pymc-marketing.txt
PYTHON=${PYTHON:-python3.11}
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
if [ "${1:-}" = "--unpinned" ]; then
  "$VENV/bin/python" -m pip install -q "pymc-marketing==0.19.2"
  {
    echo "# The test-only PyMC-Marketing environment (scripts/make_pymc_venv.sh): not a dependency"
    echo "# of sostac; pip freeze of pymc-marketing==0.19.2 and what it pulled in (Python 3.11, PyPI)."
    "$VENV/bin/python" -m pip freeze --exclude-editable | LC_ALL=C sort -f
  } > "$REQ"
else
  "$VENV/bin/python" -m pip install -q -r "$REQ"
fi
"$VENV/bin/python" -c "import pymc_marketing, pymc; print('pymc-marketing', pymc_marketing.__version__, 'pymc', pymc.__version__)"
