#!/usr/bin/env python3
"""PyTorch reference values for the convolution layers, for tests/parity_conv.rs.

Regenerate with (the environment is made by ../shared/reference/setup-python.sh):

    /work/venv-ref/bin/python scripts/reference/make_conv_fixtures.py

Everything is float64 and seeded. Each case runs one layer (or block) in train mode on a
random batch x (N × C × H × W, or N × C × L), back-propagates the scalar L = Σ y ⊙ R for a
random R, and records y, ∂L/∂x and ∂L/∂θ for every parameter in state_dict order, plus the
buffers after the pass (running statistics). Eval-mode cases run after the train pass.

Writes tests/fixtures/conv_parity.json, and for the state_dict round trip
tests/fixtures/torch_cnn.safetensors (PyTorch -> tuneup, float32, after three train batches)
with its eval output in tests/fixtures/cnn_outputs.json. When
tests/fixtures/tuneup_cnn.safetensors exists (written by tuneup's ignored test
`write_tuneup_cnn_fixture` in tests/parity_conv.rs), it is loaded strictly into the same
architecture in float64 and PyTorch's eval output is recorded too.
"""

import json
import os

import torch
from safetensors.torch import load_file, save_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "tests", "fixtures")
torch.set_default_dtype(torch.float64)


def arr(t):
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def run_case(name, module, x, options, eval_after=False):
    """Train-mode pass of `module` on `x` with a random upstream gradient."""
    for p in module.parameters():
        with torch.no_grad():
            p.copy_(torch.randn_like(p) * 0.5)
    module.train()
    x = x.clone().requires_grad_(True)
    y = module(x)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    case = {
        "name": name,
        "options": options,
        "input": arr(x),
        "output": arr(y),
        "upstream": arr(r),
        "grad_input": arr(x.grad),
        "parameters": {k: arr(v) for k, v in module.named_parameters()},
        "grad_parameters": {k: arr(v.grad) for k, v in module.named_parameters()},
        "buffers": {k: arr(v) for k, v in module.named_buffers() if v.dtype.is_floating_point},
    }
    if eval_after:
        module.eval()
        xe = x.detach().clone().requires_grad_(True)
        ye = module(xe)
        (ye * r).sum().backward()
        case["eval_output"] = arr(ye)
        case["eval_grad_input"] = arr(xe.grad)
    return case


def conv2d_cases():
    specs = [
        # name, C, O, kernel, stride, padding, dilation, groups, bias, (N, H, W)
        ("basic", 3, 4, (3, 3), (1, 1), 0, (1, 1), 1, True, (2, 6, 6)),
        ("stride2_pad1_nonsquare", 2, 3, (3, 2), (2, 2), (1, 1), (1, 1), 1, True, (2, 7, 5)),
        ("dilation2_same", 2, 3, (3, 3), (1, 1), "same", (2, 2), 1, True, (2, 6, 7)),
        ("groups2_no_bias", 4, 6, (2, 3), (2, 1), (1, 0), (1, 1), 2, False, (3, 5, 6)),
        ("depthwise_stride2", 3, 3, (3, 3), (2, 2), (1, 1), (1, 1), 3, True, (2, 7, 7)),
        ("depthwise_multiplier", 2, 4, (3, 3), (1, 1), "same", (1, 2), 2, False, (2, 5, 6)),
        ("pointwise", 4, 3, (1, 1), (1, 1), 0, (1, 1), 1, True, (3, 4, 5)),
        ("same_even_kernel", 2, 2, (4, 2), (1, 1), "same", (1, 1), 1, True, (2, 5, 5)),
        ("stride2_dilation2_pad2", 3, 2, (3, 3), (2, 2), (2, 2), (2, 2), 1, True, (2, 8, 7)),
        ("stride2_pad0_1x3", 2, 2, (1, 3), (1, 2), (0, 1), (1, 1), 1, False, (2, 3, 8)),
    ]
    cases = []
    for name, c, o, k, s, p, d, g, b, (n, h, w) in specs:
        m = nn.Conv2d(c, o, k, stride=s, padding=p, dilation=d, groups=g, bias=b)
        x = torch.randn(n, c, h, w)
        opts = {
            "in_channels": c, "out_channels": o, "kernel": list(k), "stride": list(s),
            "padding": p if p == "same" else (list(p) if isinstance(p, tuple) else [p, p]),
            "dilation": list(d), "groups": g, "bias": b, "hw": [h, w],
        }
        cases.append(run_case("conv2d_" + name, m, x, opts))
    return cases


