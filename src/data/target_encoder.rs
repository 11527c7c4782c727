//! Target encoding of categorical columns with scikit-learn's `TargetEncoder` semantics:
//! shrunk per-category target means, cross-fitted on the training data.

use ndarray::Array2;

use super::categories::ColumnCategories;
use super::one_hot_encoder::check_fit_table;
use super::table::Table;
use super::table_transformer::FittedTableTransformer;
use super::{KFold, StratifiedKFold};
use crate::{Error, Float, Result};

const CONTEXT: &str = "TargetEncoder";

/// The target a [`TargetEncoder`] learns from.
///
/// ```
/// use tuneup::data::EncoderTarget;
/// let t = EncoderTarget::Classes(&[0, 1, 1]);
/// assert_eq!(t.len(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EncoderTarget<'a> {
    /// A real value per row (scikit-learn's `"continuous"`).
    Continuous(&'a [f64]),
    /// A class per row: two classes give one output per column (`"binary"`, the mean of the
    /// larger class), more give one per column and class (`"multiclass"`).
    Classes(&'a [usize]),
}

impl EncoderTarget<'_> {
    /// The number of rows.
    ///
    /// ```
    /// assert_eq!(tuneup::data::EncoderTarget::Continuous(&[1.0]).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            EncoderTarget::Continuous(v) => v.len(),
            EncoderTarget::Classes(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    ///
    /// ```
    /// assert!(tuneup::data::EncoderTarget::Classes(&[]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How much the category means are pulled towards the overall mean (scikit-learn's
/// `smooth`).
///
/// ```
/// use tuneup::data::Smooth;
/// assert_eq!(Smooth::default(), Smooth::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Smooth {
    /// Empirical Bayes: weight `λ = n σ² / (n σ² + s²)` on the category mean, where `σ²` is
    /// the target variance, `n` the category count and `s²` the category's sum of squared
    /// deviations over `n` (Micci-Barreca, 2001, eq. 5–6).
    #[default]
    Auto,
    /// `(Σ y + m · mean) / (n + m)` with this `m ≥ 0`.
    Value(f64),
}

/// Target encoding (scikit-learn's `TargetEncoder`): each category is replaced by a shrunk
/// mean of the target over the rows with that category.
///
/// [`fit`](Self::fit) learns the encodings from all rows, for transforming *other* data.
/// [`fit_transform`](Self::fit_transform) returns the training rows encoded by cross
/// fitting: the rows of each of `cv` folds are encoded with the other folds' encodings
/// (scikit-learn's rule, which keeps a row's own target out of its encoding). Folds are
/// consecutive blocks ([`KFold`], or [`StratifiedKFold`] for classes) unless
/// [`shuffle`](Self::shuffle) gives a seed. Categories unseen by fit are encoded with the
/// target mean. Categories sort as in the other encoders, missing values being a category.
///
/// ```
/// use tuneup::data::{Column, EncoderTarget, Smooth, Table, TargetEncoder};
/// let t = Table::new(["city"], vec![Column::<f64>::categorical(["a", "a", "b", "b"])])?;
/// let y = [1.0, 3.0, 10.0, 12.0];
/// let enc = TargetEncoder::new().smooth(Smooth::Value(0.0))?.fit(&t, EncoderTarget::Continuous(&y))?;
/// assert_eq!(enc.transform(&t)?.column(0).to_vec(), vec![2.0, 2.0, 11.0, 11.0]);
/// let unseen = Table::new(["city"], vec![Column::categorical(["z"])])?;
/// assert_eq!(enc.transform(&unseen)?[[0, 0]], 6.5); // the target mean
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TargetEncoder {
    smooth: Smooth,
    cv: usize,
    shuffle: Option<u64>,
}

impl Default for TargetEncoder {
    fn default() -> Self {
        TargetEncoder {
            smooth: Smooth::Auto,
            cv: 5,
            shuffle: None,
        }
    }
}

/// A [`TargetEncoder`] fitted on all training rows.
///
/// ```
/// use tuneup::data::{Column, EncoderTarget, Table, TargetEncoder};
/// let t = Table::new(["c"], vec![Column::<f64>::categorical(["x", "y", "x", "y"])])?;
/// let enc = TargetEncoder::new().cv(2)?.fit(&t, EncoderTarget::Classes(&[0, 1, 0, 2]))?;
/// assert_eq!(enc.feature_names_out(), ["c_0", "c_1", "c_2"]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedTargetEncoder<F: Float> {
    schema: Table<F>,
    categories: Vec<ColumnCategories>,
    /// Per output column (column-major over classes within a feature), the encoding of each
    /// category.
    encodings: Vec<Vec<f64>>,
    /// The target mean of each output per feature (one for continuous or binary targets).
    means: Vec<f64>,
    /// Class names of a multiclass target (empty otherwise).
    classes: Vec<usize>,
}

