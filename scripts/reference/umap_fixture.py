#!/usr/bin/env python3
"""Reference for Phenoscope's UMAP: umap-learn on scikit-learn's digits (first N rows).

Writes Tests/ProfilingTests/Fixtures/umap/digits.npy (float32, N x 64) and expected.json
with umap-learn's trustworthiness (k=15) and a, b for the default min_dist/spread.
Usage: python3 scripts/reference/umap_fixture.py [N]
"""
import json
import os
import subprocess
import sys
import time

try:
    import umap
    import sklearn
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "umap-learn", "scikit-learn"])
    import umap
import numpy as np
from sklearn.datasets import load_digits
from sklearn.manifold import trustworthiness
from umap.umap_ import find_ab_params

n = int(sys.argv[1]) if len(sys.argv) > 1 else 800
out = "Tests/ProfilingTests/Fixtures/umap"
os.makedirs(out, exist_ok=True)
x = load_digits().data[:n].astype(np.float32)
np.save(f"{out}/digits.npy", x)
t = time.perf_counter()
y = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=42).fit_transform(x)
seconds = time.perf_counter() - t
a, b = find_ab_params(1.0, 0.1)
result = {
    "n": n,
    "trustworthiness_k15": float(trustworthiness(x, y, n_neighbors=15)),
    "umap_learn_seconds": seconds,
    "a": float(a),
    "b": float(b),
    "umap_learn_version": umap.__version__,
}
with open(f"{out}/expected.json", "w") as f:
    json.dump(result, f, indent=2, sort_keys=True)
print(json.dumps(result))
