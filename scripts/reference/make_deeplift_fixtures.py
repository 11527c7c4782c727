#!/usr/bin/env python3
"""Reference values of captum's DeepLift (Rescale rule) for tests/parity_explain_deeplift.rs.

Regenerate with (the environment is made by setup-python.sh):

    /work/venv-ref/bin/python scripts/reference/make_deeplift_fixtures.py

Writes tests/fixtures/explain_deeplift.json, all float64: small torch nets with their weights
(ReLU, sigmoid, tanh, ELU, LeakyReLU, Softplus, GELU (exact and tanh), SiLU, LayerNorm,
BatchNorm1d and Dropout in eval mode, residual blocks `x + f(x)` and `P x + f(x)`), inputs, and
captum's DeepLift attributions and convergence deltas for several targets, with zero, scalar,
row and batch baselines, multiply_by_inputs on and off.

captum rescales only the modules of deep_lift.SUPPORTED_NON_LINEAR; GELU and SiLU are not among
them (captum passes their ordinary gradient), so this script registers captum's own
`nonlinear` rule for nn.GELU and nn.SiLU: tuneup rescales every element-wise activation.

A net is a list of layers: {"kind": "linear", "weight", "bias"}, {"kind": "relu" | "sigmoid" |
"tanh" | "gelu" | "gelu_tanh" | "silu"}, {"kind": "elu", "alpha"}, {"kind": "leaky_relu",
"slope"}, {"kind": "softplus", "beta", "threshold"}, {"kind": "layer_norm", "weight", "bias",
"eps"}, {"kind": "batch_norm", "weight", "bias", "running_mean", "running_var", "eps"},
{"kind": "dropout", "p"}, {"kind": "residual", "body": [...], "projection": weight or null}.
Arrays are {"shape": [...], "data": [...]}.
"""

import json
import os
import warnings

import numpy as np
import torch
import captum
from captum.attr import DeepLift
from captum.attr._core import deep_lift

warnings.simplefilter("ignore")
torch.set_default_dtype(torch.float64)
torch.manual_seed(20261202)
rng = np.random.default_rng(20261202)
HERE = os.path.dirname(__file__)
FIXTURES = os.path.join(HERE, "..", "..", "tests", "fixtures")
nn = torch.nn

deep_lift.SUPPORTED_NON_LINEAR[nn.GELU] = deep_lift.nonlinear
deep_lift.SUPPORTED_NON_LINEAR[nn.SiLU] = deep_lift.nonlinear


def arr(a):
    if isinstance(a, torch.Tensor):
        a = a.detach().numpy()
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(x) for x in a.ravel()]}


class Residual(nn.Module):
    def __init__(self, body, projection=None):
        super().__init__()
        self.body = body
        self.projection = projection

    def forward(self, x):
        skip = x if self.projection is None else self.projection(x)
        return self.body(x) + skip


def spec(module):
    """The layer list of an nn.Sequential (or one module)."""
    if isinstance(module, nn.Sequential):
        return [entry for m in module for entry in spec(m)]
    m = module
    if isinstance(m, nn.Linear):
        return [{"kind": "linear", "weight": arr(m.weight), "bias": arr(m.bias)}]
    if isinstance(m, Residual):
        proj = None if m.projection is None else arr(m.projection.weight)
        return [{"kind": "residual", "body": spec(m.body), "projection": proj}]
    if isinstance(m, nn.LayerNorm):
        return [{"kind": "layer_norm", "weight": arr(m.weight), "bias": arr(m.bias), "eps": m.eps}]
    if isinstance(m, nn.BatchNorm1d):
        return [{"kind": "batch_norm", "weight": arr(m.weight), "bias": arr(m.bias),
                 "running_mean": arr(m.running_mean), "running_var": arr(m.running_var), "eps": m.eps}]
    if isinstance(m, nn.Dropout):
        return [{"kind": "dropout", "p": m.p}]
    if isinstance(m, nn.ELU):
        return [{"kind": "elu", "alpha": m.alpha}]
    if isinstance(m, nn.LeakyReLU):
        return [{"kind": "leaky_relu", "slope": m.negative_slope}]
    if isinstance(m, nn.Softplus):
        return [{"kind": "softplus", "beta": float(m.beta), "threshold": float(m.threshold)}]
    if isinstance(m, nn.GELU):
        return [{"kind": "gelu" if m.approximate == "none" else "gelu_tanh"}]
    name = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.SiLU: "silu"}[type(m)]
    return [{"kind": name}]


