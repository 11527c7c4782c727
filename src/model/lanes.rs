//! Reductions with eight independent accumulators, so they vectorise (a plain left-to-right
//! float sum cannot be reordered by the compiler and runs at one add per latency). The order
//! is fixed by the slice length alone, so results are reproducible.

use crate::Float;

const LANES: usize = 8;

/// Combines the eight lanes pairwise.
#[inline(always)]
fn combine<F: Float>(acc: [F; LANES]) -> F {
    let quad = [
        acc[0] + acc[4],
        acc[1] + acc[5],
        acc[2] + acc[6],
        acc[3] + acc[7],
    ];
    (quad[0] + quad[2]) + (quad[1] + quad[3])
}

/// `Σ x`.
#[inline(always)]
pub(crate) fn sum<F: Float>(x: &[F]) -> F {
    let mut acc = [F::zero(); LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            acc[l] += c[l];
        }
    }
    for (a, &v) in acc.iter_mut().zip(rest) {
        *a += v;
    }
    combine(acc)
}

/// `Σ a·b` over the common length.
#[inline(always)]
pub(crate) fn dot<F: Float>(a: &[F], b: &[F]) -> F {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [F::zero(); LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    for ((acc, &x), &y) in acc.iter_mut().zip(ra).zip(rb) {
        *acc += x * y;
    }
    combine(acc)
}

/// `Σ (x − mu)²`.
#[inline(always)]
pub(crate) fn squared_deviation<F: Float>(x: &[F], mu: F) -> F {
    let mut acc = [F::zero(); LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            acc[l] += (c[l] - mu) * (c[l] - mu);
        }
    }
    for (a, &v) in acc.iter_mut().zip(rest) {
        *a += (v - mu) * (v - mu);
    }
    combine(acc)
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
