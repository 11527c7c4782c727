//! Transformers of [`Table`]s: [`TableTransformer`] (settings, fitted on a table) and
//! [`FittedTableTransformer`] (a matrix from any table of the same columns, with the output
//! columns' names), implemented by the encoders, [`ColumnTransformer`], [`Pipeline`] and, on
//! numeric tables, by every numeric transformer of [`crate::data`].
//!
//! [`ColumnTransformer`]: crate::data::ColumnTransformer
//! [`Pipeline`]: crate::data::Pipeline

use std::fmt::Debug;

use ndarray::Array2;

use super::table::Table;
use super::{
    Fit, FittedTransformer, KnnImputer, MinMaxScaler, MissingThreshold, OutlierDetector,
    PowerTransformer, Resampled, RobustScaler, StandardScaler, Transformer, VarianceThreshold,
    Winsorizer,
};
use crate::{Float, Result};

/// The settings of a transformer of [`Table`]s: `fit_table` learns from a table and returns a
/// separate [`FittedTableTransformer`]; object safe and cloneable behind a box, so that a
/// [`ColumnTransformer`](crate::data::ColumnTransformer) or
/// [`Pipeline`](crate::data::Pipeline) can hold any of them.
///
/// Every numeric transformer of [`crate::data`] implements it for tables whose columns are
/// all numeric (a categorical column is an [`Error::Value`]: encode it first).
///
/// [`Error::Value`]: crate::Error::Value
///
/// ```
/// use tuneup::data::{Column, StandardScaler, Table, TableTransformer};
/// let t = Table::new(["h"], vec![Column::Numeric(vec![1.0, 3.0])])?;
/// let fitted = StandardScaler::new().fit_table(&t)?;
/// assert_eq!(fitted.transform_table(&t)?.column(0).to_vec(), vec![-1.0, 1.0]);
/// assert_eq!(fitted.feature_names_out(), ["h"]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait TableTransformer<F: Float>: TableTransformerClone<F> + Send + Sync + Debug {
    /// Learns the transformation from `table`; the settings are left as they were.
    ///
    /// ```
    /// use tuneup::data::{Column, OneHotEncoder, Table, TableTransformer};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["b", "a"])])?;
    /// let fitted = OneHotEncoder::new().fit_table(&t)?;
    /// assert_eq!(fitted.n_features_out(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn fit_table(&self, table: &Table<F>) -> Result<Box<dyn FittedTableTransformer<F>>>;

    /// The transformer's type name, e.g. `"OneHotEncoder"`.
    ///
    /// ```
    /// use tuneup::data::{OneHotEncoder, TableTransformer};
    /// assert_eq!(TableTransformer::<f64>::table_name(&OneHotEncoder::new()), "OneHotEncoder");
    /// ```
    fn table_name(&self) -> String;

    /// Whether fitting changes the rows (a [`Pipeline`](crate::data::Pipeline) with
    /// resamplers): such a transformer is fitted with
    /// [`fit_resample_table`](Self::fit_resample_table) and labels. `false` by default.
    ///
    /// ```
    /// use tuneup::data::{Pipeline, RandomOverSampler, StandardScaler, TableTransformer};
    /// assert!(!TableTransformer::<f64>::table_resamples(&StandardScaler::new()));
    /// let pipe = Pipeline::<f64>::new().resample("over", RandomOverSampler::new());
    /// assert!(pipe.table_resamples());
    /// ```
    fn table_resamples(&self) -> bool {
        false
    }

    /// Fits on `table` with one class label per row and returns the fitted transformer with
    /// the training rows as fitting left them (resampled, for a pipeline with resamplers). By
    /// default: [`fit_table`](Self::fit_table), and the rows transformed with their labels
    /// unchanged.
    ///
    /// Errors: those of `fit_table` and `transform_table`; a resampler's own errors.
    ///
    /// ```
    /// use tuneup::data::{Pipeline, RandomOverSampler, StandardScaler, Table, TableTransformer};
    /// use ndarray::array;
    /// let t = Table::from_array(array![[0.0], [2.0], [4.0]].view())?;
    /// let (_, rows) = StandardScaler::new().fit_resample_table(&t, &[0, 0, 1])?;
    /// assert_eq!(rows.y, vec![0, 0, 1]);
    /// let pipe = Pipeline::new().resample("over", RandomOverSampler::new());
    /// let (_, rows) = pipe.fit_resample_table(&t, &[0, 0, 1])?;
    /// assert_eq!(rows.y.len(), 4); // class 1 copied up to 2 rows
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn fit_resample_table(
        &self,
        table: &Table<F>,
        y: &[usize],
    ) -> Result<(Box<dyn FittedTableTransformer<F>>, Resampled<F>)> {
        let fitted = self.fit_table(table)?;
        let x = fitted.transform_table(table)?;
        Ok((fitted, Resampled { x, y: y.to_vec() }))
    }
}

