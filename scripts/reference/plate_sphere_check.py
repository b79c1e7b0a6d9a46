#!/usr/bin/env python3
"""Exploratory: ZCA sphering fitted per plate on that plate's DMSO wells.

Usage: scripts/reference/plate_sphere_check.py WELLS.csv OUT.csv

WELLS.csv: normalized well profiles (Metadata_* columns, then features). Each plate's rows are
centred on the plate's DMSO mean and whitened with the SVD form of phenoscope's Spherize
(pycytominer's): W = sqrt(n - 1) V diag(1 / (s + 1e-6)) V^T of the plate's centred DMSO rows,
missing singular values set to the smallest nonzero one. Evaluate OUT.csv with
`phenoscope evaluate` and `scripts/embedding_batch_check.py`. Not a pipeline step: it was
tried (README, Learned embeddings) as a candidate fix for batch-bound embeddings and made
them worse.
"""
import csv, sys, numpy as np
rows = list(csv.reader(open(sys.argv[1]))); h, rows = rows[0], rows[1:]
meta = [i for i, c in enumerate(h) if c.startswith("Metadata_")]; feats = [i for i, c in enumerate(h) if not c.startswith("Metadata_")]
col = {c: i for i, c in enumerate(h)}
x = np.array([[float(r[i]) for i in feats] for r in rows])
plate = np.array([r[col["Metadata_Plate"]] for r in rows]); dmso = np.array([r[col["Metadata_Compound"]] == "DMSO" for r in rows])
out = np.zeros_like(x)
for p in np.unique(plate):
    m = plate == p; ref = x[m & dmso]; mu = ref.mean(0); c = ref - mu
    u, s, vt = np.linalg.svd(c, full_matrices=True); d = x.shape[1]
    r = int((s > s[0] * max(c.shape) * np.finfo(float).eps).sum())
    full = np.full(d, s[r - 1]); full[:r] = s[:r]
    w = np.sqrt(len(ref) - 1) * vt.T @ np.diag(1 / (full + 1e-6)) @ vt
    out[m] = (x[m] - mu) @ w
w = csv.writer(open(sys.argv[2], "w")); w.writerow(h)
for r, v in zip(rows, out): w.writerow([r[i] for i in meta] + [f"{a:.6g}" for a in v])
