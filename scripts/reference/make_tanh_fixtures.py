#!/usr/bin/env python3
"""Reference values of tanh in float64 for tests/tanh_accuracy.rs, evaluated by mpmath at 60
digits (far beyond double precision, so the rounded value is the correctly rounded one).

Regenerate with:

    /work/venv-ref/bin/python scripts/reference/make_tanh_fixtures.py

Writes tests/fixtures/tanh_f64.json: {"points": [[x, hi, lo], ...]} where x and hi are the
IEEE bit patterns of float64s as 16 hex digits, hi = tanh(x) correctly rounded, and lo the
(small) float64 nearest to tanh(x) − hi, so a test can measure its error in fractions of an
ulp. The points: ±0 neighbours and subnormals, tiny and small |x|, a dense band around the
kernel's switch point 0.7, log-uniform |x| over [1e-12, 25], the saturation region 18–20, and
both signs.
"""

import json
import os
import struct

import mpmath as mp
import numpy as np

mp.mp.dps = 60
rng = np.random.default_rng(20261203)
HERE = os.path.dirname(__file__)
FIXTURES = os.path.join(HERE, "..", "..", "tests", "fixtures")


def bits(v):
    return struct.pack(">d", v).hex()


def points():
    xs = [5e-324, 2.2250738585072014e-308, 1e-300, 1e-200, 1e-20, 1.4901161193847656e-08]
    xs += list(10.0 ** rng.uniform(-12, np.log10(25.0), 3000))
    xs += list(rng.uniform(0.6, 0.8, 600))
    xs += list(np.nextafter(0.7, [0.0] * 5 + [1.0] * 5))
    xs += list(rng.uniform(0.0, 1.5, 600))
    xs += list(rng.uniform(18.0, 20.5, 300))
    xs += list(rng.uniform(1.5, 10.0, 400))
    xs = [float(x) for x in xs]
    signs = rng.choice([-1.0, 1.0], len(xs))
    return [s * x for s, x in zip(signs, xs)]


def main():
    rows = []
    for x in points():
        exact = mp.tanh(mp.mpf(x))
        hi = float(exact)
        lo = float(exact - mp.mpf(hi))
        rows.append([bits(x), bits(hi), float(f"{lo:.4e}")])
    path = os.path.join(FIXTURES, "tanh_f64.json")
    with open(path, "w") as f:
        json.dump({"points": rows}, f, separators=(",", ":"))
    print(f"wrote {len(rows)} points to {path}")


if __name__ == "__main__":
    main()
