#!/usr/bin/env python3
"""Writes scikit-image reference answers for Imaging's filters and segmentation primitives.

Input: a seeded 64x48 float32 image of blobs plus noise. Outputs (raw little-endian arrays
and filters.json) under Tests/ImagingTests/Fixtures/filters/.
"""
import json
import os
import subprocess
import sys

subprocess.run([sys.executable, "-m", "pip", "install", "-q", "scikit-image", "numpy"], check=True)
import numpy as np  # noqa: E402
import skimage  # noqa: E402
from skimage import filters, measure  # noqa: E402

out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ImagingTests", "Fixtures", "filters")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
H, W = 48, 64
yy, xx = np.mgrid[0:H, 0:W]
img = np.full((H, W), 100.0)
for _ in range(9):
    cy, cx, r, a = rng.uniform(0, H), rng.uniform(0, W), rng.uniform(2, 6), rng.uniform(200, 900)
    img += a * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
img += rng.normal(0, 15, size=(H, W))
img = img.astype(np.float32)
img.tofile(os.path.join(out, "input_f32.raw"))

meta = {"width": W, "height": H, "skimage": skimage.__version__}
for sigma in (1.0, 2.5):
    g = filters.gaussian(img.astype(np.float64), sigma=sigma, mode="reflect", truncate=4.0, preserve_range=True)
    g.astype(np.float32).tofile(os.path.join(out, f"gaussian_sigma{sigma}.raw"))
meta["otsu"] = float(filters.threshold_otsu(img))
meta["li"] = float(filters.threshold_li(img))
binary = img > meta["otsu"]
binary.astype(np.uint8).tofile(os.path.join(out, "binary_u8.raw"))
for conn, name in ((1, "4"), (2, "8")):
    lab = measure.label(binary, connectivity=conn)
    lab.astype(np.int32).tofile(os.path.join(out, f"labels{name}_i32.raw"))
    meta[f"objects{name}"] = int(lab.max())
# Two overlapping discs: the textbook watershed split, seeded at the disc centres.
from scipy import ndimage  # noqa: E402
from skimage.segmentation import watershed  # noqa: E402
discs = ((yy - 24) ** 2 + (xx - 22) ** 2 < 14 ** 2) | ((yy - 22) ** 2 + (xx - 44) ** 2 < 11 ** 2)
discs.astype(np.uint8).tofile(os.path.join(out, "discs_u8.raw"))
dist = ndimage.distance_transform_edt(discs)
dist.astype(np.float32).tofile(os.path.join(out, "discs_edt_f32.raw"))
markers = np.zeros((H, W), np.int32)
markers[24, 22], markers[22, 44] = 1, 2
ws = watershed(-dist.astype(np.float32), markers, mask=discs)
ws.astype(np.int32).tofile(os.path.join(out, "discs_watershed_i32.raw"))
filters.sobel(img.astype(np.float64)).astype(np.float32).tofile(os.path.join(out, "sobel_f32.raw"))
lap = ndimage.laplace(img.astype(np.float64), mode="reflect")
lap.astype(np.float32).tofile(os.path.join(out, "laplace_f32.raw"))
meta["variance_of_laplacian"] = float(np.var(lap))
ndimage.median_filter(img, size=5, mode="reflect").tofile(os.path.join(out, "median_r2_f32.raw"))
from skimage import morphology  # noqa: E402
smooth = filters.gaussian(img.astype(np.float64), sigma=2, preserve_range=True).astype(np.float32)
smooth.tofile(os.path.join(out, "hmaxima_input_f32.raw"))
morphology.h_maxima(smooth, 50.0).astype(np.uint8).tofile(os.path.join(out, "hmaxima50_u8.raw"))


def power_log_log_slope(pixels):
    """CellProfiler MeasureImageQuality PowerLogLogSlope, with centrosome's rps inlined."""
    im = pixels.astype(np.float64)
    radii2 = (np.arange(im.shape[0]).reshape((im.shape[0], 1)) ** 2) + (np.arange(im.shape[1]) ** 2)
    radii2 = np.minimum(radii2, np.flipud(radii2))
    radii2 = np.minimum(radii2, np.fliplr(radii2))
    maxwidth = min(im.shape[0], im.shape[1]) / 8.0
    if np.ptp(im) > 0:
        im = im / np.median(abs(im - im.mean()))
    mag = abs(np.fft.fft2(im - np.mean(im)))
    power = mag ** 2
    radii = np.floor(np.sqrt(radii2)).astype(int) + 1
    labels = np.arange(2, np.floor(maxwidth)).astype(int).tolist()
    magsum = np.array(ndimage.sum(mag, radii, labels))
    powersum = np.array(ndimage.sum(power, radii, labels))
    valid = magsum > 0
    r = np.log(np.array(labels)[valid])
    p = np.log(powersum[valid])
    A = np.stack([r, np.ones_like(r)], axis=1)
    return float(np.linalg.lstsq(A, p, rcond=None)[0][0])


big = np.tile(img, (2, 2))[:90, :120]  # 90x120: radii 2..10, lengths with factors 2, 3, 5
big.astype(np.float32).tofile(os.path.join(out, "plls_input_f32.raw"))
meta["plls_input"] = [120, 90]
meta["power_log_log_slope"] = power_log_log_slope(big)
meta["power_log_log_slope_blurred"] = power_log_log_slope(ndimage.gaussian_filter(big.astype(np.float64), 2, mode="reflect").astype(np.float32))
with open(os.path.join(out, "filters.json"), "w") as f:
    json.dump(meta, f, indent=1)
print(json.dumps(meta))
