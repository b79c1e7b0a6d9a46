#!/usr/bin/env python3
"""Writes a small CellProfiler-like dataset and pycytominer's well profiles of it.

Tables as CellProfiler writes them for a Cell Painting pipeline: two plates, eight wells each
(three DMSO wells per plate, compounds at one or two concentrations), two sites per well, Cells /
Cytoplasm / Nuclei objects with real CellProfiler column names (AreaShape_, Intensity_,
Texture_, Granularity_, Correlation_, RadialDistribution_), cells linked to nuclei by
Parent_Nuclei (not in object-number order) and cytoplasm to both, and some NaN (NULL in the
database). Written twice:
- ExportToSpreadsheet CSVs: Image.csv, Cells.csv, Cytoplasm.csv, Nuclei.csv (NaN as 'nan');
- ExportToDatabase SQLite (one table per object): Per_Image, Per_Cells, Per_Cytoplasm,
  Per_Nuclei with Image_/Cells_ prefixed columns, Cells_Number_Object_Number, NULL for NaN and
  CellProfiler's primary keys.
Expected: pycytominer's SingleCells merges the cytominer-database layout of the same tables
(a temporary SQLite, not committed), then `aggregate` (median per plate and well) and
`normalize(method="mad_robustize", samples="Metadata_Compound == 'DMSO'")` plate by plate:
pycytominer_well_profiles.csv. All under Tests/ProfilingTests/Fixtures/cellprofiler/.
Synthetic data, generated here (no licence restrictions).
"""
import importlib.metadata
import os
import sqlite3
import subprocess
import sys
import tempfile

subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pycytominer", "numpy", "pandas"], check=True)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pycytominer  # noqa: E402
from pycytominer import aggregate, normalize  # noqa: E402
from pycytominer.cyto_utils.cells import SingleCells  # noqa: E402

out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ProfilingTests", "Fixtures", "cellprofiler")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(19)

FEATURES = {
    "Cells": ["AreaShape_Area", "AreaShape_Eccentricity", "AreaShape_Solidity", "Intensity_MeanIntensity_DNA",
              "Intensity_IntegratedIntensity_Mito", "Texture_Contrast_RNA_3_00_256", "Granularity_1_ER",
              "Correlation_Correlation_DNA_Mito", "RadialDistribution_FracAtD_AGP_1of4"],
    "Cytoplasm": ["AreaShape_Area", "Intensity_MeanIntensity_Mito", "Intensity_StdIntensity_ER",
                  "Texture_AngularSecondMoment_AGP_3_00_256"],
    "Nuclei": ["AreaShape_Area", "AreaShape_FormFactor", "Intensity_MeanIntensity_DNA", "Texture_Entropy_DNA_3_00_256"],
}
WELLS = ["B02", "B03", "B04", "C02", "C03", "C04", "D02", "D03"]
TREATMENTS = [("DMSO", 0.0), ("DMSO", 0.0), ("DMSO", 0.0), ("taxol", 0.1), ("taxol", 1.0), ("nocodazole", 0.3),
              ("AZ138", 3.0), ("AZ138", 10.0)]

images, objects = [], {c: [] for c in FEATURES}
image_number = 0
for p, plate in enumerate(["BR00116991", "BR00116992"]):
    for w, well in enumerate(WELLS):
        compound, conc = TREATMENTS[w]
        shift = 0.0 if compound == "DMSO" else (w + 1) * 0.15
        for site in (1, 2):
            image_number += 1
            n = int(rng.integers(3, 8))
            images.append({"ImageNumber": image_number, "Metadata_Plate": plate, "Metadata_Well": well,
                           "Metadata_Site": site, "Metadata_Compound": compound, "Metadata_Concentration": conc,
                           "Count_Cells": n, "Count_Cytoplasm": n, "Count_Nuclei": n,
                           "FileName_OrigDNA": f"{plate}_{well}_s{site}_w1.tif"})
            nucleus_of = rng.permutation(n) + 1   # cell k's nucleus: not in object-number order
            for k in range(1, n + 1):
                nuc = int(nucleus_of[k - 1])
                x, y = float(rng.uniform(0, 1080)), float(rng.uniform(0, 1080))
                vals = {c: [float(v) for v in rng.normal(1.0 + shift * (i % 3 - 0.5) + p * 0.05, 0.3 + 0.05 * i, len(f))]
                        for i, (c, f) in enumerate(FEATURES.items())}
                cells = {"ImageNumber": image_number, "ObjectNumber": k, "Number_Object_Number": k, "Parent_Nuclei": nuc,
                         "Location_Center_X": x, "Location_Center_Y": y, "Children_Cytoplasm_Count": 1}
                cells.update({f: v * (400 if f.startswith("AreaShape_Area") else 1) for f, v in zip(FEATURES["Cells"], vals["Cells"])})
                if rng.uniform() < 0.1:
                    cells["Correlation_Correlation_DNA_Mito"] = float("nan")
                cyto = {"ImageNumber": image_number, "ObjectNumber": k, "Number_Object_Number": k,
                        "Parent_Cells": k, "Parent_Nuclei": nuc}
                cyto.update(dict(zip(FEATURES["Cytoplasm"], vals["Cytoplasm"])))
                if rng.uniform() < 0.08:
                    cyto["Intensity_StdIntensity_ER"] = float("nan")
                nuclei = {"ImageNumber": image_number, "ObjectNumber": nuc, "Number_Object_Number": nuc,
                          "Location_Center_X": x + 0.5, "Location_Center_Y": y - 0.25, "Children_Cells_Count": 1}
                nuclei.update(dict(zip(FEATURES["Nuclei"], vals["Nuclei"])))
                if well == "C04" and plate == "BR00116992":
                    nuclei["AreaShape_FormFactor"] = float("nan")   # NaN in every cell of one well
                objects["Cells"].append(cells)
                objects["Cytoplasm"].append(cyto)
                objects["Nuclei"].append(nuclei)

