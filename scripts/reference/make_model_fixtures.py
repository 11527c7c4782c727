"""PyTorch reference values for the model, loss and regularizer parity tests.

Regenerate with (environment made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_model_fixtures.py

Writes tests/fixtures/model_parity.json, read by tests/parity_model.rs. Everything is float64
and seeded, so a rerun gives the same file. Arrays are stored as {"shape": [...], "data": [...]}
in row-major order; Python's json writes doubles so that they read back exactly.
"""

import json
import math
import os

import torch
from torch import nn
import torch.nn.functional as fn

torch.set_default_dtype(torch.float64)
DT = torch.float64
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "model_parity.json")


def arr(t):
    t = t.detach().to(DT).contiguous()
    data = t.reshape(-1).tolist()
    assert all(math.isfinite(v) for v in data), "fixture values must be finite"
    return {"shape": list(t.shape), "data": data}


def num(t):
    v = float(t.detach()) if torch.is_tensor(t) else float(t)
    assert math.isfinite(v)
    return v


# --------------------------------------------------------------------------------------------
# Activations and losses
# --------------------------------------------------------------------------------------------

ACTIVATIONS = [
    ({"name": "identity"}, lambda: nn.Identity()),
    ({"name": "sigmoid"}, lambda: nn.Sigmoid()),
    ({"name": "tanh"}, lambda: nn.Tanh()),
    ({"name": "relu"}, lambda: nn.ReLU()),
    ({"name": "leaky_relu", "slope": 0.01}, lambda: nn.LeakyReLU(0.01)),
    ({"name": "leaky_relu", "slope": 0.2}, lambda: nn.LeakyReLU(0.2)),
    ({"name": "elu", "alpha": 1.0}, lambda: nn.ELU(1.0)),
    ({"name": "elu", "alpha": 0.5}, lambda: nn.ELU(0.5)),
    ({"name": "gelu"}, lambda: nn.GELU()),
    ({"name": "gelu_tanh"}, lambda: nn.GELU(approximate="tanh")),
    ({"name": "silu"}, lambda: nn.SiLU()),
    ({"name": "softplus", "beta": 1.0, "threshold": 20.0}, lambda: nn.Softplus(1.0, 20.0)),
    ({"name": "softplus", "beta": 2.0, "threshold": 5.0}, lambda: nn.Softplus(2.0, 5.0)),
]


def act_label(spec):
    extra = [f"{k}={v}" for k, v in spec.items() if k != "name"]
    return spec["name"] + (f"({','.join(extra)})" if extra else "")


def loss_fn(spec):
    """A PyTorch loss from the same description the Rust test reads."""
    red = spec.get("reduction", "mean")
    kind = spec["kind"]
    if kind == "mse":
        return nn.MSELoss(reduction=red)
    if kind == "mae":
        return nn.L1Loss(reduction=red)
    if kind == "huber":
        return nn.HuberLoss(reduction=red, delta=spec["delta"])
    if kind == "bce":
        return nn.BCELoss(reduction=red)
    if kind == "bce_logits":
        pw = spec.get("pos_weight")
        return nn.BCEWithLogitsLoss(
            reduction=red, pos_weight=None if pw is None else torch.tensor(pw)
        )
    if kind == "ce":
        w = spec.get("class_weights")
        return nn.CrossEntropyLoss(
            reduction=red,
            weight=None if w is None else torch.tensor(w),
            label_smoothing=spec.get("label_smoothing", 0.0),
        )
    raise ValueError(kind)


def target_entry(target):
    if target.dtype == torch.long:
        return {"classes": target.tolist()}
    return {"target": arr(target)}


def make_targets(gen, kind, batch, k):
    if kind == "ce":
        return torch.randint(0, k, (batch,), generator=gen)
    if kind == "bce_logits":
        t = torch.randint(0, 2, (batch, k), generator=gen).to(DT)
        t[0, 0] = 0.3  # one soft label
        return t
    return torch.randn(batch, k, generator=gen)


