#!/usr/bin/env python3
"""Writes .npy fixtures with numpy itself, for Tests/TensorTests/NPYFileTests.swift.

Run from the repository root: python3 scripts/reference/make_npy_fixtures.py
"""
import os
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "numpy"])
    import numpy as np

out = "Tests/TensorTests/Fixtures/npy"
os.makedirs(out, exist_ok=True)
a = np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5
np.save(f"{out}/f32_2x3.npy", a)
np.save(f"{out}/f64_3.npy", np.array([1.5, -2.25, 1e10]))
np.save(f"{out}/i64_2x2.npy", np.array([[1, -2], [3, 2**40]], dtype=np.int64))
np.save(f"{out}/u16_be.npy", np.array([1, 256, 65535], dtype=">u2"))
np.save(f"{out}/f16_4.npy", np.array([0.5, -1, 65504, 0.1], dtype=np.float16))
np.save(f"{out}/f32_fortran.npy", np.asfortranarray(a))
np.save(f"{out}/u8_scalar_shape.npy", np.array(7, dtype=np.uint8))
print("wrote fixtures to", out)
