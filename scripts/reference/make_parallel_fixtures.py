"""PyTorch reference indices of `torch.utils.data.DistributedSampler` for the sampler parity test.

Regenerate with (environment made by scripts/reference/setup-python.sh):

    /work/venv-ref/bin/python scripts/reference/make_parallel_fixtures.py

Writes tests/fixtures/distributed_sampler.json, read by tests/parallel_sampler.rs. Each case is
{"n", "world", "rank", "drop_last", "epoch", "num_samples", "indices"} with shuffle=False (the
order PyTorch draws with shuffle=True comes from its own generator, which the crate does not
reproduce; the shuffled invariants are tested on their own). Sizes cover an even split, padding
by wrapping (including more padding than samples), drop_last with and without a tail, and a
data set smaller than the world.
"""

import json
import os

import torch
from torch.utils.data import DistributedSampler

OUT = os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "distributed_sampler.json"
)


def main():
    cases = []
    for n in [0, 1, 2, 3, 5, 7, 8, 10, 13, 16, 101]:
        for world in [1, 2, 3, 4, 8]:
            for drop_last in [False, True]:
                for rank in range(world):
                    s = DistributedSampler(
                        list(range(n)), num_replicas=world, rank=rank, shuffle=False,
                        drop_last=drop_last,
                    )
                    s.set_epoch(3)
                    cases.append({
                        "n": n, "world": world, "rank": rank, "drop_last": drop_last,
                        "epoch": 3, "num_samples": len(s), "indices": list(iter(s)),
                    })
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
