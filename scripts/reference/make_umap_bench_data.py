#!/usr/bin/env python3
"""Writes the data of the UMAP scale benchmark: N x 50 float32 points in 30 noisy curved
clusters (seed 0), for `phenoscope bench umap --data OUT.npy`.

    python3 scripts/reference/make_umap_bench_data.py OUT.npy [N=100000]"""
import sys

import numpy as np

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
rng = np.random.default_rng(0)
d, c = 50, 30
centers = rng.normal(0, 4, (c, d))
lab = rng.integers(0, c, n)
t = rng.uniform(-1, 1, n)
dirs = rng.normal(0, 1, (c, d))
x = centers[lab] + 3 * t[:, None] * dirs[lab] + rng.normal(0, 1, (n, d))
np.save(out, x.astype(np.float32))
