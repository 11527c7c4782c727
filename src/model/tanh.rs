//! A branch-free, vectorisable `tanh` accurate to about one ulp in `f32` and `f64`.
//!
//! libm's `tanh` is a scalar call with branches, so a loop over it runs one value at a time;
//! in a small tanh net it dominated the whole forward pass. This kernel uses only IEEE
//! operations, selects and integer bit moves, so the compiler vectorises a loop over it (the
//! slice form runs inside [`super::wide::wide`], with AVX-512 or AVX2 when present). Rust
//! never fuses a multiply and an add, so every path gives bit-identical results.
//!
//! For `|x| < 0.7`: `tanh x = x + x·z·P(z)`, `z = x²`; above: `tanh |x| = 1 − 2/(e^{2|x|} + 1)`,
//! with `e^y = 2^n·e^r`, `|r| ≤ ln2/2`, `e^r = 1 + r + r²·Q(r)`. Both pieces are computed for
//! every value and one is selected. The polynomials are Chebyshev fits made at 50 digits by
//! `scripts/reference/fit_tanh_coefficients.py`. The `f32` kernel evaluates lower-degree fits
//! in `f64` (fit error below 3·10⁻¹⁰) and rounds once, so it is within one ulp of the correctly
//! rounded value (measured: 1 ulp, correctly rounded for all but a few values in 10⁵); the
//! `f64` kernel is within 2 ulp (measured against mpmath in `tests/tanh_accuracy.rs`).

use super::wide::wide;
use crate::Float;

/// Below this `|x|` the odd polynomial is used, at and above it the exponential form.
const SWITCH: f64 = 0.7;
/// `|x|` is clamped here before the exponential: `tanh` of anything larger rounds to ±1.
const SATURATE: f64 = 20.0;
/// `1.5·2⁵²`: adding it rounds a small double to an integer held in the low mantissa bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// `ln 2` split in two: `LN2_HI` has 32 significant bits (its low 21 are zero), so `n·LN2_HI`
/// is exact for the `n` used here, and `LN2_LO` is the rest (`≈ 1.9·10⁻¹⁰`).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// `P(z)` for `f64`, highest degree first (fit error 2.2·10⁻¹⁸ on `z ∈ [0, 0.49]`).
const SMALL_F64: [f64; 13] = [
    -1.935265368692235e-06,
    1.0938896099319773e-05,
    -3.567392597709144e-05,
    9.514406287829865e-05,
    -0.0002385260361392742,
    0.0005898843923888812,
    -0.0014558109507053411,
    0.0035921254479696534,
    -0.00886323534557735,
    0.0218694885283181,
    -0.05396825396808037,
    0.13333333333333183,
    -0.3333333333333333,
];
/// `P(z)` for `f32` (fit error 2.5·10⁻¹⁰).
const SMALL_F32: [f64; 7] = [
    -0.00076125949021876,
    0.003183893148390237,
    -0.00873557735229107,
    0.02184837799946322,
    -0.05396656509339189,
    0.1333332821433797,
    -0.3333333330779012,
];
/// `Q(r)` for `f64` (fit error 1.4·10⁻¹⁸ on `|r| ≤ ln2/2`).
const EXP_F64: [f64; 11] = [
    2.0914679376583935e-09,
    2.510520637395701e-08,
    2.7557273661348637e-07,
    2.7557255425746435e-06,
    2.4801587325533363e-05,
    0.00019841269874800493,
    0.0013888888888883752,
    0.008333333333326141,
    0.04166666666666667,
    0.1666666666666667,
    0.5,
];
/// `Q(r)` for `f32` (fit error 2.7·10⁻¹¹).
const EXP_F32: [f64; 7] = [
    2.4859578222625295e-05,
    0.0001989927395864936,
    0.001388885404961482,
    0.008333298483754886,
    0.041666666718980845,
    0.16666666718997508,
    0.5,
];

