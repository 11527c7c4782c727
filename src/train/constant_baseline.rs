//! The loss of the best constant prediction under the trainer's own loss: the reference the
//! doctor judges underfitting and plateaus against.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::metric::true_labels;
use super::trainer::Trainer;
use crate::loss::{OutputKind, Targets};
use crate::model::Layer;
use crate::Float;

/// Class frequencies below this are floored before their logarithm (a class absent from the
/// data gets a very negative logit instead of −∞).
const PRIOR_FLOOR: f64 = 1e-12;

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// The trainer's loss (class weights and label smoothing included) of the best constant
    /// prediction for targets `y` of outputs `width` wide: the class prior (as logits or
    /// probabilities) for a classifier; for regression, the lower of the per-column mean's
    /// loss and the per-column median's (the best constants of MSE and MAE). `None` when the
    /// loss refuses such a prediction.
    pub(crate) fn constant_baseline(&self, y: Targets<'_, F>, width: usize) -> Option<f64> {
        let n = y.rows();
        if n == 0 || width == 0 {
            return None;
        }
        let loss = |row: Array1<f64>| -> Option<f64> {
            let pred: Array2<F> = Array2::from_shape_fn((n, width), |(_, j)| F::cast(row[j]));
            let v = self.loss.value(pred.view(), y).ok()?.as_f64();
            v.is_finite().then_some(v)
        };
        match (self.kind, y) {
            (OutputKind::Values, Targets::Dense(t)) => {
                let mean = loss(column_means(t))?;
                Some(loss(column_medians(t)).map_or(mean, |median| median.min(mean)))
            }
            (OutputKind::Values, Targets::Classes(_)) => None,
            (kind, _) => loss(prior_row(&true_labels(y), width, kind)),
        }
    }
}

/// The class prior as one output row: `K` columns of log-frequencies (logits) or
/// frequencies, or for one column the log-odds (or frequency) of class 1.
fn prior_row(labels: &[usize], width: usize, kind: OutputKind) -> Array1<f64> {
    let classes = width.max(2);
    let mut freq = vec![0.0; classes];
    for &l in labels.iter().filter(|&&l| l < classes) {
        freq[l] += 1.0;
    }
    let n = labels.len().max(1) as f64;
    let p: Vec<f64> = freq.iter().map(|c| (c / n).max(PRIOR_FLOOR)).collect();
    let logits = kind == OutputKind::Logits;
    if width == 1 {
        let p1 = p[1].min(1.0 - PRIOR_FLOOR);
        return Array1::from_elem(1, if logits { (p1 / (1.0 - p1)).ln() } else { p1 });
    }
    p.iter().map(|&q| if logits { q.ln() } else { q }).collect()
}

fn column_means<F: Float>(t: ArrayView2<'_, F>) -> Array1<f64> {
    t.map(|v| v.as_f64()).mean_axis(Axis(0)).unwrap_or_default()
}

fn column_medians<F: Float>(t: ArrayView2<'_, F>) -> Array1<f64> {
    t.columns()
        .into_iter()
        .map(|c| {
            let mut v: Vec<f64> = c.iter().map(|x| x.as_f64()).collect();
            v.sort_by(f64::total_cmp);
            let m = v.len() / 2;
            if v.len() % 2 == 1 {
                v[m]
            } else {
                0.5 * (v[m - 1] + v[m])
            }
        })
        .collect()
}
