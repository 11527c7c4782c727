"""Reference values for confident learning in src/data/label_issues.rs (cleanlab).

Regenerate with:

    /work/venv-ref/bin/python scripts/reference/make_label_issue_fixtures.py

Writes tests/fixtures/label_issues.json, read by tests/parity_label_issues.rs.

For seeded data sets of fixed predicted probabilities (softmax of noisy logits around each
row's true class, with a share of the given labels flipped to another class), the fixture
records from cleanlab itself: the per-class thresholds (`count.get_confident_thresholds`), the
calibrated confident joint (`count.compute_confident_joint`), the estimated joint
(`count.estimate_joint`), and for each `filter_by` in prune_by_noise_rate, prune_by_class and
both (and a case with `frac_noise` and `min_examples_per_class`) the flagged-row mask and the
flagged rows ranked by self-confidence (`filter.find_label_issues`). Probabilities are
continuous, so no two margins or self-confidences tie.
"""

import json
import os

import cleanlab
import numpy as np
from cleanlab.count import compute_confident_joint, estimate_joint, get_confident_thresholds
from cleanlab.filter import find_label_issues

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "label_issues.json"
)


def make(rng, n, k, flip, sharpness):
    true = rng.integers(0, k, size=n)
    logits = rng.normal(0.0, 1.0, size=(n, k))
    logits[np.arange(n), true] += sharpness
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    labels = true.copy()
    flipped = rng.random(n) < flip
    labels[flipped] = (labels[flipped] + rng.integers(1, k, size=flipped.sum())) % k
    return labels, p, flipped


def case(labels, p, flipped):
    out = {
        "labels": [int(v) for v in labels],
        "pred_probs": {"shape": list(p.shape), "data": [float(v) for v in p.ravel()]},
        "flipped": [bool(v) for v in flipped],
        "thresholds": [float(v) for v in get_confident_thresholds(labels, p)],
        "confident_joint": compute_confident_joint(labels, p).tolist(),
        "joint": [float(v) for v in estimate_joint(labels, p).ravel()],
        "filters": [],
    }
    settings = [
        {"filter_by": "prune_by_noise_rate"},
        {"filter_by": "prune_by_class"},
        {"filter_by": "both"},
        {"filter_by": "prune_by_noise_rate", "frac_noise": 0.5, "min_examples_per_class": 10},
    ]
    for s in settings:
        mask = find_label_issues(labels, p, n_jobs=1, **s)
        ranked = find_label_issues(labels, p, n_jobs=1, return_indices_ranked_by="self_confidence", **s)
        out["filters"].append(
            {"settings": s, "mask": [bool(v) for v in mask], "ranked": [int(v) for v in ranked]}
        )
    return out


def main():
    rng = np.random.default_rng(20261203)
    cases = [
        case(*make(rng, 300, 3, 0.15, 2.5)),
        case(*make(rng, 200, 2, 0.10, 2.0)),
        case(*make(rng, 400, 5, 0.20, 3.0)),
    ]
    out = {"versions": {"cleanlab": cleanlab.__version__, "numpy": np.__version__}, "cases": cases}
    with open(OUT, "w") as f:
        json.dump(out, f)
    for c in cases:
        print([sum(f["mask"]) for f in c["filters"]], 1 - np.trace(np.reshape(c["joint"], (len(c["thresholds"]),) * 2)))


if __name__ == "__main__":
    main()
