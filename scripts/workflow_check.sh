#!/usr/bin/env bash
# The Snakemake workflow (workflow/Snakefile) end to end on a 2-plate synthetic screen: a
# dry run, a real local run with 2 cores, then the same config through one whole
# `phenoscope run`; the normalized profiles must be byte-identical.
# Snakemake comes from PyPI into a private venv; without PyPI the check is skipped, saying so.
# Usage: scripts/workflow_check.sh [PHENOSCOPE_BINARY]   (default: .build/debug/phenoscope)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-.build/debug/phenoscope}")"
VENV=.venv-workflow
if [ ! -x "$VENV/bin/snakemake" ]; then
  if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q snakemake; } >/dev/null 2>&1; then
    echo "workflow check: SKIPPED (could not pip-install snakemake)"; exit 0
  fi
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
for name in flow whole; do
  cat > "$WORK/$name.yaml" <<YAML
name: $name
runs_dir: .
screen:
  synthetic: {plates: 2, plates_per_batch: 1, sites: 1, width: 96, height: 96, seed: 2}
features: {families: [intensity, shape], texture_scales: [3]}
evaluation: {null_size: 50, classifiers: false}
YAML
done
SMK=("$VENV/bin/snakemake" -s "$PWD/workflow/Snakefile" --directory "$WORK" --cores 2 --config "run_config=$WORK/flow.yaml" "phenoscope=$BIN")
"${SMK[@]}" --dry-run --quiet rules
"${SMK[@]}" --quiet rules 2>&1 | tail -4
"$BIN" run "$WORK/whole.yaml" --quiet | sed -n 2p
cmp "$WORK/whole/profiles/wells_normalized.csv" "$WORK/flow/profiles/wells_normalized.csv"
cmp "$WORK/whole/qc/qc.csv" "$WORK/flow/qc/qc.csv"
echo "workflow check: OK (snakemake dry run and local run; profiles identical to phenoscope run)"
