#!/usr/bin/env python3
"""pycytominer on per-plate cell files, for `phenoscope bench cells`.

Usage: bench_pycytominer_cells.py PLATE.npy [PLATE.npy ...]

Each PLATE.npy (float32 cells x features) has PLATE_cells.csv beside it (one metadata row
per cell, as `phenoscope bench cells` and `phenoscope run` write them). Loads every named
plate into one pandas DataFrame (what pycytominer works on), then times
pycytominer.aggregate (mean per Metadata_Plate + Metadata_Well) and pycytominer.normalize
(mad_robustize, i.e. robust z, against the DMSO wells, plate by plate). Prints one JSON
object: load/aggregate/normalize seconds and the process's peak resident memory in bytes
(ru_maxrss, the same high-water mark as `time -v`).

  python3 -m venv /tmp/pcmvenv && /tmp/pcmvenv/bin/pip install pycytominer numpy
"""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd
from pycytominer import aggregate, normalize


def main():
    paths = sys.argv[1:]
    if not paths:
        sys.exit("usage: bench_pycytominer_cells.py PLATE.npy [PLATE.npy ...]")
    t0 = time.perf_counter()
    frames = []
    for p in paths:
        values = np.load(p)
        meta = pd.read_csv(p[: -len(".npy")] + "_cells.csv", dtype=str)
        if len(meta) != values.shape[0]:
            sys.exit(f"{p}: {values.shape[0]} cells but {len(meta)} metadata rows")
        feats = [f"Cells_Synthetic_{j:03d}" for j in range(values.shape[1])]
        frames.append(pd.concat([meta, pd.DataFrame(values, columns=feats)], axis=1))
    cells = pd.concat(frames, ignore_index=True)
    del frames
    t1 = time.perf_counter()
    wells = aggregate(cells, strata=["Metadata_Plate", "Metadata_Well"], features=feats, operation="mean")
    # aggregate keeps only the strata; the treatment comes back from the cells' first row per well.
    info = cells.groupby(["Metadata_Plate", "Metadata_Well"], sort=False).first()[
        ["Metadata_Compound", "Metadata_Concentration", "Metadata_MoA", "Metadata_Batch"]].reset_index()
    wells = info.merge(wells, on=["Metadata_Plate", "Metadata_Well"])
    t2 = time.perf_counter()
    meta_cols = [c for c in wells.columns if c.startswith("Metadata_")]
    parts = [normalize(wells[wells["Metadata_Plate"] == p], features=feats, meta_features=meta_cols,
                       samples="Metadata_Compound == 'DMSO'", method="mad_robustize")
             for p in wells["Metadata_Plate"].unique()]
    normalized = pd.concat(parts)
    t3 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(dict(cells=int(len(cells)), wells=int(len(normalized)), load_seconds=t1 - t0,
                          aggregate_seconds=t2 - t1, normalize_seconds=t3 - t2, peak_bytes=int(peak))))


if __name__ == "__main__":
    main()
