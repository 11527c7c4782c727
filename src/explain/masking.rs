//! The value function of interventional Shapley values: the mean model output over a
//! background set when the coalition's features take the explained row's values.

use ndarray::{s, Array2, ArrayView1, ArrayView2};

use super::target::outputs;
use super::FeatureGroups;
use crate::model::Layer;
use crate::{Float, Result};

/// A background set, the groups of columns that act as players, and the batch size.
pub(crate) struct Masker<'a, F> {
    pub(crate) background: ArrayView2<'a, F>,
    pub(crate) groups: &'a FeatureGroups,
    pub(crate) batch_rows: usize,
}

impl<F: Float> Masker<'_, F> {
    /// `v(S) = mean_b f(x_S, b_¬S)[column]` for `count` coalitions, coalition `k` holding
    /// group `g` when `holds(k, g)`; many coalitions per forward pass.
    pub(crate) fn values(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView1<'_, F>,
        column: usize,
        count: usize,
        holds: &dyn Fn(usize, usize) -> bool,
    ) -> Result<Vec<F>> {
        let n = self.background.nrows();
        let per_batch = (self.batch_rows / n).clamp(1, count.max(1));
        let mut batch = Array2::zeros((per_batch * n, x.len()));
        let mut values = Vec::with_capacity(count);
        let scale = F::one() / F::from_count(n);
        for first in (0..count).step_by(per_batch) {
            let len = per_batch.min(count - first);
            for k in 0..len {
                let mut block = batch.slice_mut(s![k * n..(k + 1) * n, ..]);
                block.assign(&self.background);
                for (g, members) in self.groups.iter().enumerate() {
                    if holds(first + k, g) {
                        for &j in members {
                            block.column_mut(j).fill(x[j]);
                        }
                    }
                }
            }
            let out = outputs(model, batch.slice(s![..len * n, ..]))?;
            for k in 0..len {
                values.push(out.slice(s![k * n..(k + 1) * n, column]).sum() * scale);
            }
        }
        Ok(values)
    }
}
