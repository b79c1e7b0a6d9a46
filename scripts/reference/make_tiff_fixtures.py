#!/usr/bin/env python3
"""TIFF and PNG fixtures written by other tools (tifffile, Pillow) for ImagingTests.

Every file holds the same 37 x 23 ramp (partial strips and 16 x 16 tiles on both edges);
`expected_<dtype>.npy` holds the pixels. Run from the repository root.
"""
import os
import subprocess
import sys

try:
    import numpy as np
    import tifffile
    from PIL import Image
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "numpy", "tifffile", "imagecodecs", "Pillow"])
    import numpy as np
    import tifffile
    from PIL import Image

out = "Tests/ImagingTests/Fixtures/tiff"
os.makedirs(out, exist_ok=True)
i = np.arange(37 * 23).reshape(23, 37)
u16 = ((i * 977) % 65536).astype(np.uint16)
u8 = (i % 256).astype(np.uint8)
f32 = (i * 0.25 - 100).astype(np.float32)
np.save(f"{out}/expected_u16.npy", u16)
np.save(f"{out}/expected_u8.npy", u8)
np.save(f"{out}/expected_f32.npy", f32)
for name, arr in [("u16", u16), ("u8", u8), ("f32", f32)]:
    for comp in [None, "lzw", "zlib"]:
        for tile in [None, (16, 16)]:
            for order in ["<", ">"]:
                fn = f"{out}/{name}_{comp or 'none'}_{'tile' if tile else 'strip'}_{'be' if order == '>' else 'le'}.tif"
                tifffile.imwrite(fn, arr.astype(arr.dtype.newbyteorder(order)), compression=comp, tile=tile,
                                 byteorder=order, rowsperstrip=5 if tile is None else None, photometric="minisblack")
tifffile.imwrite(f"{out}/u16_multipage.tif", np.stack([u16, u16 // 2, u16 // 3]), photometric="minisblack")
Image.fromarray(u8).save(f"{out}/u8_pillow.tif")
Image.fromarray(u8).save(f"{out}/u8_pillow_deflate.tif", compression="tiff_adobe_deflate")
Image.fromarray(u8).save(f"{out}/u8.png")
Image.fromarray(u16).save(f"{out}/u16.png")
print("wrote", len(os.listdir(out)), "files to", out)
