#!/usr/bin/env python3
"""Parity fixture for NeuralNet's training objectives and optimizers against PyTorch.

On small fixed inputs (x[i] = sin(a i + b) in float64, cast to float32) computes with
torch: SimCLR NT-Xent loss and input gradients; DINO loss, student gradients and the new
center (dino's DINOLoss without torch.distributed); three steps each of SGD (momentum,
weight decay) and AdamW (decoupled weight decay), with biases in a weight_decay=0 group as
dino's get_params_groups; three steps of dino's utils.LARS (re-stated below, since dino is
not a package); dino's cosine_scheduler and teacher-temperature schedule values;
torch.nn.utils.clip_grad_norm_; the EMA teacher update of main_dino.py.
Writes Tests/NeuralNetTests/Fixtures/objectives_parity.json. Needs numpy and torch
(pip install numpy torch); exits 2 with a message without.
"""
import json, os, sys
try:
    import numpy as np, torch
    import torch.nn.functional as F
except ImportError:
    print("SKIP: needs numpy, torch (pip install numpy torch)", file=sys.stderr)
    sys.exit(2)

torch.set_num_threads(1)

def wave(shape, a, b, scale=1.0):
    n = int(np.prod(shape))
    v = scale * np.sin(a * np.arange(n, dtype=np.float64) + b)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))

def flat(t):
    return t.detach().flatten().tolist()

def f32(x):
    return float(np.float32(x))

out = {}

# --- NT-Xent: z1, z2 [4, 5], temperature 0.5 -------------------------------------------
z1 = wave((4, 5), 0.71, 0.3).requires_grad_()
z2 = wave((4, 5), 0.53, 1.1).requires_grad_()
T = 0.5
z = F.normalize(torch.cat([z1, z2]), dim=1)
sim = (z @ z.T / T).masked_fill(torch.eye(8, dtype=torch.bool), float("-inf"))
loss = F.cross_entropy(sim, (torch.arange(8) + 4) % 8)
loss.backward()
out["ntxent"] = {"z1": flat(z1), "z2": flat(z2), "shape": [4, 5], "temperature": T,
                 "loss": loss.item(), "grad_z1": flat(z1.grad), "grad_z2": flat(z2.grad)}

# --- DINO loss: 2 global + 2 local crops, B=3, K=6 ---------------------------------------
K, B, ncrops = 6, 3, 4
student = [wave((B, K), 0.37 + 0.1 * c, 0.2 * c, 2.0).requires_grad_() for c in range(ncrops)]
teacher = [wave((B, K), 0.29 + 0.1 * c, 1.0 + 0.5 * c, 0.5) for c in range(2)]
center0 = wave((1, K), 0.9, 0.4, 0.1)
ts, tt, cm = 0.1, 0.04, 0.9
student_out = (torch.cat(student) / ts).chunk(ncrops)
teacher_output = torch.cat(teacher)
teacher_out = F.softmax((teacher_output - center0) / tt, dim=-1).detach().chunk(2)
total, n_terms = 0, 0
for iq, q in enumerate(teacher_out):
    for v in range(ncrops):
        if v == iq:
            continue
        total += torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1).mean()
        n_terms += 1
total /= n_terms
total.backward()
batch_center = torch.sum(teacher_output, dim=0, keepdim=True) / len(teacher_output)
center1 = center0 * cm + batch_center * (1 - cm)
out["dino"] = {"batch": B, "out_dim": K, "student": [flat(s) for s in student], "teacher": [flat(t) for t in teacher],
               "center": flat(center0), "student_temperature": ts, "teacher_temperature": tt,
               "center_momentum": cm, "loss": total.item(), "grads": [flat(s.grad) for s in student],
               "new_center": flat(center1)}

# --- Optimizers: weight [3,4], bias [3] (no decay), zero-initialised [2,2] ---------------
def make_params():
    return [wave((3, 4), 0.61, 0.5).requires_grad_(), wave((3,), 0.83, 0.1, 0.3).requires_grad_(),
            torch.zeros(2, 2, requires_grad=True)]
shapes = [[3, 4], [3], [2, 2]]
grads = [[wave(s, 0.47 + 0.13 * k, 0.7 * t + k, 0.5) for k, s in enumerate(shapes)] for t in range(3)]

class LARS(torch.optim.Optimizer):
    """facebookresearch/dino utils.LARS (from Barlow Twins): 1-D parameters skip decay and adaptation."""
    def __init__(self, params, lr=0, weight_decay=0, momentum=0.9, eta=0.001):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, eta=eta))

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                dp = p.grad
                if dp is None:
                    continue
                if p.ndim != 1:
                    dp = dp.add(p, alpha=g["weight_decay"])
                    param_norm, update_norm = torch.norm(p), torch.norm(dp)
                    one = torch.ones_like(param_norm)
                    q = torch.where(param_norm > 0., torch.where(update_norm > 0, g["eta"] * param_norm / update_norm, one), one)
                    dp = dp.mul(q)
                state = self.state[p]
                if "mu" not in state:
                    state["mu"] = torch.zeros_like(p)
                mu = state["mu"]
                mu.mul_(g["momentum"]).add_(dp)
                p.add_(mu, alpha=-g["lr"])

