#!/usr/bin/env python3
"""Times cp-measure on the synthetic sites written by `phenoscope bench features`.

Usage: python3 scripts/reference/bench_cp_measure.py DIR

DIR holds sites.json ({"channels": [...], "sites": [...]}) and, per site S,
S_<channel>.npy (float32) plus S_nuclei.npy and S_cells.npy (int32 labels). For every
site it runs the cp-measure 0.3.0 functions matching Profiling's default families
(intensity, size/shape, Zernike, texture at scale 3, granularity, radial distribution,
Pearson / Manders / RWC) on nuclei, cells and cytoplasm, and prints one JSON object:
{"cells": N, "seconds": T, "cp_measure": VERSION}.

It never installs anything: it uses the reference virtual environment made by
cp_measure_fixtures.py when present (or $PHENOSCOPE_REF_VENV), else this interpreter.
Exit status 3 with a one-line reason on stderr when cp-measure is not importable.
"""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENV = os.environ.get("PHENOSCOPE_REF_VENV", os.path.join(ROOT, ".build", "reference-venv"))


def main():
    if len(sys.argv) != 2:
        print("usage: bench_cp_measure.py DIR", file=sys.stderr)
        return 2
    py = os.path.join(VENV, "bin", "python")
    if os.environ.get("PHENOSCOPE_REF_IN_VENV") != "1" and os.path.exists(py):
        os.execve(py, [py, os.path.abspath(__file__), *sys.argv[1:]], dict(os.environ, PHENOSCOPE_REF_IN_VENV="1"))
    try:
        import numpy as np
        import cp_measure
        from cp_measure.bulk import get_core_measurements, get_correlation_measurements
    except ImportError as err:
        print(f"cp-measure not importable: {err}", file=sys.stderr)
        return 3
    import warnings
    warnings.simplefilter("ignore")

    d = sys.argv[1]
    with open(os.path.join(d, "sites.json")) as f:
        spec = json.load(f)
    core = get_core_measurements()
    corr = get_correlation_measurements()
    cells_total = 0
    elapsed = 0.0
    for site in spec["sites"]:
        chans = {c: np.load(os.path.join(d, f"{site}_{c}.npy")) for c in spec["channels"]}
        nuclei = np.load(os.path.join(d, f"{site}_nuclei.npy"))
        cells = np.load(os.path.join(d, f"{site}_cells.npy"))
        start = time.perf_counter()
        cyto = np.where(nuclei == 0, cells, 0).astype(np.int32)
        for lab in (nuclei, cells, cyto):
            core["sizeshape"](lab, None)
            core["zernike"](lab, None)
            for img in chans.values():
                core["intensity"](lab, img)
                core["texture"](lab, img, scale=3)
                core["granularity"](lab, img)
                core["radial_distribution"](lab, img)
            names = spec["channels"]
            for i in range(len(names)):
                for j in range(i + 1, len(names)):
                    a, b = chans[names[i]], chans[names[j]]
                    for fn in ("pearson", "manders_fold", "rwc"):
                        corr[fn](a, b, lab)
        elapsed += time.perf_counter() - start
        cells_total += int(len(np.unique(cells)) - 1)
    version = getattr(cp_measure, "__version__", "0.3.0")
    print(json.dumps({"cells": cells_total, "seconds": elapsed, "cp_measure": version}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
