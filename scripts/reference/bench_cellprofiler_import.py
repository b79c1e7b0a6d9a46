#!/usr/bin/env python3
"""Throughput of `phenoscope import cellprofiler --sqlite` against CytoTable (pycytominer's
recommended reader of CellProfiler SQLite) on the same ExportToDatabase file, in one run.

Writes a synthetic ExportToDatabase SQLite of about --mb megabytes (Per_Image, Per_Cells,
Per_Cytoplasm, Per_Nuclei; CellProfiler's column names and primary keys; --features float
features per object table, a few NULL), then times, alternating A B A B for --repeats rounds,
  A: phenoscope import cellprofiler --sqlite DB --out cells.csv --quiet
  B: cytotable.convert(DB, preset="cellprofiler_sqlite_pycytominer", dest_datatype="parquet"),
     parsl on a two-thread pool (the machine's cores) so it is one process
each as a whole process under /usr/bin/time -v (wall seconds, CPU seconds, peak RSS). Prints one
JSON object: per tool the median wall and CPU time, single-cell rows per second and peak RSS in
MB, and CytoTable's wall, CPU and peak RSS over Phenoscope's.
Needs: pip install cytotable numpy (offline: also duckdb==1.5.5 and
duckdb-extension-sqlite-scanner==1.5.5 duckdb-extension-httpfs==1.5.5, which CytoTable's DuckDB
would otherwise download).
"""
import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--phenoscope", required=True, help="path of the phenoscope binary (a release build)")
ap.add_argument("--mb", type=float, default=1000, help="approximate database size")
ap.add_argument("--features", type=int, default=1000, help="features per object table")
ap.add_argument("--cells-per-image", type=int, default=250)
ap.add_argument("--repeats", type=int, default=1)
ap.add_argument("--workdir", default=None)
ap.add_argument("--keep", action="store_true", help="keep the database")
ap.add_argument("--skip-cytotable", action="store_true")
args = ap.parse_args()

work = args.workdir or tempfile.mkdtemp(prefix="cpbench-")
os.makedirs(work, exist_ok=True)
db = os.path.join(work, "cellprofiler.sqlite")
F, K = args.features, args.cells_per_image
FEATURE_STEMS = ["AreaShape_Zernike_{}_{}", "Intensity_MeanIntensity_{}_{}", "Texture_Contrast_{}_3_0{}_256",
                 "Granularity_{}_{}", "RadialDistribution_FracAtD_{}_{}of4", "Correlation_Correlation_{}_{}"]
CHANNELS = ["DNA", "ER", "RNA", "AGP", "Mito"]


