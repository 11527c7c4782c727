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
//! `scripts/reference/fit_tanh_coefficients.py`. The `f32` kernel runs the same scheme in
//! `f32` arithmetic with lower-degree fits (16 lanes with AVX-512). Both are within one ulp of
//! the correctly rounded value as measured in `tests/tanh_accuracy.rs` (`f32`: every value
//! below 10, against libm's `f64` tanh rounded; `f64`: largest 0.994 ulp against mpmath), and
//! the contract is two.

use super::wide::wide;
use crate::Float;

/// Below this `|x|` the odd polynomial is used, at and above it the exponential form.
const SWITCH: f64 = 0.7;
/// `|x|` is clamped here before the exponential: `tanh` of anything larger rounds to ±1.
const SATURATE: f64 = 20.0;
/// The same for `f32`, whose `tanh` rounds to ±1 above 9.02.
const SATURATE_F32: f32 = 10.0;
/// `1.5·2²³`, the `f32` rounder.
const ROUNDER_F32: f32 = 12_582_912.0;
/// `ln 2` split for `f32`: `LN2_HI_F32` ends in 9 zero bits, so `n·LN2_HI_F32` is exact here.
const LN2_HI_F32: f32 = f32::from_bits(0x3f31_7200);
const LN2_LO_F32: f32 = f32::from_bits(0x35bf_be8e);
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
/// `P(z)` for `f32` (fit error 5.6·10⁻⁹), rounded to `f32`.
const SMALL_F32: [f32; 6] = [
    0.0020606215,
    -0.008113507,
    0.021689406,
    -0.05394817,
    0.1333325,
    -0.333_333_3,
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
/// `Q(r)` for `f32` (fit error 6.5·10⁻⁸; `r²·Q` is below 10⁻⁸ relative), rounded to `f32`.
const EXP_F32: [f32; 5] = [0.0013926176, 0.008363173, 0.041666556, 0.16666578, 0.5];

/// `Σ c_k·t^k` by Horner's rule, `c` highest degree first.
#[inline(always)]
fn horner<T: Float, const N: usize>(c: &[T; N], t: T) -> T {
    c.iter().fold(T::zero(), |acc, &ck| acc * t + ck)
}

/// `e^y` for `0 ≤ y ≤ 2·SATURATE`, branch-free.
#[inline(always)]
fn exp_small_range(y: f64) -> f64 {
    let k = y * std::f64::consts::LOG2_E + ROUNDER;
    let n = k - ROUNDER;
    let r = (y - n * LN2_HI) - n * LN2_LO;
    let e_r = 1.0 + (r + r * r * horner(&EXP_F64, r));
    // The low 12 bits of `k` hold `n` (0 ≤ n ≤ 58): shifted into the exponent field, biased.
    let scale = f64::from_bits((k.to_bits() << 52).wrapping_add(1023 << 52));
    e_r * scale
}

/// The `f64` kernel (within 2 ulp of the exact value); NaN in, NaN out; `tanh(±0) = ±0`.
#[inline(always)]
pub(crate) fn tanh_f64(x: f64) -> f64 {
    let a = x.abs();
    let z = a * a;
    let small = a + a * (z * horner(&SMALL_F64, z));
    let clamped = if a < SATURATE { a } else { SATURATE };
    let large = 1.0 - 2.0 / (exp_small_range(2.0 * clamped) + 1.0);
    let t = if a < SWITCH { small } else { large };
    if x.is_nan() {
        x
    } else {
        t.copysign(x)
    }
}

/// `e^y` for `0 ≤ y ≤ 2·SATURATE_F32` in `f32`, branch-free.
#[inline(always)]
fn exp_small_range_f32(y: f32) -> f32 {
    let k = y * std::f32::consts::LOG2_E + ROUNDER_F32;
    let n = k - ROUNDER_F32;
    let r = (y - n * LN2_HI_F32) - n * LN2_LO_F32;
    let e_r = 1.0 + (r + r * r * horner(&EXP_F32, r));
    // The low 9 bits of `k` hold `n` (0 ≤ n ≤ 29): shifted into the exponent field, biased.
    let scale = f32::from_bits((k.to_bits() << 23).wrapping_add(127 << 23));
    e_r * scale
}

/// The `f32` kernel: the same scheme in `f32` arithmetic with lower-degree fits (within 2 ulp;
/// 1 ulp measured).
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    let a = x.abs();
    let z = a * a;
    let small = a + a * (z * horner(&SMALL_F32, z));
    let clamped = if a < SATURATE_F32 { a } else { SATURATE_F32 };
    let large = 1.0 - 2.0 / (exp_small_range_f32(2.0 * clamped) + 1.0);
    let t = if a < SWITCH as f32 { small } else { large };
    if x.is_nan() {
        x
    } else {
        t.copysign(x)
    }
}

/// `tanh x`, within two ulp of the exact value (one measured, in `f32` and `f64`), and
/// bit-identical to
/// what the activation layers compute for [`super::Activation::Tanh`].
/// NaN gives NaN, `±0` gives `±0`, `±∞` gives `±1`.
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
            let e = exp_small_range(y);
            assert!((e / y.exp() - 1.0).abs() < 4.0 * f64::EPSILON, "y = {y}");
            let e = exp_small_range_f32(y as f32 / 2.0);
            assert!(
                (e / (y as f32 / 2.0).exp() - 1.0).abs() < 4.0 * f32::EPSILON,
                "y = {y}"
            );
        }
    }
}
