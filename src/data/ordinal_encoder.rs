//! Ordinal (integer code) encoding of table columns with scikit-learn's `OrdinalEncoder`
//! semantics.

use ndarray::Array2;

use super::categories::{Category, ColumnCategories};
use super::one_hot_encoder::{check_fit_table, unknown_category};
use super::table::Table;
use super::table_transformer::{FittedTableTransformer, TableTransformer};
use crate::{Error, Float, Result};

const CONTEXT: &str = "OrdinalEncoder";

/// Each column's categories replaced by their index in the sorted categories (scikit-learn's
/// `OrdinalEncoder`): text sorted by code point, numbers numerically.
///
/// A missing value (`None` / `NaN`) is encoded as [`encoded_missing_value`]
/// (default `NaN`, as scikit-learn), and a category unseen by fit is an error unless
/// [`unknown_value`] gives it a code. Output columns keep the input names.
///
/// [`encoded_missing_value`]: Self::encoded_missing_value
/// [`unknown_value`]: Self::unknown_value
///
/// ```
/// use tuneup::data::{Column, OrdinalEncoder, Table};
/// let train = Table::new(["size"], vec![Column::<f64>::Categorical(vec![
///     Some("M".into()), Some("L".into()), None, Some("S".into()),
/// ])])?;
/// let enc = OrdinalEncoder::new().unknown_value(-1.0)?.fit(&train)?;
/// let z = enc.transform(&train)?;
/// assert_eq!(z.column(0).slice(ndarray::s![..2]).to_vec(), vec![1.0, 0.0]); // L < M < S
/// assert!(z[[2, 0]].is_nan());
/// let test = Table::new(["size"], vec![Column::categorical(["XL"])])?;
/// assert_eq!(enc.transform(&test)?[[0, 0]], -1.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OrdinalEncoder {
    unknown_value: Option<f64>,
    encoded_missing_value: f64,
}

impl Default for OrdinalEncoder {
    fn default() -> Self {
        OrdinalEncoder {
            unknown_value: None,
            encoded_missing_value: f64::NAN,
        }
    }
}

/// An [`OrdinalEncoder`] fitted to a table.
///
/// ```
/// use tuneup::data::{Column, OrdinalEncoder, Table};
/// let t = Table::new(["n"], vec![Column::Numeric(vec![10.0, 2.0, 10.0])])?;
/// let enc = OrdinalEncoder::new().fit(&t)?;
/// assert_eq!(enc.transform(&t)?.column(0).to_vec(), vec![1.0, 0.0, 1.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedOrdinalEncoder<F: Float> {
    settings: OrdinalEncoder,
    schema: Table<F>,
    columns: Vec<ColumnCategories>,
}

impl OrdinalEncoder {
    /// An encoder with scikit-learn's defaults: unknown categories are errors, missing values
    /// are encoded as `NaN`.
    ///
    /// ```
    /// let enc = tuneup::data::OrdinalEncoder::new();
    /// # let _ = enc;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Encodes unseen categories as `value` (scikit-learn's `handle_unknown =
    /// "use_encoded_value"` with `unknown_value`): `NaN` or a whole number; fit rejects a
    /// value that is also the code of a seen category.
    ///
    /// Errors: a value that is neither `NaN` nor a whole number ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::OrdinalEncoder;
    /// assert!(OrdinalEncoder::new().unknown_value(0.5).is_err());
    /// assert!(OrdinalEncoder::new().unknown_value(f64::NAN).is_ok());
    /// ```
    pub fn unknown_value(mut self, value: f64) -> Result<Self> {
        if !(value.is_nan() || (value.is_finite() && value.fract() == 0.0)) {
            return Err(Error::config(
                "OrdinalEncoder.unknown_value",
                value,
                "NaN or a whole number",
            ));
        }
        self.unknown_value = Some(value);
        Ok(self)
    }

