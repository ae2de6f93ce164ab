#!/usr/bin/env bash
# Set up a virtual environment with every extra and run lint + the whole test suite.
# pytest exit code 5 ("no tests collected") is a failure here, not a pass.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[test]'
ruff check src tests benchmarks
set +e
python -m pytest -q "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