/// The target as one or more real columns (binary: the larger class's indicator; multiclass:
/// one indicator per class) and the class labels of the outputs.
fn target_columns(target: EncoderTarget<'_>) -> Result<(Vec<Vec<f64>>, Vec<usize>)> {
    match target {
        EncoderTarget::Continuous(v) => {
            if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                return Err(Error::non_finite(
                    CONTEXT,
                    format!("target[{i}] = {}", v[i]),
                ));
            }
            Ok((vec![v.to_vec()], Vec::new()))
        }
        EncoderTarget::Classes(c) => {
            let mut classes: Vec<usize> = c.to_vec();
            classes.sort_unstable();
            classes.dedup();
            match classes.len() {
                0 | 1 => Err(Error::value(
                    CONTEXT,
                    "class labels with at least 2 classes",
                    format!("{} class", classes.len()),
                )),
                2 => Ok((
                    vec![c
                        .iter()
                        .map(|&k| f64::from(u8::from(k == classes[1])))
                        .collect()],
                    Vec::new(),
                )),
                _ => Ok((
                    classes
                        .iter()
                        .map(|&k| c.iter().map(|&v| f64::from(u8::from(v == k))).collect())
                        .collect(),
                    classes,
                )),
            }
        }
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

impl TargetEncoder {
    /// scikit-learn's defaults: automatic smoothing, 5 folds, no shuffling.
    ///
    /// ```
    /// let e = tuneup::data::TargetEncoder::new();
    /// # let _ = e;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the smoothing (a negative or non-finite value is an [`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::{Smooth, TargetEncoder};
    /// assert!(TargetEncoder::new().smooth(Smooth::Value(-1.0)).is_err());
    /// ```
    pub fn smooth(mut self, smooth: Smooth) -> Result<Self> {
        if let Smooth::Value(m) = smooth {
            if !(m >= 0.0 && m.is_finite()) {
                return Err(Error::config(
                    "TargetEncoder.smooth",
                    m,
                    "a finite number ≥ 0",
                ));
            }
        }
        self.smooth = smooth;
        Ok(self)
    }

    /// Sets the number of cross-fitting folds (at least 2).
    ///
    /// ```
    /// assert!(tuneup::data::TargetEncoder::new().cv(1).is_err());
    /// ```
    pub fn cv(mut self, folds: usize) -> Result<Self> {
        if folds < 2 {
            return Err(Error::config("TargetEncoder.cv", folds, "at least 2"));
        }
        self.cv = folds;
        Ok(self)
    }

    /// Shuffles the rows with `seed` before cutting the folds.
    ///
    /// ```
    /// let e = tuneup::data::TargetEncoder::new().shuffle(7);
    /// # let _ = e;
    /// ```
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.shuffle = Some(seed);
        self
    }

    /// Learns the encodings from all rows of `table` (for transforming other data).
    ///
    /// Errors: a table without rows or columns ([`Error::Shape`]); a target of another length
    /// ([`Error::Shape`]); a non-finite target ([`Error::NonFinite`]); fewer than two classes
    /// ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::{Column, EncoderTarget, Table, TargetEncoder};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["x", "y"])])?;
    /// assert!(TargetEncoder::new().fit(&t, EncoderTarget::Continuous(&[1.0])).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(
        &self,
        table: &Table<F>,
        target: EncoderTarget<'_>,
    ) -> Result<FittedTargetEncoder<F>> {
        check_fit_table(CONTEXT, table)?;
        if target.len() != table.n_rows() {
            return Err(Error::shape(
                CONTEXT,
                format!("one target per row ({} rows)", table.n_rows()),
                format!("{} targets", target.len()),
            ));
        }
        let (ys, classes) = target_columns(target)?;
        let categories: Vec<ColumnCategories> =
            table.columns().iter().map(ColumnCategories::fit).collect();
        let codes = codes_of(table, &categories);
        let rows: Vec<usize> = (0..table.n_rows()).collect();
        let (encodings, means) = self.encode(&codes, &categories, &ys, &rows);
        Ok(FittedTargetEncoder {
            schema: table.schema(),
            categories,
            encodings,
            means,
            classes,
        })
    }

    /// Fits on all rows and returns the training rows encoded by cross fitting (see the type's
    /// documentation), with the fitted encoder for other data.
    ///
    /// Errors: those of [`fit`](Self::fit); fewer rows than folds, or (for classes) a class
    /// with fewer rows than folds ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::{Column, EncoderTarget, Smooth, Table, TargetEncoder};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["a", "a", "a", "b", "b", "b"])])?;
    /// let y = [1.0, 2.0, 3.0, 10.0, 11.0, 12.0];
    /// let enc = TargetEncoder::new().cv(3)?.smooth(Smooth::Value(0.0))?;
    /// let (_, z) = enc.fit_transform(&t, EncoderTarget::Continuous(&y))?;
    /// // Row 0's fold holds rows 0 and 1, so its encoding is the mean of `a` over row 2 alone.
    /// assert_eq!(z[[0, 0]], 3.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_transform<F: Float>(
        &self,
        table: &Table<F>,
        target: EncoderTarget<'_>,
    ) -> Result<(FittedTargetEncoder<F>, Array2<F>)> {
        let fitted = self.fit(table, target)?;
        let (ys, _) = target_columns(target)?;
        let codes = codes_of(table, &fitted.categories);
        let folds: Vec<(Vec<usize>, Vec<usize>)> = match (target, self.shuffle) {
            (EncoderTarget::Classes(c), None) => StratifiedKFold::new(self.cv)?.split(c)?.collect(),
            (EncoderTarget::Classes(c), Some(s)) => StratifiedKFold::new(self.cv)?
                .shuffle(s)
                .split(c)?
                .collect(),
            (EncoderTarget::Continuous(_), None) => {
                KFold::new(self.cv)?.split(table.n_rows())?.collect()
            }
            (EncoderTarget::Continuous(_), Some(s)) => KFold::new(self.cv)?
                .shuffle(s)
                .split(table.n_rows())?
                .collect(),
        };
        let width = fitted.encodings.len();
        let mut out = Array2::zeros((table.n_rows(), width));
        for (train, test) in folds {
            let (encodings, _) = self.encode(&codes, &fitted.categories, &ys, &train);
            let per_feature = width / codes.len();
            for (e, enc) in encodings.iter().enumerate() {
                let feature = e / per_feature;
                for &r in &test {
                    out[[r, e]] = F::cast(enc[codes[feature][r]]);
                }
            }
        }
        Ok((fitted, out))
    }

    /// The encodings of every output column learnt from the rows `rows`, and the targets'
    /// means over them.
    fn encode(
        &self,
        codes: &[Vec<usize>],
        categories: &[ColumnCategories],
        ys: &[Vec<f64>],
        rows: &[usize],
    ) -> (Vec<Vec<f64>>, Vec<f64>) {
        let sub: Vec<Vec<f64>> = ys
            .iter()
            .map(|y| rows.iter().map(|&r| y[r]).collect())
            .collect();
        let means: Vec<f64> = sub.iter().map(|y| mean(y)).collect();
        let mut encodings = Vec::with_capacity(codes.len() * ys.len());
        for (f, cats) in categories.iter().enumerate() {
            let fc: Vec<usize> = rows.iter().map(|&r| codes[f][r]).collect();
            for (y, &m) in sub.iter().zip(&means) {
                encodings.push(self.encode_feature(&fc, cats.len(), y, m));
            }
        }
        (encodings, means)
    }

    /// scikit-learn's `_fit_encoding_fast` / `_fit_encoding_fast_auto_smooth` for one feature.
    fn encode_feature(&self, codes: &[usize], n_cats: usize, y: &[f64], y_mean: f64) -> Vec<f64> {
        let mut sums = vec![0.0; n_cats];
        let mut counts = vec![0.0; n_cats];
        for (&c, &v) in codes.iter().zip(y) {
            sums[c] += v;
            counts[c] += 1.0;
        }
        match self.smooth {
            Smooth::Value(m) => (0..n_cats)
                .map(|c| {
                    let n = counts[c] + m;
                    if n == 0.0 {
                        y_mean
                    } else {
                        (sums[c] + m * y_mean) / n
                    }
                })
                .collect(),
            Smooth::Auto => {
                let var =
                    y.iter().map(|v| (v - y_mean) * (v - y_mean)).sum::<f64>() / y.len() as f64;
                let means: Vec<f64> = (0..n_cats).map(|c| sums[c] / counts[c]).collect();
                let mut ssd = vec![0.0; n_cats];
                for (&c, &v) in codes.iter().zip(y) {
                    ssd[c] += (v - means[c]) * (v - means[c]);
                }
                (0..n_cats)
                    .map(|c| {
                        let lambda = var * counts[c] / (var * counts[c] + ssd[c] / counts[c]);
                        if lambda.is_nan() {
                            y_mean
                        } else {
                            lambda * means[c] + (1.0 - lambda) * y_mean
                        }
                    })
                    .collect()
            }
        }
    }
}

