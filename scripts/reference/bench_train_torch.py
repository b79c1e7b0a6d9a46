#!/usr/bin/env python3
"""PyTorch side of `phenoscope bench train`: the same SGD step (forward, cross-entropy over
128 classes, backward, update) on CPU with the same thread count, run in the same session
as the Phenoscope binary, printing both rates and the Phenoscope/PyTorch ratios.

Usage: bench_train_torch.py [--model resnet18|vit-tiny|...] [--batch 64] [--size 96] [--steps 3]
                            [--threads 2] [--patch 16] [--phenoscope .build/release/phenoscope]
Needs `pip install torch torchvision` (and `timm` for vit-*); exits 2 with a message when missing.
"""
import argparse, json, subprocess, sys, time

def torch_model(name, classes):
    import torch.nn as nn, torchvision
    if name == "resnet18":
        return torchvision.models.resnet18(num_classes=classes)
    if name == "resnet50":
        return torchvision.models.resnet50(num_classes=classes)
    if name.startswith("vit-"):
        # timm's ViT is the architecture (and tensor names) Phenoscope's VisionTransformer follows.
        import timm
        return timm.create_model(f"vit_{name[4:]}_patch{ARGS.patch}_224", pretrained=False, img_size=ARGS.size,
                                 num_classes=classes)
    if name == "cnn4":
        layers, c = [], 3
        for w in (32, 64, 128, 256):
            layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2)]
            c = w
        return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, classes))
    sys.exit(f"unknown model {name}")

def bench_torch():
    import torch
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(0)
    model = torch_model(ARGS.model, 128)
    x = torch.randn(ARGS.batch, 3, ARGS.size, ARGS.size)
    y = torch.randint(0, 128, (ARGS.batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    model.train(); step()
    t = time.perf_counter()
    for _ in range(ARGS.steps): step()
    train = ARGS.batch * ARGS.steps / (time.perf_counter() - t)
    model.eval()
    with torch.no_grad():
        model(x)
        t = time.perf_counter()
        for _ in range(ARGS.steps): model(x)
        infer = ARGS.batch * ARGS.steps / (time.perf_counter() - t)
    return {"train_images_per_s": train, "infer_images_per_s": infer}

p = argparse.ArgumentParser()
p.add_argument("--model", default="resnet18"); p.add_argument("--batch", type=int, default=64)
p.add_argument("--size", type=int, default=96); p.add_argument("--steps", type=int, default=3)
p.add_argument("--threads", type=int, default=2); p.add_argument("--patch", type=int, default=16)
p.add_argument("--phenoscope", default=".build/release/phenoscope")
ARGS = p.parse_args()
try:
    import torch, torchvision  # noqa: F401
    if ARGS.model.startswith("vit-"):
        import timm  # noqa: F401
except ImportError:
    print("SKIP: torch/torchvision (and timm for vit-*) not installed (pip install torch torchvision timm)", file=sys.stderr)
    sys.exit(2)
ours = json.loads(subprocess.run([ARGS.phenoscope, "bench", "train", "--model", ARGS.model, "--batch", str(ARGS.batch),
                                  "--size", str(ARGS.size), "--patch", str(ARGS.patch), "--steps", str(ARGS.steps), "--threads", str(ARGS.threads),
                                  "--json"], check=True, capture_output=True, text=True).stdout)
theirs = bench_torch()
print(json.dumps({"model": ARGS.model, "phenoscope": ours, "pytorch": theirs,
                  "train_ratio": ours["train_images_per_s"] / theirs["train_images_per_s"],
                  "infer_ratio": ours["infer_images_per_s"] / theirs["infer_images_per_s"]}))
