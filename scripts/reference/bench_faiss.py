#!/usr/bin/env python3
"""faiss-cpu side of `phenoscope bench search`: the same vectors, queries and parameters.

Usage: bench_faiss.py DIR K M EF_CONSTRUCTION EF_SEARCH THREADS
DIR holds data.npy and queries.npy (float32, L2-normalized, so inner product = cosine).
Prints one JSON object on stdout.
"""
import json
import sys
import time

import numpy as np
import faiss

d, k, m, efc, efs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
faiss.omp_set_num_threads(threads)
xb = np.load(f"{d}/data.npy")
xq = np.load(f"{d}/queries.npy")
dim = xb.shape[1]

flat = faiss.IndexFlatIP(dim)
flat.add(xb)
t = time.perf_counter()
_, truth = flat.search(xq, k)
flat_s = time.perf_counter() - t

hnsw = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
hnsw.hnsw.efConstruction = efc
t = time.perf_counter()
hnsw.add(xb)
build_s = time.perf_counter() - t
hnsw.hnsw.efSearch = efs
t = time.perf_counter()
_, approx = hnsw.search(xq, k)
hnsw_s = time.perf_counter() - t
recall = float(np.mean([len(set(a) & set(b)) / k for a, b in zip(truth, approx)]))
np.save(f"{d}/faiss_flat_ids.npy", truth.astype(np.int64))
print(json.dumps({
    "flat_queries_per_s": len(xq) / flat_s,
    "hnsw_queries_per_s": len(xq) / hnsw_s,
    "hnsw_build_s": build_s,
    "hnsw_recall_at_k": recall,
    "faiss_version": faiss.__version__,
}))
