//! Reductions with eight independent accumulators, so they vectorise (a plain left-to-right
//! float sum cannot be reordered by the compiler and runs at one add per latency). The order
//! is fixed by the slice length alone, so results are reproducible.

use crate::Float;

const LANES: usize = 8;

/// Folds `f(i)` for `i` in `0..len` into eight lanes, then combines them pairwise.
#[inline(always)]
fn fold<F: Float>(len: usize, f: impl Fn(usize) -> F) -> F {
    let mut acc = [F::zero(); LANES];
    let full = len / LANES * LANES;
    for base in (0..full).step_by(LANES) {
        for (l, a) in acc.iter_mut().enumerate() {
            *a += f(base + l);
        }
    }
    for (l, i) in (full..len).enumerate() {
        acc[l] += f(i);
    }
    let quad = [
        acc[0] + acc[4],
        acc[1] + acc[5],
        acc[2] + acc[6],
        acc[3] + acc[7],
    ];
    (quad[0] + quad[2]) + (quad[1] + quad[3])
}

/// `Σ x`.
pub(crate) fn sum<F: Float>(x: &[F]) -> F {
    fold(x.len(), |i| x[i])
}

/// `Σ a·b` over the common length.
pub(crate) fn dot<F: Float>(a: &[F], b: &[F]) -> F {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    fold(n, |i| a[i] * b[i])
}

/// `Σ (x − mu)²`.
pub(crate) fn squared_deviation<F: Float>(x: &[F], mu: F) -> F {
    fold(x.len(), |i| (x[i] - mu) * (x[i] - mu))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions_match_plain_sums_for_every_remainder() {
        for n in 0..20 {
            let x: Vec<f64> = (0..n).map(|i| i as f64 * 0.5 - 2.0).collect();
            let y: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
            assert_eq!(sum(&x), x.iter().sum::<f64>());
            assert_eq!(
                dot(&x, &y),
                x.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>()
            );
            let sq: f64 = x.iter().map(|v| (v - 0.25) * (v - 0.25)).sum();
            assert!((squared_deviation(&x, 0.25) - sq).abs() < 1e-12);
        }
    }
}
