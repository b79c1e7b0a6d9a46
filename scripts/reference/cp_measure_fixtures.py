#!/usr/bin/env python3
"""Reference fixtures for Profiling's per-cell measurements, computed with cp-measure.

Builds a small deterministic site (two 128x128 channels, DNA and Tubulin, with ~10
elliptical cells, each holding an elliptical nucleus; textured intensities quantised to
16-bit steps and scaled to 0..1 as CellProfiler does), runs cp-measure 0.3.0 on the
nuclei, cells and cytoplasm (cells minus nuclei) label images, and writes:

  Tests/ProfilingTests/Fixtures/cp_measure/
    DNA.npy, Tubulin.npy      float32 (128, 128) channel images
    nuclei.npy, cells.npy     int32 (128, 128) label images (cell label == nucleus label)
    expected.csv              one row per object (label order), `Label` then every
                              feature column cp-measure computes, named the way
                              Profiling names them (e.g. Nuclei_Intensity_MeanIntensity_DNA)

Run: python3 scripts/reference/cp_measure_fixtures.py [--out DIR]
It pip-installs what it needs into a private virtual environment on first use.
"""
import os
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENV = os.environ.get("PHENOSCOPE_REF_VENV", os.path.join(ROOT, ".build", "reference-venv"))
PACKAGES = ["cp-measure==0.3.0", "numpy", "scikit-image"]


def ensure_venv():
    """Re-exec inside a virtual environment that has cp-measure installed."""
    if os.environ.get("PHENOSCOPE_REF_IN_VENV") == "1":
        return
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        venv.create(VENV, with_pip=True)
    probe = subprocess.run([py, "-c", "import cp_measure, skimage, numpy"], capture_output=True)
    if probe.returncode != 0:
        subprocess.check_call([py, "-m", "pip", "install", "-q", *PACKAGES])
    env = dict(os.environ, PHENOSCOPE_REF_IN_VENV="1")
    os.execve(py, [py, os.path.abspath(__file__), *sys.argv[1:]], env)


def synthetic_site(rng, height=128, width=128, n_cells=10):
    """Non-touching elliptical cells with an off-centre elliptical nucleus each."""
    import numpy as np

    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    nuclei = np.zeros((height, width), np.int32)
    cells = np.zeros((height, width), np.int32)
    dna = np.zeros((height, width))
    tub = np.zeros((height, width))
    label = 0
    attempts = 0
    while label < n_cells and attempts < 2000:
        attempts += 1
        a, b = rng.uniform(9, 15), rng.uniform(6, 11)
        cy, cx = rng.uniform(a + 3, height - a - 3), rng.uniform(a + 3, width - a - 3)
        th = rng.uniform(0, np.pi)
        dy, dx = yy - cy, xx - cx
        u = dx * np.cos(th) + dy * np.sin(th)
        v = -dx * np.sin(th) + dy * np.cos(th)
        # Slightly irregular outline so that convex hull, solidity and Zernike moments are not trivial.
        wobble = 1 + 0.12 * np.sin(3 * np.arctan2(v, u) + rng.uniform(0, 6.3))
        cell = (u / a) ** 2 + (v / b) ** 2 <= wobble**2
        grown = np.zeros_like(cell)
        grown[1:-1, 1:-1] = cell[1:-1, 1:-1] | cell[:-2, 1:-1] | cell[2:, 1:-1] | cell[1:-1, :-2] | cell[1:-1, 2:]
        if (cells[grown] != 0).any():
            continue
        label += 1
        ox, oy = rng.uniform(-0.25, 0.25) * a, rng.uniform(-0.25, 0.25) * b
        nu = ((u - ox) / (0.5 * a)) ** 2 + ((v - oy) / (0.55 * b)) ** 2 <= 1
        nu &= cell
        cells[cell] = label
        nuclei[nu] = label
        rn = np.hypot((u - ox) / (0.5 * a), (v - oy) / (0.55 * b))
        dna[nu] += rng.uniform(0.25, 0.5) * (1 - 0.5 * rn[nu]) * (1 + 0.3 * np.sin(xx[nu] / 1.7) * np.cos(yy[nu] / 2.3))
        rc = np.hypot(u / a, v / b)
        tub[cell] += rng.uniform(0.1, 0.3) * (0.4 + 0.6 * rc[cell]) * (1 + 0.4 * np.sin((u[cell] + 2 * v[cell]) / 2.1))
    dna += 0.02 + 0.01 * rng.random((height, width))
    tub += 0.02 + 0.02 * rng.random((height, width))
    # Acquisition as 16-bit, then value / 65535 as CellProfiler loads it.
    dna = np.round(np.clip(dna, 0, 1) * 65535) / 65535
    tub = np.round(np.clip(tub, 0, 1) * 65535) / 65535
    return dna.astype(np.float32), tub.astype(np.float32), nuclei, cells


