#!/usr/bin/env python3
"""How much of a profile table's neighbourhood structure is batch rather than treatment.

Usage: scripts/embedding_batch_check.py WELLS.csv [CELLS.npy]

WELLS.csv: normalized well profiles (phenoscope profile / run output: Metadata_* columns,
then features). For every non-DMSO well it finds the most cosine-similar well of ANOTHER
compound and prints the fraction of those neighbours in the same batch, against the
fraction expected by chance (same-batch share of the candidates): a rate far above chance
means wells of different compounds are close because they share a batch, which is what
NSCB (nearest neighbour from another batch) punishes. With CELLS.npy (per-cell embeddings)
it also prints their participation ratio (sum of covariance eigenvalues squared over the
sum of their squares: the effective number of dimensions; near 1 = collapse).
"""
import csv
import sys

import numpy as np


def main():
    rows = list(csv.reader(open(sys.argv[1])))
    header, rows = rows[0], rows[1:]
    meta = [i for i, h in enumerate(header) if h.startswith("Metadata_")]
    feats = [i for i, h in enumerate(header) if not h.startswith("Metadata_")]
    col = {h: i for i, h in enumerate(header)}
    x = np.array([[float(r[i]) for i in feats] for r in rows])
    x = np.nan_to_num(x)
    compound = [r[col["Metadata_Compound"]] for r in rows]
    batch = [r[col["Metadata_Batch"]] if "Metadata_Batch" in col else r[col["Metadata_Plate"]] for r in rows]
    keep = [i for i, c in enumerate(compound) if c != "DMSO"]
    u = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    same, chance = [], []
    for i in keep:
        cand = [j for j in keep if compound[j] != compound[i]]
        sims = u[cand] @ u[i]
        j = cand[int(np.argmax(sims))]
        same.append(batch[j] == batch[i])
        chance.append(np.mean([batch[k] == batch[i] for k in cand]))
    print(f"wells {len(keep)}: nearest other-compound well in the same batch {np.mean(same):.3f} (chance {np.mean(chance):.3f})")
    if len(sys.argv) > 2:
        e = np.load(sys.argv[2]).astype(np.float64)
        ev = np.clip(np.linalg.eigvalsh(np.cov(e, rowvar=False)), 0, None)
        print(f"cells {e.shape[0]} x {e.shape[1]}: participation ratio {ev.sum() ** 2 / (ev ** 2).sum():.2f}")


if __name__ == "__main__":
    main()
