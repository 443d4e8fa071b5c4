#!/usr/bin/env bash
# The compiled module under AddressSanitizer and UBSan, driven by the Python tests of
# the kernels (the input layer, metrics, statistics, control, golden files): builds
# build/sanitize-py/_core*.so with -fsanitize=address,undefined, lays out a scratch
# copy of the package around it and runs those tests with libasan preloaded (the
# interpreter itself is not instrumented; leaks are not checked, as CPython keeps
# objects to the end). `make sanitize-python`; part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
B=build/sanitize-py
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOSTAC_BUILD_PYTHON=ON \
  -DSOSTAC_BUILD_TESTS=OFF -DSOSTAC_INSTALL=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -Dpybind11_DIR="$("$PY" -m pybind11 --cmakedir)" -DPython_EXECUTABLE="$PWD/$PY" >/dev/null
cmake --build "$B" -j"$JOBS" --target _core
rm -rf "$B/pkg" && mkdir -p "$B/pkg"
cp -r python/sostac "$B/pkg/sostac"
rm -f "$B/pkg/sostac/"_core*.so
cp "$B"/_core*.so "$B/pkg/sostac/"
mkdir -p "$B/pkg/sostac/data/plans" && cp examples/plans/* "$B/pkg/sostac/data/plans/"
ASAN_LIB=$(g++ -print-file-name=libasan.so)
UBSAN_LIB=$(g++ -print-file-name=libubsan.so)
cd "$B/pkg"
LD_PRELOAD="$ASAN_LIB:$UBSAN_LIB" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 PYTHONPATH="$PWD" \
  "$OLDPWD/$PY" -m pytest -q -p no:cacheprovider --rootdir="$OLDPWD" -c "$OLDPWD/pyproject.toml" \
  "$OLDPWD/tests/python/test_input.py" "$OLDPWD/tests/python/test_metrics.py" \
  "$OLDPWD/tests/python/test_distinct.py" "$OLDPWD/tests/python/test_golden_py.py" \
  "$OLDPWD/tests/python/test_golden_r.py" "$OLDPWD/tests/python/test_one_sample.py" \
  "$OLDPWD/tests/python/test_properties.py" "$OLDPWD/tests/python/test_control_status.py" \
  "$OLDPWD/tests/python/test_overdispersion.py" "$OLDPWD/tests/python/test_errors.py" \
  "$OLDPWD/tests/python/test_customer_summary.py" \
  "$OLDPWD/tests/python/test_customer_models.py" \
  "$OLDPWD/tests/python/test_customer_pareto.py" \
  "$OLDPWD/tests/python/test_attribution_paths.py" \
  "$OLDPWD/tests/python/test_attribution_models.py" \
  "$OLDPWD/tests/python/test_attribution_shapley.py" \
  "$OLDPWD/tests/python/test_attribution_bootstrap.py" \
  "$OLDPWD/tests/python/test_attribution_encode.py" \
  "$OLDPWD/tests/python/test_budget.py"
