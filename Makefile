# The two commands a fresh machine needs: `make demo` and `make test`.
# Both do all set-up first (scripts/setup.sh: Debian packages, .venv, build); `make
# test` also installs Debian's chromium for the browser tests (setup.sh --browser).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BUILD ?= build/cpp
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: help setup setup-test demo test test-cpp test-python test-fuzz fuzz fuzz-build bench sanitize sanitize-python format golden schema clean

help:
	@echo "make demo      set up, build, and write build/demo/report.html on the demo plan and data"
	@echo "make test      set up (with chromium), build, run every C++ (ctest) test, again under"
	@echo "               ASan+UBSan, and every Python (pytest) test; the HTML report's"
	@echo "               screenshots go to build/screenshots"
	@echo "make bench     benchmarks against statsmodels/scipy, pandas/polars/DuckDB, and the"
	@echo "               report's steps (writes only its test data and reports under build/bench)"
	@echo "make sanitize  ASan+UBSan build of the C++ tests"
	@echo "make sanitize-python  the Python tests of the kernels on an ASan+UBSan module"
	@echo "make fuzz      fuzz the plan loader (libFuzzer; FUZZ_SECONDS, default 600)"
	@echo "make format    clang-format the C++ sources"
	@echo "make golden    regenerate tests/golden (needs R, r-cran-pwr, r-cran-spc)"
	@echo "make schema    embed docs/plan.schema.json into the C++ headers"

setup:
	bash scripts/setup.sh

# The same, plus chromium and a font: tests/python/test_browser.py opens the HTML
# report in headless Chromium (it fails without it when CI is set, else skips).
setup-test:
	bash scripts/setup.sh --browser

demo: setup
	mkdir -p build/demo
	$(VENV)/bin/sostac demo -o build/demo/report.html

# pytest runs last so that its summary closes the output.
test: setup-test
	$(MAKE) test-cpp
	$(MAKE) sanitize
	$(MAKE) sanitize-python
	$(MAKE) test-fuzz
	$(MAKE) test-python

# The plan loader under libFuzzer (+ASan/UBSan), from the seed corpus; `make test`
# runs it for 60 s with a fixed seed (reproducible), `make fuzz` for FUZZ_SECONDS
# with a random one. Crashes found are kept in tests/fuzz/corpus as regressions. New
# inputs go to a scratch copy of the corpus, so the committed seeds stay as they are.
FUZZ_SECONDS ?= 600
FUZZ_CXX ?= clang++-14
fuzz-build:
	cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOSTAC_BUILD_TESTS=OFF \
	  -DSOSTAC_INSTALL=OFF -DSOSTAC_BUILD_FUZZERS=ON -DCMAKE_CXX_COMPILER=$(FUZZ_CXX)
	cmake --build build/fuzz -j$(JOBS) --target fuzz_plan

test-fuzz: fuzz-build
	rm -rf build/fuzz/corpus && cp -r tests/fuzz/corpus build/fuzz/corpus
	build/fuzz/tests/fuzz/fuzz_plan -seed=1 -max_total_time=60 -max_len=65536 -timeout=10 \
	  -rss_limit_mb=2048 -print_final_stats=1 build/fuzz/corpus

fuzz: fuzz-build
	mkdir -p build/fuzz/corpus && cp -rn tests/fuzz/corpus/. build/fuzz/corpus/
	build/fuzz/tests/fuzz/fuzz_plan -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	  -timeout=10 -rss_limit_mb=2048 build/fuzz/corpus

test-cpp:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DSOSTAC_BUILD_TESTS=ON
	cmake --build $(BUILD) -j$(JOBS)
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

test-python:
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/python/bench_stats.py
	$(PY) benchmarks/python/bench_metrics.py
	$(PY) benchmarks/python/bench_report.py
	$(PY) benchmarks/python/bench_customer.py
	$(PY) benchmarks/python/bench_customer_models.py
	$(PY) benchmarks/python/bench_budget.py
	$(PY) benchmarks/python/bench_attribution.py
	$(PY) benchmarks/python/bench_path_accumulator.py
	$(PY) benchmarks/python/bench_attribution_bootstrap.py

sanitize:
	cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=Debug -DSOSTAC_BUILD_TESTS=ON \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	cmake --build build/sanitize -j$(JOBS) --target sostac_tests
	cd build/sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ./tests/cpp/sostac_tests

sanitize-python:
	PY=$(PY) JOBS=$(JOBS) bash scripts/sanitize_python.sh

CLANG_FORMAT ?= $(shell command -v clang-format-14 || command -v clang-format || echo clang-format)
format:
	$(CLANG_FORMAT) -i $$(git ls-files '*.hpp' '*.cpp')

golden: setup
	Rscript tests/golden/r/generate.R
	Rscript tests/golden/r/generate_control.R
	Rscript tests/golden/r/generate_one_sample.R
	Rscript tests/golden/budget/generate_transforms.R
	$(PY) -m pip install -q -r tests/golden/py/requirements.txt
	$(PY) tests/golden/py/generate.py
	$(PY) tests/golden/py/generate_dispersion.py
	bash scripts/make_reference_venv.sh
	.venv-ref/bin/python tests/golden/customer/generate_lifetimes.py
	bash scripts/make_pymc_venv.sh
	.venv-pymc/bin/python tests/golden/customer/generate_pymc.py

schema:
	python3 scripts/embed_schema.py

clean:
	rm -rf build
