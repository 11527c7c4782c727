//! Filling missing values with one statistic per column.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::check::{check_finite_setting, check_fit, check_transform, Nan};
use super::stats::{mean, median_sorted, mode_sorted, sorted_observed};
use crate::{Float, Result};

/// The statistic a [`SimpleImputer`] fills each column's NaN with.
///
/// ```
/// use tuneup::data::{ImputeStrategy, SimpleImputer};
/// use ndarray::array;
/// let x = array![[1.0], [2.0], [2.0], [f64::NAN], [10.0]];
/// let fill = |s| -> tuneup::Result<f64> {
///     let f = SimpleImputer::new(s)?.fit(&x.view())?;
///     Ok(f.transform(&x.view())?[[3, 0]])
/// };
/// assert_eq!(fill(ImputeStrategy::Mean)?, 3.75);
/// assert_eq!(fill(ImputeStrategy::Median)?, 2.0);
/// assert_eq!(fill(ImputeStrategy::MostFrequent)?, 2.0);
/// assert_eq!(fill(ImputeStrategy::Constant(-1.0))?, -1.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ImputeStrategy {
    /// The mean of the observed values.
    Mean,
    /// The median of the observed values (mean of the two middle ones for an even count).
    Median,
    /// The most frequent observed value; ties go to the smallest (as in scikit-learn).
    MostFrequent,
    /// A fixed, finite value.
    Constant(f64),
}

/// Settings of a per-column imputer, scikit-learn's `SimpleImputer` with
/// `missing_values=np.nan`.
///
/// On a numeric matrix it is [`fit`](Self::fit); on a [`Table`](crate::data::Table) with
/// categorical columns (missing value `None`) it is
/// [`fit_table_typed`](Self::fit_table_typed) or, inside a
/// [`Pipeline`](crate::data::Pipeline) or
/// [`ColumnTransformer`](crate::data::ColumnTransformer), its
/// [`TableTransformer`](crate::data::TableTransformer): categorical columns take strategy
/// [`MostFrequent`](ImputeStrategy::MostFrequent) (ties to the smallest text) or
/// [`Constant`](ImputeStrategy::Constant) (the text of
/// [`categorical_fill_value`](Self::categorical_fill_value), `"missing_value"` by default)
/// and stay categorical, so that an encoder can follow.
///
/// **Columns with no observed value at fit time** follow scikit-learn (checked against 1.9):
/// they are *dropped* from the output of `transform`, whatever the strategy (the output is
/// then narrower; [`FittedSimpleImputer::empty_features`] lists them), unless
/// [`keep_empty_features(true)`](Self::keep_empty_features) keeps them, their NaN filled with
/// 0 (or with the constant of [`ImputeStrategy::Constant`]) and their observed values kept.
///
/// ```
/// use tuneup::data::{ImputeStrategy, SimpleImputer};
/// use ndarray::array;
/// let train = array![[1.0, f64::NAN], [3.0, f64::NAN]];
/// let dropped = SimpleImputer::new(ImputeStrategy::Mean)?.fit(&train.view())?;
/// assert_eq!(dropped.transform(&array![[f64::NAN, 7.0]].view())?, array![[2.0]]);
/// let kept = SimpleImputer::new(ImputeStrategy::Mean)?
///     .keep_empty_features(true)
///     .fit(&train.view())?;
/// assert_eq!(kept.transform(&array![[f64::NAN, f64::NAN]].view())?, array![[2.0, 0.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleImputer {
    strategy: ImputeStrategy,
    keep_empty_features: bool,
    categorical_fill_value: String,
}

/// scikit-learn's default `fill_value` for text data.
const DEFAULT_TEXT_FILL: &str = "missing_value";

impl SimpleImputer {
    /// An imputer with the given strategy; a non-finite constant is an
    /// [`Error::Config`](crate::Error::Config).
    ///
    /// ```
    /// use tuneup::data::{ImputeStrategy, SimpleImputer};
    /// assert!(SimpleImputer::new(ImputeStrategy::Median).is_ok());
    /// assert!(matches!(
    ///     SimpleImputer::new(ImputeStrategy::Constant(f64::NAN)),
    ///     Err(tuneup::Error::Config { .. })
    /// ));
    /// ```
    pub fn new(strategy: ImputeStrategy) -> Result<Self> {
        if let ImputeStrategy::Constant(c) = strategy {
            check_finite_setting("SimpleImputer.fill_value", c)?;
        }
        Ok(SimpleImputer {
            strategy,
            keep_empty_features: false,
            categorical_fill_value: DEFAULT_TEXT_FILL.to_string(),
        })
    }

