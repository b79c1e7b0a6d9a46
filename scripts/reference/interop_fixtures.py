#!/usr/bin/env python3
"""Checkpoint interop with PyTorch, torchvision and timm (issue 20, item 3).

`interop_fixtures.py fixtures` writes the small known-answer fixtures the Swift tests read
(Tests/LearningTests/Fixtures/interop/, no Python needed by the tests):
  - dtypes.safetensors + dtypes.json: tensors saved by safetensors.torch in F16, BF16, F64,
    I64, I32, I16, I8, U8, BOOL and F32, with the float32 values torch gives for each;
  - pos_embed.json: a [1, 1+14*14, 4] position embedding (224 px, patch 16) and timm's
    `resample_abs_pos_embed` of it (bicubic, antialias=True, class token kept) to 6x6
    (96 px), 7x7 and 16x16 grids;
  - adapt_input_conv.json: a [4, 3, 3, 3] first-layer weight and timm's `adapt_input_conv`
    of it to 1, 2, 3 and 5 input channels.

`interop_fixtures.py roundtrip PHENOSCOPE` is the end-to-end check, torch in and out:
stock-structured checkpoints (torchvision resnet18 with its 1000-class fc and I64
num_batches_tracked, an F16 copy of it; timm vit_tiny/vit_small_patch16_224 at 224 px with
their 1000-class head) -> `phenoscope model import --in-chans C --size 96` -> `phenoscope
model forward` on a fixed input -> the exported backbone.safetensors loaded with
strict=True into torchvision's / timm's num_classes=0 constructors (img_size=96,
in_chans=C) -> max |difference| of the two forwards (target <= 1e-4). Where channels or
size change, the PyTorch side is also timm's own pretrained loading of the original file
(`pretrained_cfg_overlay=dict(file=...)`, which resamples pos_embed and adapts the first
layer itself), so the adaptations are checked against timm's, not against ours. Then the
imported resnet18 and vit_tiny are fine-tuned one step (`phenoscope train`, supervised, on a
small synthetic crop store, `init_from` the stock file itself) and the exported backbone, which
carries the trained classifier, is loaded strictly into `torchvision.models.resnet18(num_classes=K)`
and `timm.create_model('vit_tiny_patch16_224', num_classes=K, img_size=48)`, and the features
compared again. Weights are random (seeded), not ImageNet's: the test is about names, dtypes
and numerics.

Needs torch, torchvision, timm, safetensors, numpy; exits 2 with a message without.
"""
import json, os, subprocess, sys, tempfile
try:
    import numpy as np, torch, torchvision, timm
    from safetensors.torch import save_file, load_file
    from timm.layers import resample_abs_pos_embed
    from timm.models._manipulate import adapt_input_conv
except ImportError:
    print("SKIP: needs numpy, torch, torchvision, timm, safetensors (pip install torch torchvision timm safetensors)", file=sys.stderr)
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "../../Tests/LearningTests/Fixtures/interop")


def formula(shape, k=0):
    n = int(np.prod(shape))
    return torch.from_numpy(np.sin(0.37 * np.arange(n, dtype=np.float64) + 1.3 * k).astype(np.float32).reshape(shape))


def write_json(name, obj):
    path = os.path.join(FIXTURES, name)
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f)
    os.replace(path + ".tmp", path)
    print(f"wrote {os.path.relpath(path)}", file=sys.stderr)


def fixtures():
    os.makedirs(FIXTURES, exist_ok=True)
    base = torch.tensor([0.0, 1.0, -2.5, 3.14159265, 1e-3, 65504.0, -7.0, 0.333333])
    tensors = {
        "f32": base.clone(), "f64": base.double(), "f16": base.half(), "bf16": base.bfloat16(),
        "i64": torch.tensor([0, 7, -5, 123456], dtype=torch.int64), "i32": torch.tensor([1, -2, 3], dtype=torch.int32),
        "i16": torch.tensor([-300, 300], dtype=torch.int16), "i8": torch.tensor([-128, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 255], dtype=torch.uint8), "bool": torch.tensor([True, False, True]),
        "num_batches_tracked": torch.tensor(42, dtype=torch.int64),
    }
    save_file(tensors, os.path.join(FIXTURES, "dtypes.safetensors"))
    write_json("dtypes.json", {k: {"shape": list(v.shape), "values": v.float().flatten().tolist()} for k, v in tensors.items()})

    pos = formula((1, 1 + 14 * 14, 4), 1)
    write_json("pos_embed.json", {
        "input": pos.flatten().tolist(), "shape": list(pos.shape),
        "resized": {str(g): resample_abs_pos_embed(pos, new_size=[g, g], num_prefix_tokens=1).flatten().tolist() for g in (6, 7, 16)},
    })

    w = formula((4, 3, 3, 3), 2)
    write_json("adapt_input_conv.json", {
        "input": w.flatten().tolist(), "shape": list(w.shape),
        "adapted": {str(c): adapt_input_conv(c, w.clone()).flatten().tolist() for c in (1, 2, 3, 5)},
    })


