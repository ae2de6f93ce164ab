#!/usr/bin/env bash
# Set up a virtual environment, forecast the built-in scenario (the seed's world, July 2024) under every
# variant with its declared models, and write the full HTML report (forecasts, rounds, Monte Carlo,
# sensitivity, alignment, theses) to report.html. Extra arguments go to `stakes report`.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[all]'
stakes compile   # the numba kernels, once (cached on disk): later commands start warm
stakes forecast
stakes report -o report.html "$@"
