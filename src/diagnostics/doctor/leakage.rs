//! Target leakage: a feature column that is the target in disguise.

use ndarray::{ArrayView1, ArrayView2};

use super::finding::{Evidence, Finding, Problem, Severity};
use super::remedies::remedies_for;

/// A column this correlated with the target (in absolute value) or more is the target in
/// disguise. Real features of the data sets shipped with scikit-learn stay below 0.96 (iris's
/// petal width against the class index is the highest).
pub(crate) const LEAK_CORRELATION: f64 = 0.99;

/// Pearson's correlation of two equally long columns, `None` when either is constant or holds
/// a non-finite value.
fn correlation(a: ArrayView1<'_, f64>, b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    if a.len() != b.len() || a.len() < 3 || a.iter().chain(b).any(|v| !v.is_finite()) {
        return None;
    }
    let (ma, mb) = (a.sum() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}

/// The feature columns of `x` whose correlation with `target` (one value per row: a
/// regression target, or a binary class label) reaches [`LEAK_CORRELATION`].
pub(crate) fn target_leakage(x: &ArrayView2<'_, f64>, target: &[f64]) -> Option<Finding> {
    let leaks: Vec<(usize, f64)> = x
        .columns()
        .into_iter()
        .enumerate()
        .filter_map(|(j, c)| correlation(c, target).map(|r| (j, r)))
        .filter(|&(_, r)| r.abs() >= LEAK_CORRELATION)
        .collect();
    let &(worst, r) = leaks
        .iter()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
    let columns: Vec<usize> = leaks.iter().map(|l| l.0).collect();
    let mut evidence: Vec<Evidence> = leaks
        .iter()
        .map(|&(j, r)| Evidence::new(format!("column {j} correlation with the target"), r))
        .collect();
    evidence.push(Evidence::new("threshold", LEAK_CORRELATION));
    Some(Finding {
        problem: Problem::TargetLeakage,
        severity: Severity::Warning,
        summary: format!(
            "feature column(s) {columns:?} follow the target almost exactly (column {worst}: \
             correlation {r:.4}): a leak of the target, or a feature computed from it"
        ),
        evidence,
        remedies: remedies_for(Problem::TargetLeakage),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn a_copy_of_the_target_leaks_and_a_noisy_feature_does_not() {
        let target: Vec<f64> = (0..50).map(|i| ((i * 7) % 11) as f64).collect();
        // Column 0: a noisy signal (correlation about 0.9); column 1: 2·target − 3.
        let x = Array2::from_shape_fn((50, 2), |(i, j)| match j {
            0 => target[i] + if i % 2 == 0 { 2.0 } else { -2.0 },
            _ => 2.0 * target[i] - 3.0,
        });
        let f = target_leakage(&x.view(), &target).unwrap();
        assert_eq!(f.problem, Problem::TargetLeakage);
        assert!(f.summary.contains("[1]"), "{}", f.summary);
        assert!((f.evidence[0].value - 1.0).abs() < 1e-12);
        let honest = x.slice(ndarray::s![.., ..1]).to_owned();
        assert!(target_leakage(&honest.view(), &target).is_none());
        // A constant column has no correlation at all.
        let flat = Array2::from_elem((50, 1), 4.0);
        assert!(target_leakage(&flat.view(), &target).is_none());
    }
}
