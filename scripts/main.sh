#!/usr/bin/env bash
# Installs what is needed, builds in release mode, and runs the main job on the built-in
# default data (a synthetic screen): the README's first command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release --product phenoscope
exec .build/release/phenoscope run config/default.yaml "$@"