    /// The code written for a missing value (default `NaN`); fit rejects a code of a seen
    /// category.
    ///
    /// Errors: an infinite value ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::{Column, OrdinalEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::Categorical(vec![Some("a".into()), None])])?;
    /// let enc = OrdinalEncoder::new().encoded_missing_value(-2.0)?.fit(&t)?;
    /// assert_eq!(enc.transform(&t)?.column(0).to_vec(), vec![0.0, -2.0]);
    /// assert!(OrdinalEncoder::new().encoded_missing_value(0.0)?.fit(&t).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn encoded_missing_value(mut self, value: f64) -> Result<Self> {
        if value.is_infinite() {
            return Err(Error::config(
                "OrdinalEncoder.encoded_missing_value",
                value,
                "NaN or a finite number",
            ));
        }
        self.encoded_missing_value = value;
        Ok(self)
    }

    /// Learns each column's categories from `table`.
    ///
    /// Errors: a table without rows or columns ([`Error::Shape`]); an `unknown_value` or
    /// `encoded_missing_value` that is the code of a seen category ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::{Column, OrdinalEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["a", "b"])])?;
    /// assert!(OrdinalEncoder::new().unknown_value(1.0)?.fit(&t).is_err());
    /// assert!(OrdinalEncoder::new().unknown_value(2.0)?.fit(&t).is_ok());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, table: &Table<F>) -> Result<FittedOrdinalEncoder<F>> {
        check_fit_table(CONTEXT, table)?;
        let columns: Vec<ColumnCategories> =
            table.columns().iter().map(ColumnCategories::fit).collect();
        let used = |v: f64, cats: &ColumnCategories| v >= 0.0 && v < cats.n_present() as f64;
        if let Some(u) = self.unknown_value {
            if columns.iter().any(|c| used(u, c)) {
                return Err(Error::config(
                    "OrdinalEncoder.unknown_value",
                    u,
                    "a value not already used for encoding the seen categories",
                ));
            }
        }
        let m = self.encoded_missing_value;
        if columns
            .iter()
            .any(|c| c.missing_index().is_some() && used(m, c))
        {
            return Err(Error::config(
                "OrdinalEncoder.encoded_missing_value",
                m,
                "a value not already used to encode a known category",
            ));
        }
        Ok(FittedOrdinalEncoder {
            settings: self.clone(),
            schema: table.schema(),
            columns,
        })
    }
}

impl<F: Float> FittedOrdinalEncoder<F> {
    /// The categories of input column `j`, in code order, or `None` beyond the last column.
    ///
    /// ```
    /// use tuneup::data::{Category, Column, OrdinalEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["b", "a"])])?;
    /// let enc = OrdinalEncoder::new().fit(&t)?;
    /// assert_eq!(enc.categories(0).unwrap()[0], Category::Text("a".into()));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn categories(&self, j: usize) -> Option<Vec<Category>> {
        self.columns.get(j).map(ColumnCategories::list)
    }

    /// The output names: the input column names.
    ///
    /// ```
    /// use tuneup::data::{Column, OrdinalEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["b"])])?;
    /// assert_eq!(OrdinalEncoder::new().fit(&t)?.feature_names_out(), ["c"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn feature_names_out(&self) -> Vec<String> {
        self.schema.names().to_vec()
    }

    /// The codes of `table` (one column per input column).
    ///
    /// Errors: other column names or kinds than fit saw ([`Error::Shape`] /
    /// [`Error::Value`]); without an `unknown_value`, an unseen category ([`Error::Value`]
    /// naming the column, the value and the row).
    ///
    /// ```
    /// use tuneup::data::{Column, OrdinalEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["b"])])?;
    /// let enc = OrdinalEncoder::new().fit(&t)?;
    /// let bad = Table::new(["c"], vec![Column::categorical(["q"])])?;
    /// assert!(enc.transform(&bad).unwrap_err().to_string().contains("`q`"));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, table: &Table<F>) -> Result<Array2<F>> {
        self.schema.check_same_schema(CONTEXT, table)?;
        let mut out = Array2::zeros((table.n_rows(), table.n_columns()));
        for (j, ((name, col), cats)) in table
            .names()
            .iter()
            .zip(table.columns())
            .zip(&self.columns)
            .enumerate()
        {
            for r in 0..table.n_rows() {
                let v = match cats.code(col, r) {
                    Ok(c) if Some(c) == cats.missing_index() => self.settings.encoded_missing_value,
                    Ok(c) => c as f64,
                    Err(value) => match self.settings.unknown_value {
                        Some(u) => u,
                        None => return Err(unknown_category(CONTEXT, name, r, &value)),
                    },
                };
                out[[r, j]] = F::cast(v);
            }
        }
        Ok(out)
    }
}

impl<F: Float> TableTransformer<F> for OrdinalEncoder {
    fn fit_table(&self, table: &Table<F>) -> Result<Box<dyn FittedTableTransformer<F>>> {
        Ok(Box::new(self.fit(table)?))
    }

    fn table_name(&self) -> String {
        CONTEXT.to_string()
    }
}

impl<F: Float> FittedTableTransformer<F> for FittedOrdinalEncoder<F> {
    fn transform_table(&self, table: &Table<F>) -> Result<Array2<F>> {
        self.transform(table)
    }

    fn feature_names_out(&self) -> Vec<String> {
        FittedOrdinalEncoder::feature_names_out(self)
    }

    fn n_features_in(&self) -> usize {
        self.schema.n_columns()
    }
}