    /// The text a [`Constant`](ImputeStrategy::Constant) strategy writes in categorical
    /// columns of a table (default `"missing_value"`, scikit-learn's `fill_value` for text;
    /// the strategy's number fills the numeric columns). scikit-learn has one `fill_value`
    /// for the whole input: on a mixed table its default text lands in the numeric columns
    /// too; here every column keeps its kind.
    ///
    /// ```
    /// use tuneup::data::{Column, FittedTableTransformer, ImputeStrategy, SimpleImputer, Table};
    /// let t = Table::<f64>::new(["c"], vec![Column::Categorical(vec![Some("a".into()), None])])?;
    /// let default = SimpleImputer::new(ImputeStrategy::Constant(0.0))?.fit_table_typed(&t)?;
    /// let out = default.transform_to_table(&t)?;
    /// assert_eq!(out.columns()[0], Column::categorical(["a", "missing_value"]));
    /// let custom = SimpleImputer::new(ImputeStrategy::Constant(0.0))?
    ///     .categorical_fill_value("?")
    ///     .fit_table_typed(&t)?;
    /// assert_eq!(custom.transform_to_table(&t)?.columns()[0], Column::categorical(["a", "?"]));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn categorical_fill_value(mut self, text: impl Into<String>) -> Self {
        self.categorical_fill_value = text.into();
        self
    }

    /// Whether empty columns are kept.
    pub(crate) fn keeps_empty_features(&self) -> bool {
        self.keep_empty_features
    }

    /// The constant text for categorical columns.
    pub(crate) fn text_fill_value(&self) -> &str {
        &self.categorical_fill_value
    }

    /// Whether columns with no observed value at fit time are kept (NaN filled with 0, or with
    /// the constant of a constant strategy) rather than dropped (default `false`, as in
    /// scikit-learn).
    ///
    /// ```
    /// use tuneup::data::{ImputeStrategy, SimpleImputer};
    /// use ndarray::array;
    /// let f = SimpleImputer::new(ImputeStrategy::Median)?
    ///     .keep_empty_features(true)
    ///     .fit(&array![[f64::NAN]].view())?;
    /// assert_eq!(f.transform(&array![[f64::NAN]].view())?, array![[0.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn keep_empty_features(mut self, keep: bool) -> Self {
        self.keep_empty_features = keep;
        self
    }

    /// The strategy.
    ///
    /// ```
    /// use tuneup::data::{ImputeStrategy, SimpleImputer};
    /// let s = SimpleImputer::new(ImputeStrategy::Mean)?;
    /// assert_eq!(s.strategy(), ImputeStrategy::Mean);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn strategy(&self) -> ImputeStrategy {
        self.strategy
    }

    /// Learns one fill value per column from the observed (non-NaN) values of `x`.
    ///
    /// Errors: empty data ([`Error::Shape`](crate::Error::Shape)), an infinite value
    /// ([`Error::NonFinite`](crate::Error::NonFinite)).
    ///
    /// ```
    /// use tuneup::data::{ImputeStrategy, SimpleImputer};
    /// use ndarray::array;
    /// let f = SimpleImputer::new(ImputeStrategy::Mean)?.fit(&array![[1.0], [f64::NAN], [5.0]].view())?;
    /// assert_eq!(f.statistics()[0], 3.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<FittedSimpleImputer<F>> {
        check_fit("SimpleImputer", x, Nan::Allowed)?;
        let n = x.ncols();
        let mut statistics = Array1::zeros(n);
        let mut empty = Vec::new();
        for (j, col) in x.columns().into_iter().enumerate() {
            let v = sorted_observed(col);
            let stat = match self.strategy {
                _ if v.is_empty() => {
                    empty.push(j);
                    match self.strategy {
                        _ if !self.keep_empty_features => f64::NAN,
                        ImputeStrategy::Constant(c) => c,
                        _ => 0.0,
                    }
                }
                ImputeStrategy::Constant(c) => c,
                ImputeStrategy::Mean => mean(&v),
                ImputeStrategy::Median => median_sorted(&v),
                ImputeStrategy::MostFrequent => mode_sorted(&v),
            };
            statistics[j] = F::cast(stat);
        }
        let kept = if self.keep_empty_features {
            (0..n).collect()
        } else {
            (0..n).filter(|j| !empty.contains(j)).collect()
        };
        Ok(FittedSimpleImputer {
            statistics,
            empty,
            kept,
        })
    }
}

