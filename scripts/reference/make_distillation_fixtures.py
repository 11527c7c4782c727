"""PyTorch reference values for the distillation-loss parity tests.

Regenerate with (environment made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_distillation_fixtures.py

Writes tests/fixtures/distillation.json, read by tests/parity_distillation.rs. The reference is
`α·T²·F.kl_div(F.log_softmax(s/T), F.softmax(t/T), reduction="batchmean")
+ (1 − α)·F.cross_entropy(s, y)` (class indices or soft targets), and for regression teachers
`α·F.mse_loss(s, t) + (1 − α)·F.mse_loss(s, y)`; gradients by autograd. Float64, seeded.
"""

import json
import math
import os

import torch
import torch.nn.functional as fn

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "distillation.json")


def arr(t):
    t = t.detach().contiguous()
    data = t.reshape(-1).tolist()
    assert all(math.isfinite(v) for v in data)
    return {"shape": list(t.shape), "data": data}


def classification_case(gen, n, k, temperature, alpha, soft, scale):
    s = (torch.randn(n, k, generator=gen) * scale).requires_grad_(True)
    t = torch.randn(n, k, generator=gen) * scale
    if soft:
        y = torch.softmax(torch.randn(n, k, generator=gen), dim=1)
    else:
        y = torch.randint(0, k, (n,), generator=gen)
    kl = fn.kl_div(fn.log_softmax(s / temperature, dim=1), fn.softmax(t / temperature, dim=1),
                   reduction="batchmean")
    loss = alpha * temperature**2 * kl + (1 - alpha) * fn.cross_entropy(s, y)
    loss.backward()
    case = {"kind": "classification", "temperature": temperature, "alpha": alpha,
            "student": arr(s), "teacher": arr(t), "loss": float(loss.detach()), "grad": arr(s.grad)}
    if soft:
        case["soft_targets"] = arr(y)
    else:
        case["classes"] = y.tolist()
    return case


def regression_case(gen, n, k, alpha):
    s = torch.randn(n, k, generator=gen).requires_grad_(True)
    t = torch.randn(n, k, generator=gen)
    y = torch.randn(n, k, generator=gen)
    loss = alpha * fn.mse_loss(s, t) + (1 - alpha) * fn.mse_loss(s, y)
    loss.backward()
    return {"kind": "regression", "alpha": alpha, "student": arr(s), "teacher": arr(t),
            "soft_targets": arr(y), "loss": float(loss.detach()), "grad": arr(s.grad)}


def main():
    gen = torch.Generator().manual_seed(16)
    cases = []
    for temperature, alpha, soft, scale in [
        (1.0, 0.5, False, 1.0), (4.0, 0.9, False, 3.0), (2.0, 0.3, True, 1.0),
        (0.5, 1.0, False, 2.0), (10.0, 0.0, True, 5.0), (3.0, 0.7, True, 50.0),
    ]:
        cases.append(classification_case(gen, 6, 5, temperature, alpha, soft, scale))
    cases.append(regression_case(gen, 5, 3, 0.6))
    cases.append(regression_case(gen, 4, 1, 1.0))
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)


if __name__ == "__main__":
    main()