def stock_resnet18(seed):
    torch.manual_seed(seed)
    m = torchvision.models.resnet18()  # 1000-class fc, as torchvision ships it
    with torch.no_grad():  # non-trivial running statistics so eval-mode BatchNorm is exercised
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.2, 0.2); mod.running_var.uniform_(0.5, 1.5)
                mod.weight.uniform_(0.5, 1.5); mod.bias.uniform_(-0.2, 0.2)
                mod.num_batches_tracked.fill_(1000)
    return m


def roundtrip(phenoscope):
    torch.set_num_threads(2)
    work = tempfile.mkdtemp(prefix="interop-")
    results = []

    def run(*args):
        p = subprocess.run([phenoscope, *args], capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"phenoscope {' '.join(args)} failed: {p.stderr.strip()}")
        return p.stderr.strip()

    def check(label, state, arch, timm_name, channels, size, strict_model, timm_loads_original):
        src = os.path.join(work, label + ".safetensors")
        save_file(state, src)
        out = os.path.join(work, label)
        notes = run("model", "import", src, "--arch", arch, "--in-chans", str(channels), "--size", str(size), "--out", out)
        g = torch.Generator().manual_seed(7)
        x = torch.randn(3, channels, size, size, generator=g)
        save_file({"input": x}, os.path.join(work, label + "-x.safetensors"))
        run("model", "forward", "--model", out, "--input", os.path.join(work, label + "-x.safetensors"),
            "--out", os.path.join(work, label + "-y.safetensors"))
        ours = load_file(os.path.join(work, label + "-y.safetensors"))["output"]
        exported = load_file(os.path.join(out, "backbone.safetensors"))
        strict_model.load_state_dict(exported, strict=True)  # raises on any missing/unexpected/shape
        strict_model.eval()
        with torch.no_grad():
            d_strict = (strict_model(x) - ours).abs().max().item()
        row = {"checkpoint": label, "arch": arch, "in_chans": channels, "size": size,
               "strict_load": True, "max_abs_diff_exported": d_strict, "notes": notes.splitlines()}
        if timm_loads_original:
            ref = timm.create_model(timm_name, pretrained=True, pretrained_cfg_overlay=dict(file=src),
                                    num_classes=0, in_chans=channels, **({"img_size": size} if arch.startswith("vit") else {}))
            ref.eval()
            with torch.no_grad():
                row["max_abs_diff_timm_pretrained_load"] = (ref(x) - ours).abs().max().item()
        results.append(row)
        print(json.dumps(row), file=sys.stderr)

    r18 = stock_resnet18(0)
    sd = r18.state_dict()
    assert sd["bn1.num_batches_tracked"].dtype == torch.int64 and sd["fc.weight"].shape == (1000, 512)
    tv = torchvision.models.resnet18(); tv.fc = torch.nn.Identity()
    check("torchvision-resnet18", sd, "resnet18", "resnet18", 3, 96, tv, True)
    half = {k: (v.half() if v.is_floating_point() else v) for k, v in sd.items()}
    tv = torchvision.models.resnet18(); tv.fc = torch.nn.Identity()
    check("torchvision-resnet18-f16", half, "resnet18", "resnet18", 3, 96, tv, True)
    check("torchvision-resnet18-2ch", sd, "resnet18", "resnet18", 2, 96,
          timm.create_model("resnet18", num_classes=0, in_chans=2), True)
    for name, arch in (("vit_tiny_patch16_224", "vit-tiny"), ("vit_small_patch16_224", "vit-small")):
        torch.manual_seed(1)
        v = timm.create_model(name, num_classes=1000)  # 224 px: pos_embed [1, 197, D]
        with torch.no_grad():
            v.cls_token.normal_(0, 0.02)  # timm's init leaves it ~1e-6: make it count
        vsd = v.state_dict()
        for c in (3, 5):
            check(f"timm-{name}-{c}ch", vsd, arch, name, c, 96,
                  timm.create_model(name, num_classes=0, img_size=96, in_chans=c), True)
    # Fine-tune one step with init_from the stock files themselves (supervised, so the export
    # carries the trained classifier) and load the result strictly into the num_classes=K
    # constructors.
    screen, crops = os.path.join(work, "screen"), os.path.join(work, "crops")
    run("synth", "--out", screen, "--plates", "1", "--seed", "3", "--wells", "96", "--sites", "1",
        "--width", "256", "--height", "256")
    run("crops", os.path.join(screen, "manifest.csv"), "--masks", os.path.join(screen, "ground_truth/masks.csv"),
        "--out", crops, "--size", "48", "--quiet")
    for arch, imported, make in (
            ("resnet18", "torchvision-resnet18", lambda k: torchvision.models.resnet18(num_classes=k)),
            ("vit-tiny", "timm-vit_tiny_patch16_224-3ch",
             lambda k: timm.create_model("vit_tiny_patch16_224", num_classes=k, img_size=48, in_chans=3))):
        cfg = os.path.join(work, f"finetune-{arch}.yaml")
        with open(cfg, "w") as f:
            f.write(f"name: finetune-{arch}\nruns_dir: {work}/runs\ncrops: {crops}\nmethod: supervised\narch: {arch}\n"
                    f"image_size: 48\npatch_size: 16\nbatch_size: 8\nepochs: 1\ncells_per_epoch: 8\nwarmup_epochs: 0\n"
                    f"label_column: Metadata_MoA\nvalidation_fraction: 0.2\nseed: 0\ninit_from: {os.path.join(work, imported)}.safetensors\n")
        notes = run("train", cfg, "--quiet")
        rundir = os.path.join(work, "runs", f"finetune-{arch}")
        exported = load_file(os.path.join(rundir, "backbone.safetensors"))
        classifier = "fc.weight" if arch == "resnet18" else "head.weight"
        k = exported[classifier].shape[0]
        model = make(k)
        model.load_state_dict(exported, strict=True)
        model.eval()
        start = load_file(os.path.join(work, imported + ".safetensors"))  # the stock file init_from read
        moved = max((exported[n] - start[n].float()).abs().max().item() for n in start
                    if n in exported and exported[n].shape == start[n].shape and "running_" not in n and "num_batches" not in n)
        x = torch.randn(3, 3, 48, 48, generator=torch.Generator().manual_seed(8))
        save_file({"input": x}, os.path.join(work, f"ft-{arch}-x.safetensors"))
        run("model", "forward", "--model", rundir, "--input", os.path.join(work, f"ft-{arch}-x.safetensors"),
            "--out", os.path.join(work, f"ft-{arch}-y.safetensors"))
        ours = load_file(os.path.join(work, f"ft-{arch}-y.safetensors"))["output"]
        with torch.no_grad():
            if arch.startswith("vit"):  # the final-normed class token, before the head
                theirs = model.forward_head(model.forward_features(x), pre_logits=True)
            else:  # torchvision: everything up to the pooled features, before fc
                theirs = torch.flatten(torch.nn.Sequential(*list(model.children())[:-1])(x), 1)
        row = {"checkpoint": f"{imported} fine-tuned 1 step (supervised, {k} classes)", "arch": arch, "in_chans": 3,
               "size": 48, "strict_load": True, "constructor_classes": k, "max_weight_change": moved,
               "max_abs_diff_exported": (theirs - ours).abs().max().item(), "notes": notes.splitlines()}
        assert moved > 0, "the fine-tuning step changed nothing"
        results.append(row)
        print(json.dumps(row), file=sys.stderr)
    worst = max(max(r["max_abs_diff_exported"], r.get("max_abs_diff_timm_pretrained_load", 0)) for r in results)
    print(json.dumps({"torch": torch.__version__, "torchvision": torchvision.__version__, "timm": timm.__version__,
                      "worst_max_abs_diff": worst, "pass": worst <= 1e-4}))
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "roundtrip":
        if len(sys.argv) != 3:
            raise SystemExit("usage: interop_fixtures.py roundtrip PATH/TO/phenoscope")
        sys.exit(roundtrip(sys.argv[2]))
    fixtures()