# Pre-activations (of the first layer) the designed rows are solved for: near the kinks of
# ReLU / leaky ReLU / ELU, in saturation for sigmoid / tanh, either side of Softplus's
# threshold for β = 1 (x = 20) and β = 2, threshold 5 (x = 2.5).
KINK_ROW = [1e-9, -1e-9, 2e-7, -2e-7, 1e-12, -3e-6]
SATURATED_ROW = [25.0, -25.0, 40.0, -40.0, 19.99, 20.01]
THRESHOLD_ROW = [2.499, 2.501, -8.0, 8.0, 0.3, -0.7]


def designed_input(gen, w1, b1, batch):
    """Row 0 random, rows 1–3 solved so that x W₁ᵀ + b₁ hits the rows above, row 4 zero (so its
    pre-activation is the bias, which has an exact 0 entry)."""
    x = torch.randn(batch, w1.shape[1], generator=gen)
    pinv = torch.linalg.pinv(w1)
    for i, z in zip((1, 2, 3), (KINK_ROW, SATURATED_ROW, THRESHOLD_ROW)):
        if i < batch:
            x[i] = pinv @ (torch.tensor(z) - b1)
    if batch > 4:
        x[4] = 0.0
    return x


def model_case(seed, act_spec, act_make, loss_spec, batch=5, designed=True):
    gen = torch.Generator().manual_seed(seed)
    k = 3 if loss_spec["kind"] == "ce" else 2
    net = nn.Sequential(nn.Linear(7, 6), act_make(), nn.Linear(6, k))
    with torch.no_grad():
        net[0].weight.copy_(torch.randn(6, 7, generator=gen) * 0.6)
        net[0].bias.copy_(torch.randn(6, generator=gen) * 0.4)
        net[0].bias[2] = 0.0
        net[2].weight.copy_(torch.randn(k, 6, generator=gen) * 0.5)
        net[2].bias.copy_(torch.randn(k, generator=gen) * 0.2)
    if designed:
        x = designed_input(gen, net[0].weight.detach(), net[0].bias.detach(), batch)
    else:
        x = torch.randn(batch, 7, generator=gen)
    x.requires_grad_(True)
    target = make_targets(gen, loss_spec["kind"], batch, k)
    pre = net[0](x)
    out = net(x)
    loss = loss_fn(loss_spec)(out, target)
    net.zero_grad()
    loss.backward()
    return {
        "name": f"{act_label(act_spec)}/{loss_spec['kind']}/batch{batch}",
        "activation": act_spec,
        "loss": loss_spec,
        "param_names": [n for n, _ in net.named_parameters()],
        "params": {n: arr(p) for n, p in net.named_parameters()},
        "input": arr(x),
        **target_entry(target),
        "pre_activation": arr(pre),
        "output": arr(out),
        "loss_value": num(loss),
        "input_grad": arr(x.grad),
        "param_grads": {n: arr(p.grad) for n, p in net.named_parameters()},
    }


def activation_cases():
    cases = []
    seed = 100
    for act_spec, act_make in ACTIVATIONS:
        for kind in ("mse", "bce_logits", "ce"):
            cases.append(model_case(seed, act_spec, act_make, {"kind": kind}))
            seed += 1
    # Batches of one.
    gelu = ACTIVATIONS[8]
    relu = ACTIVATIONS[3]
    cases.append(model_case(900, gelu[0], gelu[1], {"kind": "ce"}, batch=1, designed=False))
    cases.append(model_case(901, relu[0], relu[1], {"kind": "mse"}, batch=1, designed=False))
    cases.append(model_case(902, *ACTIVATIONS[11], {"kind": "bce_logits"}, batch=1))
    return cases


