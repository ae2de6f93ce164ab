#!/usr/bin/env bash
# Set up a virtual environment and forecast the built-in scenario (the seed's world, July 2024),
# writing its HTML report to report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[all]'
stakes forecast --model weighted-mean --model bdm --report report.html "$@"
