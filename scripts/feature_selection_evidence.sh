#!/usr/bin/env bash
# Feature-selection choices on one well-level profile table, evaluated the same way:
#   scripts/feature_selection_evidence.sh WELLS.csv [PHENOSCOPE]
# WELLS.csv: raw well means (a run's profiles/wells.csv, or CellProfiler per-well features
# with Metadata_Plate/Compound/Concentration/MoA/Batch columns). Prints one line per
# choice: NSC, NSCB, mAP, each with its 95 % bootstrap interval over treatments. Run it on
# several screens before changing the run's default selection (README, Feature selection).
set -euo pipefail
wells=$1
bin=${2:-.build/release/phenoscope}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# naCutoff 0 everywhere, as the run: evaluation needs every kept value defined.
choices=(
  "robust-z|drop_na_columns"
  "robust-z|variance_threshold,correlation_threshold,drop_na_columns"
  "robust-z|drop_na_columns,drop_outliers"
  "robust-z|drop_na_columns,variance_threshold,drop_outliers,correlation_threshold"
  "mad_robustize|drop_na_columns"
  "mad_robustize|drop_na_columns,drop_outliers"
  "mad_robustize|drop_na_columns,drop_outliers:15"
  "mad_robustize|variance_threshold,correlation_threshold,drop_na_columns,blocklist,drop_outliers"
  "mad_robustize|drop_na_columns,frequency_threshold,drop_outliers,correlation_threshold"
)
printf "%-14s %-78s %s\n" normalize selection "figures (95 % CI)"
for c in "${choices[@]}"; do
  norm=${c%%|*}; sel=${c#*|}; cutoff=500
  if [[ $sel == *":"* ]]; then cutoff=${sel##*:}; sel=${sel%:*}; fi
  "$bin" evaluate "$wells" --normalize "$norm" --select "$sel" --na-cutoff 0 --outlier-cutoff "$cutoff" \
    --no-probe --forest-trees 0 --no-umap --null-size 100 --json --quiet --out "$out/e" > "$out/e.json"
  python3 - "$norm" "$sel (cutoff $cutoff)" "$out/e.json" <<'PY'
import json, sys
norm, sel, path = sys.argv[1:]
e = json.load(open(path))
def f(k):
    v, ci = e.get(k), e.get(k + "_ci")
    return "n/a" if v is None else f"{v:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"
print(f"{norm:<14} {sel:<78} NSC {f('nsc')}  NSCB {f('nscb')}  mAP {f('map_moa')}")
PY
done
