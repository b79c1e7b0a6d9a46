#!/usr/bin/env bash
# Coverage-guided fuzzing of the decoders and parsers that read untrusted bytes with libFuzzer:
# TIFF, PNG, .npy, CSV, manifest, run YAML, train YAML, index folders (index.json and the
# HNSW graph files, packed into one input), the API's JSON request bodies, zarr chunks and
# .zarray metadata. Builds the FuzzDecoders target with --sanitize=fuzzer into its own scratch
# folder (the ordinary debug build is left alone), seeds a corpus per decoder, and runs each
# decoder, pinned with PHENOSCOPE_FUZZ_TARGET, for a stated number of executions. Not part of
# the test command.
#
#   bash scripts/fuzz.sh [RUNS] [SECONDS] [TARGET ...]   # defaults: 200000 executions, at most
#                                                         # 600 s, every target
#   targets: npy png tiff csv manifest runYAML trainYAML index apiJSON zarrChunk zarray
#
# Any crash reproducer libFuzzer writes goes to scripts/fuzz-corpus/crashes/; the ordinary build
# of FuzzDecoders replays the committed corpus (seeds and any reproducers):
#   .build/debug/FuzzDecoders scripts/fuzz-corpus/seeds scripts/fuzz-corpus/crashes
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-200000}"
seconds="${2:-600}"
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(npy png tiff csv manifest runYAML trainYAML index apiJSON zarrChunk zarray)
scratch=.build-fuzz
nice -n 10 swift build -j 1 -c debug --scratch-path "$scratch" --product FuzzDecoders \
    --sanitize=fuzzer -Xswiftc -DFUZZING -Xswiftc -parse-as-library
binary="$scratch/debug/FuzzDecoders"

# Seeds: fixtures prefixed by the byte that routes them to their decoder (the enum order in
# Sources/FuzzDecoders/FuzzDecoders.swift: npy 0, png 1, tiff 2, csv 3, manifest 4,
# runYAML 5, trainYAML 6, index 7, apiJSON 8, zarr chunk 9 then a codec byte (zlib 0, gzip 1,
# zstd 2, blosc 3), .zarray 10), plus the committed seeds and reproducers.
all="$scratch/corpus-all"
rm -rf "$all" && mkdir -p "$all"
seed() { { printf "\\x$(printf %02x "$1")"; cat "$2"; } > "$all/$1-$(basename "$2")"; }
for f in Tests/ImagingTests/Fixtures/tiff/*.tif; do seed 2 "$f"; done
for f in Tests/ImagingTests/Fixtures/tiff/*.png; do seed 1 "$f"; done
for f in $(find Tests -name '*.npy' | head -20); do seed 0 "$f"; done
for f in $(find Tests -name '*.csv' | head -20); do seed 3 "$f"; seed 4 "$f"; done
for f in config/default.yaml config/learned.yaml; do seed 5 "$f"; done
for f in config/train-*.yaml; do seed 6 "$f"; done
zseed() { { printf "\\x09\\x$(printf %02x "$1")"; cat "$2"; } > "$all/9-$1-$(echo "$2" | tr / _)"; }
z=Tests/ImagingTests/Fixtures/zarr
zseed 0 "$z/zlib.zarr/0/0.0.0"; zseed 1 "$z/gzip.zarr/0/0.0.0"; zseed 2 "$z/zstd.zarr/0/0.0.0"
zseed 3 "$z/blosc_lz4.zarr/0/0.0.0"; zseed 3 "$z/blosc_zstd.zarr/0/0.0.0"
for f in $(find "$z" -name .zarray | head -20); do seed 10 "$f"; mv "$all/10-.zarray" "$all/10-$(echo "$f" | tr / _)"; done
cp scripts/fuzz-corpus/seeds/* scripts/fuzz-corpus/crashes/* "$all/" 2>/dev/null || true

mkdir -p scripts/fuzz-corpus/crashes
# Let libFuzzer's own handler see a trap so that it writes the reproducer.
export SWIFT_BACKTRACE=enable=no
summary=()
for target in "${targets[@]}"; do
    index=$(printf '%s\n' npy png tiff csv manifest runYAML trainYAML index apiJSON zarrChunk zarray | grep -nx "$target" | cut -d: -f1)
    [ -n "$index" ] || { echo "unknown target $target" >&2; exit 2; }
    corpus="$scratch/corpus-$target"
    mkdir -p "$corpus"
    cp "$all/$((index - 1))-"* "$corpus/" 2>/dev/null || true
    log="$scratch/fuzz-$target.log"
    echo "== $target: up to $runs executions or $seconds s"
    # -rss_limit_mb: a decoder that allocates what a forged header asks for fails the run.
    status=0
    PHENOSCOPE_FUZZ_TARGET="$target" "$binary" "$corpus" -runs="$runs" -max_total_time="$seconds" -max_len=65536 \
        -rss_limit_mb=1024 -timeout=10 -artifact_prefix="scripts/fuzz-corpus/crashes/$target-" -print_final_stats=1 \
        > "$log" 2>&1 || status=$?
    # A reproducer is replayed unpinned: give it the routing byte of the decoder it crashed.
    for f in scripts/fuzz-corpus/crashes/"$target"-*; do
        [ -f "$f" ] || continue
        { printf "\\x$(printf %02x $((index - 1)))"; tail -c +2 "$f"; } > "$f.tmp" && mv "$f.tmp" "$f"
    done
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    secs=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    crashes=$(grep -c '^==[0-9]*== ERROR\|^Test unit written' "$log" || true)
    summary+=("$target: $execs executions ($secs/s), exit $status, crash reports $crashes")
    tail -3 "$log"
done
printf '%s\n' "${summary[@]}"
