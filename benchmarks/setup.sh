#!/usr/bin/env bash
# Install the peer libraries that benchmarks/bench_peers.py compares against into .venv.
# nplv-sim does not depend on them; run this once before the peer benchmark:
#   bash benchmarks/setup.sh && .venv/bin/python benchmarks/bench_peers.py
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  bash scripts/setup.sh
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements.txt
