#!/usr/bin/env python3
"""Known-answer parity fixture for NeuralNet's ResNet-18 against torchvision.

Weights and input come from a closed-form formula both sides evaluate (so no 45 MB weight
file is committed): parameter k (state_dict order, parameters only) element i is
scale * sin(0.37 i + 1.3 k) in float64 cast to float32, with scale 1/sqrt(fan_in) for
weights of rank >= 2, and 1 + 0.1 sin(..) / 0.1 sin(..) for norm weights / other vectors.
Input x[i] = sin(0.11 i), shape 2x3x64x64; targets i % 10. Evaluation mode (BatchNorm uses running stats 0/1; train-mode BatchNorm is covered by gradchecks), mean
cross-entropy. Writes Tests/NeuralNetTests/Fixtures/resnet18_parity.json with logits,
loss and selected gradients. Needs torch + torchvision; exits 2 with a message without.
"""
import json, math, os, sys
try:
    import numpy as np, torch, torchvision
except ImportError:
    print("SKIP: needs numpy, torch, torchvision (pip install torch torchvision)", file=sys.stderr)
    sys.exit(2)

def fill(k, name, shape):
    n = int(np.prod(shape))
    s = np.sin(0.37 * np.arange(n, dtype=np.float64) + 1.3 * k)
    if len(shape) >= 2:
        v = s / math.sqrt(n / shape[0])
    elif name.endswith("weight"):
        v = 1 + 0.1 * s
    else:
        v = 0.1 * s
    return torch.from_numpy(v.astype(np.float32).reshape(shape))

torch.set_num_threads(2)
model = torchvision.models.resnet18(num_classes=10)
with torch.no_grad():
    for k, (name, p) in enumerate(model.named_parameters()):
        p.copy_(fill(k, name, tuple(p.shape)))
model.eval()  # batch statistics of batch 2 at 2x2 make train mode chaotic (f32 vs f64 differ by 0.5)
x = torch.from_numpy(np.sin(0.11 * np.arange(2 * 3 * 64 * 64, dtype=np.float64)).astype(np.float32).reshape(2, 3, 64, 64))
y = torch.tensor([0, 1])
logits = model(x)
loss = torch.nn.functional.cross_entropy(logits, y)
loss.backward()
params = dict(model.named_parameters())
names = ["conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer4.1.bn2.bias", "fc.weight", "fc.bias"]
out = {"logits": logits.detach().flatten().tolist(), "loss": loss.item(),
       "grads": {n: params[n].grad.flatten().tolist() for n in names}}
path = os.path.join(os.path.dirname(__file__), "../../Tests/NeuralNetTests/Fixtures/resnet18_parity.json")
with open(path + ".tmp", "w") as f:
    json.dump(out, f)
os.replace(path + ".tmp", path)
print(f"wrote {path}: loss {loss.item():.6f}", file=sys.stderr)