/// `Σ c_k·t^k` by Horner's rule, `c` highest degree first.
#[inline(always)]
fn horner<const N: usize>(c: &[f64; N], t: f64) -> f64 {
    c.iter().fold(0.0, |acc, &ck| acc * t + ck)
}

/// `e^y` for `0 ≤ y ≤ 2·SATURATE`, branch-free.
#[inline(always)]
fn exp_small_range<const N: usize>(y: f64, q: &[f64; N]) -> f64 {
    let k = y * std::f64::consts::LOG2_E + ROUNDER;
    let n = k - ROUNDER;
    let r = (y - n * LN2_HI) - n * LN2_LO;
    let e_r = 1.0 + (r + r * r * horner(q, r));
    // The low 12 bits of `k` hold `n` (0 ≤ n ≤ 58): shifted into the exponent field, biased.
    let scale = f64::from_bits((k.to_bits() << 52).wrapping_add(1023 << 52));
    e_r * scale
}

/// `tanh x` in `f64` arithmetic with the given fits; NaN in, NaN out; `tanh(±0) = ±0`.
#[inline(always)]
fn tanh_with<const S: usize, const E: usize>(x: f64, p: &[f64; S], q: &[f64; E]) -> f64 {
    let a = x.abs();
    let z = a * a;
    let small = a + a * (z * horner(p, z));
    let clamped = if a < SATURATE { a } else { SATURATE };
    let large = 1.0 - 2.0 / (exp_small_range(2.0 * clamped, q) + 1.0);
    let t = if a < SWITCH { small } else { large };
    if x.is_nan() {
        x
    } else {
        t.copysign(x)
    }
}

/// The `f64` kernel (within 2 ulp of the exact value).
#[inline(always)]
pub(crate) fn tanh_f64(x: f64) -> f64 {
    tanh_with(x, &SMALL_F64, &EXP_F64)
}

/// The `f32` kernel: lower-degree fits evaluated in `f64`, rounded once (within 1 ulp).
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    tanh_with(f64::from(x), &SMALL_F32, &EXP_F32) as f32
}

/// `tanh x`, within one ulp (`f32`) or two (`f64`) of the exact value, and bit-identical to
/// what the activation layers compute for [`super::Activation::Tanh`].
///
/// ```
/// use tuneup::model::tanh;
/// assert_eq!(tanh(0.0f64), 0.0);
/// assert_eq!(tanh(-30.0f32), -1.0);
/// assert!((tanh(0.5f64) - 0.5f64.tanh()).abs() <= 2.0 * f64::EPSILON);
/// assert!(tanh(f32::NAN).is_nan());
/// ```
#[inline]
pub fn tanh<F: Float>(x: F) -> F {
    x.tanh_kernel()
}

/// Replaces every value by its `tanh`, vectorised with the widest instructions available.
/// Allocates nothing.
pub(crate) fn tanh_in_place<F: Float>(values: &mut [F]) {
    wide(|| {
        for v in values.iter_mut() {
            *v = v.tanh_kernel();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_and_scalar_forms_agree_bit_for_bit() {
        let xs: Vec<f64> = (0..1000).map(|i| (i as f64 - 500.0) * 0.047).collect();
        let mut ys = xs.clone();
        tanh_in_place(&mut ys);
        for (x, y) in xs.iter().zip(&ys) {
            assert_eq!(y.to_bits(), tanh(*x).to_bits(), "x = {x}");
        }
        let xs32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
        let mut ys32 = xs32.clone();
        tanh_in_place(&mut ys32);
        for (x, y) in xs32.iter().zip(&ys32) {
            assert_eq!(y.to_bits(), tanh(*x).to_bits(), "x = {x}");
        }
    }

    #[test]
    fn exponential_piece_scales_by_exact_powers_of_two() {
        for y in [0.0, 0.5, 1.4, 7.3, 40.0] {
            let e = exp_small_range(y, &EXP_F64);
            assert!((e / y.exp() - 1.0).abs() < 4.0 * f64::EPSILON, "y = {y}");
        }
    }
}