/// A [`TableTransformer`] fitted to a table: transforms any table with the same column names
/// and kinds into a matrix, and names its output columns (scikit-learn's
/// `get_feature_names_out`).
///
/// ```
/// use tuneup::data::{Column, OrdinalEncoder, Table, TableTransformer};
/// let t = Table::new(["c"], vec![Column::<f64>::categorical(["b", "a"])])?;
/// let fitted = OrdinalEncoder::new().fit_table(&t)?;
/// assert_eq!(fitted.transform_table(&t)?.column(0).to_vec(), vec![1.0, 0.0]);
/// assert_eq!(fitted.n_features_in(), 1);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait FittedTableTransformer<F: Float>:
    FittedTableTransformerClone<F> + Send + Sync + Debug
{
    /// The transformed matrix of `table`, which must have the column names and kinds seen by
    /// fit ([`Error::Shape`] or [`Error::Value`] otherwise).
    ///
    /// [`Error::Shape`]: crate::Error::Shape
    /// [`Error::Value`]: crate::Error::Value
    ///
    /// ```
    /// use tuneup::data::{Column, MinMaxScaler, Table, TableTransformer};
    /// let t = Table::new(["v"], vec![Column::Numeric(vec![0.0, 4.0])])?;
    /// let fitted = MinMaxScaler::default().fit_table(&t)?;
    /// let other = Table::new(["w"], vec![Column::Numeric(vec![2.0])])?;
    /// assert!(matches!(fitted.transform_table(&other), Err(tuneup::Error::Shape { .. })));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn transform_table(&self, table: &Table<F>) -> Result<Array2<F>>;

    /// The transformed `table` as a table: what a [`Pipeline`](crate::data::Pipeline) hands to
    /// its next step. By default the matrix of [`transform_table`](Self::transform_table) as a
    /// numeric table named by [`feature_names_out`](Self::feature_names_out); a step whose
    /// output keeps categorical columns (a [`SimpleImputer`](crate::data::SimpleImputer) on
    /// text) overrides it, so that an encoder can follow it.
    ///
    /// Errors: those of [`transform_table`](Self::transform_table).
    ///
    /// ```
    /// use tuneup::data::{Column, ImputeStrategy, SimpleImputer, StandardScaler, Table, TableTransformer};
    /// let t = Table::new(["h"], vec![Column::Numeric(vec![1.0, 3.0])])?;
    /// let scaled = StandardScaler::new().fit_table(&t)?.transform_to_table(&t)?;
    /// assert_eq!(scaled.columns()[0], Column::Numeric(vec![-1.0, 1.0]));
    /// let c = Table::<f64>::new(["c"], vec![Column::Categorical(vec![None, Some("x".into())])])?;
    /// let imputer = SimpleImputer::new(ImputeStrategy::MostFrequent)?.fit_table(&c)?;
    /// assert_eq!(imputer.transform_to_table(&c)?.columns()[0], Column::categorical(["x", "x"]));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn transform_to_table(&self, table: &Table<F>) -> Result<Table<F>> {
        let z = self.transform_table(table)?;
        Table::from_array_with_names(z.view(), self.feature_names_out())
    }

    /// The names of the output columns.
    ///
    /// ```
    /// use tuneup::data::{Column, OneHotEncoder, Table, TableTransformer};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["b", "a"])])?;
    /// let fitted = OneHotEncoder::new().fit_table(&t)?;
    /// assert_eq!(fitted.feature_names_out(), ["c_a", "c_b"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn feature_names_out(&self) -> Vec<String>;

    /// The number of input columns seen by fit.
    ///
    /// ```
    /// use tuneup::data::{Column, StandardScaler, Table, TableTransformer};
    /// let t = Table::new(["a", "b"], vec![Column::Numeric(vec![1.0]), Column::Numeric(vec![2.0])])?;
    /// assert_eq!(StandardScaler::new().fit_table(&t)?.n_features_in(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn n_features_in(&self) -> usize;

    /// The number of output columns.
    ///
    /// ```
    /// use tuneup::data::{Column, OneHotEncoder, Table, TableTransformer};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["x", "y", "z"])])?;
    /// assert_eq!(OneHotEncoder::new().fit_table(&t)?.n_features_out(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn n_features_out(&self) -> usize {
        self.feature_names_out().len()
    }
}

