#!/usr/bin/env python3
"""umap-learn side of `phenoscope bench umap`: embeds DATA.npy with the same parameters and
prints one JSON object (wall and CPU seconds of all threads, trustworthiness at k=15 on at most TRUST_N rows)."""
import json
import sys
import time

import numpy as np
import umap
from sklearn.manifold import trustworthiness

path, neighbors, min_dist, trust_n = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
x = np.load(path).astype(np.float32)
t, c = time.perf_counter(), time.process_time()
y = umap.UMAP(n_neighbors=neighbors, min_dist=min_dist, random_state=42).fit_transform(x)
seconds, cpu_seconds = time.perf_counter() - t, time.process_time() - c
m = min(trust_n, len(x))
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "trustworthiness": float(trustworthiness(x[:m], y[:m], n_neighbors=15)),
                  "version": umap.__version__}))
