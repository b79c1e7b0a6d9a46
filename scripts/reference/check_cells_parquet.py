#!/usr/bin/env python3
"""Checks that pyarrow/pandas read a run's single-cell Parquet files
(runs/<name>/cells/<plate>_cells.parquet) to the plate's cell files: features equal to the
float32 .npy (bit for bit, as float32), metadata equal to the cells CSV (renamed to
CellProfiler's names, typed), and every plate's file with the same schema.

    python3 scripts/reference/check_cells_parquet.py runs/<name>/cells

Prints one JSON object; exits 1 when anything differs. Needs numpy, pandas and pyarrow."""
import glob
import json
import os
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

cells = sys.argv[1]
features = [l for l in open(os.path.join(cells, "features.txt")).read().split("\n") if l]
renames = {"Metadata_Cell": "Metadata_ObjectNumber", "Location_X": "Nuclei_Location_Center_X",
           "Location_Y": "Nuclei_Location_Center_Y"}
schemas, report, ok = set(), {}, True
for path in sorted(glob.glob(os.path.join(cells, "*_cells.parquet"))):
    plate = os.path.basename(path)[: -len("_cells.parquet")]
    f = pq.ParquetFile(path)
    schemas.add(str(f.schema_arrow))
    got = pd.read_parquet(path)
    npy = np.load(os.path.join(cells, plate + ".npy"))
    csv = pd.read_csv(os.path.join(cells, plate + "_cells.csv"), dtype=str, keep_default_na=False).rename(columns=renames)
    meta = [c for c in got.columns if c not in features]
    same_features = list(got.columns[len(meta):]) == features and \
        np.array_equal(got[features].to_numpy(np.float32).view(np.uint32), npy.view(np.uint32))
    same_meta = True
    for c in meta:
        col = got[c]
        if col.dtype == object:
            same_meta &= list(col) == list(csv[c])
        else:
            same_meta &= np.array_equal(col.to_numpy(), csv[c].astype(col.dtype).to_numpy())
    dtypes = sorted({str(got[c].dtype) for c in features})
    report[plate] = {"rows": len(got), "row_groups": f.num_row_groups, "feature_dtypes": dtypes,
                     "features_equal_npy": bool(same_features), "metadata_equal_csv": bool(same_meta),
                     "metadata_dtypes": {c: str(got[c].dtype) for c in meta}}
    ok &= same_features and same_meta and dtypes == ["float32"]
ok &= len(schemas) == 1
print(json.dumps({"same": bool(ok), "one_schema": len(schemas) == 1, "plates": report}))
sys.exit(0 if ok else 1)
