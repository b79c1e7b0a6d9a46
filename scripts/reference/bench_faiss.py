#!/usr/bin/env python3
"""faiss-cpu side of `phenoscope bench search`: the same vectors, queries and parameters.

Usage: bench_faiss.py DIR K M EF_CONSTRUCTION EF_SEARCH[,EF_SEARCH...] THREADS [REPEATS]
DIR holds data.npy and queries.npy (float32, L2-normalized, so inner product = cosine).
Search timings are the fastest of REPEATS passes (default 1), as on the Swift side.
Prints one JSON object on stdout.
"""
import json
import sys
import time

import numpy as np
import faiss

d, k, m, efc, efs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), [int(e) for e in sys.argv[5].split(",")], int(sys.argv[6])
repeats = int(sys.argv[7]) if len(sys.argv) > 7 else 1


def timed(search):
    """Result of the last pass and the seconds of the fastest."""
    best = float("inf")
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        out = search()
        best = min(best, time.perf_counter() - t)
    return out, best


faiss.omp_set_num_threads(threads)
xb = np.load(f"{d}/data.npy")
xq = np.load(f"{d}/queries.npy")
dim = xb.shape[1]

flat = faiss.IndexFlatIP(dim)
flat.add(xb)
(_, truth), flat_s = timed(lambda: flat.search(xq, k))

hnsw = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
hnsw.hnsw.efConstruction = efc
t = time.perf_counter()
hnsw.add(xb)
build_s = time.perf_counter() - t
sweep = []
for ef in efs:
    hnsw.hnsw.efSearch = ef
    (_, approx), hnsw_s = timed(lambda: hnsw.search(xq, k))
    recall = float(np.mean([len(set(a) & set(b)) / k for a, b in zip(truth, approx)]))
    sweep.append({"ef_search": ef, "hnsw_queries_per_s": len(xq) / hnsw_s, "hnsw_recall_at_k": recall})
np.save(f"{d}/faiss_flat_ids.npy", truth.astype(np.int64))
print(json.dumps({
    "flat_queries_per_s": len(xq) / flat_s,
    "hnsw_queries_per_s": sweep[0]["hnsw_queries_per_s"],
    "hnsw_build_s": build_s,
    "hnsw_recall_at_k": sweep[0]["hnsw_recall_at_k"],
    "sweep": sweep,
    "faiss_version": faiss.__version__,
}))
