//! Finding mislabelled rows by confident learning (Northcutt, Jiang and Chuang, 2021), with
//! cleanlab's `find_label_issues` semantics, and the out-of-fold predicted probabilities it
//! needs.

use ndarray::{Array2, ArrayView2, Axis};

use super::StratifiedKFold;
use crate::{Error, Float, Result};

const CONTEXT: &str = "ConfidentLearning";
/// cleanlab's `FLOATING_POINT_COMPARISON`.
const FUZZ: f64 = 1e-6;
/// How far a row of predicted probabilities may sum from 1.
const SUM_TOLERANCE: f64 = 1e-4;

/// How confident learning chooses the rows to flag (cleanlab's `filter_by`).
///
/// ```
/// use tuneup::data::FilterBy;
/// assert_eq!(FilterBy::default(), FilterBy::PruneByNoiseRate);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterBy {
    /// For each given class `i` and other class `j`, the rows labelled `i` with the largest
    /// margin `p_j − p_i`, as many as the confident joint counts for `(i, j)` (the default).
    #[default]
    PruneByNoiseRate,
    /// For each class, the rows with the lowest probability of their label, as many as the
    /// confident joint counts off its diagonal.
    PruneByClass,
    /// Rows flagged by both rules.
    Both,
}

/// Confident learning settings: which rule flags rows, the fewest rows kept per class, and
/// the fraction of the estimated issues to flag (cleanlab's `filter_by`,
/// `min_examples_per_class`, `frac_noise`).
///
/// Given out-of-sample predicted probabilities (see [`out_of_fold_probabilities`]), it
/// computes per-class thresholds (the mean probability of each class over the rows labelled
/// with it), the confident joint of given and likely true labels (calibrated to the label
/// counts), flags rows by the [`FilterBy`] rule, never flags a row whose given label is the
/// most probable one, and ranks the flagged rows by self-confidence (the probability of the
/// given label, lowest first).
///
/// ```
/// use tuneup::data::ConfidentLearning;
/// use ndarray::array;
/// let probs = array![[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.1, 0.9], [0.2, 0.8], [0.95, 0.05]];
/// let labels = [0, 0, 0, 1, 1, 1]; // the last row looks mislabelled
/// let found = ConfidentLearning::new().find(&labels, probs.view())?;
/// assert_eq!(found.ranked_issues(), &[5]);
/// assert!(found.noise_rate() > 0.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ConfidentLearning {
    filter_by: FilterBy,
    min_examples_per_class: usize,
    frac_noise: f64,
}

impl Default for ConfidentLearning {
    fn default() -> Self {
        ConfidentLearning {
            filter_by: FilterBy::PruneByNoiseRate,
            min_examples_per_class: 1,
            frac_noise: 1.0,
        }
    }
}

/// What confident learning found: thresholds, the confident joint, the flagged rows ranked,
/// and the estimated noise rate.
///
/// ```
/// use tuneup::data::ConfidentLearning;
/// use ndarray::array;
/// let probs = array![[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]];
/// let found = ConfidentLearning::new().find(&[0, 1, 0, 1], probs.view())?;
/// assert_eq!(found.n_issues(), 0);
/// assert_eq!(found.confident_joint().sum(), 4);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LabelIssues {
    thresholds: Vec<f64>,
    confident_joint: Array2<usize>,
    is_issue: Vec<bool>,
    ranked: Vec<usize>,
    self_confidence: Vec<f64>,
}

impl ConfidentLearning {
    /// cleanlab's defaults: prune by noise rate, at least one row kept per class, all of the
    /// estimated issues flagged.
    ///
    /// ```
    /// let cl = tuneup::data::ConfidentLearning::new();
    /// # let _ = cl;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the rule that flags rows.
    ///
    /// ```
    /// use tuneup::data::{ConfidentLearning, FilterBy};
    /// let cl = ConfidentLearning::new().filter_by(FilterBy::Both);
    /// # let _ = cl;
    /// ```
    pub fn filter_by(mut self, filter_by: FilterBy) -> Self {
        self.filter_by = filter_by;
        self
    }

    /// Sets the fewest rows of each class left unflagged (default 1).
    ///
    /// ```
    /// let cl = tuneup::data::ConfidentLearning::new().min_examples_per_class(5);
    /// # let _ = cl;
    /// ```
    pub fn min_examples_per_class(mut self, n: usize) -> Self {
        self.min_examples_per_class = n;
        self
    }