/// Cloning a [`TableTransformer`] behind a box (implemented for every `Clone` one).
///
/// ```
/// use tuneup::data::{OneHotEncoder, TableTransformer};
/// let b: Box<dyn TableTransformer<f64>> = Box::new(OneHotEncoder::new());
/// assert_eq!(b.clone().table_name(), "OneHotEncoder");
/// ```
pub trait TableTransformerClone<F: Float> {
    /// A boxed copy.
    ///
    /// ```
    /// use tuneup::data::{OrdinalEncoder, TableTransformer, TableTransformerClone};
    /// let b: Box<dyn TableTransformer<f32>> = OrdinalEncoder::new().clone_table_box();
    /// assert_eq!(b.table_name(), "OrdinalEncoder");
    /// ```
    fn clone_table_box(&self) -> Box<dyn TableTransformer<F>>;
}

impl<F: Float, T: TableTransformer<F> + Clone + 'static> TableTransformerClone<F> for T {
    fn clone_table_box(&self) -> Box<dyn TableTransformer<F>> {
        Box::new(self.clone())
    }
}

impl<F: Float> Clone for Box<dyn TableTransformer<F>> {
    fn clone(&self) -> Self {
        (**self).clone_table_box()
    }
}

/// Cloning a [`FittedTableTransformer`] behind a box (implemented for every `Clone` one).
///
/// ```
/// use tuneup::data::{Column, OneHotEncoder, Table, TableTransformer};
/// let t = Table::new(["c"], vec![Column::<f64>::categorical(["x"])])?;
/// let fitted = OneHotEncoder::new().fit_table(&t)?;
/// assert_eq!(fitted.clone().feature_names_out(), ["c_x"]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait FittedTableTransformerClone<F: Float> {
    /// A boxed copy.
    ///
    /// ```
    /// use tuneup::data::{Column, FittedTableTransformerClone, OneHotEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["x"])])?;
    /// let fitted = OneHotEncoder::new().fit(&t)?;
    /// assert_eq!(fitted.clone_fitted_table_box().n_features_in(), 1);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn clone_fitted_table_box(&self) -> Box<dyn FittedTableTransformer<F>>;
}

impl<F: Float, T: FittedTableTransformer<F> + Clone + 'static> FittedTableTransformerClone<F>
    for T
{
    fn clone_fitted_table_box(&self) -> Box<dyn FittedTableTransformer<F>> {
        Box::new(self.clone())
    }
}

impl<F: Float> Clone for Box<dyn FittedTableTransformer<F>> {
    fn clone(&self) -> Self {
        (**self).clone_fitted_table_box()
    }
}

/// A numeric transformer fitted on a numeric table: the fitted transformer, the schema seen
/// by fit and the output names.
#[derive(Debug, Clone)]
pub(crate) struct FittedNumeric<F: Float> {
    fitted: Box<dyn FittedTransformer<F>>,
    schema: Table<F>,
    names_out: Vec<String>,
}

