#!/usr/bin/env python3
"""Reads a TensorBoard event folder with TensorBoard's own EventAccumulator and prints
{"tags": [...], "scalars": {tag: [[step, value], ...]}} as one JSON object.

Usage: tensorboard_check.py EVENT_DIR. Needs the `tensorboard` package; when it is not
importable, makes a venv in $PHENOSCOPE_VENV (default ~/.cache/phenoscope/tb-venv),
pip-installs tensorboard there and re-runs itself with it. Exits 2 when that fails.
"""
import json, os, subprocess, sys

def reexec_in_venv():
    venv = os.environ.get("PHENOSCOPE_VENV", os.path.expanduser("~/.cache/phenoscope/tb-venv"))
    py = os.path.join(venv, "bin", "python")
    if os.path.abspath(sys.executable) == os.path.abspath(py):
        print("SKIP: tensorboard not importable even in " + venv, file=sys.stderr); sys.exit(2)
    try:
        if not os.path.exists(py):
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "tensorboard"], check=True,
                       stdout=sys.stderr)
    except Exception as e:
        print(f"SKIP: cannot install tensorboard: {e}", file=sys.stderr); sys.exit(2)
    os.execv(py, [py] + sys.argv)

try:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
except ImportError:
    reexec_in_venv()

acc = EventAccumulator(sys.argv[1])
acc.Reload()
tags = sorted(acc.Tags()["scalars"])
def num(v):  # JSON has no NaN
    return v if v == v else None
print(json.dumps({"tags": tags,
                  "scalars": {t: [[e.step, num(e.value)] for e in acc.Scalars(t)] for t in tags}}))
