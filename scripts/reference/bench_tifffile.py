#!/usr/bin/env python3
"""Decode throughput of tifffile on every .tif/.tiff in each DIR: the baseline that
`phenoscope bench tiff` compares against. Prints one JSON object on stdout.

Single-threaded (maxworkers=1) to match Phenoscope's single-threaded decoder; the file is
read from disk inside the timed region on both sides. Best of --repeats passes.
"""
import argparse
import json
import os
import time

import tifffile

ap = argparse.ArgumentParser()
ap.add_argument("dirs", nargs="+")
ap.add_argument("--repeats", type=int, default=3)
args = ap.parse_args()

results = []
for d in args.dirs:
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.lower().endswith((".tif", ".tiff")))
    best, nbytes = float("inf"), 0
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        total = 0
        for f in files:
            with tifffile.TiffFile(f) as tf:
                for page in tf.pages:
                    total += page.asarray(maxworkers=1).nbytes
        best = min(best, time.perf_counter() - t0)
        nbytes = total
    results.append({"dir": d, "files": len(files), "decoded_bytes": nbytes, "seconds": best,
                    "mb_per_s": nbytes / 1e6 / best if best > 0 else 0.0})
print(json.dumps({"tifffile_version": tifffile.__version__, "results": results}))
