#!/usr/bin/env python3
"""Known-answer parity fixture for NeuralNet's VisionTransformer against timm.

timm `vit_tiny_patch16_224` built with img_size=32, in_chans=3, num_classes=10, eval mode
(no dropout). Weights and input follow the same closed-form formula as torch_parity.py
(parameter k in named_parameters order, element i: scale * sin(0.37 i + 1.3 k), scale
1/sqrt(fan_in) for rank >= 2, 1 + 0.1 sin for norm weights, 0.01 sin for other vectors),
input x[i] = sin(0.11 i) of shape 2x3x32x32, targets [3, 7], mean cross-entropy.
Also a 48x48 input (3x3 patch grid instead of 2x2): the reference resizes the patch part of
pos_embed with F.interpolate(mode='bicubic', align_corners=False) (DINO's
interpolate_pos_encoding; timm's resample_abs_pos_embed adds antialias, which only differs
when shrinking). Writes Tests/NeuralNetTests/Fixtures/vit_tiny_parity.json. Needs torch and
timm (pip install torch timm); exits 2 with a message without.
"""
import json, math, os, sys
try:
    import numpy as np, torch, timm
    import torch.nn.functional as F
except ImportError:
    print("SKIP: needs numpy, torch, timm (pip install torch timm)", file=sys.stderr)
    sys.exit(2)

def fill(k, name, shape):
    n = int(np.prod(shape))
    s = np.sin(0.37 * np.arange(n, dtype=np.float64) + 1.3 * k)
    if len(shape) >= 2:
        v = s / math.sqrt(n / shape[0])
    elif name.endswith("weight"):
        v = 1 + 0.1 * s
    else:
        v = 0.01 * s  # small biases, so accumulated biases do not swamp the input
    return torch.from_numpy(v.astype(np.float32).reshape(shape))

def sinus(shape):
    n = int(np.prod(shape))
    return torch.from_numpy(np.sin(0.11 * np.arange(n, dtype=np.float64)).astype(np.float32).reshape(shape))

def r(values):
    return [float(f"{v:.7g}") for v in values]

torch.set_num_threads(2)
model = timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=32, in_chans=3, num_classes=10)
with torch.no_grad():
    for k, (name, p) in enumerate(model.named_parameters()):
        p.copy_(fill(k, name, tuple(p.shape)))
model.eval()
x = sinus((2, 3, 32, 32)).requires_grad_(True)
y = torch.tensor([3, 7])
logits = model(x)
loss = F.cross_entropy(logits, y)
loss.backward()
params = dict(model.named_parameters())
names = ["cls_token", "pos_embed", "blocks.0.attn.qkv.bias", "blocks.11.norm1.weight", "blocks.5.mlp.fc2.bias",
         "norm.weight", "head.weight", "head.bias"]

big = timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=48, in_chans=3, num_classes=10)
with torch.no_grad():
    state = {n: p.detach().clone() for n, p in model.named_parameters()}
    pe = state["pos_embed"]
    grid = pe[:, 1:].reshape(1, 2, 2, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=(3, 3), mode="bicubic", align_corners=False)
    state["pos_embed"] = torch.cat([pe[:, :1], grid.permute(0, 2, 3, 1).reshape(1, 9, -1)], dim=1)
    big.load_state_dict(state, strict=False)
big.eval()
logits48 = big(sinus((1, 3, 48, 48)))

out = {"names": [n for n, _ in model.named_parameters()],
       "logits": r(logits.detach().flatten().tolist()), "loss": loss.item(),
       "input_grad": r(x.grad.flatten().tolist()),
       "grads": {n: r(params[n].grad.flatten().tolist()) for n in names},
       "logits48": r(logits48.detach().flatten().tolist())}
path = os.path.join(os.path.dirname(__file__), "../../Tests/NeuralNetTests/Fixtures/vit_tiny_parity.json")
with open(path + ".tmp", "w") as f:
    json.dump(out, f)
os.replace(path + ".tmp", path)
print(f"wrote {path}: loss {loss.item():.6f}", file=sys.stderr)