/// Each column's category codes (every value is known: the categories come from the table).
fn codes_of<F: Float>(table: &Table<F>, categories: &[ColumnCategories]) -> Vec<Vec<usize>> {
    table
        .columns()
        .iter()
        .zip(categories)
        .map(|(col, cats)| {
            (0..table.n_rows())
                .map(|r| cats.code(col, r).unwrap_or(0))
                .collect()
        })
        .collect()
}

impl<F: Float> FittedTargetEncoder<F> {
    /// The encoded `table`: one column per input column (per column and class for a
    /// multiclass target); categories unseen by fit get the target mean.
    ///
    /// Errors: other column names or kinds than fit saw ([`Error::Shape`] / [`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::{Column, EncoderTarget, Table, TargetEncoder};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["x", "y"])])?;
    /// let enc = TargetEncoder::new().fit(&t, EncoderTarget::Continuous(&[0.0, 1.0]))?;
    /// let other = Table::new(["d"], vec![Column::categorical(["x"])])?;
    /// assert!(enc.transform(&other).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, table: &Table<F>) -> Result<Array2<F>> {
        self.schema.check_same_schema(CONTEXT, table)?;
        let per_feature = self.means.len();
        let mut out = Array2::zeros((table.n_rows(), self.encodings.len()));
        for (f, (col, cats)) in table.columns().iter().zip(&self.categories).enumerate() {
            for r in 0..table.n_rows() {
                let code = cats.code(col, r).ok();
                for k in 0..per_feature {
                    let e = f * per_feature + k;
                    out[[r, e]] = F::cast(code.map_or(self.means[k], |c| self.encodings[e][c]));
                }
            }
        }
        Ok(out)
    }

    /// The output names: the input names, or `{column}_{class}` for a multiclass target.
    ///
    /// ```
    /// use tuneup::data::{Column, EncoderTarget, Table, TargetEncoder};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["x", "y"])])?;
    /// let enc = TargetEncoder::new().fit(&t, EncoderTarget::Classes(&[0, 1]))?;
    /// assert_eq!(enc.feature_names_out(), ["c"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn feature_names_out(&self) -> Vec<String> {
        if self.classes.is_empty() {
            return self.schema.names().to_vec();
        }
        self.schema
            .names()
            .iter()
            .flat_map(|n| self.classes.iter().map(move |c| format!("{n}_{c}")))
            .collect()
    }

    /// The target mean(s) seen by fit (scikit-learn's `target_mean_`).
    ///
    /// ```
    /// use tuneup::data::{Column, EncoderTarget, Table, TargetEncoder};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["x", "y"])])?;
    /// let enc = TargetEncoder::new().fit(&t, EncoderTarget::Continuous(&[2.0, 4.0]))?;
    /// assert_eq!(enc.target_mean(), &[3.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn target_mean(&self) -> &[f64] {
        &self.means
    }
}

impl<F: Float> FittedTableTransformer<F> for FittedTargetEncoder<F> {
    fn transform_table(&self, table: &Table<F>) -> Result<Array2<F>> {
        self.transform(table)
    }

    fn feature_names_out(&self) -> Vec<String> {
        FittedTargetEncoder::feature_names_out(self)
    }

    fn n_features_in(&self) -> usize {
        self.schema.n_columns()
    }
}
