//! KernelSHAP: Shapley values by kernel-weighted least squares over sampled coalitions
//! (shap's `KernelExplainer`).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::kernel_coalitions::{coalitions, Coalitions};
use super::masking::Masker;
use super::target::{outputs, pick};
use super::{check, solve, FeatureGroups, ShapValues, Target};
use crate::model::Layer;
use crate::{Error, Float, Result};

/// Shapley values of `v(S) = mean_b f(x_S, b_¬S)` estimated as shap's `KernelExplainer`
/// does: the efficiency constraint `Σφ = f(x) − E[f(background)]` built in, whole subset
/// sizes enumerated while the budget allows and the rest sampled in complementary pairs by
/// the Shapley kernel (seeded), `nsamples = 2M + 2048` by default, capped at `2^M − 2`, at
/// which every coalition is evaluated and the values are exact. No L1 feature selection is
/// made (shap's `l1_reg=False`); groups whose columns equal every background row's get 0.
///
/// ```
/// use tuneup::explain::{KernelShap, Target};
/// use tuneup::prelude::*;
/// // For a linear model φⱼ = wⱼ (xⱼ − mean(bⱼ)).
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[2.0, -1.0, 0.5]], None)?);
/// let background = ndarray::array![[0.0, 0.0, 0.0], [2.0, 4.0, -2.0]];
/// let v = KernelShap::new(background)?.explain(&mut net, ndarray::array![[3.0, 1.0, 1.0]].view(), &Target::Only)?;
/// for (got, want) in v.values.row(0).iter().zip([4.0, 1.0, 1.0]) {
///     assert!((got - want).abs() < 1e-12);
/// }
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KernelShap<F> {
    background: Array2<F>,
    groups: Option<FeatureGroups>,
    nsamples: Option<usize>,
    seed: u64,
    batch_rows: usize,
    threads: usize,
}

impl<F: Float> KernelShap<F> {
    /// An explainer over `background` (every row used, equally weighted).
    ///
    /// # Errors
    /// [`Error::Value`] for a background of zero rows or columns; [`Error::NonFinite`] for a
    /// NaN or infinity in it.
    pub fn new(background: Array2<F>) -> Result<Self> {
        check::non_empty("KernelShap", "a background", background.view())?;
        check::finite("KernelShap", "background", background.view())?;
        if background.ncols() == 0 {
            return Err(Error::value(
                "KernelShap",
                "a background with features",
                "0 columns",
            ));
        }
        Ok(KernelShap {
            background,
            groups: None,
            nsamples: None,
            seed: 0,
            batch_rows: 1 << 13,
            threads: 1,
        })
    }

    /// One value per group of columns instead of per column.
    ///
    /// ```
    /// use tuneup::explain::{FeatureGroups, KernelShap};
    /// let k = KernelShap::new(ndarray::Array2::<f64>::zeros((2, 3)))?;
    /// assert!(k.clone().groups(FeatureGroups::singletons(2)).is_err());
    /// assert!(k.groups(FeatureGroups::new(vec![vec![0, 1], vec![2]], 3)?).is_ok());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] when the groups cover another number of columns than the background.
    pub fn groups(mut self, groups: FeatureGroups) -> Result<Self> {
        if groups.width() != self.background.ncols() {
            return Err(Error::shape(
                "KernelShap::groups",
                format!("groups over {} columns", self.background.ncols()),
                format!("{} columns", groups.width()),
            ));
        }
        self.groups = Some(groups);
        Ok(self)
    }

    /// The number of coalitions to evaluate (`2M + 2048` by default, capped at `2^M − 2`).
    ///
    /// ```
    /// let k = tuneup::explain::KernelShap::new(ndarray::Array2::<f64>::zeros((2, 3)))?;
    /// assert!(k.clone().nsamples(1).is_err());
    /// assert!(k.nsamples(100).is_ok());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] below 2.
    pub fn nsamples(mut self, nsamples: usize) -> Result<Self> {
        if nsamples < 2 {
            return Err(Error::config("KernelShap.nsamples", nsamples, "at least 2"));
        }
        self.nsamples = Some(nsamples);
        Ok(self)
    }

