#!/usr/bin/env python3
"""Fits the polynomial coefficients of src/model/tanh.rs (the vectorised tanh) with mpmath at
50 digits, and prints them as Rust constants, highest degree first (Horner order).

Run with:

    /work/venv-ref/bin/python scripts/reference/fit_tanh_coefficients.py

Two pieces, each a Chebyshev fit (near-minimax) of an analytic function:

* small |x| (below the switch point): tanh x = x + x·z·P(z), z = x², P(z) ≈ (tanh √z − √z)/z^{3/2};
* large |x|: tanh |x| = 1 − 2/(e^{2|x|} + 1), with e^y = 2^n·e^r, |r| ≤ ln2/2, and
  e^r = 1 + r + r²·Q(r), Q(r) ≈ (e^r − 1 − r)/r².

The f64 kernel uses the high degrees, the f32 kernel (evaluated in f32) the low ones, its
coefficients rounded to float32. The printed error is the fit's largest absolute error on its interval.
"""

import mpmath as mp
import numpy as np

mp.mp.dps = 50
LN2_HALF = mp.log(2) / 2
SWITCH = 0.7


def small_part(z):
    if z == 0:
        return mp.mpf(-1) / 3
    x = mp.sqrt(z)
    return (mp.tanh(x) - x) / (x * z)


def exp_part(r):
    if r == 0:
        return mp.mpf(1) / 2
    return (mp.exp(r) - 1 - r) / (r * r)


def show(name, coefficients, error, kind="f64"):
    print(f"// {name}: largest fit error {mp.nstr(error, 3)}")
    print(f"const {name}: [{kind}; {len(coefficients)}] = [")
    for c in coefficients:
        value = float(c) if kind == "f64" else float(np.float32(float(c)))
        print(f"    {value!r},")
    print("];")


def main():
    for name, degree, kind in [("SMALL_F64", 12, "f64"), ("SMALL_F32", 5, "f32")]:
        c, err = mp.chebyfit(small_part, [0, mp.mpf(SWITCH) ** 2], degree + 1, error=True)
        show(name, c, err, kind)
    for name, degree, kind in [("EXP_F64", 10, "f64"), ("EXP_F32", 4, "f32")]:
        c, err = mp.chebyfit(exp_part, [-LN2_HALF, LN2_HALF], degree + 1, error=True)
        show(name, c, err, kind)


if __name__ == "__main__":
    main()
