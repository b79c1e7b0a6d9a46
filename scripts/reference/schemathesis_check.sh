#!/usr/bin/env bash
# Checks `phenoscope serve` against its own /openapi.json with schemathesis (PyPI) and every
# check it has (`--checks all`): schema-valid requests must succeed, invalid ones must get a
# 4xx, every status and body must be the documented one, undeclared methods must get 405
# with Allow, keyed operations must refuse missing keys. Builds a small index (48 items,
# 8-d, four MoA clusters) from a generated profiles CSV, serves it on a free loopback port
# with an API key (keyed reads and writes), runs schemathesis from a venv, and reports.
#
#   bash scripts/reference/schemathesis_check.sh [PHENOSCOPE_BINARY] [MAX_EXAMPLES]
#   defaults: .build/debug/phenoscope, 50 examples per operation and phase
#
# The venv is $SCHEMATHESIS_VENV (default /tmp/schemathesis-venv), created when missing.
# Exit status: schemathesis's (0 when it found nothing).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-.build/debug/phenoscope}"
examples="${2:-50}"
venv="${SCHEMATHESIS_VENV:-/tmp/schemathesis-venv}"
[ -x "$venv/bin/schemathesis" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q schemathesis; }

work=$(mktemp -d /tmp/schemathesis-check.XXXXXX)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

python3 - "$work/profiles.csv" <<'PY'
import csv, random, sys
random.seed(5)
moas = ["DMSO", "A", "B", "C"]
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["Metadata_Plate", "Metadata_Well", "Metadata_Compound", "Metadata_MoA"] + [f"f{i}" for i in range(8)])
    for p in range(2):
        for i in range(24):
            m = i % 4
            v = [random.uniform(-0.15, 0.15) for _ in range(8)]
            v[m] += 2
            well = "ABCDEFGH"[i // 12] + f"{i % 12 + 1:02d}"
            w.writerow([f"P{p}", well, "DMSO" if m == 0 else f"{moas[m]}-{i // 4}", moas[m]] + [f"{x:.6f}" for x in v])
PY
"$bin" index build --profiles "$work/profiles.csv" --out "$work/index" --quiet
key="schemathesis-key-0123"
echo "$key" > "$work/key"
"$bin" serve --index "$work/index" --port 0 --api-key-file "$work/key" > "$work/serve.log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 100); do
    port=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log" | head -1 | cut -d: -f3 || true)
    [ -n "$port" ] && break
    sleep 0.2
done
[ -n "$port" ] || { echo "the server did not start:"; cat "$work/serve.log"; exit 1; }
echo "serving a 48-item index on port $port; schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}'), $examples examples per operation"
status=0
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" --checks all -H "X-API-Key: $key" \
    --max-examples "$examples" --workers 1 --seed 1 --suppress-health-check all \
    --report junit --report-dir "$work/report" || status=$?
grep -o 'tests="[0-9]*" failures="[0-9]*" errors="[0-9]*"' "$work/report"/*.xml 2>/dev/null | head -1 || true
exit $status
