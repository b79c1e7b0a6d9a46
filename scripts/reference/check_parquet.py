#!/usr/bin/env python3
"""Checks that pandas/pyarrow read a profile Parquet file written by Phenoscope (e.g.
runs/<name>/profiles/wells_normalized.parquet) to the same table as its CSV twin:
same columns in the same order, features as float64, Metadata_* typed as pandas types them
when it reads the CSV (integers int64, decimal numbers float64, anything else strings),
values equal.

    python3 scripts/reference/check_parquet.py PROFILES.parquet PROFILES.csv

Prints one JSON object; exits 1 when the tables differ. Needs pandas and pyarrow
(pip install pandas pyarrow)."""
import json
import sys

import pandas as pd
import pyarrow.parquet as pq

parquet_path, csv_path = sys.argv[1], sys.argv[2]
got = pd.read_parquet(parquet_path)
names = list(pq.ParquetFile(parquet_path).schema_arrow.names)
# round_trip: the CSV holds each double's shortest round-trip text; pandas' default ("high")
# parser misreads the last bit of some of them (pandas 2.x), which is not a Parquet difference.
csv = pd.read_csv(csv_path, keep_default_na=False, float_precision="round_trip",
                  na_values={c: ["", "NaN"] for c in got.columns if not c.startswith("Metadata_")},
                  dtype={c: float for c in got.columns if not c.startswith("Metadata_")})
same = bool(got.equals(csv)) and names == list(csv.columns)
meta = [c for c in names if c.startswith("Metadata_")]
print(json.dumps({"same": same, "rows": len(got), "columns": len(names), "metadata_columns": len(meta),
                  "feature_dtypes": sorted({str(t) for c, t in got.dtypes.items() if c not in meta}),
                  "metadata_dtypes": {c: str(got.dtypes[c]) for c in meta}}))
sys.exit(0 if same else 1)