def loss_case(name, spec, pred, target):
    pred = pred.clone().requires_grad_(True)
    loss = loss_fn(spec)(pred, target)
    loss.backward()
    return {
        "name": name,
        "loss": spec,
        "prediction": arr(pred),
        **target_entry(target),
        "value": num(loss),
        "grad": arr(pred.grad),
    }


def loss_cases():
    gen = torch.Generator().manual_seed(7)
    n = 5
    cases = []

    # Regression losses: some residuals inside and outside the Huber threshold, one exactly 0.
    pred = torch.randn(n, 3, generator=gen) * 1.5
    target = torch.randn(n, 3, generator=gen)
    target[0, 0] = pred[0, 0]
    for red in ("mean", "sum"):
        cases.append(loss_case(f"mae/{red}", {"kind": "mae", "reduction": red}, pred, target))
        cases.append(
            loss_case(
                f"huber0.7/{red}", {"kind": "huber", "delta": 0.7, "reduction": red}, pred, target
            )
        )
        cases.append(loss_case(f"mse/{red}", {"kind": "mse", "reduction": red}, pred, target))
    cases.append(loss_case("huber1.0/mean", {"kind": "huber", "delta": 1.0}, pred, target))

    # BCE on probabilities: hard and soft targets, and the clamped edges p = 0 and p = 1.
    prob = torch.rand(n, 3, generator=gen) * 0.98 + 0.01
    y = torch.randint(0, 2, (n, 3), generator=gen).to(DT)
    y[1, 1] = 0.25
    y[2, 2] = 0.8
    for red in ("mean", "sum"):
        cases.append(loss_case(f"bce/{red}", {"kind": "bce", "reduction": red}, prob, y))
    edge = prob.clone()
    edge[0, 0], y_edge = 0.0, y.clone()
    y_edge[0, 0] = 0.0
    edge[0, 1], y_edge[0, 1] = 1.0, 1.0
    edge[0, 2], y_edge[0, 2] = 1.0, 0.0
    edge[1, 0], y_edge[1, 0] = 0.0, 1.0
    edge[1, 2], y_edge[1, 2] = 1e-30, 1.0
    cases.append(loss_case("bce/edges", {"kind": "bce"}, edge, y_edge))

    # BCE with logits.
    logits = torch.randn(n, 3, generator=gen) * 3.0
    for red in ("mean", "sum"):
        cases.append(
            loss_case(f"bce_logits/{red}", {"kind": "bce_logits", "reduction": red}, logits, y)
        )
        cases.append(
            loss_case(
                f"bce_logits/pos_weight/{red}",
                {"kind": "bce_logits", "reduction": red, "pos_weight": [2.5, 0.5, 1.0]},
                logits,
                y,
            )
        )

    # Cross-entropy: class indices, weights, smoothing, soft targets.
    k = 4
    logits = torch.randn(n, k, generator=gen) * 2.0
    classes = torch.tensor([3, 0, 2, 2, 1])
    soft = torch.softmax(torch.randn(n, k, generator=gen) * 1.5, dim=1)
    w = [0.5, 2.0, 1.0, 3.0]
    for red in ("mean", "sum"):
        cases.append(loss_case(f"ce/{red}", {"kind": "ce", "reduction": red}, logits, classes))
        cases.append(
            loss_case(
                f"ce/weights/{red}",
                {"kind": "ce", "reduction": red, "class_weights": w},
                logits,
                classes,
            )
        )
        cases.append(
            loss_case(
                f"ce/smoothing/{red}",
                {"kind": "ce", "reduction": red, "label_smoothing": 0.1},
                logits,
                classes,
            )
        )
        cases.append(
            loss_case(
                f"ce/weights+smoothing/{red}",
                {"kind": "ce", "reduction": red, "class_weights": w, "label_smoothing": 0.1},
                logits,
                classes,
            )
        )
        cases.append(
            loss_case(f"ce/soft/{red}", {"kind": "ce", "reduction": red}, logits, soft)
        )
        cases.append(
            loss_case(
                f"ce/soft+weights+smoothing/{red}",
                {"kind": "ce", "reduction": red, "class_weights": w, "label_smoothing": 0.1},
                logits,
                soft,
            )
        )
    return cases


