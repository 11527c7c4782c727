#!/usr/bin/env python3
"""Pruned weights moving between PyTorch and tuneup in safetensors, for
tests/checkpoint_pruned_torch.rs.

Regenerate with (the environment is made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_pruned_checkpoint_fixtures.py

Architecture: nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3)) in float64, whose
pruned state_dict holds 0.weight_orig, 0.weight_mask, 0.bias, 2.weight_orig, 2.weight_mask,
2.bias.

PyTorch -> tuneup: seeded weights, l1_unstructured(amount=0.5) on 0.weight and
ln_structured(amount=1, n=2, dim=0) on 2.weight; the state_dict is saved to
tests/fixtures/torch_pruned.safetensors, with the masks and the output for a fixed input.

tuneup -> PyTorch: tests/fixtures/tuneup_pruned.safetensors is written by tuneup (the ignored
test `write_tuneup_pruned_fixture`). This script applies prune.identity to both weights (so
the module has the pruned entry names), loads the file with load_state_dict(strict=True), and
records the masks PyTorch holds and its output for the same input.

Writes tests/fixtures/pruned_checkpoints.json.
"""

import json
import os

import torch
import torch.nn.utils.prune as prune
from safetensors.torch import load_file, save_file

torch.set_default_dtype(torch.float64)
FIX = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures")


def arr(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def architecture():
    return torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3))


def model_input():
    # The same rational values as tests/checkpoint_pruned_torch.rs's `input()`.
    return torch.tensor([[((i * 5 + j) % 7) / 3.0 - 1.0 for j in range(5)] for i in range(6)])


def main():
    torch.manual_seed(7)
    net = architecture()
    prune.l1_unstructured(net[0], "weight", amount=0.5)
    prune.ln_structured(net[2], "weight", amount=1, n=2, dim=0)
    net.eval()
    save_file({k: v.contiguous() for k, v in net.state_dict().items()},
              os.path.join(FIX, "torch_pruned.safetensors"))
    out = {"torch": torch.__version__,
           "torch_masks": {"0.weight": arr(net[0].weight_mask), "2.weight": arr(net[2].weight_mask)},
           "torch_output": arr(net(model_input()))}

    theirs = architecture()
    prune.identity(theirs[0], "weight")
    prune.identity(theirs[2], "weight")
    state = load_file(os.path.join(FIX, "tuneup_pruned.safetensors"))
    theirs.load_state_dict(state, strict=True)
    theirs.eval()
    out["tuneup_masks"] = {"0.weight": arr(theirs[0].weight_mask),
                           "2.weight": arr(theirs[2].weight_mask)}
    out["tuneup_output"] = arr(theirs(model_input()))
    with open(os.path.join(FIX, "pruned_checkpoints.json"), "w") as f:
        json.dump(out, f)
    print("wrote pruned_checkpoints.json and torch_pruned.safetensors")


if __name__ == "__main__":
    main()