def conv1d_cases():
    specs = [
        ("basic", 2, 3, 3, 1, 0, 1, 1, True, (2, 10)),
        ("stride2_pad1_dil2_groups2", 4, 2, 3, 2, 1, 2, 2, False, (3, 11)),
        ("same_even", 2, 3, 4, 1, "same", 1, 1, True, (2, 9)),
        ("depthwise", 3, 3, 3, 1, 1, 1, 3, True, (2, 8)),
    ]
    cases = []
    for name, c, o, k, s, p, d, g, b, (n, length) in specs:
        m = nn.Conv1d(c, o, k, stride=s, padding=p, dilation=d, groups=g, bias=b)
        x = torch.randn(n, c, length)
        opts = {
            "in_channels": c, "out_channels": o, "kernel": k, "stride": s, "padding": p,
            "dilation": d, "groups": g, "bias": b, "length": length,
        }
        cases.append(run_case("conv1d_" + name, m, x, opts))
    return cases


def pool_cases():
    cases = []
    # Small integers: many ties inside windows.
    ties = torch.randint(0, 3, (2, 2, 6, 7)).double()
    specs = [
        ("max_k2", nn.MaxPool2d(2), (2, 2), None, (0, 0), ties),
        ("max_k3_s2_pad1", nn.MaxPool2d(3, stride=2, padding=1), (3, 3), (2, 2), (1, 1), ties),
        ("max_k23_s12", nn.MaxPool2d((2, 3), stride=(1, 2)), (2, 3), (1, 2), (0, 0),
         torch.randn(2, 2, 5, 7)),
    ]
    for name, m, k, s, p, x in specs:
        opts = {"kernel": list(k), "stride": list(s) if s else None, "padding": list(p)}
        cases.append(run_case("pool_" + name, m, x, opts))
    x = torch.randn(2, 3, 7, 6)
    for include in (True, False):
        m = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=include)
        opts = {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1],
                "count_include_pad": include}
        cases.append(run_case(f"pool_avg_k3_s2_pad1_include{int(include)}", m, x, opts))
    m = nn.AvgPool2d((2, 3), stride=(1, 2))
    opts = {"kernel": [2, 3], "stride": [1, 2], "padding": [0, 0], "count_include_pad": True}
    cases.append(run_case("pool_avg_k23_s12", m, x, opts))
    for out in ((1, 1), (2, 3), (4, 4)):
        m = nn.AdaptiveAvgPool2d(out)
        cases.append(run_case(f"pool_adaptive_{out[0]}x{out[1]}", m, torch.randn(2, 3, 5, 7),
                              {"output": list(out)}))
    return cases


def batchnorm_cases():
    cases = []
    m = nn.BatchNorm2d(3, momentum=0.2)
    with torch.no_grad():
        m.running_mean.copy_(torch.randn(3))
        m.running_var.copy_(torch.rand(3) + 0.5)
    x = torch.randn(4, 3, 3, 5) * 2.0 + 0.7
    opts = {"channels": 3, "momentum": 0.2, "eps": 1e-5,
            "running_mean_before": arr(m.running_mean.clone()),
            "running_var_before": arr(m.running_var.clone())}
    cases.append(run_case("batchnorm2d", m, x, opts, eval_after=True))
    return cases