    /// Sets the fraction of the estimated issues to flag, in `(0, 1]` (default 1; otherwise an
    /// [`Error::Config`]).
    ///
    /// ```
    /// assert!(tuneup::data::ConfidentLearning::new().frac_noise(0.0).is_err());
    /// ```
    pub fn frac_noise(mut self, frac: f64) -> Result<Self> {
        if !(frac > 0.0 && frac <= 1.0) {
            return Err(Error::config(
                "ConfidentLearning.frac_noise",
                frac,
                "a fraction in (0, 1]",
            ));
        }
        self.frac_noise = frac;
        Ok(self)
    }

    /// Finds the likely mislabelled rows from the given `labels` and out-of-sample
    /// `pred_probs` (one row per sample, one column per class).
    ///
    /// Errors: a label count other than the rows of `pred_probs`, or fewer than two columns
    /// ([`Error::Shape`]); a label not below the number of columns, a probability outside
    /// `[0, 1]` or a row not summing to 1 within 1e-4 ([`Error::Value`] naming the row); a
    /// NaN or infinite probability ([`Error::NonFinite`]).
    ///
    /// ```
    /// use tuneup::data::ConfidentLearning;
    /// use ndarray::array;
    /// let bad = array![[0.6, 0.6], [0.5, 0.5]];
    /// let err = ConfidentLearning::new().find(&[0, 1], bad.view()).unwrap_err();
    /// assert!(err.to_string().contains("row 0"), "{err}");
    /// let narrow = ConfidentLearning::new().find(&[0, 2], array![[0.5, 0.5], [0.5, 0.5]].view());
    /// assert!(matches!(narrow, Err(tuneup::Error::Value { .. })));
    /// ```
    pub fn find<F: Float>(
        &self,
        labels: &[usize],
        pred_probs: ArrayView2<'_, F>,
    ) -> Result<LabelIssues> {
        let p = check_probabilities(labels, &pred_probs)?;
        let k = p.ncols();
        let thresholds = confident_thresholds(labels, &p);
        let confident_joint = calibrate(&raw_confident_joint(labels, &p, &thresholds), labels);
        let prune = keep_at_least(
            &confident_joint,
            self.min_examples_per_class,
            self.frac_noise,
        );
        let mut is_issue = vec![false; labels.len()];
        for class in 0..k {
            let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
            let flagged = self.flag_class(class, &rows, &p, &prune);
            if rows.len() > 1 {
                for (&i, f) in rows.iter().zip(flagged) {
                    is_issue[i] = f;
                }
            }
        }
        for (i, flag) in is_issue.iter_mut().enumerate() {
            if given_label_is_predicted(&p, i, labels[i]) {
                *flag = false;
            }
        }
        let self_confidence: Vec<f64> = (0..labels.len()).map(|i| p[[i, labels[i]]]).collect();
        let mut ranked: Vec<usize> = (0..labels.len()).filter(|&i| is_issue[i]).collect();
        ranked.sort_by(|&a, &b| self_confidence[a].total_cmp(&self_confidence[b]));
        Ok(LabelIssues {
            thresholds,
            confident_joint,
            is_issue,
            ranked,
            self_confidence,
        })
    }

    /// The flags of one class's rows under the chosen rule.
    fn flag_class(
        &self,
        class: usize,
        rows: &[usize],
        p: &Array2<f64>,
        prune: &Array2<i64>,
    ) -> Vec<bool> {
        let n = rows.len();
        if n <= self.min_examples_per_class {
            return vec![false; n];
        }
        let by_rate = || {
            let mut flags = vec![false; n];
            for j in 0..p.ncols() {
                let count = prune[[j, class]];
                if j == class || count <= 0 {
                    continue;
                }
                let margin: Vec<f64> = rows.iter().map(|&i| p[[i, j]] - p[[i, class]]).collect();
                let mut order: Vec<usize> = (0..n).collect();
                order.sort_by(|&a, &b| margin[b].total_cmp(&margin[a]));
                for &o in order.iter().take(count as usize) {
                    flags[o] = true;
                }
            }
            flags
        };
        let by_class = || {
            let mut flags = vec![false; n];
            let count = n as i64 - prune[[class, class]];
            if count >= 1 {
                let mut order: Vec<usize> = (0..n).collect();
                order.sort_by(|&a, &b| p[[rows[a], class]].total_cmp(&p[[rows[b], class]]));
                for &o in order.iter().take(count as usize) {
                    flags[o] = true;
                }
            }
            flags
        };
        match self.filter_by {
            FilterBy::PruneByNoiseRate => by_rate(),
            FilterBy::PruneByClass => by_class(),
            FilterBy::Both => by_rate()
                .into_iter()
                .zip(by_class())
                .map(|(a, b)| a && b)
                .collect(),
        }
    }
}

