#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build --build-tests
swift test --skip-build
# The fuzz corpus (crafted hostile headers and any crash reproducers of scripts/fuzz.sh)
# through every decoder once: a regression here is a trap, not a failed assertion.
.build/debug/FuzzDecoders scripts/fuzz-corpus/seeds scripts/fuzz-corpus/crashes
bash scripts/workflow_check.sh .build/debug/phenoscope
