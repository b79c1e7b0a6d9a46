#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build --build-tests
swift test --skip-build
bash scripts/workflow_check.sh .build/debug/phenoscope
