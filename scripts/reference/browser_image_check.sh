#!/usr/bin/env bash
# Headless-browser check of query by image on the `phenoscope serve` web page.
#
# Runs a small synthetic screen with classic segmentation and learned embeddings (one site
# per well, so a well index is a site index), serves the classical index and then the
# learned-embedding index, and has Debian's Chromium (installed here if missing) open the
# page at #query-site=PLATE/WELL/1: the page fetches that site's channels as one TIFF and
# sends it through the same upload path as its file picker (POST /api/search/image). The
# dumped DOM must show the cells found and that well as the top neighbour with similarity
# >= 0.99. Screenshot: WORKDIR/query-image-<index>.png.
#
#   scripts/reference/browser_image_check.sh [WORKDIR]     (default: a fresh temporary folder)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-$(mktemp -d /tmp/phenoscope-image-browser.XXXXXX)}"
mkdir -p "$work"
bin="${PHENOSCOPE:-$repo/.build/release/phenoscope}"
[ -x "$bin" ] || bin="$repo/.build/debug/phenoscope"
[ -x "$bin" ] || { echo "browser_image_check: build phenoscope first (swift build)" >&2; exit 1; }
if ! command -v chromium >/dev/null; then
  echo "browser_image_check: installing chromium" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi

printf 'method: simclr\narch: cnn4\nbatch_size: 16\nepochs: 1\ncells_per_epoch: 32\neval_every: 0\nseed: 2\n' > "$work/train.yaml"
cat > "$work/run.yaml" <<YAML
name: image
runs_dir: $work/runs
screen:
  synthetic: {plates: 2, plates_per_batch: 1, sites: 1, width: 128, height: 128, seed: 5}
segmentation: {method: classic}
features: {families: [intensity, shape], texture_scales: [3]}
crops: {enabled: true, size: 24, shard_size: 64}
evaluation: {null_size: 20, classifiers: false}
embedding: {enabled: true, train: train.yaml, batch_size: 50}
YAML
run="$work/runs/image"
"$bin" run "$work/run.yaml" --quiet >&2
manifest="$run/screen/manifest.csv"
# The first treated well of the first plate that the index holds.
read -r plate well < <(python3 - "$manifest" "$run/profiles/wells_normalized.csv" <<'PY'
import csv, sys
indexed = {(r["Metadata_Plate"], r["Metadata_Well"]) for r in csv.DictReader(open(sys.argv[2]))}
rows = [r for r in csv.DictReader(open(sys.argv[1])) if (r["Metadata_Plate"], r["Metadata_Well"]) in indexed]
first = [r for r in rows if r["Metadata_Plate"] == rows[0]["Metadata_Plate"] and r["Metadata_Compound"] != "DMSO"][0]
print(first["Metadata_Plate"], first["Metadata_Well"])
PY
)
chrome=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=30000)
for index in wells wells_embedding; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  "$bin" serve --index "$run/index/$index" --port "$port" --images-manifest "$manifest" 2> "$work/serve-$index.log" &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
  url="http://127.0.0.1:$port/#query-site=$plate/$well/1"
  "${chrome[@]}" --dump-dom "$url" > "$work/dom-$index.html" 2>/dev/null
  top=$(grep -o 'class="nb" data-id="[0-9]*" data-well="[A-Z0-9]*" data-score="[0-9.]*"' "$work/dom-$index.html" | head -1)
  cells=$(grep -o '[0-9]* cells' "$work/dom-$index.html" | head -1)
  topwell=$(sed -n 's/.*data-well="\([A-Z0-9]*\)".*/\1/p' <<< "$top")
  score=$(sed -n 's/.*data-score="\([0-9.]*\)".*/\1/p' <<< "$top")
  [ -n "$cells" ] || { echo "browser_image_check: $index: the page shows no cells found (see $work/dom-$index.html)" >&2; exit 1; }
  [ "$topwell" = "$well" ] || { echo "browser_image_check: $index: top neighbour '$topwell', expected $well (see $work/dom-$index.html)" >&2; exit 1; }
  python3 -c "import sys; sys.exit(0 if float('$score') >= 0.99 else 1)" || { echo "browser_image_check: $index: top similarity $score < 0.99" >&2; exit 1; }
  "${chrome[@]}" --window-size=1280,900 --screenshot="$work/query-image-$index.png" "$url" 2>/dev/null || true
  kill $server 2>/dev/null || true
  echo "browser_image_check: $index: $plate/$well uploaded through the page: $cells, top neighbour $topwell at similarity $score"
done