# --------------------------------------------------------------------------------------------
# Regularizers
# --------------------------------------------------------------------------------------------


def regularizer_cases():
    specs = [
        {"kind": "l1", "alpha": 0.01},
        {"kind": "l2", "alpha": 0.05},
        {"kind": "elastic_net", "alpha": 0.03, "l1_ratio": 0.4},
        {"kind": "elastic_net", "alpha": 0.02, "l1_ratio": 0.7, "include_biases": True},
    ]
    cases = []
    for i, spec in enumerate(specs):
        gen = torch.Generator().manual_seed(300 + i)
        net = nn.Sequential(nn.Linear(7, 6), nn.Tanh(), nn.Linear(6, 2))
        with torch.no_grad():
            net[0].weight.copy_(torch.randn(6, 7, generator=gen) * 0.6)
            net[0].weight[0, 0] = 0.0  # the L1 subgradient at 0 is 0
            net[0].bias.copy_(torch.randn(6, generator=gen) * 0.4)
            net[0].bias[1] = 0.0
            net[2].weight.copy_(torch.randn(2, 6, generator=gen) * 0.5)
            net[2].bias.copy_(torch.randn(2, generator=gen) * 0.2)
        x = torch.randn(5, 7, generator=gen).requires_grad_(True)
        y = torch.randn(5, 2, generator=gen)
        out = net(x)
        loss = nn.MSELoss()(out, y)
        alpha = spec["alpha"]
        rho = {"l1": 1.0, "l2": 0.0}.get(spec["kind"], spec.get("l1_ratio"))
        penalised = [p for n, p in net.named_parameters() if n.endswith("weight")]
        if spec.get("include_biases"):
            penalised = list(net.parameters())
        penalty = sum(
            alpha * (rho * p.abs().sum() + (1.0 - rho) * 0.5 * (p * p).sum()) for p in penalised
        )
        total = loss + penalty
        net.zero_grad()
        total.backward()
        cases.append(
            {
                "name": f"{spec['kind']}{'+biases' if spec.get('include_biases') else ''}",
                "regularizer": spec,
                "param_names": [n for n, _ in net.named_parameters()],
                "params": {n: arr(p) for n, p in net.named_parameters()},
                "input": arr(x),
                "target": arr(y),
                "loss_value": num(loss),
                "penalty": num(penalty),
                "objective": num(total),
                "input_grad": arr(x.grad),
                "param_grads": {n: arr(p.grad) for n, p in net.named_parameters()},
            }
        )
    return cases


# --------------------------------------------------------------------------------------------
# Normalisation layers
# --------------------------------------------------------------------------------------------


def norm_layer_case(name, layer, x, upstream, train, running=None):
    x = x.clone().requires_grad_(True)
    if running is not None:
        with torch.no_grad():
            layer.running_mean.copy_(running[0])
            layer.running_var.copy_(running[1])
    buffers_before = {n: arr(b) for n, b in layer.named_buffers() if b.is_floating_point()}
    layer.train(train)
    y = layer(x)
    layer.zero_grad()
    y.backward(upstream)
    case = {
        "name": name,
        "train": train,
        "params": {n: arr(p) for n, p in layer.named_parameters()},
        "param_names": [n for n, _ in layer.named_parameters()],
        "buffers_before": buffers_before,
        "input": arr(x),
        "upstream": arr(upstream),
        "output": arr(y),
        "input_grad": arr(x.grad),
        "param_grads": {n: arr(p.grad) for n, p in layer.named_parameters()},
        "buffers_after": {n: arr(b) for n, b in layer.named_buffers() if b.is_floating_point()},
    }
    return case


