//! LIME's quartile discretiser: each column cut at its quartiles, with per-bin statistics
//! for drawing values back out of a bin (lime's `QuartileDiscretizer`).

use ndarray::ArrayView2;

use crate::Float;

/// The bins of one column and what LIME keeps of each.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnBins {
    /// The distinct quartiles (at most 3 cut points).
    pub(crate) cuts: Vec<f64>,
    pub(crate) means: Vec<f64>,
    pub(crate) stds: Vec<f64>,
    pub(crate) mins: Vec<f64>,
    pub(crate) maxs: Vec<f64>,
    /// The bins that occur in the training data, and how often (as fractions).
    pub(crate) values: Vec<usize>,
    pub(crate) frequencies: Vec<f64>,
}

impl ColumnBins {
    /// The bins of column `j` of `data`.
    pub(crate) fn fit<F: Float>(data: ArrayView2<'_, F>, j: usize) -> Self {
        let column: Vec<f64> = data.column(j).iter().map(|v| v.as_f64()).collect();
        let mut sorted = column.clone();
        sorted.sort_by(f64::total_cmp);
        let mut cuts: Vec<f64> = [25.0, 50.0, 75.0]
            .iter()
            .map(|&q| percentile(&sorted, q))
            .collect();
        cuts.dedup();
        let bins = cuts.len() + 1;
        let discretised: Vec<usize> = column.iter().map(|&v| bin_of(&cuts, v)).collect();
        let (mut means, mut stds, mut counts) =
            (vec![0.0; bins], vec![0.0; bins], vec![0usize; bins]);
        for b in 0..bins {
            let members: Vec<f64> = column
                .iter()
                .zip(&discretised)
                .filter(|&(_, &d)| d == b)
                .map(|(&v, _)| v)
                .collect();
            counts[b] = members.len();
            if !members.is_empty() {
                let mean = members.iter().sum::<f64>() / members.len() as f64;
                means[b] = mean;
                stds[b] = (members.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
                    / members.len() as f64)
                    .sqrt();
            }
            stds[b] += 1e-11;
        }
        let mut mins = vec![sorted[0]];
        mins.extend(&cuts);
        let mut maxs = cuts.clone();
        maxs.push(sorted[sorted.len() - 1]);
        let values: Vec<usize> = (0..bins).filter(|&b| counts[b] > 0).collect();
        let total = column.len() as f64;
        let frequencies = values.iter().map(|&b| counts[b] as f64 / total).collect();
        ColumnBins {
            cuts,
            means,
            stds,
            mins,
            maxs,
            values,
            frequencies,
        }
    }

    /// The bin of a value: `numpy.searchsorted(cuts, v)` (left).
    pub(crate) fn bin(&self, v: f64) -> usize {
        bin_of(&self.cuts, v)
    }
}

fn bin_of(cuts: &[f64], v: f64) -> usize {
    cuts.iter().take_while(|&&c| c < v).count()
}

/// `numpy.percentile` (linear interpolation) of sorted data.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let position = q / 100.0 * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    let fraction = position - low as f64;
    sorted[low] + (sorted[high] - sorted[low]) * fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_and_bins_follow_numpy_and_lime() {
        let data = ndarray::Array2::from_shape_fn((9, 1), |(i, _)| i as f64);
        let bins = ColumnBins::fit(data.view(), 0);
        assert_eq!(bins.cuts, [2.0, 4.0, 6.0]);
        assert_eq!((bins.bin(2.0), bins.bin(2.5), bins.bin(7.0)), (0, 1, 3));
        assert_eq!(bins.mins, [0.0, 2.0, 4.0, 6.0]);
        assert_eq!(bins.maxs, [2.0, 4.0, 6.0, 8.0]);
        assert_eq!(bins.values, [0, 1, 2, 3]);
        assert!((bins.frequencies[0] - 3.0 / 9.0).abs() < 1e-15);
        assert!((bins.means[0] - 1.0).abs() < 1e-15);
    }
}
