//! The value function of interventional Shapley values: the mean model output over a
//! background set when the coalition's features take the explained row's values.

use ndarray::{s, ArrayView1, ArrayView2};

use super::first_linear::FirstLinear;
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
        let (n, width) = self.background.dim();
        let per_batch = (self.batch_rows / n).clamp(1, count.max(1));
        let background = self.background.as_standard_layout();
        let background = background.as_slice().unwrap_or_default();
        let x: Vec<F> = x.to_vec();
        // A dense first layer is evaluated by differences; any other model on filled rows.
        let mut first = FirstLinear::split(&*model, width);
        let bases = first.as_ref().map(|f| f.bases(&x, background));
        let row_width = first.as_ref().map_or(width, |f| f.hidden());
        let mut take_x = vec![false; width];
        let mut columns = Vec::with_capacity(width);
        let mut batch = vec![F::zero(); per_batch * n * row_width];
        let mut values = Vec::with_capacity(count);
        let scale = F::one() / F::from_count(n);
        for start in (0..count).step_by(per_batch) {
            let len = per_batch.min(count - start);
            let blocks = batch.chunks_exact_mut(n * row_width).take(len);
            for (k, block) in blocks.enumerate() {
                take_x.fill(false);
                for (g, members) in self.groups.iter().enumerate() {
                    if holds(start + k, g) {
                        members.iter().for_each(|&j| take_x[j] = true);
                    }
                }
                match (&first, &bases) {
                    (Some(f), Some(b)) => f.coalition(b, &take_x, &mut columns, block),
                    _ => fill_block(block, background, &x, &take_x),
                }
            }
            let filled = &mut batch[..len * n * row_width];
            match first.as_mut() {
                Some(f) => f.means(filled, n, column, &mut values)?,
                None => {
                    let rows = ArrayView2::from_shape((len * n, width), &*filled)
                        .expect("the batch holds len·n rows of the background's width");
                    let out = outputs(model, rows)?;
                    for k in 0..len {
                        values.push(out.slice(s![k * n..(k + 1) * n, column]).sum() * scale);
                    }
                }
            }
        }
        Ok(values)
    }
}

/// One coalition's rows: background row after background row, with the columns in
/// `take_x` set to the explained row's values (a select per value, so it vectorises).
fn fill_block<F: Float>(block: &mut [F], background: &[F], x: &[F], take_x: &[bool]) {
    let width = x.len();
    for (dst, b) in block
        .chunks_exact_mut(width)
        .zip(background.chunks_exact(width))
    {
        for (((d, &bv), &xv), &take) in dst.iter_mut().zip(b).zip(x).zip(take_x) {
            *d = if take { xv } else { bv };
        }
    }
}