def norm_cases():
    gen = torch.Generator().manual_seed(500)
    cases = []
    d = 6
    x = torch.randn(5, d, generator=gen) * 2.0 + torch.arange(d) * 0.5
    x[:, 5] *= 1e-3  # a feature with tiny spread: eps matters
    up = torch.randn(5, d, generator=gen)

    ln = nn.LayerNorm(d)
    with torch.no_grad():
        ln.weight.copy_(torch.randn(d, generator=gen) * 0.5 + 1.0)
        ln.bias.copy_(torch.randn(d, generator=gen) * 0.3)
    cases.append(
        {"kind": "layer_norm", "eps": 1e-5, "affine": True, **norm_layer_case("layer_norm", ln, x, up, True)}
    )
    ln2 = nn.LayerNorm(d, eps=1e-3, elementwise_affine=False)
    cases.append(
        {
            "kind": "layer_norm",
            "eps": 1e-3,
            "affine": False,
            **norm_layer_case("layer_norm/no_affine/eps1e-3", ln2, x, up, True),
        }
    )

    running = (torch.randn(d, generator=gen), torch.rand(d, generator=gen) + 0.5)
    for affine in (True, False):
        for train in (True, False):
            for momentum, eps in ((0.1, 1e-5), (0.3, 1e-3)):
                if not train and momentum != 0.1:
                    continue
                bn = nn.BatchNorm1d(d, eps=eps, momentum=momentum, affine=affine)
                if affine:
                    with torch.no_grad():
                        bn.weight.copy_(torch.randn(d, generator=gen) * 0.5 + 1.0)
                        bn.bias.copy_(torch.randn(d, generator=gen) * 0.3)
                name = (
                    f"batch_norm/{'affine' if affine else 'no_affine'}/"
                    f"{'train' if train else 'eval'}/momentum{momentum}/eps{eps}"
                )
                cases.append(
                    {
                        "kind": "batch_norm",
                        "eps": eps,
                        "momentum": momentum,
                        "affine": affine,
                        **norm_layer_case(name, bn, x, up, train, running),
                    }
                )
    return cases


def norm_model_case():
    """Linear → LayerNorm → GELU → Linear → BatchNorm1d → Tanh → Linear, cross-entropy, train
    mode: checks state_dict names of norm layers inside a Sequential and the chained grads."""
    gen = torch.Generator().manual_seed(600)
    net = nn.Sequential(
        nn.Linear(7, 6),
        nn.LayerNorm(6),
        nn.GELU(),
        nn.Linear(6, 5),
        nn.BatchNorm1d(5),
        nn.Tanh(),
        nn.Linear(5, 3),
    )
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        net[1].weight.add_(1.0)
        net[4].weight.add_(1.0)
        net[4].running_mean.copy_(torch.randn(5, generator=gen) * 0.2)
        net[4].running_var.copy_(torch.rand(5, generator=gen) + 0.5)
    buffers_before = {n: arr(b) for n, b in net.named_buffers() if b.is_floating_point()}
    x = torch.randn(5, 7, generator=gen).requires_grad_(True)
    classes = torch.tensor([0, 2, 1, 1, 2])
    net.train()
    out = net(x)
    loss = nn.CrossEntropyLoss()(out, classes)
    net.zero_grad()
    loss.backward()
    case = {
        "name": "norm_model/train",
        "param_names": [n for n, _ in net.named_parameters()],
        "buffer_names": [n for n, _ in net.named_buffers()],
        "params": {n: arr(p) for n, p in net.named_parameters()},
        "buffers_before": buffers_before,
        "input": arr(x),
        "classes": classes.tolist(),
        "output": arr(out),
        "loss_value": num(loss),
        "input_grad": arr(x.grad),
        "param_grads": {n: arr(p.grad) for n, p in net.named_parameters()},
        "buffers_after": {n: arr(b) for n, b in net.named_buffers() if b.is_floating_point()},
    }
    # Eval mode on a fresh batch, with the updated running statistics.
    x2 = torch.randn(3, 7, generator=gen).requires_grad_(True)
    net.eval()
    out2 = net(x2)
    loss2 = nn.CrossEntropyLoss()(out2, torch.tensor([1, 0, 2]))
    net.zero_grad()
    loss2.backward()
    case["eval"] = {
        "input": arr(x2),
        "classes": [1, 0, 2],
        "output": arr(out2),
        "loss_value": num(loss2),
        "input_grad": arr(x2.grad),
        "param_grads": {n: arr(p.grad) for n, p in net.named_parameters()},
    }
    return case


