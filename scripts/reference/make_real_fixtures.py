#!/usr/bin/env python3
"""Small fixtures cut from the real sample images, for ScreenTests (import folder, LoadData, OME-TIFF).

    python3 scripts/reference/make_real_fixtures.py SAMPLES_DIR

SAMPLES_DIR holds `jump_r01c02f01/` (one JUMP Cell Painting field, Opera Phenix naming, 6 channels,
1080x1080 uint16 LZW; CC0, from the MIT-licensed repository github:tofetpuzo/cell-painting-jumpdataset)
and `cp_examplehuman/` (CellProfiler ExampleHuman, 3 channels 512x512 uint8; CC0, from
github:CellProfiler/examples). Run from the repository root. Writes under
Tests/ScreenTests/Fixtures/real/:
- jump_r01c02f01/: the same six file names, each a 256x256 crop (the window with the most DNA
  signal in ch4, on a 64-pixel grid), LZW-compressed like the originals (with the horizontal predictor, to keep them small);
- cp_examplehuman/: the three channels cropped to their central 256x256, uint8, deflate-compressed,
  plus load_data.csv (CellProfiler LoadData: FileName_/PathName_ per channel, Metadata_ columns)
  and examplehuman.ome.tif, the three crops as one OME-TIFF (tifffile, one page per channel,
  channel names OrigDNA, OrigPH3, OrigCells) for channel-exact page selection.
"""
import csv
import os
import sys

import numpy as np
import tifffile

src = sys.argv[1]
out = "Tests/ScreenTests/Fixtures/real"

jump_in, jump_out = os.path.join(src, "jump_r01c02f01"), os.path.join(out, "jump_r01c02f01")
os.makedirs(jump_out, exist_ok=True)
names = [f"r01c02f01p01-ch{c}sk1fk1fl1.tiff" for c in range(1, 7)]
planes = [tifffile.imread(os.path.join(jump_in, n)) for n in names]
dna = planes[3].astype(np.float64)
best = max(((dna[y:y + 256, x:x + 256].mean(), y, x) for y in range(0, dna.shape[0] - 255, 64)
            for x in range(0, dna.shape[1] - 255, 64)))
_, y0, x0 = best
for n, p in zip(names, planes):
    tifffile.imwrite(os.path.join(jump_out, n), p[y0:y0 + 256, x0:x0 + 256], compression="lzw", predictor=True)
print(f"jump crop at x={x0} y={y0}")

cp_in, cp_out = os.path.join(src, "cp_examplehuman"), os.path.join(out, "cp_examplehuman")
os.makedirs(cp_out, exist_ok=True)
stem = "AS_09125_050116030001_D03f00d"
channels = [("OrigDNA", 0), ("OrigPH3", 1), ("OrigCells", 2)]
crops = []
for _, d in channels:
    img = tifffile.imread(os.path.join(cp_in, f"{stem}{d}.tif"))
    h, w = img.shape
    crop = img[(h - 256) // 2:(h + 256) // 2, (w - 256) // 2:(w + 256) // 2]
    crops.append(crop)
    tifffile.imwrite(os.path.join(cp_out, f"{stem}{d}.tif"), crop, compression="zlib")
tifffile.imwrite(os.path.join(cp_out, "examplehuman.ome.tif"), np.stack(crops), ome=True, compression="zlib",
                 metadata={"axes": "CYX", "Channel": {"Name": [c for c, _ in channels]}})
with open(os.path.join(cp_out, "load_data.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["Metadata_Plate", "Metadata_Well", "Metadata_Site"]
               + [f"{k}_{c}" for c, _ in channels for k in ("FileName", "PathName")])
    w.writerow(["AS_09125_050116030001", "D03", "0"]
               + [v for _, d in channels for v in (f"{stem}{d}.tif", ".")])
