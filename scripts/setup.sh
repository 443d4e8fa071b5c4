#!/usr/bin/env bash
# Brings a fresh Debian 12 machine to the point where sostac builds and tests:
# Debian packages (only the missing ones), a virtual environment in .venv with the
# Python tools, and sostac itself built and installed into it. Safe to re-run: each
# step is skipped when already done.
#
# Usage: scripts/setup.sh [--browser]
#   --browser (or SOSTAC_BROWSER=1) also installs Debian's chromium and a font
#   (fonts-dejavu-core), which tests/python/test_browser.py needs to open the HTML
#   report in headless Chromium and screenshot it; `make test` passes it, `make demo`
#   does not.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
BROWSER=${SOSTAC_BROWSER:-0}
for arg in "$@"; do
  case "$arg" in
    --browser) BROWSER=1 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

have_cmake() {
  command -v cmake >/dev/null 2>&1 || return 1
  local v
  v=$(cmake --version | head -n1 | awk '{print $3}')
  [ "$(printf '%s\n3.15\n' "$v" | sort -V | head -n1)" = "3.15" ]
}

python_ok() {
  python3 -c 'import venv, ensurepip, sysconfig, os, sys
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)' \
    >/dev/null 2>&1
}

# --- Debian packages -----------------------------------------------------------
want=(libeigen3-dev libboost-math-dev catch2 nlohmann-json3-dev clang-14 libclang-rt-14-dev)
command -v g++ >/dev/null 2>&1 || want+=(g++)
command -v make >/dev/null 2>&1 || want+=(make)
have_cmake || want+=(cmake)
command -v python3 >/dev/null 2>&1 || want+=(python3)
python_ok || want+=(python3-venv python3-dev)
# the browser tests: chromium (with its libraries) and a font for the screenshots' text
if [ "$BROWSER" = 1 ]; then want+=(chromium fonts-dejavu-core); fi
missing=()
for p in "${want[@]}"; do
  # installed, not merely known to dpkg (a removed package keeps its config files)
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- virtual environment ---------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
stamp="$VENV/.requirements-$(sha256sum requirements-dev.txt | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  log "installing Python tools into $VENV"
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q -r requirements-dev.txt
  rm -f "$VENV"/.requirements-*
  touch "$stamp"
fi

# --- build and install sostac into the venv (incremental: build/dev-<wheel tag>, its
# own directory, so a plain `pip install .` (build/<wheel tag>) does not rebuild it) --
log "building sostac"
"$PY" -m pip install -q --no-build-isolation --no-deps \
  --config-settings=build-dir="build/dev-{wheel_tag}" .
"$PY" -c 'import sostac; print("[setup] sostac", sostac.__version__, "ready in", sostac.__file__)'