# --------------------------------------------------------------------------------------------
# Softmax layers and extreme inputs
# --------------------------------------------------------------------------------------------


def softmax_cases():
    gen = torch.Generator().manual_seed(700)
    x = torch.randn(5, 4, generator=gen) * 2.0
    x[3] = torch.tensor([30.0, -30.0, 0.0, 29.0])
    cases = []
    for kind, mod in (("softmax", nn.Softmax(dim=1)), ("log_softmax", nn.LogSoftmax(dim=1))):
        xi = x.clone().requires_grad_(True)
        up = torch.randn(5, 4, generator=gen)
        y = mod(xi)
        y.backward(up)
        cases.append(
            {"kind": kind, "input": arr(xi), "upstream": arr(up), "output": arr(y), "input_grad": arr(xi.grad)}
        )
    return cases


def extreme_cases():
    gen = torch.Generator().manual_seed(800)
    x = torch.tensor(
        [[1000.0, -1000.0, 0.0, 3.0], [-1000.0, 1000.0, 1000.0, -1000.0], [999.0, -999.5, 1000.0, 0.5]]
    )
    up = torch.randn(x.shape, generator=gen)
    activations = []
    for spec, make in ACTIVATIONS:
        xi = x.clone().requires_grad_(True)
        y = make()(xi)
        y.backward(up)
        activations.append(
            {"activation": spec, "input": arr(xi), "upstream": arr(up), "output": arr(y), "input_grad": arr(xi.grad)}
        )
    layers = []
    for kind, mod in (("softmax", nn.Softmax(dim=1)), ("log_softmax", nn.LogSoftmax(dim=1))):
        xi = x.clone().requires_grad_(True)
        y = mod(xi)
        y.backward(up)
        layers.append(
            {"kind": kind, "input": arr(xi), "upstream": arr(up), "output": arr(y), "input_grad": arr(xi.grad)}
        )
    y_bin = torch.tensor([[1.0, 1.0, 0.0, 0.3], [0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 0.5, 1.0]])
    losses = [
        loss_case("extreme/bce_logits", {"kind": "bce_logits"}, x, y_bin),
        loss_case(
            "extreme/bce_logits/pos_weight",
            {"kind": "bce_logits", "pos_weight": [3.0, 0.5, 1.0, 2.0]},
            x,
            y_bin,
        ),
        loss_case("extreme/ce", {"kind": "ce"}, x, torch.tensor([1, 0, 3])),
        loss_case(
            "extreme/ce/weights+smoothing",
            {"kind": "ce", "class_weights": [1.0, 2.0, 0.5, 1.5], "label_smoothing": 0.1},
            x,
            torch.tensor([1, 0, 3]),
        ),
        loss_case(
            "extreme/ce/soft",
            {"kind": "ce", "label_smoothing": 0.1},
            x,
            torch.softmax(torch.randn(3, 4, generator=gen), dim=1),
        ),
    ]
    return {"activations": activations, "layers": layers, "losses": losses}


def main():
    fixture = {
        "generator": "scripts/reference/make_model_fixtures.py",
        "torch_version": torch.__version__,
        "activation_cases": activation_cases(),
        "loss_cases": loss_cases(),
        "regularizer_cases": regularizer_cases(),
        "norm_cases": norm_cases(),
        "norm_model": norm_model_case(),
        "softmax_cases": softmax_cases(),
        "extreme": extreme_cases(),
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
