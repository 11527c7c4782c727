//! Learning curves and validation curves, like scikit-learn's `learning_curve` and
//! `validation_curve`, over any model: you train and score it in a closure.
//!
//! - [`learning_curve`]: scores against the number of training samples. Both scores low and
//!   close: underfitting (more data will not help; more capacity will). Training score high,
//!   validation score low and still rising: overfitting that more data would reduce.
//! - [`validation_curve`]: scores against one hyperparameter (an L2 strength, a width).
//!   Training and validation scores part where the model starts to overfit.
//!
//! The folds come from [`KFold`](crate::data::KFold) or
//! [`StratifiedKFold`](crate::data::StratifiedKFold) (any `(train, validation)` index pairs
//! will do). Nothing here knows the Trainer: the closure decides how to fit and what to
//! score (higher is better, as scikit-learn's scorers; return a negated loss for a loss).
//!
//! ```
//! use tuneup::data::KFold;
//! use tuneup::diagnostics::curves::{learning_curve, TrainSizes};
//! // A "model" whose validation score grows with the training-set size.
//! let curve = learning_curve(&TrainSizes::Fractions(vec![0.5, 1.0]), KFold::new(4)?.split(20)?,
//!     |train, _val| Ok((1.0, 1.0 - 1.0 / train.len() as f64)))?;
//! assert_eq!(curve.train_sizes, vec![7, 15]);
//! assert!(curve.scores.validation_mean()[1] > curve.scores.validation_mean()[0]);
//! # Ok::<(), tuneup::Error>(())
//! ```

use crate::{Error, Result};

/// The training-set sizes of a [`learning_curve`].
///
/// Fractions (in `(0, 1]`) are of the largest training set every fold offers, the smallest
/// fold's training part (with [`KFold`](crate::data::KFold), the first fold's, as in
/// scikit-learn), rounded down and at least 1. Absolute sizes must lie in `1..=` that size.
/// Either way the sizes are sorted and duplicates dropped (scikit-learn's `np.unique`).
///
/// ```
/// use tuneup::diagnostics::curves::TrainSizes;
/// assert_eq!(TrainSizes::Fractions(vec![0.1, 0.5, 1.0]).resolve(80)?, vec![8, 40, 80]);
/// assert_eq!(TrainSizes::Absolute(vec![30, 10, 10]).resolve(80)?, vec![10, 30]);
/// assert!(TrainSizes::Absolute(vec![81]).resolve(80).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum TrainSizes {
    /// Numbers of training samples.
    Absolute(Vec<usize>),
    /// Fractions of the largest training set, in `(0, 1]`.
    Fractions(Vec<f64>),
}

impl TrainSizes {
    /// scikit-learn's default, `np.linspace(0.1, 1.0, 5)`: 0.1, 0.325, 0.55, 0.775, 1.
    ///
    /// ```
    /// use tuneup::diagnostics::curves::TrainSizes;
    /// assert_eq!(TrainSizes::default_fractions().resolve(100)?, vec![10, 32, 55, 77, 100]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn default_fractions() -> Self {
        TrainSizes::Fractions(vec![0.1, 0.325, 0.55, 0.775, 1.0])
    }

    /// The absolute sizes for training parts of at most `max_train` samples.
    ///
    /// # Errors
    /// [`Error::Config`] for no size, a fraction outside `(0, 1]` or not finite, or an
    /// absolute size outside `1..=max_train`.
    ///
    /// ```
    /// use tuneup::diagnostics::curves::TrainSizes;
    /// assert!(matches!(TrainSizes::Fractions(vec![0.0]).resolve(10),
    ///     Err(tuneup::Error::Config { .. })));
    /// assert_eq!(TrainSizes::Fractions(vec![0.01]).resolve(10)?, vec![1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn resolve(&self, max_train: usize) -> Result<Vec<usize>> {
        let mut sizes = match self {
            TrainSizes::Absolute(v) => {
                if v.is_empty() {
                    return Err(Error::config("TrainSizes", "[]", "at least one size"));
                }
                for &s in v {
                    if s == 0 || s > max_train {
                        return Err(Error::config(
                            "TrainSizes::Absolute",
                            s,
                            format!(
                                "a training-set size in 1..={max_train} (the smallest training \
                                 part of the folds)"
                            ),
                        ));
                    }
                }
                v.clone()
            }
            TrainSizes::Fractions(v) => {
                if v.is_empty() {
                    return Err(Error::config("TrainSizes", "[]", "at least one fraction"));
                }
                let mut out = Vec::with_capacity(v.len());
                for &f in v {
                    if !(f > 0.0 && f <= 1.0) {
                        return Err(Error::config(
                            "TrainSizes::Fractions",
                            f,
                            "a fraction of the training set in (0, 1]",
                        ));
                    }
                    out.push(((f * max_train as f64).floor() as usize).clamp(1, max_train.max(1)));
                }
                out
            }
        };
        sizes.sort_unstable();
        sizes.dedup();
        Ok(sizes)
    }
}