impl LabelIssues {
    /// Per class, the mean predicted probability of the class over the rows labelled with it
    /// (2 for a class without rows, at least 2e-6): cleanlab's `get_confident_thresholds`.
    ///
    /// ```
    /// use tuneup::data::ConfidentLearning;
    /// use ndarray::array;
    /// let probs = array![[0.9, 0.1], [0.7, 0.3], [0.4, 0.6]];
    /// let found = ConfidentLearning::new().find(&[0, 0, 1], probs.view())?;
    /// assert!((found.thresholds()[0] - 0.8).abs() < 1e-12);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn thresholds(&self) -> &[f64] {
        &self.thresholds
    }

    /// The calibrated confident joint: entry `(i, j)` estimates how many rows labelled `i`
    /// truly belong to class `j`; rows sum to the label counts (cleanlab's
    /// `compute_confident_joint`).
    ///
    /// ```
    /// use tuneup::data::ConfidentLearning;
    /// use ndarray::array;
    /// let probs = array![[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.95, 0.05]];
    /// let found = ConfidentLearning::new().find(&[0, 0, 1, 1], probs.view())?;
    /// assert_eq!(found.confident_joint().row(1).sum(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn confident_joint(&self) -> &Array2<usize> {
        &self.confident_joint
    }

    /// The estimated joint distribution of given and true labels (the confident joint over
    /// its total: cleanlab's `estimate_joint`).
    ///
    /// ```
    /// use tuneup::data::ConfidentLearning;
    /// use ndarray::array;
    /// let probs = array![[0.9, 0.1], [0.2, 0.8]];
    /// let found = ConfidentLearning::new().find(&[0, 1], probs.view())?;
    /// assert!((found.joint().sum() - 1.0).abs() < 1e-12);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn joint(&self) -> Array2<f64> {
        let total = self.confident_joint.sum().max(1) as f64;
        self.confident_joint.mapv(|c| c as f64 / total)
    }

    /// The estimated fraction of rows whose label is wrong: one minus the trace of the
    /// [`joint`](Self::joint) (cleanlab's `num_label_issues(..., "off_diagonal_calibrated")`
    /// over the row count). This is the evidence for a "label noise" finding.
    ///
    /// ```
    /// use tuneup::data::ConfidentLearning;
    /// use ndarray::array;
    /// let probs = array![[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.95, 0.05]];
    /// let found = ConfidentLearning::new().find(&[0, 0, 1, 1], probs.view())?;
    /// assert!((found.noise_rate() - 0.25).abs() < 1e-12);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn noise_rate(&self) -> f64 {
        let joint = self.joint();
        1.0 - joint.diag().sum()
    }

    /// Whether each row is flagged.
    ///
    /// ```
    /// use tuneup::data::ConfidentLearning;
    /// use ndarray::array;
    /// let probs = array![[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.95, 0.05]];
    /// let found = ConfidentLearning::new().find(&[0, 0, 1, 1], probs.view())?;
    /// assert_eq!(found.is_issue(), &[false, false, false, true]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn is_issue(&self) -> &[bool] {
        &self.is_issue
    }

    /// The flagged rows, lowest self-confidence first (cleanlab's
    /// `return_indices_ranked_by="self_confidence"`; ties in row order).
    ///
    /// ```
    /// use tuneup::data::ConfidentLearning;
    /// use ndarray::array;
    /// let probs = array![[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.95, 0.05]];
    /// let found = ConfidentLearning::new().find(&[0, 0, 1, 1], probs.view())?;
    /// assert_eq!(found.ranked_issues(), &[3]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn ranked_issues(&self) -> &[usize] {
        &self.ranked
    }

    /// The number of flagged rows.
    ///
    /// ```
    /// use tuneup::data::ConfidentLearning;
    /// use ndarray::array;
    /// let probs = array![[0.9, 0.1], [0.1, 0.9]];
    /// assert_eq!(ConfidentLearning::new().find(&[0, 1], probs.view())?.n_issues(), 0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_issues(&self) -> usize {
        self.ranked.len()
    }

    /// Each row's self-confidence: the predicted probability of its given label.
    ///
    /// ```
    /// use tuneup::data::ConfidentLearning;
    /// use ndarray::array;
    /// let probs = array![[0.9, 0.1], [0.25, 0.75]];
    /// assert_eq!(ConfidentLearning::new().find(&[0, 1], probs.view())?.self_confidence(), &[0.9, 0.75]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn self_confidence(&self) -> &[f64] {
        &self.self_confidence
    }

    /// The rows not flagged, in order (the rows to train on after cleaning).
    ///
    /// ```
    /// use tuneup::data::ConfidentLearning;
    /// use ndarray::array;
    /// let probs = array![[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.95, 0.05]];
    /// let found = ConfidentLearning::new().find(&[0, 0, 1, 1], probs.view())?;
    /// assert_eq!(found.clean_rows(), vec![0, 1, 2]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn clean_rows(&self) -> Vec<usize> {
        (0..self.is_issue.len())
            .filter(|&i| !self.is_issue[i])
            .collect()
    }
}

