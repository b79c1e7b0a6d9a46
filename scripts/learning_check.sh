#!/usr/bin/env bash
# End-to-end check of learned embeddings: a 1-plate synthetic screen -> crops -> train each
# method (supervised, SimCLR, DINO; configs in config/train-*.yaml) -> embed -> well profiles
# (robust-z against DMSO) -> NSC, compared with the same pipeline on RANDOM (untrained,
# same-seed) weights of the same architecture. Prints per method "NSC trained X vs random Y".
# Usage: scripts/learning_check.sh [WORKDIR] (default /tmp/phenoscope-learning-check).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-/tmp/phenoscope-learning-check}
# The newer of the release and debug builds, unless PHENOSCOPE names one.
BIN=${PHENOSCOPE:-$(ls -t "$ROOT"/.build/release/phenoscope "$ROOT"/.build/debug/phenoscope 2>/dev/null | head -1)}
[ -n "$BIN" ] && [ -x "$BIN" ] || { echo "build first: swift build -c release --product phenoscope" >&2; exit 1; }
METHODS=${METHODS:-"supervised simclr dino"}
mkdir -p "$W"
[ -f "$W/screen/manifest.csv" ] || "$BIN" synth --out "$W/screen" --plates 1 --seed 3 >&2
[ -f "$W/crops/crops.json" ] || "$BIN" crops "$W/screen/manifest.csv" --masks "$W/screen/ground_truth/masks.csv" \
    --out "$W/crops" --size 48 --quiet >&2

nsc() {  # embeddings.npy -> NSC of well profiles
    local npy=$1 base=${1%.npy}
    "$BIN" profile "$base.csv" --embeddings "$npy" --out "$base-wells.csv" --by well --normalize robust-z --quiet >&2
    "$BIN" evaluate "$base-wells.csv" --json --out "$base-eval" 2>/dev/null \
        | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["nsc"], 3))'
}

for m in $METHODS; do
    rm -rf "$W/runs/$m"
    "$BIN" train "$ROOT/config/train-$m.yaml" --crops "$W/crops" --runs-dir "$W/runs" --quiet >&2
    "$BIN" embed --model "$W/runs/$m" --cells "$W/crops" --out "$W/emb-$m.npy" --quiet
    "$BIN" embed --model "$W/runs/$m" --cells "$W/crops" --out "$W/emb-$m-random.npy" --untrained --quiet
    echo "$m: NSC trained $(nsc "$W/emb-$m.npy") vs random $(nsc "$W/emb-$m-random.npy")"
done
