#!/usr/bin/env python3
"""Reference values for the doctor's train/test shift statistics, for tests/doctor.rs.

Regenerate with (the environment is made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_shift_fixtures.py

Writes tests/fixtures/shift.json: pairs of samples (`train`, `test`) with

- `ks_d`: `scipy.stats.ks_2samp(train, test).statistic` (the exact two-sample statistic D);
- `ks_p_asymp`: `scipy.special.kolmogorov(sqrt(n*m/(n+m)) * D)`, the asymptotic two-sided
  p-value from the Kolmogorov distribution (what `ks_two_sample` reports);
- `psi`: the population stability index with `bins` quantile bins from `train`, written out
  here with NumPy: inner edges `np.quantile(train, k/bins)` (linear interpolation) for
  k = 1..bins-1, repeated edges merged (`np.unique`), a value goes in bin
  `np.searchsorted(edges, x, side="left")` (edge[i-1] < x <= edge[i]), proportions per bin,
  an empty bin's 0 replaced by `eps` (not renormalised), then sum((q - p) * ln(q / p)).
  No library implements PSI, so this is the definition the Rust code documents.
"""

import json
import os

import numpy as np
import scipy
import scipy.special
import scipy.stats

rng = np.random.default_rng(20261128)


def psi(train, test, bins, eps):
    edges = np.unique(np.quantile(train, np.arange(1, bins) / bins))
    p = np.bincount(np.searchsorted(edges, train, side="left"), minlength=len(edges) + 1) / len(train)
    q = np.bincount(np.searchsorted(edges, test, side="left"), minlength=len(edges) + 1) / len(test)
    p = np.where(p == 0, eps, p)
    q = np.where(q == 0, eps, q)
    return float(np.sum((q - p) * np.log(q / p)))


def arr(v):
    v = np.asarray(v, dtype=np.float64)
    return {"shape": list(v.shape), "data": v.ravel().tolist()}


cases = []


def add(name, train, test, bins=10, eps=1e-4):
    train = np.asarray(train, dtype=np.float64)
    test = np.asarray(test, dtype=np.float64)
    d = scipy.stats.ks_2samp(train, test).statistic
    n, m = len(train), len(test)
    cases.append(
        {
            "name": name,
            "train": arr(train),
            "test": arr(test),
            "bins": bins,
            "eps": eps,
            "psi": psi(train, test, bins, eps),
            "ks_d": float(d),
            "ks_p_asymp": float(scipy.special.kolmogorov(np.sqrt(n * m / (n + m)) * d)),
        }
    )


add("same distribution", rng.normal(size=400), rng.normal(size=300))
add("mean shift 0.5", rng.normal(size=500), rng.normal(0.5, 1.0, size=400))
add("scale shift", rng.normal(size=300), rng.normal(0.0, 2.0, size=300))
add("far shift, empty bins", rng.normal(size=200), rng.normal(6.0, 1.0, size=150))
add("uniform vs exponential", rng.uniform(size=250), rng.exponential(0.5, size=350), bins=5)
add(
    "ties (integers)",
    rng.integers(0, 4, size=300).astype(float),
    rng.integers(1, 6, size=200).astype(float),
)
add("small samples", rng.normal(size=30), rng.normal(0.3, 1.0, size=25), bins=4, eps=1e-3)
add("20 bins, skewed", rng.lognormal(size=600), rng.lognormal(0.2, 1.1, size=500), bins=20)

# Kolmogorov survival function at a few points, both series regimes.
lambdas = [0.05, 0.3, 0.6, 0.9, 1.0, 1.17, 1.19, 1.3580986, 1.6, 2.5, 4.0]
out = {
    "scipy_version": scipy.__version__,
    "cases": cases,
    "kolmogorov": {"lambda": lambdas, "sf": [float(scipy.special.kolmogorov(x)) for x in lambdas]},
}

path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "shift.json")
with open(path, "w") as f:
    json.dump(out, f)
print(f"wrote {os.path.normpath(path)}: {len(cases)} cases")
