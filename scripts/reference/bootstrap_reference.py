"""numpy reference for the treatment bootstrap of NSC, NSCB and mAP (TreatmentBootstrap).

Writes Tests/ProfilingTests/Fixtures/bootstrap/expected.json: per-treatment values (0/1 NSC
hits, hits with undefined entries as NSCB has, average precisions), the resample index
lists drawn with numpy, and the 95 % percentile interval numpy computes from them
(np.percentile, default linear method), each resample's figure being the mean over its
drawn treatments that have a value (resamples with none are left out). The Swift test feeds
the same values and indices to TreatmentBootstrap.interval and compares to 1e-12.
Run: python3 scripts/reference/bootstrap_reference.py (numpy only).
"""
import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "Tests/ProfilingTests/Fixtures/bootstrap"
SEED = 2023
RESAMPLES = 400


def interval(values, idx):
    v = np.array([np.nan if x is None else x for x in values], dtype=float)
    means = []
    for draw in idx:
        d = v[draw]
        d = d[~np.isnan(d)]
        if d.size:
            means.append(d.mean())
    lo, hi = np.percentile(np.array(means), [2.5, 97.5])
    return [float(lo), float(hi)]


def main():
    rng = np.random.default_rng(SEED)
    cases = {}
    n = 37
    hits = (rng.uniform(size=n) < 0.55).astype(float).tolist()
    partial = [None if rng.uniform() < 0.2 else float(rng.uniform() < 0.4) for _ in range(n)]
    ap = rng.beta(2, 3, n).tolist()
    idx = rng.integers(0, n, size=(RESAMPLES, n))
    for name, values in [("nsc_hits", hits), ("nscb_hits_with_gaps", partial), ("average_precision", ap)]:
        cases[name] = {"values": values, "expected": interval(values, idx)}
    OUT.mkdir(parents=True, exist_ok=True)
    doc = {"seed": SEED, "resamples": RESAMPLES, "level": 0.95, "indices": idx.tolist(), "cases": cases,
           "numpy_version": np.__version__}
    (OUT / "expected.json").write_text(json.dumps(doc) + "\n")
    for k, c in cases.items():
        print(k, c["expected"])


if __name__ == "__main__":
    main()
