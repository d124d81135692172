#!/usr/bin/env bash
# The test command: installs what is missing, builds, checks formatting and lint, and runs every
# test (unit, store conformance, scenarios through the CLI and the HTTP API, the crash test).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
./scripts/lint.sh
ctest --test-dir "${FLOWLINE_BUILD_DIR:-build}" --output-on-failure -j2
