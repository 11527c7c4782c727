"""Reference values for CORAL (Sun, Feng and Saenko 2016), computed with NumPy and SciPy.

Regenerate with (environment made by scripts/reference/setup-python.sh):

    .venv-reference/bin/python scripts/reference/make_coral_fixtures.py

Writes tests/fixtures/coral_parity.json, read by tests/parity_coral.rs. The reference follows
the paper's algorithm: C_s = cov(X_s) + eps*I, C_t = cov(X_t) + eps*I (sample covariance,
n - 1 in the denominator), map = C_s^{-1/2} @ C_t^{1/2} by scipy.linalg.fractional_matrix_power
and scipy.linalg.sqrtm, transformed = X_s @ map. Seeded, float64.
"""

import json
import os

import numpy as np
from scipy import linalg

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "coral_parity.json")


def arr(a):
    a = np.ascontiguousarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": a.reshape(-1).tolist()}


def case(rng, n_s, n_t, d, eps):
    mix_s = rng.normal(size=(d, d))
    mix_t = rng.normal(size=(d, d)) * 2.0
    xs = rng.normal(size=(n_s, d)) @ mix_s + 0.5
    xt = rng.normal(size=(n_t, d)) @ mix_t - 1.0
    cs = np.cov(xs, rowvar=False, ddof=1) + eps * np.eye(d)
    ct = np.cov(xt, rowvar=False, ddof=1) + eps * np.eye(d)
    m = np.real(linalg.fractional_matrix_power(cs, -0.5)) @ np.real(linalg.sqrtm(ct))
    return {"eps": eps, "source": arr(xs), "target": arr(xt), "map": arr(m),
            "transformed": arr(xs @ m)}


def main():
    rng = np.random.default_rng(2016)
    cases = [case(rng, 40, 30, 3, 1.0), case(rng, 25, 50, 5, 1.0), case(rng, 60, 20, 4, 0.1),
             case(rng, 12, 12, 2, 1.0)]
    with open(OUT, "w") as f:
        json.dump({"cases": cases}, f)
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