/// A [`SimpleImputer`] fitted to data: replaces NaN by each column's learned fill value.
///
/// ```
/// use tuneup::data::{ImputeStrategy, SimpleImputer};
/// use ndarray::array;
/// let f = SimpleImputer::new(ImputeStrategy::Median)?.fit(&array![[1.0], [2.0], [9.0]].view())?;
/// assert_eq!(f.transform(&array![[f64::NAN], [4.0]].view())?, array![[2.0], [4.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedSimpleImputer<F> {
    statistics: Array1<F>,
    empty: Vec<usize>,
    kept: Vec<usize>,
}

impl<F: Float> FittedSimpleImputer<F> {
    /// The number of columns seen by `fit` (the width `transform` expects).
    ///
    /// ```
    /// use tuneup::data::{ImputeStrategy, SimpleImputer};
    /// use ndarray::array;
    /// let f = SimpleImputer::new(ImputeStrategy::Mean)?.fit(&array![[1.0, f64::NAN]].view())?;
    /// assert_eq!((f.n_features(), f.n_features_out()), (2, 1));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.statistics.len()
    }

    /// The number of columns `transform` returns (`n_features` minus dropped empty columns).
    ///
    /// ```
    /// use tuneup::data::{ImputeStrategy, SimpleImputer};
    /// use ndarray::array;
    /// let x = array![[f64::NAN, 1.0]];
    /// let f = SimpleImputer::new(ImputeStrategy::Constant(0.0))?.fit(&x.view())?;
    /// assert_eq!(f.n_features_out(), 1); // column 0 had no observed value
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features_out(&self) -> usize {
        self.kept.len()
    }

    /// The fill value of each input column; NaN for a dropped empty column.
    ///
    /// ```
    /// use tuneup::data::{ImputeStrategy, SimpleImputer};
    /// use ndarray::array;
    /// let x = array![[3.0], [1.0], [1.0], [3.0]];
    /// let f = SimpleImputer::new(ImputeStrategy::MostFrequent)?.fit(&x.view())?;
    /// assert_eq!(f.statistics()[0], 1.0); // tie between 1 and 3 goes to the smaller
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn statistics(&self) -> ArrayView1<'_, F> {
        self.statistics.view()
    }

    /// The columns that had no observed value at fit time (dropped from the output unless
    /// `keep_empty_features` was set).
    ///
    /// ```
    /// use tuneup::data::{ImputeStrategy, SimpleImputer};
    /// use ndarray::array;
    /// let f = SimpleImputer::new(ImputeStrategy::Mean)?.fit(&array![[f64::NAN, 1.0]].view())?;
    /// assert_eq!(f.empty_features(), &[0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn empty_features(&self) -> &[usize] {
        &self.empty
    }

    /// Returns a copy of `x` with every NaN replaced by its column's fill value, without the
    /// dropped empty columns.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`](crate::Error::Shape)), an
    /// infinite value ([`Error::NonFinite`](crate::Error::NonFinite)).
    ///
    /// ```
    /// use tuneup::data::{ImputeStrategy, SimpleImputer};
    /// use ndarray::array;
    /// let f = SimpleImputer::new(ImputeStrategy::Mean)?.fit(&array![[2.0, 1.0], [4.0, 3.0]].view())?;
    /// let x = array![[f64::NAN, 5.0]];
    /// assert_eq!(f.transform(&x.view())?, array![[3.0, 5.0]]);
    /// assert!(x[[0, 0]].is_nan()); // the input is not modified
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, x: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedSimpleImputer.transform",
            x,
            self.n_features(),
            Nan::Allowed,
        )?;
        let mut out = Array2::zeros((x.nrows(), self.kept.len()));
        for (k, &j) in self.kept.iter().enumerate() {
            let fill = self.statistics[j];
            for (o, &v) in out.column_mut(k).iter_mut().zip(x.column(j)) {
                *o = if v.is_nan() { fill } else { v };
            }
        }
        Ok(out)
    }
}
