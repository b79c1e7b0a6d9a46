#!/usr/bin/env python3
"""OME-Zarr NGFF 0.5 (zarr v3) fixtures written by zarr-python 3 for ImagingTests.

The same three 30 x 40 uint16 channels as make_zarr_fixtures.py's NGFF 0.4 stores (16 x 16
chunks, partial edge chunks, the top-left chunk of channel 2 equal to the fill value and so not
written), so a test compares each v3 plane with the v2 read of the same data. One image per
codec chain, all with zarr v3's default chunk keys (`c/0/1/2`) unless named otherwise:
  v3_zstd (bytes little + zstd), v3_gzip (bytes + gzip), v3_blosc (bytes + blosc lz4, shuffle),
  v3_bigendian (bytes big, no compressor), v3_dotkeys (default encoding with "." separator:
  `c.0.1.2`, + zstd), v3_v2keys (the "v2" chunk key encoding `0.1.2`, + gzip),
  v3_sharded (sharding_indexed: refused by name), and an HCS plate v3_plate.zarr with
  wells A/1 and B/3 (B/3 holds the image flipped), one field each.
Group metadata is NGFF 0.5 (`attributes.ome`: version, multiscales, omero), written through
zarr-python's attributes as ome-zarr-py >= 0.10 writes it.

Needs: pip install "zarr>=3" numpy. Run from the repository root.
Licence of the output: written here, same licence as the repository.
"""
import os
import shutil

import numpy as np
import zarr
from zarr.codecs import BloscCodec, BytesCodec, GzipCodec, ZstdCodec

out = "Tests/ImagingTests/Fixtures/zarr_v3"
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)

y, x = np.mgrid[0:30, 0:40]
base = np.stack([(y * 977 + x * 131 + c * 20011) % 65536 for c in range(3)]).astype(np.uint16)
base[2, :16, :16] = 0          # an unwritten chunk (fill value 0)
labels = ["DNA", "Actin", "Tubulin"]
omero = {"channels": [{"label": l, "color": col, "window": {"min": 0, "max": 65535, "start": 0, "end": 65535}}
                      for l, col in zip(labels, ["0000FF", "00FF00", "FF0000"])]}
axes = [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"}, {"name": "x", "type": "space"}]


def image(group, data, **array):
    group.attrs["ome"] = {"version": "0.5", "multiscales": [{
        "axes": axes, "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 1, 1]}]}]}],
        "omero": omero}
    a = group.create_array("0", shape=data.shape, dtype=data.dtype, chunks=(1, 16, 16), fill_value=0,
                           dimension_names=["c", "y", "x"], config={"write_empty_chunks": False}, **array)
    a[...] = data


def store(name, data, **array):
    image(zarr.open_group(f"{out}/{name}.zarr", mode="w", zarr_format=3), data, **array)


store("v3_zstd", base, serializer=BytesCodec(endian="little"), compressors=[ZstdCodec(level=3)])
store("v3_gzip", base, compressors=[GzipCodec(level=6)])
store("v3_blosc", base, compressors=[BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")])
store("v3_bigendian", base.astype(">u2"), serializer=BytesCodec(endian="big"), compressors=None)
store("v3_dotkeys", base, compressors=[ZstdCodec()], chunk_key_encoding={"name": "default", "separator": "."})
store("v3_v2keys", base, compressors=[GzipCodec()], chunk_key_encoding={"name": "v2", "separator": "."})
store("v3_sharded", base, shards=(1, 32, 48), compressors=[ZstdCodec()])

# An HCS plate (NGFF 0.5: plate and well attributes under `ome`).
flipped = np.ascontiguousarray(base[:, ::-1, ::-1])
root = zarr.open_group(f"{out}/v3_plate.zarr", mode="w", zarr_format=3)
root.attrs["ome"] = {"version": "0.5", "plate": {
    "name": "P1", "field_count": 1, "rows": [{"name": "A"}, {"name": "B"}],
    "columns": [{"name": "1"}, {"name": "2"}, {"name": "3"}],
    "wells": [{"path": "A/1", "rowIndex": 0, "columnIndex": 0}, {"path": "B/3", "rowIndex": 1, "columnIndex": 2}]}}
for well, data in [("A/1", base), ("B/3", flipped)]:
    row, col = well.split("/")
    group = root.require_group(row).require_group(col)
    group.attrs["ome"] = {"version": "0.5", "well": {"images": [{"path": "0", "acquisition": 0}]}}
    image(group.require_group("0"), data, compressors=[BloscCodec(cname="zstd", shuffle="shuffle")])

total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
print(f"wrote {out} with zarr {zarr.__version__}: {total} bytes")
