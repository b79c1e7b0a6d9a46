#!/usr/bin/env bash
# Renders a Phenoscope evaluation report with headless Chromium, offline:
#   scripts/reference/report_screenshot.sh REPORT_DIR [SCREENSHOT.png] [HEIGHT]
# writes SCREENSHOT.png (default REPORT_DIR/report.png: the top HEIGHT pixels of
# report.html at 1400 px wide, default 3200) and a PNG beside every figures/*.svg.
# Network access is cut (host resolver maps every name to nothing, proxy to a closed
# port), so a page that needed the network would render with holes.
# Needs chromium (apt-get install chromium); a development tool, never used by the program.
set -euo pipefail
dir=${1:?usage: report_screenshot.sh REPORT_DIR [SCREENSHOT.png] [HEIGHT]}
out=${2:-$dir/report.png}
height=${3:-3200}
html=$(realpath "$dir/report.html")
[ -f "$html" ] || { echo "report_screenshot.sh: $dir/report.html: no such file" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "report_screenshot.sh: chromium not found (apt-get install chromium)" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
shoot() { # URL WIDTH HEIGHT PNG
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --mute-audio \
        --user-data-dir="$profile" --no-first-run --disable-extensions --disable-sync \
        --host-resolver-rules="MAP * ~NOTFOUND" --proxy-server="127.0.0.1:9" \
        --force-device-scale-factor=1 --window-size="$2,$3" --screenshot="$4" "$1" >/dev/null 2>&1
    [ -s "$4" ] || { echo "report_screenshot.sh: chromium wrote no $4" >&2; exit 1; }
}
shoot "file://$html" 1400 "$height" "$(realpath -m "$out")"
echo "$out"
for svg in "$dir"/figures/*.svg; do
    [ -f "$svg" ] || continue
    # The figure's own size, from the root <svg width=".." height="..">.
    w=$(grep -o '<svg[^>]*' "$svg" | head -1 | sed -n 's/.* width="\([0-9]*\)".*/\1/p')
    h=$(grep -o '<svg[^>]*' "$svg" | head -1 | sed -n 's/.* height="\([0-9]*\)".*/\1/p')
    # Chromium mis-draws windows under about 250 px high, so small figures get white space below.
    h=${h:-600}; [ "$h" -ge 260 ] || h=260
    shoot "file://$(realpath "$svg")" "${w:-800}" "$h" "$(realpath -m "${svg%.svg}.png")"
    echo "${svg%.svg}.png"
done