/// Checks the labels and probabilities and returns the probabilities in f64.
fn check_probabilities<F: Float>(labels: &[usize], p: &ArrayView2<'_, F>) -> Result<Array2<f64>> {
    let (n, k) = p.dim();
    if labels.len() != n || n == 0 {
        return Err(Error::shape(
            CONTEXT,
            format!("one label per row of pred_probs ({n} rows, at least one)"),
            format!("{} labels", labels.len()),
        ));
    }
    if k < 2 {
        return Err(Error::shape(
            CONTEXT,
            "pred_probs with one column per class (at least 2)",
            format!("{k} columns"),
        ));
    }
    if let Some((i, &c)) = labels.iter().enumerate().find(|&(_, &c)| c >= k) {
        return Err(Error::value(
            CONTEXT,
            format!("labels below {k}, the number of pred_probs columns (one per class)"),
            format!("label {c} at row {i}"),
        ));
    }
    let out = p.mapv(|v| v.to_f64().unwrap_or(f64::NAN));
    for (i, row) in out.axis_iter(Axis(0)).enumerate() {
        if let Some(v) = row.iter().find(|v| !v.is_finite()) {
            return Err(Error::non_finite(
                CONTEXT,
                format!("pred_probs row {i} holds {v}"),
            ));
        }
        let sum: f64 = row.sum();
        if row.iter().any(|&v| !(0.0..=1.0).contains(&v)) || (sum - 1.0).abs() > SUM_TOLERANCE {
            return Err(Error::value(
                CONTEXT,
                "rows of probabilities in [0, 1] summing to 1 (apply a softmax to logits)",
                format!("row {i} sums to {sum}"),
            ));
        }
    }
    Ok(out)
}

/// cleanlab's `get_confident_thresholds`.
fn confident_thresholds(labels: &[usize], p: &Array2<f64>) -> Vec<f64> {
    (0..p.ncols())
        .map(|c| {
            let rows: Vec<f64> = (0..labels.len())
                .filter(|&i| labels[i] == c)
                .map(|i| p[[i, c]])
                .collect();
            let t = if rows.is_empty() {
                2.0
            } else {
                rows.iter().sum::<f64>() / rows.len() as f64
            };
            t.max(2.0 * FUZZ)
        })
        .collect()
}

/// The uncalibrated confident joint, diagonal at least 1.
fn raw_confident_joint(labels: &[usize], p: &Array2<f64>, thresholds: &[f64]) -> Array2<f64> {
    let k = p.ncols();
    let mut cj = Array2::<f64>::zeros((k, k));
    for (i, row) in p.axis_iter(Axis(0)).enumerate() {
        let confident: Vec<usize> = (0..k).filter(|&j| row[j] >= thresholds[j] - FUZZ).collect();
        let guess = match confident.len() {
            0 => continue,
            1 => confident[0],
            _ => argmax(row.iter().copied()),
        };
        cj[[labels[i], guess]] += 1.0;
    }
    for c in 0..k {
        cj[[c, c]] = cj[[c, c]].max(1.0);
    }
    cj
}

/// The first index of the largest value.
fn argmax(values: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (j, v) in values.enumerate() {
        if v > best.1 {
            best = (j, v);
        }
    }
    best.0
}

