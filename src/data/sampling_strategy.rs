//! How many samples each class should have after resampling (imbalanced-learn's
//! `sampling_strategy`), and the pieces shared by the samplers.

use std::collections::BTreeMap;
use std::fmt;

use ndarray::{Array2, ArrayView2};

use crate::{Error, Float, Result};

/// The target class sizes of a resampler, with imbalanced-learn's semantics.
///
/// * [`Auto`](Self::Auto): an over-sampler brings every class but the majority up to the
///   majority's count ("not majority"); an under-sampler brings every class but the minority
///   down to the minority's count ("not minority"). When several classes tie for the majority
///   (minority), the smallest label is the one left alone.
/// * [`Ratio(r)`](Self::Ratio), binary labels only, `r` in `(0, 1]`: the desired
///   minority / majority ratio after resampling. An over-sampler generates
///   `trunc(r · n_majority − n_minority)` samples (an error if that is not positive); an
///   under-sampler keeps `trunc(n_minority / r)` majority samples (an error if that exceeds the
///   majority's size).
/// * [`Counts(map)`](Self::Counts): the desired number of samples of each listed class
///   (classes not listed are left alone). An over-sampler may not ask for fewer samples than a
///   class has, an under-sampler not for more.
///
/// ```
/// use tuneup::data::SamplingStrategy;
/// let y = [0, 0, 0, 0, 0, 0, 1, 1, 2];
/// // Over-sampling: classes 1 and 2 grow to 6 samples (4 and 5 new ones).
/// let over = SamplingStrategy::Auto.over_sampling_targets(&y)?;
/// assert_eq!(over.into_iter().collect::<Vec<_>>(), vec![(1, 4), (2, 5)]);
/// // Under-sampling: classes 0 and 1 shrink to 1 sample.
/// let under = SamplingStrategy::Auto.under_sampling_targets(&y)?;
/// assert_eq!(under.into_iter().collect::<Vec<_>>(), vec![(0, 1), (1, 1)]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SamplingStrategy {
    /// "not majority" when over-sampling, "not minority" when under-sampling.
    #[default]
    Auto,
    /// Binary labels only: the minority / majority ratio wanted after resampling, in `(0, 1]`.
    Ratio(f64),
    /// The number of samples wanted for each listed class.
    Counts(BTreeMap<usize, usize>),
}

impl fmt::Display for SamplingStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SamplingStrategy::Auto => write!(f, "auto"),
            SamplingStrategy::Ratio(r) => write!(f, "{r}"),
            SamplingStrategy::Counts(m) => write!(f, "{m:?}"),
        }
    }
}

/// Sample counts per class, in label order.
pub(crate) fn class_counts(y: &[usize]) -> BTreeMap<usize, usize> {
    let mut counts = BTreeMap::new();
    for &c in y {
        *counts.entry(c).or_insert(0) += 1;
    }
    counts
}

/// The class with the largest (`largest = true`) or smallest count; ties go to the smaller
/// label, as `max(dict, key=dict.get)` over sorted labels does in Python.
fn extreme_class(counts: &BTreeMap<usize, usize>, largest: bool) -> (usize, usize) {
    let mut best: Option<(usize, usize)> = None;
    for (&c, &n) in counts {
        let better = match best {
            None => true,
            Some((_, b)) => (largest && n > b) || (!largest && n < b),
        };
        if better {
            best = Some((c, n));
        }
    }
    best.unwrap_or((0, 0))
}