impl<F: Float> FittedTableTransformer<F> for FittedNumeric<F> {
    fn transform_table(&self, table: &Table<F>) -> Result<Array2<F>> {
        self.schema.check_same_schema(&self.fitted.name(), table)?;
        self.fitted.transform(table.to_array()?.view())
    }

    fn feature_names_out(&self) -> Vec<String> {
        self.names_out.clone()
    }

    fn n_features_in(&self) -> usize {
        self.schema.n_columns()
    }
}

/// Names kept by a column filter: the input names of the kept columns.
fn kept_names(input: &[String], kept: &[usize]) -> Vec<String> {
    kept.iter().map(|&j| input[j].clone()).collect()
}

/// Names of a transformer whose output columns are not its input columns: scikit-learn's
/// `{class name in lower case}{i}`.
pub(crate) fn generated_names(name: &str, n: usize) -> Vec<String> {
    let stem = name.to_lowercase();
    (0..n).map(|i| format!("{stem}{i}")).collect()
}

/// Fits `settings` on the numeric `table`, naming the outputs with `names`.
fn fit_numeric<F: Float, T: Fit<F>>(
    settings: &T,
    table: &Table<F>,
    names: impl FnOnce(&T::Fitted, &[String]) -> Vec<String>,
) -> Result<Box<dyn FittedTableTransformer<F>>>
where
    T::Fitted: 'static,
{
    let x = table
        .to_array()
        .map_err(|e| e.within(Transformer::name(settings)))?;
    let fitted = settings.fit_typed(x.view())?;
    let names_out = names(&fitted, table.names());
    Ok(Box::new(FittedNumeric {
        fitted: Box::new(fitted),
        schema: table.schema(),
        names_out,
    }))
}

/// Implements [`TableTransformer`] for numeric transformers; `|fitted, input| names` gives
/// the output names.
macro_rules! numeric_table_transformer {
    ($($settings:ident => |$f:ident, $input:ident| $names:expr;)*) => {
        $(
            impl<F: Float> TableTransformer<F> for $settings {
                fn fit_table(
                    &self,
                    table: &Table<F>,
                ) -> Result<Box<dyn FittedTableTransformer<F>>> {
                    fit_numeric(self, table, |$f, $input| $names)
                }

                fn table_name(&self) -> String {
                    stringify!($settings).to_string()
                }
            }
        )*
    };
}

numeric_table_transformer! {
    StandardScaler => |_f, input| input.to_vec();
    MinMaxScaler => |_f, input| input.to_vec();
    RobustScaler => |_f, input| input.to_vec();
    PowerTransformer => |_f, input| input.to_vec();
    Winsorizer => |_f, input| input.to_vec();
    OutlierDetector => |_f, input| input.to_vec();
    KnnImputer => |f, input| without(input, &f.empty_features());
    VarianceThreshold => |f, input| kept_names(input, f.kept_columns());
    MissingThreshold => |f, input| kept_names(input, f.kept_columns());
}

/// The input names without the dropped columns (the KNN imputer drops all-missing columns
/// unless told to keep them).
fn without(input: &[String], dropped: &[usize]) -> Vec<String> {
    (0..input.len())
        .filter(|j| !dropped.contains(j))
        .map(|j| input[j].clone())
        .collect()
}

impl<F: Float> TableTransformer<F> for Box<dyn Transformer<F>> {
    /// Fits any boxed numeric transformer; outputs keep the input names when the width is
    /// unchanged, and are named `{name}{i}` otherwise.
    fn fit_table(&self, table: &Table<F>) -> Result<Box<dyn FittedTableTransformer<F>>> {
        let x = table.to_array().map_err(|e| e.within(self.name()))?;
        let fitted = Transformer::fit(&**self, x.view())?;
        let names_out = if fitted.n_features_out() == table.n_columns() {
            table.names().to_vec()
        } else {
            generated_names(&self.name(), fitted.n_features_out())
        };
        Ok(Box::new(FittedNumeric {
            fitted,
            schema: table.schema(),
            names_out,
        }))
    }

    fn table_name(&self) -> String {
        self.name()
    }
}
