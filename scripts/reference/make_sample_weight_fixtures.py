"""PyTorch reference values for sample-weighted losses.

Regenerate with (environment made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_sample_weight_fixtures.py

Writes tests/fixtures/sample_weight_parity.json, read by tests/parity_sample_weights.rs.

Every loss is evaluated by PyTorch with `reduction="none"` and combined by hand with
scikit-learn's `sample_weight` semantics: the weighted mean `sum(w_i * l_i) / sum(w_i)` of the
per-sample losses (for element-wise losses `l_i` is the mean over the row's columns), or
`sum(w_i * l_i)` for the sum reduction. With class weights the effective weight of row `i` is
`w_i * c[y_i]` (scikit-learn multiplies them) and the mean divides by `sum(w_i * c[y_i])`,
PyTorch's class-weighted mean when every `w_i = 1`. The gradient with respect to the
prediction is PyTorch's autograd of that expression. Everything is float64 and seeded.
"""

import json
import math
import os

import torch
import torch.nn.functional as fn

torch.set_default_dtype(torch.float64)
OUT = os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "sample_weight_parity.json"
)
GEN = torch.Generator().manual_seed(16)


def arr(t):
    t = t.detach().contiguous()
    data = t.reshape(-1).tolist()
    assert all(math.isfinite(v) for v in data)
    return {"shape": list(t.shape), "data": data}


def randn(*shape):
    return torch.randn(*shape, generator=GEN)


def weights(n):
    w = torch.rand(n, generator=GEN) * 3.0
    w[1] = 0.0  # a zero weight must drop its row
    return w


def reduce_rows(per_row, w, reduction):
    """Weighted mean or weighted sum of per-row losses."""
    if reduction == "mean":
        return (w * per_row).sum() / w.sum()
    return (w * per_row).sum()


def elementwise_case(name, fn_none, pred, target, w, reduction, **opts):
    pred = pred.clone().requires_grad_(True)
    none = fn_none(pred, target)  # n x k
    per_row = none.mean(dim=1) if reduction == "mean" else none.sum(dim=1)
    value = reduce_rows(per_row, w, reduction)
    value.backward()
    case = {
        "loss": name,
        "reduction": reduction,
        "prediction": arr(pred),
        "target": arr(target),
        "weights": arr(w),
        "value": float(value),
        "grad": arr(pred.grad),
    }
    case.update(opts)
    return case


def elementwise_cases():
    n, k = 7, 3
    cases = []
    for reduction in ["mean", "sum"]:
        p, t, w = randn(n, k), randn(n, k), weights(n)
        cases.append(elementwise_case(
            "mse", lambda a, b: fn.mse_loss(a, b, reduction="none"), p, t, w, reduction))
        cases.append(elementwise_case(
            "mae", lambda a, b: fn.l1_loss(a, b, reduction="none"), p, t, w, reduction))
        for delta in [0.5, 1.5]:
            cases.append(elementwise_case(
                "huber",
                lambda a, b, d=delta: fn.huber_loss(a, b, reduction="none", delta=d),
                p, t, w, reduction, delta=delta))
        prob = torch.sigmoid(randn(n, k))
        label = (torch.rand(n, k, generator=GEN) > 0.5).double()
        cases.append(elementwise_case(
            "bce", lambda a, b: fn.binary_cross_entropy(a, b, reduction="none"),
            prob, label, w, reduction))
        logits = randn(n, k) * 3.0
        cases.append(elementwise_case(
            "bce_with_logits",
            lambda a, b: fn.binary_cross_entropy_with_logits(a, b, reduction="none"),
            logits, label, w, reduction))
        pos_weight = torch.tensor([0.5, 2.0, 3.0])
        cases.append(elementwise_case(
            "bce_with_logits",
            lambda a, b: fn.binary_cross_entropy_with_logits(
                a, b, reduction="none", pos_weight=pos_weight),
            logits, label, w, reduction, pos_weight=pos_weight.tolist()))
    return cases


def ce_case(logits, target, w, reduction, class_weights=None, smoothing=0.0):
    x = logits.clone().requires_grad_(True)
    cw = None if class_weights is None else torch.tensor(class_weights)
    per_row = fn.cross_entropy(
        x, target, weight=cw, reduction="none", label_smoothing=smoothing)
    if reduction == "sum":
        value = (w * per_row).sum()
    elif target.dtype == torch.long and cw is not None:
        value = (w * per_row).sum() / (w * cw[target]).sum()
    else:
        value = (w * per_row).sum() / w.sum()
    value.backward()
    case = {
        "loss": "cross_entropy",
        "reduction": reduction,
        "prediction": arr(x),
        "weights": arr(w),
        "label_smoothing": smoothing,
        "value": float(value),
        "grad": arr(x.grad),
    }
    if class_weights is not None:
        case["class_weights"] = class_weights
    if target.dtype == torch.long:
        case["classes"] = target.tolist()
    else:
        case["target"] = arr(target)
    return case


def cross_entropy_cases():
    n, k = 8, 4
    cases = []
    for reduction in ["mean", "sum"]:
        logits, w = randn(n, k) * 2.0, weights(n)
        classes = torch.randint(0, k, (n,), generator=GEN)
        soft = torch.softmax(randn(n, k), dim=1)
        for cw in [None, [0.5, 1.0, 2.0, 3.0]]:
            for eps in [0.0, 0.2]:
                cases.append(ce_case(logits, classes, w, reduction, cw, eps))
                cases.append(ce_case(logits, soft, w, reduction, cw, eps))
    return cases


def gce_case(logits, target, w, q, reduction):
    x = logits.clone().requires_grad_(True)
    p = torch.softmax(x, dim=1)
    if target.dtype == torch.long:
        per_row = (1.0 - p.gather(1, target[:, None])[:, 0] ** q) / q
    else:
        per_row = (target * (1.0 - p ** q)).sum(dim=1) / q
    value = reduce_rows(per_row, w, reduction)
    value.backward()
    case = {
        "loss": "generalized_cross_entropy",
        "reduction": reduction,
        "q": q,
        "prediction": arr(x),
        "weights": arr(w),
        "value": float(value),
        "grad": arr(x.grad),
    }
    if target.dtype == torch.long:
        case["classes"] = target.tolist()
    else:
        case["target"] = arr(target)
    return case


def gce_cases():
    n, k = 6, 3
    cases = []
    for reduction in ["mean", "sum"]:
        logits, w = randn(n, k) * 2.0, weights(n)
        classes = torch.randint(0, k, (n,), generator=GEN)
        soft = torch.softmax(randn(n, k), dim=1)
        for q in [0.3, 0.7, 1.0]:
            cases.append(gce_case(logits, classes, w, q, reduction))
            cases.append(gce_case(logits, soft, w, q, reduction))
    return cases


def main():
    fixture = {
        "torch_version": torch.__version__,
        "cases": elementwise_cases() + cross_entropy_cases() + gce_cases(),
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f)
    print(f"wrote {len(fixture['cases'])} cases to {OUT}")


if __name__ == "__main__":
    main()
