#!/usr/bin/env bash
# The test-only ChannelAttribution environment (.venv-ca), for the golden file of
# sostac.attribution's Markov chains (tests/golden/attribution/
# make_channelattribution_markov.py) and the ChannelAttribution side of
# benchmarks/python/bench_attribution.py. ChannelAttribution ships no wheel: pip
# builds it from source with the system's g++ (a few minutes). Nothing in `make test`
# needs it: the answers are committed.
#   bash scripts/make_attribution_venv.sh
#   .venv-ca/bin/python tests/golden/attribution/make_channelattribution_markov.py
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv-ca}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -r tests/golden/attribution/requirements-channelattribution.txt
"$VENV/bin/python" -c "import ChannelAttribution; print('ChannelAttribution ready')"
