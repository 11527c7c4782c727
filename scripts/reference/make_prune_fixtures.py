"""PyTorch reference masks for the pruning parity tests (torch.nn.utils.prune).

Regenerate with (environment made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_prune_fixtures.py

Writes tests/fixtures/prune.json, read by tests/parity_prune.rs. Each case starts from seeded
float64 weights without ties in magnitude or channel norm, applies one or more of
l1_unstructured, ln_structured and global_unstructured (composition through PyTorch's
PruningContainer), and stores the weights before and the final `weight_mask`. A fine-tuning
case prunes a two-layer tanh network and runs Adam with weight decay on an MSE loss, storing
the effective weights (`weight = weight_orig * weight_mask`) after every step.
"""

import json
import math
import os

import torch
import torch.nn.utils.prune as prune

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "prune.json")


def arr(t):
    t = t.detach().contiguous()
    data = t.reshape(-1).tolist()
    assert all(math.isfinite(v) for v in data)
    return {"shape": list(t.shape), "data": data}


def linear(gen, n_in, n_out):
    lin = torch.nn.Linear(n_in, n_out)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(n_out, n_in, generator=gen))
        lin.bias.copy_(torch.randn(n_out, generator=gen))
    return lin


def amount(a):
    return {"fraction": a} if isinstance(a, float) else {"count": a}


def single_cases(gen):
    """Steps on one Linear weight: (method, args) applied in order."""
    plans = [
        [("l1", 0.3)],
        [("l1", 7)],
        [("l1", 0.25)],
        [("l1", 0.35)],
        [("l1", 0.3), ("l1", 0.5)],
        [("l1", 0.0)],
        [("l1", 1.0)],
        [("ln", 0.4, 2, 0)],
        [("ln", 2, 1, 1)],
        [("ln", 0.5, float("inf"), 0)],
        [("ln", 0.5, float("-inf"), 1)],
        [("ln", 0.5, 3.0, 0)],
        [("l1", 0.3), ("ln", 0.5, 2, 0)],
        [("ln", 0.4, 2, 0), ("ln", 0.5, 1, 0)],
        [("ln", 1, 2, 0), ("l1", 0.5)],
        [("ln", 2, 1, 1), ("ln", 1, 2, 0), ("l1", 4)],
    ]
    cases = []
    for steps in plans:
        lin = linear(gen, 6, 5)
        before = lin.weight.detach().clone()
        for s in steps:
            if s[0] == "l1":
                prune.l1_unstructured(lin, "weight", amount=s[1])
            else:
                prune.ln_structured(lin, "weight", amount=s[1], n=s[2], dim=s[3])
        cases.append({
            "weight": arr(before),
            "steps": [
                {"method": "l1", "amount": amount(s[1])} if s[0] == "l1" else
                {"method": "ln", "amount": amount(s[1]), "n": s[2] if math.isfinite(s[2]) else
                 ("inf" if s[2] > 0 else "-inf"), "dim": s[3]}
                for s in steps
            ],
            "mask": arr(lin.weight_mask),
            "weight_after": arr(lin.weight),
        })
    return cases


def global_cases(gen):
    cases = []
    for pre, amt in [(None, 0.4), (0.2, 0.4), (None, 9), (0.5, 0.5)]:
        a, b = linear(gen, 6, 5), linear(gen, 5, 3)
        wa, wb = a.weight.detach().clone(), b.weight.detach().clone()
        if pre is not None:
            prune.l1_unstructured(a, "weight", amount=pre)
        prune.global_unstructured([(a, "weight"), (b, "weight")],
                                  pruning_method=prune.L1Unstructured, amount=amt)
        cases.append({
            "weights": [arr(wa), arr(wb)],
            "pre_l1": pre,
            "amount": amount(amt),
            "masks": [arr(a.weight_mask), arr(b.weight_mask)],
        })
    return cases


def fine_tune_case(gen):
    l1, l2 = linear(gen, 4, 6), linear(gen, 6, 3)
    w = {"0.weight": arr(l1.weight), "0.bias": arr(l1.bias),
         "2.weight": arr(l2.weight), "2.bias": arr(l2.bias)}
    net = torch.nn.Sequential(l1, torch.nn.Tanh(), l2)
    prune.l1_unstructured(l1, "weight", amount=0.5)
    prune.ln_structured(l2, "weight", amount=2, n=2, dim=1)
    x = torch.randn(16, 4, generator=gen)
    y = torch.randn(16, 3, generator=gen)
    opt = torch.optim.Adam(net.parameters(), lr=0.05, weight_decay=0.1)
    trajectory = []
    for _ in range(100):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        # `weight` itself is recomputed by the forward pre-hook, so it lags a step here.
        trajectory.append({"loss": loss.item(),
                           "0.weight": arr(l1.weight_orig * l1.weight_mask),
                           "2.weight": arr(l2.weight_orig * l2.weight_mask)})
    return {"weights": w, "masks": {"0.weight": arr(l1.weight_mask),
                                   "2.weight": arr(l2.weight_mask)},
            "x": arr(x), "y": arr(y), "lr": 0.05, "weight_decay": 0.1,
            "steps": [trajectory[i] for i in (0, 9, 99)], "step_numbers": [1, 10, 100]}


def main():
    gen = torch.Generator().manual_seed(1989)
    out = {"torch": torch.__version__, "single": single_cases(gen),
           "global": global_cases(gen), "fine_tune": fine_tune_case(gen)}
    with open(OUT, "w") as f:
        json.dump(out, f)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
