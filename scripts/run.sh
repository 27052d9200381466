#!/usr/bin/env bash
# Set up, then run the default job: the shipped assumptions, 100,000 draws, a new
# results/ folder. Extra arguments go to `nplv-sim run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/nplv-sim run --seed 20260128 "$@"
