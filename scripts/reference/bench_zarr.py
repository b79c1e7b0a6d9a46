#!/usr/bin/env python3
"""Plane read throughput of zarr-python 2 on each OME-Zarr image STORE (array "0", axes c, y, x):
the baseline that `phenoscope bench zarr` compares against. Prints one JSON object on stdout.

Every channel is read as `array[c]` (uint16), the store opened inside the timed region as
Phenoscope opens it per plane; blosc single-threaded to match Phenoscope. Best of --repeats.
Needs: pip install "zarr<3" numcodecs.
"""
import argparse
import json
import os
import time

import numcodecs
import zarr

numcodecs.blosc.use_threads = False
numcodecs.blosc.set_nthreads(1)

ap = argparse.ArgumentParser()
ap.add_argument("stores", nargs="+")
ap.add_argument("--repeats", type=int, default=3)
args = ap.parse_args()

results = []
for store in args.stores:
    best, nbytes = float("inf"), 0
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        total = 0
        channels = zarr.open_array(os.path.join(store, "0"), mode="r").shape[0]
        for c in range(channels):
            total += zarr.open_array(os.path.join(store, "0"), mode="r")[c].nbytes
        best = min(best, time.perf_counter() - t0)
        nbytes = total
    results.append({"store": store, "decoded_bytes": nbytes, "seconds": best,
                    "mb_per_s": nbytes / 1e6 / best if best > 0 else 0.0})
print(json.dumps({"zarr_version": zarr.__version__, "numcodecs_version": numcodecs.__version__, "results": results}))