    /// The seed of the sampled coalitions (the same seed, the same values).
    ///
    /// ```
    /// let k = tuneup::explain::KernelShap::new(ndarray::Array2::<f64>::zeros((2, 3)))?;
    /// assert_ne!(k.clone().seed(4), k);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// At most about this many rows per forward pass (8 192 by default, so a batch stays in
    /// cache; always at least one coalition's worth of background rows).
    ///
    /// ```
    /// let shap = tuneup::explain::KernelShap::new(ndarray::Array2::<f32>::zeros((4, 2)))?;
    /// assert!(shap.clone().batch_rows(0).is_err());
    /// assert!(shap.batch_rows(1024).is_ok());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for 0.
    pub fn batch_rows(mut self, rows: usize) -> Result<Self> {
        if rows == 0 {
            return Err(Error::config("KernelShap.batch_rows", 0, "at least 1"));
        }
        self.batch_rows = rows;
        Ok(self)
    }

    /// Explained rows run on up to this many threads at once (1 by default), each on its own
    /// copy of the model. Every row is computed as on one thread, so the values are
    /// bit-identical whatever the count (it is capped at the number of rows and the machine's
    /// available parallelism).
    ///
    /// ```
    /// let k = tuneup::explain::KernelShap::new(ndarray::Array2::<f64>::zeros((2, 3)))?;
    /// assert!(k.clone().threads(0).is_err());
    /// assert_ne!(k.clone().threads(2)?, k);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for 0.
    pub fn threads(mut self, threads: usize) -> Result<Self> {
        if threads == 0 {
            return Err(Error::config("KernelShap.threads", 0, "at least 1"));
        }
        self.threads = threads;
        Ok(self)
    }

    /// Shapley value estimates of `target` for every row of `x`; each row draws its
    /// coalitions from the seed and its index, so rows do not depend on one another.
    ///
    /// # Errors
    /// An empty or non-finite `x`, a width other than the background's, a target out of
    /// range, a singular system, and the model's errors.
    pub fn explain(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        target: &Target,
    ) -> Result<ShapValues<F>> {
        check::rows("KernelShap", x)?;
        check::width("KernelShap", "x", x, self.background.ncols())?;
        let groups = self
            .groups
            .clone()
            .unwrap_or_else(|| FeatureGroups::singletons(x.ncols()));
        let background_out = outputs(model, self.background.view())?;
        let columns = target.columns(x.nrows(), background_out.ncols())?;
        let fx = pick(outputs(model, x)?.view(), &columns);
        let base_values: Array1<F> = columns
            .iter()
            .map(|&c| background_out.column(c).mean().unwrap_or_else(F::zero))
            .collect();
        let row = |model: &mut dyn Layer<F>, r: usize| {
            let totals = (fx[r], base_values[r]);
            self.explain_row(model, x.row(r), &groups, (columns[r], r), totals)
        };
        let rows = self.run_rows(model, x.nrows(), &row)?;
        let mut values = Array2::zeros((x.nrows(), groups.len()));
        for (r, phi) in rows.iter().enumerate() {
            values.row_mut(r).assign(phi);
        }
        Ok(ShapValues {
            values,
            base_values,
        })
    }

