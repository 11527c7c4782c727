"""State-dict names of torch.nn.Sequential models, for the Sequential surgery tests.

Regenerate with (environment made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_surgery_fixtures.py

Writes tests/fixtures/sequential_surgery.json, read by tests/transfer_surgery.rs. Each "state"
is the layer list a chain of surgery operations should reach, built directly as an
nn.Sequential; its state_dict keys (in PyTorch's order) are what the crate's names must be
after the operations. The "head_replaced" state also carries a full state_dict (random running
statistics in the BatchNorm) and the eval-mode output on a fixed input, so the surgered crate
model can load the PyTorch weights strictly and reproduce the output. float64, seeded.
"""

import json
import os

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures",
                   "sequential_surgery.json")


def arr(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def states():
    """The layer lists after each step of the test's surgery (see tests/transfer_surgery.rs)."""
    return {
        # Linear(3,4)+ReLU, Linear(4,8)+Tanh, Linear(8,2)
        "start": [nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)],
        # insert(1, BatchNorm1d(4))
        "bn_inserted": [nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 8),
                        nn.Tanh(), nn.Linear(8, 2)],
        # replace_head(5, seed)
        "head_replaced": [nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 8),
                          nn.Tanh(), nn.Linear(8, 5)],
        # replace(0, Linear(3,4)) without a fused activation
        "first_replaced": [nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 8), nn.Tanh(),
                           nn.Linear(8, 5)],
        # remove(1): the BatchNorm
        "bn_removed": [nn.Linear(3, 4), nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 5)],
        # truncate(2)
        "truncated": [nn.Linear(3, 4), nn.Linear(4, 8), nn.Tanh()],
    }


def main():
    torch.manual_seed(16)
    out = {"names": {}}
    for name, layers in states().items():
        out["names"][name] = list(nn.Sequential(*layers).state_dict().keys())
    net = nn.Sequential(*states()["head_replaced"]).double()
    bn = net[2]
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(4, dtype=torch.float64))
        bn.running_var.copy_(torch.rand(4, dtype=torch.float64) + 0.5)
        bn.weight.copy_(torch.randn(4, dtype=torch.float64))
        bn.bias.copy_(torch.randn(4, dtype=torch.float64))
        bn.num_batches_tracked.fill_(7)
    net.eval()
    x = torch.randn(6, 3, dtype=torch.float64)
    sd = net.state_dict()
    out["head_replaced"] = {
        "tensors": {k: (int(v.item()) if v.dtype == torch.int64 else arr(v)) for k, v in sd.items()},
        "input": arr(x),
        "output": arr(net(x)),
    }
    with open(OUT, "w") as f:
        json.dump(out, f)
    print(f"wrote {len(out['names'])} states to {OUT}")


if __name__ == "__main__":
    main()
