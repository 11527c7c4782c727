#!/usr/bin/env python3
"""Weights moving between PyTorch and tuneup in safetensors, for tests/checkpoint_torch.rs.

Regenerate with (the environment is made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_checkpoint_fixtures.py

Both directions use the architecture

    nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 3))

which tuneup builds as Linear(5 -> 4, fused ReLU), BatchNorm1d(4), Linear(4 -> 3) (the fused
ReLU counts as module 1, so the state_dict names are the same: 0.weight, 0.bias, 2.weight,
2.bias, 2.running_mean, 2.running_var, 2.num_batches_tracked, 3.weight, 3.bias).

PyTorch -> tuneup: a float32 model with random weights and random BatchNorm affine
parameters runs three train-mode batches (so the running statistics and num_batches_tracked
are not their initial values), and its state_dict is saved with safetensors to
tests/fixtures/torch_model.safetensors. Its eval-mode output for a fixed input is recorded.

tuneup -> PyTorch: tests/fixtures/tuneup_model.safetensors is written by tuneup (the ignored
test `write_tuneup_model_fixture` in tests/checkpoint_torch.rs; the normal tests check that
tuneup still writes exactly these bytes). This script loads it with
safetensors.torch.load_file into the same architecture in float64 with
load_state_dict(strict=True), and records PyTorch's eval-mode output for the same input.

Writes tests/fixtures/torch_model_outputs.json: the input (float32 values, stored as
doubles), PyTorch's outputs for both models, and torch_model's num_batches_tracked.
"""

import json
import os

import torch
from safetensors.torch import load_file, save_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "tests", "fixtures")


def arr(t):
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def build():
    return nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 3))


def main():
    torch.manual_seed(20261128)
    x = torch.randn(6, 5, dtype=torch.float32)

    # PyTorch -> tuneup (float32).
    model = build()
    with torch.no_grad():
        model[2].weight.copy_(torch.rand(4) + 0.5)
        model[2].bias.copy_(torch.randn(4) * 0.1)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(16, 5) * 2.0 + 0.3)
    model.eval()
    with torch.no_grad():
        torch_out = model(x)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    torch_path = os.path.join(FIXTURES, "torch_model.safetensors")
    save_file(state, torch_path, metadata={"format": "pt"})
    os.chmod(torch_path, 0o644)

    # tuneup -> PyTorch (float64, strict).
    tuneup_path = os.path.join(FIXTURES, "tuneup_model.safetensors")
    loaded = load_file(tuneup_path)
    dtypes = sorted({str(v.dtype) for v in loaded.values()})
    theirs = build().double()
    theirs.load_state_dict(loaded, strict=True)
    theirs.eval()
    with torch.no_grad():
        tuneup_out = theirs(x.double())

    out = {
        "input": arr(x),
        "torch_model_output": arr(torch_out),
        "torch_model_num_batches_tracked": int(model[2].num_batches_tracked),
        "tuneup_model_output": arr(tuneup_out),
        "tuneup_model_dtypes": dtypes,
        "tuneup_model_num_batches_tracked": int(theirs[2].num_batches_tracked),
        "torch_version": torch.__version__,
    }
    with open(os.path.join(FIXTURES, "torch_model_outputs.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