/// cleanlab's `calibrate_confident_joint`: rows scaled to the label counts, the whole to the
/// row count, then rounded preserving each row's total.
fn calibrate(cj: &Array2<f64>, labels: &[usize]) -> Array2<usize> {
    let k = cj.nrows();
    let mut counts = vec![0.0; k];
    for &c in labels {
        counts[c] += 1.0;
    }
    let mut out = cj.clone();
    for (c, mut row) in out.axis_iter_mut(Axis(0)).enumerate() {
        let s = row.sum().max(1e-100);
        row.mapv_inplace(|v| v / s * counts[c]);
    }
    let total = out.sum().max(1e-100);
    let n = labels.len() as f64;
    out.mapv_inplace(|v| v / total * n);
    round_rows(&out).mapv(|v| v.max(0) as usize)
}

/// cleanlab's `round_preserving_row_totals`.
fn round_rows(m: &Array2<f64>) -> Array2<i64> {
    let mut out = Array2::zeros(m.dim());
    for (r, row) in m.axis_iter(Axis(0)).enumerate() {
        let rounded = round_preserving_sum(&row.to_vec());
        for (o, v) in out.row_mut(r).iter_mut().zip(rounded) {
            *o = v;
        }
    }
    out
}

/// cleanlab's `round_preserving_sum`: rounds half to even, then moves the largest (or
/// smallest) residuals by one until the rounded sum is the rounded total.
fn round_preserving_sum(floats: &[f64]) -> Vec<i64> {
    let mut ints: Vec<f64> = floats.iter().map(|v| v.round_ties_even()).collect();
    let orig_sum = floats.iter().sum::<f64>().round_ties_even();
    let mut int_sum = ints.iter().sum::<f64>().round_ties_even();
    while (int_sum - orig_sum).abs() > FUZZ {
        let diff = (orig_sum - int_sum).round_ties_even();
        let increment = if diff < 0.0 { -1.0 } else { 1.0 };
        let changes = (diff.abs() as usize).min(floats.len());
        // numpy's argsort of these few values is an insertion sort: stable, ascending.
        let mut order: Vec<usize> = (0..floats.len()).collect();
        order.sort_by(|&a, &b| (floats[a] - ints[a]).total_cmp(&(floats[b] - ints[b])));
        if increment > 0.0 {
            order.reverse();
        }
        for &i in order.iter().take(changes) {
            ints[i] += increment;
        }
        int_sum = ints.iter().sum::<f64>().round_ties_even();
    }
    ints.into_iter().map(|v| v as i64).collect()
}

/// cleanlab's `_keep_at_least_n_per_class` on the transposed confident joint: entry
/// `(j, i)` is how many rows labelled `i` to flag as truly `j`.
fn keep_at_least(cj: &Array2<usize>, n: usize, frac_noise: f64) -> Array2<i64> {
    let k = cj.nrows();
    let m = cj.t().mapv(|v| v as f64);
    let n = n as f64;
    let mut new = m.clone();
    for j in 0..k {
        let diag = m[[j, j]];
        let new_diag = diag.max(n);
        let nonzero = m.column(j).iter().filter(|&&v| v != 0.0).count() as f64;
        let per = (new_diag - diag) / (nonzero - 1.0).max(1.0);
        for i in 0..k {
            new[[i, j]] = (m[[i, j]] - per).max(0.0);
        }
        new[[j, j]] = new_diag;
    }
    // _reduce_prune_counts: off-diagonal entries scaled by frac_noise, the difference moved
    // onto the diagonal, truncated to integers.
    let mut reduced = new.mapv(|v| v * frac_noise);
    for j in 0..k {
        let moved: f64 = (0..k)
            .map(|i| new[[i, j]] - if i == j { new[[i, j]] } else { reduced[[i, j]] })
            .sum();
        reduced[[j, j]] = new[[j, j]] + moved;
    }
    reduced.mapv(|v| v.trunc() as i64)
}

/// cleanlab's `_reduce_issues`: the given label is (within 1e-6) the most probable one.
fn given_label_is_predicted(p: &Array2<f64>, i: usize, label: usize) -> bool {
    let row = p.row(i);
    argmax(
        row.iter()
            .enumerate()
            .map(|(j, &v)| if j == label { v + FUZZ } else { v }),
    ) == label
}