/// Training and validation scores of a curve: one row per point of the curve (a training
/// size or a hyperparameter value), one score per fold in each row.
///
/// Means and standard deviations are over the folds; the standard deviation is the population
/// one (`ddof = 0`, NumPy's `np.std`, what scikit-learn's plotting examples use).
///
/// ```
/// use tuneup::diagnostics::curves::CurveScores;
/// let s = CurveScores { train: vec![vec![1.0, 3.0]], validation: vec![vec![0.5, 0.5]] };
/// assert_eq!(s.train_mean(), vec![2.0]);
/// assert_eq!(s.train_std(), vec![1.0]);
/// assert_eq!(s.validation_std(), vec![0.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CurveScores {
    /// `train[point][fold]`: the score on the data the model was trained on.
    pub train: Vec<Vec<f64>>,
    /// `validation[point][fold]`: the score on the fold's held-out part.
    pub validation: Vec<Vec<f64>>,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn std(v: &[f64]) -> f64 {
    let m = mean(v);
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64).sqrt()
}

impl CurveScores {
    /// Mean training score of each point.
    ///
    /// ```
    /// use tuneup::diagnostics::curves::CurveScores;
    /// let s = CurveScores { train: vec![vec![0.5, 1.0]], validation: vec![vec![0.0, 0.0]] };
    /// assert_eq!(s.train_mean(), vec![0.75]);
    /// ```
    pub fn train_mean(&self) -> Vec<f64> {
        self.train.iter().map(|r| mean(r)).collect()
    }

    /// Standard deviation (over folds) of the training score of each point.
    ///
    /// ```
    /// use tuneup::diagnostics::curves::CurveScores;
    /// let s = CurveScores { train: vec![vec![0.5, 1.0]], validation: vec![vec![0.0, 0.0]] };
    /// assert_eq!(s.train_std(), vec![0.25]);
    /// ```
    pub fn train_std(&self) -> Vec<f64> {
        self.train.iter().map(|r| std(r)).collect()
    }

    /// Mean validation score of each point.
    ///
    /// ```
    /// use tuneup::diagnostics::curves::CurveScores;
    /// let s = CurveScores { train: vec![vec![1.0]], validation: vec![vec![0.25]] };
    /// assert_eq!(s.validation_mean(), vec![0.25]);
    /// ```
    pub fn validation_mean(&self) -> Vec<f64> {
        self.validation.iter().map(|r| mean(r)).collect()
    }

    /// Standard deviation (over folds) of the validation score of each point.
    ///
    /// ```
    /// use tuneup::diagnostics::curves::CurveScores;
    /// let s = CurveScores { train: vec![vec![1.0, 1.0]], validation: vec![vec![0.0, 2.0]] };
    /// assert_eq!(s.validation_std(), vec![1.0]);
    /// ```
    pub fn validation_std(&self) -> Vec<f64> {
        self.validation.iter().map(|r| std(r)).collect()
    }
}

/// The result of [`learning_curve`].
///
/// ```
/// use tuneup::data::KFold;
/// use tuneup::diagnostics::curves::{learning_curve, TrainSizes};
/// let c = learning_curve(&TrainSizes::Absolute(vec![2, 4]), KFold::new(2)?.split(10)?,
///     |train, val| Ok((train.len() as f64, val.len() as f64)))?;
/// assert_eq!(c.scores.train_mean(), vec![2.0, 4.0]);
/// assert_eq!(c.scores.validation_mean(), vec![5.0, 5.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LearningCurve {
    /// The absolute training-set sizes, ascending.
    pub train_sizes: Vec<usize>,
    /// Scores per size and fold.
    pub scores: CurveScores,
}

/// The result of [`validation_curve`].
///
/// ```
/// use tuneup::data::KFold;
/// use tuneup::diagnostics::curves::validation_curve;
/// let c = validation_curve(&[0.0, 1.0], KFold::new(2)?.split(4)?,
///     |alpha, _, _| Ok((1.0 - alpha, 0.5)))?;
/// assert_eq!(c.values, vec![0.0, 1.0]);
/// assert_eq!(c.scores.train_mean(), vec![1.0, 0.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ValidationCurve<P> {
    /// The hyperparameter values, in the order given.
    pub values: Vec<P>,
    /// Scores per value and fold.
    pub scores: CurveScores,
}

type Fold = (Vec<usize>, Vec<usize>);

fn collect_folds(context: &str, folds: impl IntoIterator<Item = Fold>) -> Result<Vec<Fold>> {
    let folds: Vec<Fold> = folds.into_iter().collect();
    if folds.is_empty() {
        return Err(Error::value(context, "at least one fold", "no fold"));
    }
    for (k, (train, val)) in folds.iter().enumerate() {
        if train.is_empty() || val.is_empty() {
            return Err(Error::value(
                context,
                "folds with non-empty training and validation parts",
                format!(
                    "fold {k} with {} training and {} validation samples",
                    train.len(),
                    val.len()
                ),
            ));
        }
    }
    Ok(folds)
}