configs = {
    "sgd": dict(lr=0.1, momentum=0.9, weight_decay=0.05),
    "adamw": dict(lr=0.05, weight_decay=0.1),
    "lars": dict(lr=2.0, momentum=0.9, weight_decay=0.05, eta=0.02),
}
out["optimizers"] = {"shapes": shapes, "grads": [[flat(g) for g in gs] for gs in grads]}
for name, cfg in configs.items():
    params = make_params()
    init = [flat(p) for p in params]
    groups = [{"params": [params[0], params[2]]}, {"params": [params[1]], "weight_decay": 0.0}]
    opt = {"sgd": lambda: torch.optim.SGD(groups, **cfg), "adamw": lambda: torch.optim.AdamW(groups, **cfg),
           "lars": lambda: LARS(groups, **cfg)}[name]()
    steps = []
    for t in range(3):
        for p, g in zip(params, grads[t]):
            p.grad = g.clone()
        opt.step()
        steps.append([flat(p) for p in params])
    out["optimizers"][name] = {"config": cfg, "initial": init, "after_step": steps}

# --- Schedules (dino utils.cosine_scheduler, main_dino teacher temperature) -------------
def cosine_scheduler(base_value, final_value, epochs, niter_per_ep, warmup_epochs=0, start_warmup_value=0):
    warmup_schedule = np.array([])
    warmup_iters = warmup_epochs * niter_per_ep
    if warmup_epochs > 0:
        warmup_schedule = np.linspace(start_warmup_value, base_value, warmup_iters)
    iters = np.arange(epochs * niter_per_ep - warmup_iters)
    schedule = final_value + 0.5 * (base_value - final_value) * (1 + np.cos(np.pi * iters / len(iters)))
    return np.concatenate((warmup_schedule, schedule))

schedules = []
for base, final, epochs, niter, warm, start in [(5e-4, 1e-6, 4, 5, 1, 0.0), (0.04, 0.4, 3, 7, 0, 0.0),
                                                 (0.996, 1.0, 10, 3, 0, 0.0), (0.1, 0.01, 2, 4, 1, 0.02)]:
    base, final, start = f32(base), f32(final), f32(start)
    v = cosine_scheduler(base, final, epochs, niter, warm, start)
    schedules.append({"base": base, "final": final, "total": epochs * niter, "warmup": warm * niter,
                      "start": start, "values": v.tolist()})
wt, t, warm, epochs = f32(0.04), f32(0.07), 4, 10
tt_sched = np.concatenate((np.linspace(wt, t, warm), np.ones(epochs - warm) * t))
schedules.append({"base": t, "final": t, "total": epochs, "warmup": warm, "start": wt, "values": tt_sched.tolist()})
out["schedules"] = schedules

# --- clip_grad_norm_ ---------------------------------------------------------------------
clip = []
for max_norm in [1.0, 100.0]:
    ps = [torch.zeros(s, requires_grad=True) for s in shapes]
    for k, p in enumerate(ps):
        p.grad = wave(shapes[k], 0.31 + 0.2 * k, k, 2.0)
    ps.append(torch.zeros(2, requires_grad=True))  # no grad: skipped
    norm = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    clip.append({"max_norm": max_norm, "norm": norm.item(), "grads": [flat(p.grad) for p in ps[:3]]})
out["clip"] = clip

# --- EMA teacher (main_dino.py) on Linear(4, 3) --------------------------------------------
student_net, teacher_net = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
with torch.no_grad():
    for k, (a, b) in enumerate(zip(student_net.parameters(), teacher_net.parameters())):
        a.copy_(wave(tuple(a.shape), 0.41, k))
        b.copy_(wave(tuple(b.shape), 0.67, 2 + k))
m = f32(0.996)
teacher_before = {n: flat(p) for n, p in teacher_net.named_parameters()}
with torch.no_grad():
    for param_q, param_k in zip(student_net.parameters(), teacher_net.parameters()):
        param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)
out["ema"] = {"momentum": m, "student": {n: flat(p) for n, p in student_net.named_parameters()},
              "teacher": teacher_before, "updated": {n: flat(p) for n, p in teacher_net.named_parameters()}}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../Tests/NeuralNetTests/Fixtures/objectives_parity.json")
with open(path + ".tmp", "w") as f:
    json.dump(out, f)
os.replace(path + ".tmp", path)
print(f"wrote {path}: ntxent {out['ntxent']['loss']:.6f}, dino {out['dino']['loss']:.6f}", file=sys.stderr)