def batch_norm(width):
    bn = nn.BatchNorm1d(width)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, width)))
        bn.bias.copy_(torch.tensor(rng.normal(size=width) * 0.3))
        bn.running_mean.copy_(torch.tensor(rng.normal(size=width) * 0.5))
        bn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, width)))
    return bn


def layer_norm(width):
    ln = nn.LayerNorm(width)
    with torch.no_grad():
        ln.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, width)))
        ln.bias.copy_(torch.tensor(rng.normal(size=width) * 0.3))
    return ln


def nets():
    """(name, net, x, targets, batch baseline), the batch baseline sharing some of x."""
    relu_tanh = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, 3))
    sigmoid = nn.Sequential(nn.Linear(4, 6), nn.Sigmoid(), nn.Linear(6, 1))
    norm_residual = nn.Sequential(
        nn.Linear(5, 6), layer_norm(6), nn.Tanh(),
        Residual(nn.Sequential(nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 6))),
        nn.Dropout(0.3), nn.Linear(6, 4), batch_norm(4), nn.Sigmoid(),
        Residual(nn.Sequential(nn.Linear(4, 5), nn.Tanh()), nn.Linear(4, 5, bias=False)),
        nn.Linear(5, 3))
    activations = nn.Sequential(
        nn.ELU(), nn.Linear(4, 7), nn.LeakyReLU(0.05), nn.Linear(7, 7), nn.Softplus(1.5, 3.0),
        nn.Linear(7, 6), nn.GELU(), nn.Linear(6, 6), nn.GELU(approximate="tanh"), nn.Linear(6, 5),
        nn.SiLU(), nn.Linear(5, 2))
    out = []
    for name, net, (n, d), targets in [
        ("relu_tanh_multi_class", relu_tanh, (4, 5), [0, 2, [1, 0, 2, 1]]),
        ("sigmoid_single_output", sigmoid, (3, 4), [0]),
        ("norm_residual", norm_residual, (4, 5), [1, [2, 0, 1, 1]]),
        ("activations", activations, (3, 4), [0, 1]),
    ]:
        x = rng.normal(size=(n, d)) * 1.5
        batch = rng.normal(size=(n, d))
        batch[0] = x[0]        # one row equal to its baseline: every Δ is 0
        batch[1:, 0] = x[1:, 0]  # one feature equal to its baseline in the other rows
        out.append((name, net.eval(), x, targets, batch))
    return out


def case(name, net, x, targets, batch):
    xt = torch.tensor(x)
    d = x.shape[1]
    baselines = {"zero": None, "scalar": 0.25, "row": rng.normal(size=(1, d)), "batch": batch}
    result = {"name": name, "net": spec(net), "x": arr(x), "runs": []}
    for target in targets:
        for bname, b in baselines.items():
            for mult in [True, False]:
                if not mult and bname != "row":
                    continue
                bt = None if b is None else (b if np.isscalar(b) else torch.tensor(b))
                dl = DeepLift(net, multiply_by_inputs=mult, eps=1e-10)
                attr, delta = dl.attribute(xt, baselines=bt, target=target, return_convergence_delta=True)
                result["runs"].append({
                    "target": target, "baseline": bname,
                    "baseline_value": None if b is None else (b if np.isscalar(b) else arr(b)),
                    "multiply_by_inputs": mult, "attributions": arr(attr), "delta": arr(delta)})
    return result


def main():
    cases = [case(*entry) for entry in nets()]
    path = os.path.join(FIXTURES, "explain_deeplift.json")
    with open(path, "w") as f:
        json.dump({"captum": captum.__version__, "torch": torch.__version__, "cases": cases}, f)
    print("wrote", path)


if __name__ == "__main__":
    main()