def names(compartment):
    return [f"{compartment}_" + FEATURE_STEMS[i % len(FEATURE_STEMS)].format(CHANNELS[(i // 6) % 5], i) for i in range(F)]


bytes_per_cell = 3 * (F * 9 + 60)
images = max(1, int(args.mb * 1e6 / bytes_per_cell / K))
rng = np.random.default_rng(0)
if not os.path.exists(db):
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE TABLE Per_Image (ImageNumber INTEGER, Image_Metadata_Plate TEXT, Image_Metadata_Well TEXT, "
                "Image_Metadata_Site INTEGER, Image_Count_Cells INTEGER, Image_FileName_OrigDNA TEXT, PRIMARY KEY (ImageNumber))")
    key = {"Cells": ["Cells_Parent_Nuclei INTEGER", "Cells_Location_Center_X FLOAT", "Cells_Location_Center_Y FLOAT"],
           "Cytoplasm": ["Cytoplasm_Parent_Cells INTEGER", "Cytoplasm_Parent_Nuclei INTEGER"],
           "Nuclei": ["Nuclei_Location_Center_X FLOAT", "Nuclei_Location_Center_Y FLOAT"]}
    for c in ("Cells", "Cytoplasm", "Nuclei"):
        cols = ", ".join([f"{n} FLOAT" for n in names(c)])
        con.execute(f"CREATE TABLE Per_{c} (ImageNumber INTEGER, {c}_Number_Object_Number INTEGER, {', '.join(key[c])}, "
                    f"{cols}, PRIMARY KEY (ImageNumber, {c}_Number_Object_Number))")
    for i in range(1, images + 1):
        well = f"{'BCDEFG'[(i // 9) % 6]}{(i // 54) % 22 + 2:02d}"
        con.execute("INSERT INTO Per_Image VALUES (?, ?, ?, ?, ?, ?)", (i, "P1", well, i % 9 + 1, K, f"s{i}.tif"))
        objs = np.arange(1, K + 1, dtype=np.float64)
        xy = rng.uniform(0, 1080, size=(K, 2))
        keys = {"Cells": [objs, objs, xy[:, 0], xy[:, 1]], "Cytoplasm": [objs, objs, objs],
                "Nuclei": [objs, xy[:, 0] + 0.5, xy[:, 1] + 0.5]}
        integer_columns = {"Cells": 2, "Cytoplasm": 3, "Nuclei": 1}
        for c in ("Cells", "Cytoplasm", "Nuclei"):
            vals = rng.normal(1.0, 0.3, size=(K, F))
            vals[rng.uniform(size=(K, F)) < 0.001] = np.nan   # SQLite stores a bound NaN as NULL
            block = np.column_stack(keys[c] + [vals]).tolist()
            n = integer_columns[c]
            rows = [[i] + [int(v) for v in r[:n]] + r[n:] for r in block]
            con.executemany(f"INSERT INTO Per_{c} VALUES ({', '.join('?' * len(rows[0]))})", rows)
    con.commit()
    con.close()
size_mb = os.path.getsize(db) / 1e6
rows = images * K


def timed(cmd):
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of `cmd` under /usr/bin/time -v."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {p.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", p.stderr).group(1).split(":")
    seconds = sum(float(x) * 60 ** k for k, x in enumerate(reversed(wall)))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    cpu = sum(float(re.search(rf"{k} time \(seconds\): (\S+)", p.stderr).group(1)) for k in ("User", "System"))
    return seconds, rss, cpu


# CytoTable runs its tasks in parsl; a thread pool keeps them in this one process, so that
# /usr/bin/time's peak RSS (the largest single process) is the whole of its memory.
cytotable_code = (
    "import sys, cytotable, parsl\n"
    "import glob, importlib, duckdb\n"   # offline machines: DuckDB's extensions from their PyPI wheels
    "for name in ('sqlite_scanner', 'httpfs'):\n"
    "    try:\n"
    "        m = importlib.import_module('duckdb_extension_' + name)\n"
    "    except ImportError:\n"
    "        continue\n"
    "    for f in glob.glob(m.__path__[0] + '/extensions/*/*.duckdb_extension'):\n"
    "        duckdb.connect().execute(\"INSTALL '%s'\" % f)\n"
    "from parsl.executors import ThreadPoolExecutor\n"
    "cytotable.convert(source_path=sys.argv[1], dest_path=sys.argv[2], dest_datatype='parquet',\n"
    "    preset='cellprofiler_sqlite_pycytominer',\n"
    "    parsl_config=parsl.config.Config(executors=[ThreadPoolExecutor(label='tpe_for_cytotable', max_threads=2)]))")
tools = {"phenoscope": lambda: [args.phenoscope, "import", "cellprofiler", "--sqlite", db,
                                "--out", os.path.join(work, "cells.csv"), "--quiet"]}
if not args.skip_cytotable:
    tools["cytotable"] = lambda: [sys.executable, "-c", cytotable_code, db, os.path.join(work, "cytotable.parquet")]
runs = {t: [] for t in tools}
for _ in range(args.repeats):
    for t, cmd in tools.items():
        for f in ("cells.csv", "cytotable.parquet"):
            p = os.path.join(work, f)
            if os.path.isdir(p):
                import shutil
                shutil.rmtree(p)
            elif os.path.exists(p):
                os.remove(p)
        runs[t].append(timed(cmd()))
result = {"database_mb": round(size_mb, 1), "images": images, "single_cell_rows": rows,
          "features_per_cell": 3 * F, "repeats": args.repeats}
for t, rs in runs.items():
    wall = max(statistics.median(r[0] for r in rs), 1e-3)
    result[t] = {"wall_s": round(wall, 2), "cpu_s": round(statistics.median(r[2] for r in rs), 2),
                 "rows_per_s": round(rows / wall, 1), "mb_per_s": round(size_mb / wall, 1),
                 "peak_rss_mb": round(max(r[1] for r in rs), 1), "runs_wall_s": [round(r[0], 2) for r in rs]}
if "cytotable" in result:
    for k in ("wall_s", "cpu_s", "peak_rss_mb"):
        result[f"cytotable_over_phenoscope_{k.rsplit('_', 1)[0]}"] = round(result["cytotable"][k] / max(result["phenoscope"][k], 1e-3), 2)
if not args.keep and not args.workdir:
    os.remove(db)
print(json.dumps(result))