impl SamplingStrategy {
    /// The number of *new* samples an over-sampler should make for each targeted class, in
    /// label order (imbalanced-learn's `sampling_strategy_` for an over-sampler). Classes with
    /// 0 are kept in the map, as imbalanced-learn does.
    ///
    /// Errors ([`Error::Value`] unless noted): fewer than two classes; a ratio with other than
    /// two classes, or one that would remove samples; counts naming a class absent from `y`,
    /// or asking for fewer samples than a class has; a ratio outside `(0, 1]`
    /// ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::SamplingStrategy;
    /// let y = [[0usize; 10].as_slice(), &[1; 2]].concat();
    /// let t = SamplingStrategy::Ratio(0.5).over_sampling_targets(&y)?;
    /// assert_eq!(t[&1], 3); // 2 + 3 = 5 = 0.5 · 10
    /// assert!(SamplingStrategy::Ratio(0.1).over_sampling_targets(&y).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn over_sampling_targets(&self, y: &[usize]) -> Result<BTreeMap<usize, usize>> {
        let counts = self.checked_counts(y)?;
        let (majority, n_majority) = extreme_class(&counts, true);
        match self {
            SamplingStrategy::Auto => Ok(counts
                .iter()
                .filter(|&(&c, _)| c != majority)
                .map(|(&c, &n)| (c, n_majority - n))
                .collect()),
            SamplingStrategy::Ratio(r) => {
                let mut out = BTreeMap::new();
                for (&c, &n) in counts.iter().filter(|&(&c, _)| c != majority) {
                    // Python's int() truncates toward zero.
                    let want = (n_majority as f64 * r - n as f64).trunc();
                    if want <= 0.0 {
                        return Err(Error::value(
                            "sampling_strategy (over-sampling)",
                            format!(
                                "a ratio above the current {n}/{n_majority}: the specified ratio \
                                 required to remove samples from the minority class while \
                                 trying to generate new samples; increase the ratio"
                            ),
                            format!("ratio {r}"),
                        ));
                    }
                    out.insert(c, want as usize);
                }
                Ok(out)
            }
            SamplingStrategy::Counts(m) => {
                let mut out = BTreeMap::new();
                for (&c, &want) in m {
                    let n = counts[&c];
                    if want < n {
                        return Err(Error::value(
                            "sampling_strategy (over-sampling)",
                            format!(
                                "at least the original {n} samples of class {c} (an \
                                 over-sampler cannot remove samples)"
                            ),
                            format!("{want} samples asked"),
                        ));
                    }
                    out.insert(c, want - n);
                }
                Ok(out)
            }
        }
    }

    /// The number of samples an under-sampler should *keep* of each targeted class, in label
    /// order (classes not in the map keep all their samples).
    ///
    /// Errors ([`Error::Value`] unless noted): fewer than two classes; a ratio with other than
    /// two classes, or one that would need more majority samples than exist; counts naming a
    /// class absent from `y`, or asking for more samples than a class has; a ratio outside
    /// `(0, 1]` ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::SamplingStrategy;
    /// let y = [[0usize; 10].as_slice(), &[1; 2]].concat();
    /// let t = SamplingStrategy::Ratio(0.5).under_sampling_targets(&y)?;
    /// assert_eq!(t[&0], 4); // keep 4 majority samples: 2 / 4 = 0.5
    /// assert!(SamplingStrategy::Ratio(0.1).under_sampling_targets(&y).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn under_sampling_targets(&self, y: &[usize]) -> Result<BTreeMap<usize, usize>> {
        let counts = self.checked_counts(y)?;
        let (minority, n_minority) = extreme_class(&counts, false);
        match self {
            SamplingStrategy::Auto => Ok(counts
                .keys()
                .filter(|&&c| c != minority)
                .map(|&c| (c, n_minority))
                .collect()),
            SamplingStrategy::Ratio(r) => {
                let mut out = BTreeMap::new();
                for (&c, &n) in counts.iter().filter(|&(&c, _)| c != minority) {
                    let want = (n_minority as f64 / r).trunc();
                    if want > n as f64 {
                        return Err(Error::value(
                            "sampling_strategy (under-sampling)",
                            format!(
                                "a ratio of at least {n_minority}/{n}: the specified ratio \
                                 required to generate new samples in the majority class while \
                                 trying to remove samples; increase the ratio"
                            ),
                            format!("ratio {r}"),
                        ));
                    }
                    out.insert(c, want as usize);
                }
                Ok(out)
            }
            SamplingStrategy::Counts(m) => {
                let mut out = BTreeMap::new();
                for (&c, &want) in m {
                    let n = counts[&c];
                    if want > n {
                        return Err(Error::value(
                            "sampling_strategy (under-sampling)",
                            format!(
                                "at most the original {n} samples of class {c} (an \
                                 under-sampler cannot add samples)"
                            ),
                            format!("{want} samples asked"),
                        ));
                    }
                    out.insert(c, want);
                }
                Ok(out)
            }
        }
    }

    /// Class counts of `y`, after the checks common to both directions.
    fn checked_counts(&self, y: &[usize]) -> Result<BTreeMap<usize, usize>> {
        let counts = class_counts(y);
        if counts.len() < 2 {
            return Err(Error::value(
                "sampling_strategy",
                "labels with more than 1 class",
                format!("{} class", counts.len()),
            ));
        }
        match self {
            SamplingStrategy::Auto => {}
            SamplingStrategy::Ratio(r) => {
                if !(*r > 0.0 && *r <= 1.0) {
                    return Err(Error::config(
                        "sampling_strategy",
                        r,
                        "a minority / majority ratio in (0, 1]",
                    ));
                }
                if counts.len() != 2 {
                    return Err(Error::value(
                        "sampling_strategy",
                        "binary labels for a ratio (for multi-class, give counts per class)",
                        format!("{} classes", counts.len()),
                    ));
                }
            }
            SamplingStrategy::Counts(m) => {
                let missing: Vec<usize> = m
                    .keys()
                    .filter(|c| !counts.contains_key(c))
                    .copied()
                    .collect();
                if !missing.is_empty() {
                    return Err(Error::value(
                        "sampling_strategy",
                        format!(
                            "classes present in the labels ({:?})",
                            counts.keys().collect::<Vec<_>>()
                        ),
                        format!("class(es) {missing:?}, not present in the data"),
                    ));
                }
            }
        }
        Ok(counts)
    }
}