/// Scores a model trained on growing subsets of each fold's training part (scikit-learn's
/// `learning_curve` with `shuffle=False`).
///
/// For each size `s` (see [`TrainSizes`]) and each fold, `fit_and_score(train, validation)`
/// gets the first `s` indices of the fold's training part and the whole validation part, must
/// train a fresh model on `train`, and returns `(train_score, validation_score)`: the score on
/// `train` and on `validation`. Calls go size by size, fold by fold within a size.
///
/// [`KFold`](crate::data::KFold) returns the training indices sorted, so the first `s` are the
/// lowest-numbered samples: shuffle the data (or the folds, with
/// [`KFold::shuffle`](crate::data::KFold::shuffle)) first if their order means something.
///
/// # Errors
/// [`Error::Value`] for no fold or a fold with an empty part; [`Error::Config`] for bad sizes;
/// an error of the closure, prefixed with the size and fold.
///
/// ```
/// use tuneup::data::KFold;
/// use tuneup::diagnostics::curves::{learning_curve, TrainSizes};
/// let mut seen = Vec::new();
/// learning_curve(&TrainSizes::Absolute(vec![1, 3]), KFold::new(2)?.split(6)?, |train, val| {
///     seen.push((train.to_vec(), val.to_vec()));
///     Ok((0.0, 0.0))
/// })?;
/// assert_eq!(seen[0], (vec![3], vec![0, 1, 2]));
/// assert_eq!(seen[3], (vec![0, 1, 2], vec![3, 4, 5]));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn learning_curve(
    train_sizes: &TrainSizes,
    folds: impl IntoIterator<Item = (Vec<usize>, Vec<usize>)>,
    mut fit_and_score: impl FnMut(&[usize], &[usize]) -> Result<(f64, f64)>,
) -> Result<LearningCurve> {
    let folds = collect_folds("learning_curve", folds)?;
    let max_train = folds.iter().map(|(t, _)| t.len()).min().unwrap_or(0);
    let sizes = train_sizes.resolve(max_train)?;
    let mut scores = CurveScores {
        train: Vec::with_capacity(sizes.len()),
        validation: Vec::with_capacity(sizes.len()),
    };
    for &s in &sizes {
        let (mut tr, mut va) = (
            Vec::with_capacity(folds.len()),
            Vec::with_capacity(folds.len()),
        );
        for (k, (train, val)) in folds.iter().enumerate() {
            let (a, b) = fit_and_score(&train[..s], val)
                .map_err(|e| e.within(format!("learning_curve (size {s}, fold {k})")))?;
            tr.push(a);
            va.push(b);
        }
        scores.train.push(tr);
        scores.validation.push(va);
    }
    Ok(LearningCurve {
        train_sizes: sizes,
        scores,
    })
}

/// Scores a model trained with each value of a hyperparameter (scikit-learn's
/// `validation_curve`).
///
/// For each value and each fold, `fit_and_score(value, train, validation)` must train a fresh
/// model with `value` on the fold's training part and return `(train_score,
/// validation_score)`. Calls go value by value, fold by fold within a value.
///
/// # Errors
/// [`Error::Value`] for no fold, a fold with an empty part, or no value; an error of the
/// closure, prefixed with the value's position and the fold.
///
/// ```
/// use tuneup::data::StratifiedKFold;
/// use tuneup::diagnostics::curves::validation_curve;
/// let labels = [0, 1, 0, 1, 0, 1];
/// let c = validation_curve(&[1usize, 2, 3], StratifiedKFold::new(3)?.split(&labels)?,
///     |&width, train, _val| Ok((width as f64, train.len() as f64)))?;
/// assert_eq!(c.scores.train_mean(), vec![1.0, 2.0, 3.0]);
/// assert_eq!(c.scores.validation_mean(), vec![4.0; 3]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn validation_curve<P: Clone>(
    values: &[P],
    folds: impl IntoIterator<Item = (Vec<usize>, Vec<usize>)>,
    mut fit_and_score: impl FnMut(&P, &[usize], &[usize]) -> Result<(f64, f64)>,
) -> Result<ValidationCurve<P>> {
    let folds = collect_folds("validation_curve", folds)?;
    if values.is_empty() {
        return Err(Error::value(
            "validation_curve",
            "at least one hyperparameter value",
            "none",
        ));
    }
    let mut scores = CurveScores {
        train: Vec::with_capacity(values.len()),
        validation: Vec::with_capacity(values.len()),
    };
    for (i, value) in values.iter().enumerate() {
        let (mut tr, mut va) = (
            Vec::with_capacity(folds.len()),
            Vec::with_capacity(folds.len()),
        );
        for (k, (train, val)) in folds.iter().enumerate() {
            let (a, b) = fit_and_score(value, train, val)
                .map_err(|e| e.within(format!("validation_curve (value {i}, fold {k})")))?;
            tr.push(a);
            va.push(b);
        }
        scores.train.push(tr);
        scores.validation.push(va);
    }
    Ok(ValidationCurve {
        values: values.to_vec(),
        scores,
    })
}
