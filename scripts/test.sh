#!/usr/bin/env bash
# The whole suite, as CI runs it: lint, types, tests on SQLite, then the same tests on a real
# PostgreSQL server that this script starts (and installs with apt when it is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

scripts/system-deps.sh

echo "== ruff"; ruff check src tests benchmarks
echo "== mypy"; mypy

echo "== tests on SQLite"
env -u SMARTCUSTOMS_TEST_DATABASE_URL SMARTCUSTOMS_ENV=test pytest "$@"

echo "== tests on PostgreSQL"
if ! pg_url="$(scripts/pg-test-server.sh start)"; then
  echo "could not start a PostgreSQL server for the tests" >&2
  exit 1
fi
trap 'scripts/pg-test-server.sh stop >/dev/null 2>&1 || true' EXIT
SMARTCUSTOMS_TEST_DATABASE_URL="$pg_url" SMARTCUSTOMS_ENV=test pytest "$@"
