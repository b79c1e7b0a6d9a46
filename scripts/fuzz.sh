#!/usr/bin/env bash
# Coverage-guided fuzzing of the decoders that read untrusted bytes (TIFF, PNG, .npy,
# CSV, manifest, zarr chunks and .zarray) with libFuzzer: builds the FuzzDecoders target with --sanitize=fuzzer into
# its own scratch folder (the ordinary debug build is left alone), seeds a corpus from the
# test fixtures, and runs for a stated number of executions. Not part of the test command.
#
#   bash scripts/fuzz.sh [RUNS] [SECONDS]     # defaults: 200000 executions, at most 600 s
#
# Any crash reproducer libFuzzer writes goes to scripts/fuzz-corpus/crashes/; the ordinary build
# of FuzzDecoders replays the committed corpus (seeds and any reproducers):
#   .build/debug/FuzzDecoders scripts/fuzz-corpus/seeds scripts/fuzz-corpus/crashes
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-200000}"
seconds="${2:-600}"
scratch=.build-fuzz
swift build -c debug --scratch-path "$scratch" --product FuzzDecoders \
    --sanitize=fuzzer -Xswiftc -DFUZZING -Xswiftc -parse-as-library
binary="$scratch/debug/FuzzDecoders"

# Seeds: every fixture, prefixed by the byte that routes it to its decoder (the enum order
# in Sources/FuzzDecoders/FuzzDecoders.swift: npy 0, png 1, tiff 2, csv 3, manifest 4,
# zarr chunk 5 then a codec byte (zlib 0, gzip 1, zstd 2, blosc 3), .zarray 6).
corpus="$scratch/corpus"
rm -rf "$corpus" && mkdir -p "$corpus"
seed() { { printf "\\x$(printf %02x "$1")"; cat "$2"; } > "$corpus/$1-$(basename "$2")"; }
for f in Tests/ImagingTests/Fixtures/tiff/*.tif; do seed 2 "$f"; done
for f in Tests/ImagingTests/Fixtures/tiff/*.png; do seed 1 "$f"; done
for f in $(find Tests -name '*.npy' | head -20); do seed 0 "$f"; done
for f in $(find Tests -name '*.csv' | head -20); do seed 3 "$f"; seed 4 "$f"; done
zseed() { { printf "\\x05\\x$(printf %02x "$1")"; cat "$2"; } > "$corpus/5-$1-$(echo "$2" | tr / _)"; }
z=Tests/ImagingTests/Fixtures/zarr
zseed 0 "$z/zlib.zarr/0/0.0.0"; zseed 1 "$z/gzip.zarr/0/0.0.0"; zseed 2 "$z/zstd.zarr/0/0.0.0"
zseed 3 "$z/blosc_lz4.zarr/0/0.0.0"; zseed 3 "$z/blosc_zstd.zarr/0/0.0.0"
for f in $(find "$z" -name .zarray | head -20); do seed 6 "$f"; mv "$corpus/6-.zarray" "$corpus/6-$(echo "$f" | tr / _)"; done
cp scripts/fuzz-corpus/seeds/* "$corpus/" 2>/dev/null || true

mkdir -p scripts/fuzz-corpus/crashes
# Let libFuzzer's own handler see a trap so that it writes the reproducer.
export SWIFT_BACKTRACE=enable=no
# -rss_limit_mb: a decoder that allocates what a forged header asks for fails the run.
"$binary" "$corpus" -runs="$runs" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 \
    -timeout=10 -artifact_prefix=scripts/fuzz-corpus/crashes/ -print_final_stats=1