/// The output of a synthetic over-sampler: the original rows first, then the new ones.
///
/// ```
/// use tuneup::data::Smote;
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [2.0], [3.0], [10.0], [11.0]];
/// let y = [0, 0, 0, 0, 1, 1];
/// let out = Smote::new().k_neighbors(1)?.fit_resample(&x.view(), &y)?;
/// assert_eq!(out.x.nrows(), 8);
/// assert_eq!(out.y, vec![0, 0, 0, 0, 1, 1, 1, 1]);
/// assert_eq!(out.x.slice(ndarray::s![..6, ..]), x);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Resampled<F> {
    /// Resampled data: the input rows unchanged, then the synthetic rows, class by class in
    /// label order.
    pub x: Array2<F>,
    /// The label of each row of `x`.
    pub y: Vec<usize>,
}

/// Checks `x` and `y` for a sampler: matching lengths, at least one row and column, no
/// infinite value, and no NaN unless `nan_allowed`.
pub(crate) fn check_xy<F: Float>(
    context: &str,
    x: &ArrayView2<'_, F>,
    y: &[usize],
    nan_allowed: bool,
) -> Result<()> {
    if x.nrows() != y.len() {
        return Err(Error::shape(
            context,
            format!("one label per row of X ({} rows)", x.nrows()),
            format!("{} labels", y.len()),
        ));
    }
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::shape(
            context,
            "at least one row and one column",
            format!("{}×{} data", x.nrows(), x.ncols()),
        ));
    }
    let bad = |v: F| v.is_infinite() | (!nan_allowed & v.is_nan());
    // One quick (branch-free, vectorisable) pass over contiguous data; the slow indexed walk
    // only to name a bad value.
    let clean = |part: &[F]| part.iter().fold(true, |ok, &v| ok & !bad(v));
    if x.as_slice().is_some_and(|all| all.chunks(1024).all(clean)) {
        return Ok(());
    }
    for ((r, c), &v) in x.indexed_iter() {
        if bad(v) {
            let hint = if v.is_nan() {
                "missing values cannot be interpolated; impute them first"
            } else {
                "infinite values are not allowed; replace them or mark them missing with NaN"
            };
            return Err(Error::non_finite(
                context,
                format!("X[{r}, {c}] = {v}: {hint}"),
            ));
        }
    }
    Ok(())
}

/// The rows of `x` with label `class`: their indices and a copy of them.
pub(crate) fn class_rows<F: Float>(
    x: &ArrayView2<'_, F>,
    y: &[usize],
    class: usize,
) -> (Vec<usize>, Array2<F>) {
    let idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
    let mut out = Array2::zeros((idx.len(), x.ncols()));
    for (mut row, &i) in out.rows_mut().into_iter().zip(&idx) {
        row.assign(&x.row(i));
    }
    (idx, out)
}

/// The error for a class too small for its neighbour count (imbalanced-learn's "Expected
/// n_neighbors <= n_samples_fit").
pub(crate) fn too_few_neighbors(
    context: &str,
    parameter: &str,
    k: usize,
    class: impl fmt::Display,
    n_fit: usize,
) -> Error {
    Error::value(
        context,
        format!(
            "at least {} samples in {class} for {parameter} = {k} (each sample's {k} \
             neighbours and itself); lower {parameter}",
            k + 1
        ),
        format!(
            "Expected n_neighbors <= n_samples_fit, but n_neighbors = {}, n_samples_fit = \
             {n_fit} ({class} has {n_fit} samples)",
            k + 1
        ),
    )
}

/// The rows of `x`, row-major, in a vector with room for `new_rows` more of the same width: an
/// over-sampler appends its synthetic rows and hands the vector to [`rows_to_matrix`], with
/// no second copy. An [`Error::Value`](crate::Error::Value) when the total would not fit.
pub(crate) fn rows_with_room<F: Float>(
    context: &str,
    x: &ArrayView2<'_, F>,
    new_rows: usize,
) -> crate::Result<Vec<F>> {
    let mut out = Vec::new();
    let rows = x.nrows().saturating_add(new_rows);
    super::capacity::reserve_values(context, &mut out, rows, x.ncols())?;
    match x.as_slice() {
        Some(all) => out.extend_from_slice(all),
        None => {
            for row in x.rows() {
                out.extend(row.iter().copied());
            }
        }
    }
    Ok(out)
}

/// The matrix of `d`-wide rows held row-major in `data`.
pub(crate) fn rows_to_matrix<F: Float>(d: usize, data: Vec<F>) -> Array2<F> {
    let n = data.len() / d;
    Array2::from_shape_vec((n, d), data).expect("rows of the same width")
}

/// Stacks `x` and the synthetic rows (given row-major in `extra`) into one matrix.
pub(crate) fn stack_rows<F: Float>(x: &ArrayView2<'_, F>, extra: Vec<F>) -> Array2<F> {
    let d = x.ncols();
    let n = x.nrows() + extra.len() / d;
    let mut data = Vec::with_capacity(n * d);
    for row in x.rows() {
        data.extend(row.iter().copied());
    }
    data.extend(extra);
    Array2::from_shape_vec((n, d), data).expect("rows of the same width")
}
