#!/usr/bin/env python3
"""OME-Zarr fixtures (NGFF 0.4, zarr v2) written by ome-zarr-py and zarr-python for ImagingTests.

Every image holds the same three 30 x 40 channels (16 x 16 chunks: partial chunks on both
edges; the top-left chunk of channel 2 equals the fill value, so zarr-python leaves it unwritten),
one store per compressor with flat "." chunk keys (zlib, gzip, zstd, blosc-lz4 with byte shuffle,
blosc-zstd with bit shuffle) and one uncompressed with nested "/" keys, plus big-endian, uint8, float32, Fortran order, a
fill value of 7, a t/c/z/y/x image with two z-planes and a pyramid, and an HCS plate with two
wells of one field. `expected/*.tif` holds each plane as a single-page TIFF written by tifffile.

Needs: pip install "zarr<3" "ome-zarr<0.10" numcodecs tifffile numpy. Run from the repository root.
Licence of the output: written here, same licence as the repository.
"""
import os
import shutil

import numcodecs
import numpy as np
import tifffile
import zarr
from ome_zarr.io import parse_url
from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata

out = "Tests/ImagingTests/Fixtures/zarr"
shutil.rmtree(out, ignore_errors=True)
os.makedirs(f"{out}/expected")

y, x = np.mgrid[0:30, 0:40]
base = np.stack([(y * 977 + x * 131 + c * 20011) % 65536 for c in range(3)]).astype(np.uint16)
base[2, :16, :16] = 0          # an unwritten chunk (fill value 0)
labels = ["DNA", "Actin", "Tubulin"]
omero = {"channels": [{"label": l, "color": col, "window": {"min": 0, "max": 65535, "start": 0, "end": 65535}}
                      for l, col in zip(labels, ["0000FF", "00FF00", "FF0000"])]}


def expect(name, planes):
    for c, plane in enumerate(planes):
        tifffile.imwrite(f"{out}/expected/{name}_c{c}.tif", plane, photometric="minisblack", compression="zlib")


def image(name, data, nested=False, **storage):
    """ome-zarr's own store writes nested "/" chunk keys; a plain zarr group flat "." ones."""
    path = f"{out}/{name}.zarr"
    root = zarr.group(store=parse_url(path, mode="w").store) if nested else zarr.open_group(path, mode="w")
    write_image(data, root, scaler=None, axes="cyx", metadata={"omero": omero},
                storage_options=dict(chunks=(1, 16, 16), write_empty_chunks=False, **storage))


expect("u16", base)
for name, compressor in [
    ("zlib", numcodecs.Zlib(level=6)),
    ("gzip", numcodecs.GZip(level=6)),
    ("zstd", numcodecs.Zstd(level=3)),
    ("blosc_lz4", numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)),
    ("blosc_zstd", numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.BITSHUFFLE)),
]:
    image(name, base, compressor=compressor)
image("none_nested", base, nested=True, compressor=None)
image("bigendian", base.astype(">u2"), compressor=numcodecs.Zlib())
image("forder", base, compressor=numcodecs.Zlib(), order="F")

u8 = (base % 251).astype(np.uint8)
expect("u8", u8)
image("u8", u8, compressor=numcodecs.Zstd())
f32 = (base.astype(np.float32) * 0.5 - 1000.25).astype(np.float32)
f32[2, :16, :16] = 0
expect("f32", f32)
image("f32", f32, compressor=numcodecs.Blosc(cname="lz4", shuffle=numcodecs.Blosc.SHUFFLE))

filled = base.copy()
filled[1, 16:, 16:32] = 7      # a chunk equal to the fill value 7: not written
expect("fill7", filled)
image("fill7", filled, compressor=numcodecs.Zlib(), fill_value=7)

# t, c, z, y, x with a pyramid (datasets 0, 1): z=1 holds each channel divided by 3.
stack = np.stack([base, base // 3], axis=1)[None]          # (1, 3, 2, 30, 40)
expect("u16_z1", base // 3)
root = zarr.group(store=parse_url(f"{out}/tczyx.zarr", mode="w").store)
write_image(stack, root, axes="tczyx", storage_options=dict(chunks=(1, 1, 1, 16, 16), write_empty_chunks=False),
            metadata={"omero": omero})

# An HCS plate: wells A/1 and B/3, one field each; B/3 holds the image flipped.
flipped = np.ascontiguousarray(base[:, ::-1, ::-1])
expect("plate_B3", flipped)
root = zarr.group(store=parse_url(f"{out}/plate.zarr", mode="w").store)
write_plate_metadata(root, ["A", "B"], ["1", "2", "3"], ["A/1", "B/3"], field_count=1, name="P1")
for well, data in [("A/1", base), ("B/3", flipped)]:
    row, col = well.split("/")
    group = root.require_group(row).require_group(col)
    write_well_metadata(group, ["0"])
    write_image(data, group.require_group("0"), scaler=None, axes="cyx",
                storage_options=dict(chunks=(1, 16, 16), write_empty_chunks=False,
                                     compressor=numcodecs.Blosc(cname="zstd", shuffle=numcodecs.Blosc.SHUFFLE)),
                metadata={"omero": omero})

total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
print(f"wrote {out}: {total} bytes")