def main():
    ensure_venv()
    import argparse
    import numpy as np
    from cp_measure.bulk import get_core_measurements, get_correlation_measurements
    from cp_measure.core import measurecolocalization as coloc

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "Tests", "ProfilingTests", "Fixtures", "cp_measure"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    dna, tub, nuclei, cells = synthetic_site(rng)
    cyto = np.where(nuclei == 0, cells, 0).astype(np.int32)
    channels = {"DNA": dna, "Tubulin": tub}
    compartments = {"Nuclei": nuclei, "Cells": cells, "Cytoplasm": cyto}
    n = int(cells.max())
    for name, lab in compartments.items():
        assert sorted(set(np.unique(lab)) - {0}) == list(range(1, n + 1)), f"{name}: labels not 1..{n}"

    core = get_core_measurements()
    corr = get_correlation_measurements()
    columns = {"Label": np.arange(1, n + 1, dtype=np.float64)}

    def put(name, values):
        values = np.asarray(values, dtype=np.float64)
        assert values.shape == (n,), (name, values.shape)
        columns[name] = values

    for comp, lab in compartments.items():
        # Shape features are channel-independent.
        for fam in ("sizeshape", "zernike", "feret"):
            for key, vals in core[fam](lab, dna).items():
                put(f"{comp}_AreaShape_{key}", vals)
        for ch, img in channels.items():
            for key, vals in core["intensity"](lab, img).items():
                cat, feat = key.split("_", 1)
                put(f"{comp}_{cat}_{feat}_{ch}", vals)
            for scale in (3, 5):
                for key, vals in core["texture"](lab, img, scale=scale).items():
                    feat, rest = key.split("_", 1)
                    put(f"{comp}_Texture_{feat}_{ch}_{rest}", vals)
            for key, vals in core["granularity"](lab, img).items():
                put(f"{comp}_{key}_{ch}", vals)
            for key, vals in core["radial_distribution"](lab, img).items():
                cat, feat, bins = key.split("_")
                put(f"{comp}_{cat}_{feat}_{ch}_{bins}", vals)
        first, second = "DNA", "Tubulin"
        r = corr["pearson"](channels[first], channels[second], lab)
        put(f"{comp}_Correlation_Correlation_{first}_{second}", r["Correlation_Pearson"])
        put(f"{comp}_Correlation_Slope_{first}_{second}", r["Correlation_Slope"])
        m = corr["manders_fold"](channels[first], channels[second], lab)
        put(f"{comp}_Correlation_Manders_{first}_{second}", m["Correlation_Manders_1"])
        put(f"{comp}_Correlation_Manders_{second}_{first}", m["Correlation_Manders_2"])
        w = corr["rwc"](channels[first], channels[second], lab)
        put(f"{comp}_Correlation_RWC_{first}_{second}", w["Correlation_RWC_1"])
        put(f"{comp}_Correlation_RWC_{second}_{first}", w["Correlation_RWC_2"])
        # Overlap and K are in cp-measure's colocalization module but not in its bulk
        # registry; call the per-object helper CellProfiler's formula lives in.
        ov = np.zeros(n); k1 = np.zeros(n); k2 = np.zeros(n)
        for i in range(n):
            sel = lab == i + 1
            ov[i], k1[i], k2[i] = coloc._overlap_pair(channels[first][sel].astype(np.float64),
                                                      channels[second][sel].astype(np.float64), 15)
        put(f"{comp}_Correlation_Overlap_{first}_{second}", ov)
        put(f"{comp}_Correlation_K_{first}_{second}", k1)
        put(f"{comp}_Correlation_K_{second}_{first}", k2)

    # cp-measure drops pixels whose normalised radius rounds to just above 1, and pixels
    # exactly on the minimum enclosing circle are common (the circle passes through pixel
    # centres), so its Zernike values hinge on the last bit of the circle's centre. The
    # robust reference keeps cp-measure's circle, basis and normalisation but accepts
    # r^2 <= 1 + 1e-9.
    robust = {"Label": columns["Label"]}
    for comp, lab in compartments.items():
        for key, vals in zernike_robust(lab).items():
            robust[f"{comp}_AreaShape_{key}"] = vals

    os.makedirs(args.out, exist_ok=True)
    write_csv(os.path.join(args.out, "zernike_robust.csv"), robust, n)
    np.save(os.path.join(args.out, "DNA.npy"), dna)
    np.save(os.path.join(args.out, "Tubulin.npy"), tub)
    np.save(os.path.join(args.out, "nuclei.npy"), nuclei)
    np.save(os.path.join(args.out, "cells.npy"), cells)
    write_csv(os.path.join(args.out, "expected.csv"), columns, n)
    print(f"{n} objects, {len(columns) - 1} features -> {args.out}", file=sys.stderr)


def write_csv(path, columns, n):
    names = list(columns)
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for i in range(n):
            f.write(",".join(repr(float(columns[c][i])) for c in names) + "\n")


def zernike_robust(lab):
    """cp-measure's get_zernike with the unit-disk cutoff widened by 1e-9."""
    import numpy as np
    from centrosome import zernike

    idx = zernike.get_zernike_indexes(10)
    n = int(lab.max())
    centers, radii = zernike.minimum_enclosing_circle(lab, np.arange(1, n + 1))
    lut = zernike.construct_zernike_lookuptable(idx)
    out = {f"Zernike_{a}_{b}": np.zeros(n) for a, b in idx}
    for L in range(1, n + 1):
        rows, cols = np.nonzero(lab == L)
        ym = (rows - centers[L - 1, 0]) / radii[L - 1]
        xm = (cols - centers[L - 1, 1]) / radii[L - 1]
        r2 = xm * xm + ym * ym
        z = ym + 1j * xm
        for k, (a, b) in enumerate(idx):
            s = np.zeros_like(xm)
            for c in lut[k, : (a - b) // 2 + 1]:
                s = s * r2 + c
            s[r2 > 1 + 1e-9] = 0
            out[f"Zernike_{a}_{b}"][L - 1] = abs((s * z**b).sum()) / (np.pi * radii[L - 1] ** 2)
    return out


if __name__ == "__main__":
    main()
