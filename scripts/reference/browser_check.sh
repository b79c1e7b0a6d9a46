#!/usr/bin/env bash
# Headless-browser check of the `phenoscope serve` web page on a synthetic screen.
#
# Makes a small synthetic screen and runs the main job on it (profiles, catalog), builds an
# HNSW index from the normalized well profiles, starts the server on a loopback port, and
# has Debian's Chromium (installed here if missing) load the page headless: it dumps the
# DOM after the page's JavaScript ran, checks that the neighbours list was filled in with
# thumbnails and a MoA vote, and writes a screenshot to docs/serve-page.png.
#
#   scripts/reference/browser_check.sh [WORKDIR]     (default: a fresh temporary folder)
#
# Bounded: the job is one small screen, the server is stopped on exit, Chromium gets a
# fixed virtual-time budget. Exits non-zero with a one-line reason if any check fails.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-$(mktemp -d /tmp/phenoscope-browser.XXXXXX)}"
mkdir -p "$work"
bin="${PHENOSCOPE:-$repo/.build/release/phenoscope}"
[ -x "$bin" ] || bin="$repo/.build/debug/phenoscope"
[ -x "$bin" ] || { echo "browser_check: build phenoscope first (swift build)" >&2; exit 1; }

if ! command -v chromium >/dev/null; then
  echo "browser_check: installing chromium" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi

cat > "$work/browser.yaml" <<YAML
name: browser
runs_dir: $work/runs
screen:
  synthetic:
    plates: 2
    plates_per_batch: 1
    sites: 1
    width: 320
    height: 256
    seed: 3
evaluation:
  null_size: 100
YAML
run="$work/runs/browser"
if [ ! -f "$run/profiles/wells_normalized.csv" ]; then
  echo "browser_check: running the main job on a small synthetic screen (a few minutes in release)" >&2
  "$bin" run "$work/browser.yaml" >&2
fi
"$bin" index build --profiles "$run/profiles/wells_normalized.csv" --kind hnsw --out "$work/index" --quiet
echo "browser-check-key" > "$work/api.key"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$bin" serve --index "$work/index" --port "$port" --api-key-file "$work/api.key" --open-reads \
  --catalog "$run/catalog.sqlite" --images-manifest "$run/screen/manifest.csv" 2> "$work/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "http://127.0.0.1:$port/health" >/dev/null || { echo "browser_check: server did not start: $(tail -1 "$work/serve.log")" >&2; exit 1; }

chrome=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=15000)
"${chrome[@]}" --dump-dom "http://127.0.0.1:$port/" > "$work/dom.html" 2>/dev/null
# Rendered elements only: the inline script's templates hold the same markup with ${...}.
neighbours=$(grep -o 'class="nb" data-id="[0-9]' "$work/dom.html" | wc -l)
thumbs=$(grep -o 'src="/api/thumbnail?plate=' "$work/dom.html" | wc -l)
grep -q 'MoA vote: <b>' "$work/dom.html" || { echo "browser_check: the page shows no MoA vote (see $work/dom.html)" >&2; exit 1; }
[ "$neighbours" -ge 1 ] || { echo "browser_check: the neighbours list is empty (see $work/dom.html)" >&2; exit 1; }
[ "$thumbs" -eq "$neighbours" ] || { echo "browser_check: $thumbs thumbnails for $neighbours neighbours" >&2; exit 1; }

mkdir -p "$repo/docs"
"${chrome[@]}" --window-size=1280,900 --screenshot="$work/serve-page.png" "http://127.0.0.1:$port/" 2>/dev/null
[ -s "$work/serve-page.png" ] || { echo "browser_check: no screenshot" >&2; exit 1; }
cp "$work/serve-page.png" "$repo/docs/serve-page.png"
echo "browser_check: page loaded, $neighbours neighbours with thumbnails and a MoA vote; screenshot docs/serve-page.png (work: $work)"
