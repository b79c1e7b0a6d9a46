#!/usr/bin/env python3
"""Writes Tests/NeuralNetTests/Fixtures/small_state_dict.pth (torch.save of a small state dict)
and small_state_dict.json (each tensor's dtype, shape and values, flattened row-major as
float) for TorchCheckpointTests. Made by this script, no third-party data; same licence as
the repository.

The state dict covers what stock checkpoints hold: f32 conv/batch-norm/linear weights with
an int64 num_batches_tracked, f16 and bf16 tensors, an int32 tensor, a transposed
(non-contiguous) view, two views sharing one storage at different offsets, and an
nn.Parameter. Run: python3 scripts/reference/make_pth_fixture.py (needs torch).
"""
import json, os, sys
try:
    import torch
except ImportError:
    print("SKIP: needs torch (pip install torch)", file=sys.stderr)
    sys.exit(2)

torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, bias=False), torch.nn.BatchNorm2d(3), torch.nn.Flatten(), torch.nn.Linear(3, 4))
net(torch.randn(2, 2, 3, 3))  # a training-mode pass moves the batch-norm statistics off their defaults
state = net.state_dict()
base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 7
state["extra.half"] = torch.randn(2, 3).half()
state["extra.bfloat16"] = torch.randn(5).bfloat16()
state["extra.int32"] = torch.tensor([[-3, 7], [2**20, 0]], dtype=torch.int32)
state["extra.transposed"] = base.t()
state["extra.row_view"] = base[2]
state["extra.column_view"] = base[1:, 3]
state["extra.parameter"] = torch.nn.Parameter(torch.randn(3))
state["extra.scalar"] = torch.tensor(2.5)
out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "NeuralNetTests", "Fixtures")
torch.save(state, os.path.join(out, "small_state_dict.pth"))
expected = {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape), "values": v.detach().float().flatten().tolist()}
            for k, v in state.items()}
with open(os.path.join(out, "small_state_dict.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print(f"torch {torch.__version__}: {len(state)} tensors")