image_df = pd.DataFrame(images)
tables = {c: pd.DataFrame(rows) for c, rows in objects.items()}
tables["Nuclei"] = tables["Nuclei"].sort_values(["ImageNumber", "ObjectNumber"]).reset_index(drop=True)

# ExportToSpreadsheet CSVs.
image_df.to_csv(os.path.join(out, "Image.csv"), index=False, na_rep="nan")
for c, t in tables.items():
    t.to_csv(os.path.join(out, f"{c}.csv"), index=False, na_rep="nan")


def sql_type(series):
    return "INTEGER" if pd.api.types.is_integer_dtype(series) else "FLOAT" if pd.api.types.is_float_dtype(series) else "TEXT"


def write_table(con, name, df, pk):
    cols = ", ".join(f'"{c}" {sql_type(df[c])}' for c in df.columns)
    con.execute(f'CREATE TABLE "{name}" ({cols}, PRIMARY KEY ({", ".join(pk)}))' if pk else f'CREATE TABLE "{name}" ({cols})')
    rows = [[None if isinstance(v, float) and np.isnan(v) else (v.item() if hasattr(v, "item") else v) for v in r]
            for r in df.itertuples(index=False)]
    con.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" * len(df.columns))})', rows)


# ExportToDatabase SQLite, one table per object type.
db = os.path.join(out, "cellprofiler.sqlite")
if os.path.exists(db):
    os.remove(db)
con = sqlite3.connect(db)
write_table(con, "Per_Image", image_df.rename(columns={c: f"Image_{c}" for c in image_df.columns if c != "ImageNumber"}), ["ImageNumber"])
for c, t in tables.items():
    renamed = t.drop(columns=["ObjectNumber"]).rename(columns={col: f"{c}_{col}" for col in t.columns if col != "ImageNumber"})
    write_table(con, f"Per_{c}", renamed, ["ImageNumber", f"{c}_Number_Object_Number"])
con.commit()
con.execute("VACUUM")
con.close()

# pycytominer's own merge, on the cytominer-database layout of the same tables.
tmp = tempfile.mkdtemp()
cdb = os.path.join(tmp, "cytominer.sqlite")
con = sqlite3.connect(cdb)
im = image_df.rename(columns={c: f"Image_{c}" for c in image_df.columns if c.startswith(("Count_", "FileName_"))})
im.insert(0, "TableNumber", 1)
write_table(con, "Image", im, None)
for c, t in tables.items():
    t2 = t.rename(columns={col: f"{c}_{col}" for col in t.columns if col not in ("ImageNumber", "ObjectNumber")})
    t2.insert(0, "TableNumber", 1)
    write_table(con, c, t2, None)
con.commit()
con.close()
sc = SingleCells(sql_file=f"sqlite:///{cdb}", strata=["Metadata_Plate", "Metadata_Well"],
                 image_cols=["TableNumber", "ImageNumber", "Metadata_Site", "Metadata_Compound", "Metadata_Concentration"],
                 fields_of_view_feature="Metadata_Site", add_image_features=False)
single = sc.merge_single_cells()
single.to_csv(os.path.join(tmp, "single.csv"), index=False)
features = [c for c in single.columns if c.startswith(("Cells_", "Cytoplasm_", "Nuclei_"))]
features = [c for c in features if not any(k in c for k in ("_Parent_", "_Location_", "_Number_Object_Number", "_Children_"))]
wells = aggregate(single, strata=["Metadata_Plate", "Metadata_Well", "Metadata_Compound", "Metadata_Concentration"],
                  features=features, operation="median")
normalized = pd.concat([normalize(wells[wells.Metadata_Plate == p], features=features,
                                  meta_features=["Metadata_Plate", "Metadata_Well", "Metadata_Compound", "Metadata_Concentration"],
                                  samples="Metadata_Compound == 'DMSO'", method="mad_robustize")
                        for p in wells.Metadata_Plate.unique()])
normalized = normalized.sort_values(["Metadata_Plate", "Metadata_Well"])
normalized.to_csv(os.path.join(out, "pycytominer_well_profiles.csv"), index=False, float_format="%.17g")
with open(os.path.join(out, "README"), "w") as f:
    f.write(f"Written by scripts/reference/make_cellprofiler_fixtures.py (pycytominer {importlib.metadata.version('pycytominer')}, "
            f"pandas {pd.__version__}); synthetic data, no licence restrictions.\n"
            f"{len(single)} cells, {len(features)} features, {len(normalized)} wells.\n")
print(f"{len(single)} cells, {len(features)} features -> {len(normalized)} wells in {out}")
