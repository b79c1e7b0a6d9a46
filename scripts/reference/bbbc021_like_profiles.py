#!/usr/bin/env python3
"""Well profiles laid out like the BBBC021 MoA subset, for demonstrating the report at its
real scale (103 treatments, 12 MoAs, ~1000 wells over 10 weeks of plates):

    python3 scripts/reference/bbbc021_like_profiles.py OUT_DIR [SEED]

Reads the public BBBC021 image and MoA tables (the copies shipped in
Sources/Screen/Resources/bbbc021, or $BBBC021_DIR)
for the plate/well/compound layout, and invents the features: per MoA a direction, per
compound a smaller one, scaled by a dose curve, plus a per-plate and per-week (batch)
offset and noise. Writes OUT_DIR/wells.csv (Metadata_* then 60 features; the batch effect
is left in) and OUT_DIR/qc.csv (a few sites per plate flagged blur/debris/saturated).
Not a benchmark of biology: only the shape of the data is real."""
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

out = Path(sys.argv[1])
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
shipped = Path(__file__).resolve().parents[2] / "Sources/Screen/Resources/bbbc021"
src = Path(os.environ.get("BBBC021_DIR", shipped))
rng = np.random.default_rng(seed)
img = pd.read_csv(src / "BBBC021_v1_image.csv")
moa = pd.read_csv(src / "BBBC021_v1_moa.csv")
img = img.rename(columns={"Image_Metadata_Plate_DAPI": "plate", "Image_Metadata_Well_DAPI": "well",
                          "Image_Metadata_Compound": "compound", "Image_Metadata_Concentration": "concentration"})
key = moa.set_index(["compound", "concentration"])["moa"]
img["moa"] = [key.get((c, x), None) for c, x in zip(img.compound, img.concentration)]
img = img[img.moa.notna()]
img["batch"] = img.plate.str.split("_").str[0]
sites = img[["plate", "well", "batch", "compound", "concentration", "moa"]].copy()
sites["site"] = sites.groupby(["plate", "well"]).cumcount() + 1
wells = sites.drop_duplicates(["plate", "well"]).reset_index(drop=True)

d = 60
moas = sorted(wells.moa.unique())
moa_dir = {m: rng.normal(0, 1, d) for m in moas}
moa_dir["DMSO"] = np.zeros(d)
comp_dir = {c: rng.normal(0, 0.6, d) for c in wells.compound.unique()}
plate_off = {p: rng.normal(0, 0.35, d) for p in wells.plate.unique()}
batch_off = {b: rng.normal(0, 0.9, d) for b in wells.batch.unique()}
rows = []
for w in wells.itertuples():
    if w.compound == "DMSO":
        signal = np.zeros(d)
    else:
        concs = sorted(wells[wells.compound == w.compound].concentration.unique())
        strength = 0.6 + 0.8 * concs.index(w.concentration) / max(1, len(concs) - 1)
        signal = strength * (0.8 * moa_dir[w.moa] + comp_dir[w.compound])
    rows.append(signal + plate_off[w.plate] + batch_off[w.batch] + rng.normal(0, 0.8, d))
feat = pd.DataFrame(np.array(rows), columns=[f"Cells_F{i:02d}" for i in range(d)])
meta = pd.DataFrame({"Metadata_Plate": wells.plate, "Metadata_Well": wells.well, "Metadata_Batch": wells.batch,
                     "Metadata_Compound": wells.compound, "Metadata_Concentration": wells.concentration.map(lambda c: f"{c:g}"),
                     "Metadata_MoA": wells.moa})
out.mkdir(parents=True, exist_ok=True)
pd.concat([meta, feat], axis=1).to_csv(out / "wells.csv", index=False, float_format="%.6g")
kinds = np.array(["", "blur", "debris", "saturated"])
flags = rng.choice(kinds, size=len(sites), p=[0.93, 0.03, 0.025, 0.015])
pd.DataFrame({"Metadata_Plate": sites.plate, "Metadata_Well": sites.well, "Metadata_Site": sites.site,
              "Defect": flags}).to_csv(out / "qc.csv", index=False)
print(f"{len(wells)} wells, {wells.groupby(['compound', 'concentration']).ngroups} treatments, "
      f"{len(moas)} MoAs, {wells.plate.nunique()} plates, {wells.batch.nunique()} batches -> {out}")