    /// `row(model, r)` for every row `r < n`, in order: on the calling thread with `model`, or
    /// on up to `threads` threads taking rows in turn, each with its own copy of the model.
    fn run_rows<T: Send>(
        &self,
        model: &mut dyn Layer<F>,
        n: usize,
        row: &(dyn Fn(&mut dyn Layer<F>, usize) -> Result<T> + Sync),
    ) -> Result<Vec<T>> {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let threads = self.threads.min(n).min(cores).max(1);
        if threads == 1 {
            return (0..n).map(|r| row(model, r)).collect();
        }
        let next = AtomicUsize::new(0);
        let worker = |mut copy: Box<dyn Layer<F>>| {
            let mut done = Vec::new();
            loop {
                let r = next.fetch_add(1, Ordering::Relaxed);
                if r >= n {
                    return done;
                }
                done.push((r, row(copy.as_mut(), r)));
            }
        };
        let mut results: Vec<(usize, Result<T>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let copy = model.clone_box();
                    scope.spawn(|| worker(copy))
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join().unwrap_or_else(|_| {
                        let lost = Error::state("KernelShap", "a worker thread panicked");
                        vec![(n, Err(lost))]
                    })
                })
                .collect()
        });
        results.sort_by_key(|(r, _)| *r);
        results.into_iter().map(|(_, v)| v).collect()
    }

    /// The values of one row with output `fx` and base value `base`.
    fn explain_row(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView1<'_, F>,
        groups: &FeatureGroups,
        (column, row): (usize, usize),
        (fx, base): (F, F),
    ) -> Result<Array1<F>> {
        let varying = self.varying(x, groups);
        let mut phi = Array1::zeros(groups.len());
        let total = (fx - base).as_f64();
        match varying.len() {
            0 => return Ok(phi),
            1 => {
                phi[varying[0]] = F::cast(total);
                return Ok(phi);
            }
            _ => {}
        }
        let m = varying.len();
        let cap = if m <= 30 {
            (1usize << m) - 2
        } else {
            usize::MAX
        };
        let nsamples = self.nsamples.unwrap_or(2 * m + 2048).min(cap);
        let mut rng =
            StdRng::seed_from_u64(self.seed ^ (row as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let coalitions = coalitions(m, nsamples, &mut rng);
        let masker = Masker {
            background: self.background.view(),
            groups,
            batch_rows: self.batch_rows,
        };
        let mut slot = vec![None; groups.len()];
        varying
            .iter()
            .enumerate()
            .for_each(|(i, &g)| slot[g] = Some(i));
        let holds = |k: usize, g: usize| slot[g].is_some_and(|i| coalitions.masks[k][i]);
        let ey = masker.values(model, x, column, coalitions.masks.len(), &holds)?;
        let ey: Vec<f64> = ey.iter().map(|v| (*v - base).as_f64()).collect();
        let solved = constrained_least_squares(&coalitions, &ey, total)?;
        for (i, &g) in varying.iter().enumerate() {
            phi[g] = F::cast(solved[i]);
        }
        Ok(phi)
    }

    /// The groups whose columns differ from some background row (shap's `np.allclose`).
    fn varying(&self, x: ArrayView1<'_, F>, groups: &FeatureGroups) -> Vec<usize> {
        let close = |a: F, b: F| (a - b).abs().as_f64() <= 1e-8 + 1e-5 * b.abs().as_f64();
        groups
            .iter()
            .enumerate()
            .filter(|(_, members)| {
                members
                    .iter()
                    .any(|&j| self.background.column(j).iter().any(|&b| !close(x[j], b)))
            })
            .map(|(g, _)| g)
            .collect()
    }
}

/// Weighted least squares of `ey ≈ mask · φ` with `Σφ = total`, the last player eliminated
/// (shap's `KernelExplainer.solve`), by Cholesky and, if singular, minimum-norm least squares.
fn constrained_least_squares(c: &Coalitions, ey: &[f64], total: f64) -> Result<Vec<f64>> {
    let m = c.masks[0].len();
    let n = c.masks.len();
    let on = |k: usize, j: usize| f64::from(u8::from(c.masks[k][j]));
    let design = Array2::from_shape_fn((n, m - 1), |(k, j)| on(k, j) - on(k, m - 1));
    let target = Array1::from_shape_fn(n, |k| ey[k] - on(k, m - 1) * total);
    let weights = Array1::from(c.weights.clone());
    let weighted = &design * &weights.view().insert_axis(ndarray::Axis(1));
    let gram = design.t().dot(&weighted);
    let rhs = weighted.t().dot(&target);
    let w = match solve::cholesky_solve("KernelShap", &gram, &rhs) {
        Ok(w) => w,
        Err(_) => {
            let root = weights.mapv(f64::sqrt);
            let scaled = &design * &root.view().insert_axis(ndarray::Axis(1));
            solve::lstsq(
                "KernelShap",
                &scaled,
                &(&target * &root),
                f64::EPSILON * n.max(m) as f64,
            )?
        }
    };
    let mut phi = w.to_vec();
    phi.push(total - w.sum());
    Ok(phi)
}