def block_cases():
    cases = []
    c, o = 3, 5
    dw = nn.Sequential(
        nn.Conv2d(c, c, 3, stride=2, padding=1, groups=c, bias=False), nn.BatchNorm2d(c),
        nn.ReLU(), nn.Conv2d(c, o, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU())
    x = torch.randn(3, c, 7, 6)
    cases.append(run_case("depthwise_separable", dw, x,
                          {"in_channels": c, "out_channels": o, "stride": 2, "hw": [7, 6]}))

    class ResidualBlock(nn.Module):
        def __init__(self, ch):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(ch, ch, 3, padding=1), nn.BatchNorm2d(ch), nn.ReLU(),
                nn.Conv2d(ch, ch, 3, padding=1), nn.BatchNorm2d(ch))

        def forward(self, inp):
            return inp + self.body(inp)

    res = ResidualBlock(4)
    cases.append(run_case("residual_conv", res, torch.randn(2, 4, 5, 5),
                          {"channels": 4, "hw": [5, 5]}))

    class ProjectionBlock(nn.Module):
        """body(x) + downsample(x), downsample as torchvision's BasicBlock has it."""

        def __init__(self, c, o, stride, batch_norm):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(c, o, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(o),
                nn.ReLU(), nn.Conv2d(o, o, 3, padding=1, bias=False), nn.BatchNorm2d(o))
            if batch_norm:
                self.downsample = nn.Sequential(
                    nn.Conv2d(c, o, 1, stride=stride, bias=False), nn.BatchNorm2d(o))
            else:
                self.downsample = nn.Sequential(nn.Conv2d(c, o, 1, stride=stride))

        def forward(self, inp):
            return self.body(inp) + self.downsample(inp)

    for name, c, o, stride, bn, (n, h, w) in [
        ("residual_projection_stride2_bn", 3, 5, 2, True, (3, 7, 6)),
        ("residual_projection_no_bn", 4, 6, 1, False, (2, 5, 4)),
    ]:
        block = ProjectionBlock(c, o, stride, bn)
        cases.append(run_case(name, block, torch.randn(n, c, h, w),
                              {"in_channels": c, "out_channels": o, "stride": stride,
                               "batch_norm": bn, "hw": [h, w]}))
    return cases


def small_cnn():
    """The state_dict round-trip architecture (tests/parity_conv.rs builds the same)."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, groups=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(6, 3))


def checkpoint_fixtures():
    torch.manual_seed(20261201)
    model = small_cnn().float()
    with torch.no_grad():
        model[1].weight.copy_(torch.rand(4) + 0.5)
        model[1].bias.copy_(torch.randn(4) * 0.1)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(8, 1, 8, 8, dtype=torch.float32) * 1.5 + 0.2)
    model.eval()
    x = torch.randn(5, 1, 8, 8, dtype=torch.float32)
    with torch.no_grad():
        torch_out = model(x)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    path = os.path.join(FIXTURES, "torch_cnn.safetensors")
    save_file(state, path, metadata={"format": "pt"})
    os.chmod(path, 0o644)
    out = {
        "input": arr(x),
        "torch_cnn_output": arr(torch_out),
        "torch_cnn_num_batches_tracked": int(model[1].num_batches_tracked),
        "torch_version": torch.__version__,
    }
    tuneup_path = os.path.join(FIXTURES, "tuneup_cnn.safetensors")
    if os.path.exists(tuneup_path):
        theirs = small_cnn().double()
        theirs.load_state_dict(load_file(tuneup_path), strict=True)
        theirs.eval()
        with torch.no_grad():
            out["tuneup_cnn_output"] = arr(theirs(x.double()))
        out["tuneup_cnn_num_batches_tracked"] = int(theirs[1].num_batches_tracked)
    with open(os.path.join(FIXTURES, "cnn_outputs.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


def main():
    torch.manual_seed(20261130)
    cases = conv2d_cases() + conv1d_cases() + pool_cases() + batchnorm_cases() + block_cases()
    with open(os.path.join(FIXTURES, "conv_parity.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": cases}, f)
        f.write("\n")
    checkpoint_fixtures()


if __name__ == "__main__":
    main()