/// Out-of-sample predicted probabilities by stratified k-fold: for each fold,
/// `fit_predict(train_x, train_labels, test_x)` trains a fresh model (any Trainer, any
/// classifier) on the other folds and returns its probabilities for the fold's rows; they are
/// put back in row order (cleanlab's `estimate_cv_predicted_probabilities`).
///
/// Errors: fewer than 2 folds ([`Error::Config`]); a label count other than the rows of `x`
/// ([`Error::Shape`]); a class with fewer rows than folds ([`Error::Value`] naming it); a
/// returned matrix of another height, or of another width than the first fold's
/// ([`Error::Shape`]); the closure's errors, prefixed with the fold.
///
/// ```
/// use tuneup::data::out_of_fold_probabilities;
/// use ndarray::{array, Array2};
/// let x = array![[0.0], [0.1], [0.2], [1.0], [1.1], [1.2]];
/// let y = [0, 0, 0, 1, 1, 1];
/// // A nearest-class-mean "model".
/// let p = out_of_fold_probabilities(x.view(), &y, 3, 0, |xt, yt, xv| {
///     let mean = |c: usize| {
///         let v: Vec<f64> = (0..yt.len()).filter(|&i| yt[i] == c).map(|i| xt[[i, 0]]).collect();
///         v.iter().sum::<f64>() / v.len() as f64
///     };
///     let (m0, m1) = (mean(0), mean(1));
///     Ok(Array2::from_shape_fn((xv.nrows(), 2), |(i, c)| {
///         let near0 = (xv[[i, 0]] - m0).abs() < (xv[[i, 0]] - m1).abs();
///         if near0 == (c == 0) { 0.9 } else { 0.1 }
///     }))
/// })?;
/// assert_eq!(p.dim(), (6, 2));
/// assert_eq!(p[[0, 0]], 0.9);
/// assert!(out_of_fold_probabilities(x.view(), &[0, 0, 0, 0, 0, 1], 3, 0, |_, _, _| Ok(Array2::zeros((0, 2)))).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn out_of_fold_probabilities<F: Float>(
    x: ArrayView2<'_, F>,
    labels: &[usize],
    n_folds: usize,
    seed: u64,
    mut fit_predict: impl FnMut(ArrayView2<'_, F>, &[usize], ArrayView2<'_, F>) -> Result<Array2<F>>,
) -> Result<Array2<F>> {
    const CTX: &str = "out_of_fold_probabilities";
    if n_folds < 2 {
        return Err(Error::config(
            format!("{CTX}.n_folds"),
            n_folds,
            "at least 2",
        ));
    }
    if labels.len() != x.nrows() {
        return Err(Error::shape(
            CTX,
            format!("one label per row of x ({} rows)", x.nrows()),
            format!("{} labels", labels.len()),
        ));
    }
    let counts = super::sampling_strategy::class_counts(labels);
    if let Some((c, n)) = counts.iter().find(|&(_, &n)| n < n_folds) {
        return Err(Error::value(
            CTX,
            format!("at least {n_folds} rows of every class (one per fold); use fewer folds"),
            format!("class {c} has {n} rows"),
        ));
    }
    let folds = StratifiedKFold::new(n_folds)?.shuffle(seed).split(labels)?;
    let mut out: Option<Array2<F>> = None;
    for (f, (train, test)) in folds.enumerate() {
        let xt = x.select(Axis(0), &train);
        let yt: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
        let xv = x.select(Axis(0), &test);
        let p = fit_predict(xt.view(), &yt, xv.view())
            .map_err(|e| e.within(format!("{CTX} (fold {f})")))?;
        let width = out.as_ref().map_or(p.ncols(), Array2::ncols);
        if p.nrows() != test.len() || p.ncols() != width {
            return Err(Error::shape(
                format!("{CTX} (fold {f})"),
                format!("{} rows of {width} probabilities", test.len()),
                format!("{}×{}", p.nrows(), p.ncols()),
            ));
        }
        let all = out.get_or_insert_with(|| Array2::zeros((labels.len(), width)));
        for (r, &i) in test.iter().enumerate() {
            all.row_mut(i).assign(&p.row(r));
        }
    }
    out.ok_or_else(|| Error::value(CTX, "at least one fold", "none"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_preserving_sum_keeps_the_total() {
        assert_eq!(round_preserving_sum(&[0.4, 0.4, 0.2]), vec![0, 1, 0]);
        assert_eq!(round_preserving_sum(&[1.5, 2.5, 1.0]), vec![2, 2, 1]);
        assert_eq!(round_preserving_sum(&[0.6, 0.6, 0.8]), vec![0, 1, 1]);
    }
}
