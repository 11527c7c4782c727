//! Cumulative counts at each distinct score threshold (scikit-learn's `_binary_clf_curve`),
//! shared by ROC-AUC and average precision.

/// True- and false-positive counts when every sample scoring at least each distinct score
/// (taken from the highest down) is called positive. Tied scores form one threshold.
pub(crate) struct ThresholdCounts {
    /// Positives at or above each threshold.
    pub tps: Vec<u64>,
    /// Negatives at or above each threshold.
    pub fps: Vec<u64>,
}

/// `positive[i]` says whether sample `i` is positive; `scores` must be finite.
pub(crate) fn threshold_counts(positive: &[bool], scores: &[f64]) -> ThresholdCounts {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut out = ThresholdCounts {
        tps: Vec::new(),
        fps: Vec::new(),
    };
    let (mut tp, mut fp) = (0u64, 0u64);
    for (k, &i) in order.iter().enumerate() {
        if positive[i] {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_tie = k + 1 == order.len() || scores[order[k + 1]] != scores[i];
        if last_of_tie {
            out.tps.push(tp);
            out.fps.push(fp);
        }
    }
    out
}

/// Area under the ROC curve through (0, 0) and the points (fps/N, tps/P), by the trapezoid
/// rule: ties between a positive and a negative score count one half. The sum is taken on
/// integer counts, so the only rounding is the final division. Needs P > 0 and N > 0.
pub(crate) fn roc_area(c: &ThresholdCounts) -> f64 {
    let (p, n) = (
        *c.tps.last().unwrap_or(&0) as u128,
        *c.fps.last().unwrap_or(&0) as u128,
    );
    let (mut prev_tp, mut prev_fp) = (0u128, 0u128);
    let mut twice_area = 0u128;
    for (&tp, &fp) in c.tps.iter().zip(&c.fps) {
        let (tp, fp) = (tp as u128, fp as u128);
        twice_area += (fp - prev_fp) * (tp + prev_tp);
        prev_tp = tp;
        prev_fp = fp;
    }
    twice_area as f64 / (2 * p * n) as f64
}
