//! One-hot encoding of table columns with scikit-learn's `OneHotEncoder` semantics
//! (categories, unknown values, infrequent categories, dropped columns, feature names).

use ndarray::Array2;

use super::categories::{Category, ColumnCategories};
use super::infrequent::{
    check_max_categories, check_min_frequency, grouped_codes, infrequent_list, Infrequent,
    MinFrequency,
};
use super::table::Table;
use super::table_transformer::{FittedTableTransformer, TableTransformer};
use crate::{Error, Float, Result};

const CONTEXT: &str = "OneHotEncoder";

/// What the encoders do with a category that `fit` did not see (scikit-learn's
/// `handle_unknown`).
///
/// ```
/// use tuneup::data::HandleUnknown;
/// assert_eq!(HandleUnknown::default(), HandleUnknown::Error);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HandleUnknown {
    /// An [`Error::Value`] naming the column and the value (the default).
    #[default]
    Error,
    /// All zeros in the column's outputs.
    Ignore,
    /// The column's infrequent category when it has one, all zeros otherwise.
    InfrequentIfExist,
}

/// Which output column of each input column is dropped (scikit-learn's `drop`).
///
/// ```
/// use tuneup::data::DropCategory;
/// assert_ne!(DropCategory::First, DropCategory::IfBinary);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropCategory {
    /// The first category of every column (after infrequent grouping).
    First,
    /// The first category of columns with exactly two output categories.
    IfBinary,
}

/// One-hot encoding of every column of a [`Table`] (scikit-learn's `OneHotEncoder` with
/// `sparse_output=False`).
///
/// Categories are each column's distinct values sorted (text by code point, numbers
/// numerically), the missing value (`None` / `NaN`) last as a category of its own. With
/// [`min_frequency`](Self::min_frequency) or [`max_categories`](Self::max_categories), rare
/// categories are grouped into one output named `{column}_infrequent_sklearn`, placed after
/// the frequent ones. [`drop`](Self::drop) removes one output per column. Output columns are
/// named `{column}_{category}`.
///
/// ```
/// use tuneup::data::{Column, HandleUnknown, OneHotEncoder, Table};
/// let train = Table::new(["color"], vec![Column::<f64>::categorical(["red", "blue", "red"])])?;
/// let enc = OneHotEncoder::new().handle_unknown(HandleUnknown::Ignore).fit(&train)?;
/// assert_eq!(enc.feature_names_out(), ["color_blue", "color_red"]);
/// let test = Table::new(["color"], vec![Column::categorical(["red", "green"])])?;
/// let z = enc.transform(&test)?;
/// assert_eq!(z.row(0).to_vec(), vec![0.0, 1.0]);
/// assert_eq!(z.row(1).to_vec(), vec![0.0, 0.0]); // unknown: all zeros
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OneHotEncoder {
    handle_unknown: HandleUnknown,
    infrequent: Infrequent,
    drop: Option<DropCategory>,
}

/// The fitted encoding of one input column.
#[derive(Debug, Clone, PartialEq)]
struct ColumnEncoding {
    categories: ColumnCategories,
    /// Indices (into the categories) of the infrequent ones, if any.
    infrequent: Option<Vec<usize>>,
    /// Category index → grouped index (frequent ones in order, the infrequent group last).
    grouped: Vec<usize>,
    n_grouped: usize,
    /// The grouped index dropped, if any.
    dropped: Option<usize>,
}

impl ColumnEncoding {
    fn n_out(&self) -> usize {
        self.n_grouped - usize::from(self.dropped.is_some())
    }

    /// The output position (within this column's outputs) of grouped index `g`, if kept.
    fn position(&self, g: usize) -> Option<usize> {
        match self.dropped {
            Some(d) if g == d => None,
            Some(d) if g > d => Some(g - 1),
            _ => Some(g),
        }
    }

    /// The grouped names of the categories (frequent ones, then `infrequent_sklearn`).
    fn grouped_names(&self) -> Vec<String> {
        let list = self.categories.list();
        let mut names: Vec<String> = match &self.infrequent {
            None => list.iter().map(ToString::to_string).collect(),
            Some(inf) => (0..list.len())
                .filter(|i| !inf.contains(i))
                .map(|i| list[i].to_string())
                .collect(),
        };
        if self.infrequent.is_some() {
            names.push("infrequent_sklearn".into());
        }
        names
    }
}

/// A [`OneHotEncoder`] fitted to a table.
///
/// ```
/// use tuneup::data::{Column, DropCategory, OneHotEncoder, Table};
/// let t = Table::new(["s"], vec![Column::<f64>::categorical(["m", "f", "m"])])?;
/// let enc = OneHotEncoder::new().drop(DropCategory::IfBinary).fit(&t)?;
/// assert_eq!(enc.feature_names_out(), ["s_m"]);
/// assert_eq!(enc.transform(&t)?.column(0).to_vec(), vec![1.0, 0.0, 1.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedOneHotEncoder<F: Float> {
    settings: OneHotEncoder,
    schema: Table<F>,
    columns: Vec<ColumnEncoding>,
}

impl OneHotEncoder {
    /// An encoder with scikit-learn's defaults: unknown categories are errors, no infrequent
    /// grouping, nothing dropped.
    ///
    /// ```
    /// let enc = tuneup::data::OneHotEncoder::new();
    /// # let _ = enc;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets what happens to categories unseen by fit.
    ///
    /// ```
    /// use tuneup::data::{HandleUnknown, OneHotEncoder};
    /// let enc = OneHotEncoder::new().handle_unknown(HandleUnknown::InfrequentIfExist);
    /// # let _ = enc;
    /// ```
    pub fn handle_unknown(mut self, handle: HandleUnknown) -> Self {
        self.handle_unknown = handle;
        self
    }

    /// Groups categories rarer than `min` into one infrequent category.
    ///
    /// Errors: a count of 0 or a fraction outside `(0, 1)` ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::{MinFrequency, OneHotEncoder};
    /// assert!(OneHotEncoder::new().min_frequency(MinFrequency::Count(0)).is_err());
    /// assert!(OneHotEncoder::new().min_frequency(MinFrequency::Fraction(1.0)).is_err());
    /// ```
    pub fn min_frequency(mut self, min: MinFrequency) -> Result<Self> {
        self.infrequent.min_frequency =
            Some(check_min_frequency("OneHotEncoder.min_frequency", min)?);
        Ok(self)
    }

    /// Keeps at most `max` output categories per column, the infrequent group included
    /// (scikit-learn's `max_categories`; the rarest are grouped first, ties by stable order).
    ///
    /// Errors: 0 ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::{Column, OneHotEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["a", "a", "b", "c"])])?;
    /// let enc = OneHotEncoder::new().max_categories(2)?.fit(&t)?;
    /// assert_eq!(enc.feature_names_out(), ["c_a", "c_infrequent_sklearn"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn max_categories(mut self, max: usize) -> Result<Self> {
        self.infrequent.max_categories =
            Some(check_max_categories("OneHotEncoder.max_categories", max)?);
        Ok(self)
    }

    /// Drops one output per column (`First`, or `IfBinary` for two-category columns).
    ///
    /// ```
    /// use tuneup::data::{Column, DropCategory, OneHotEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["a", "b", "c"])])?;
    /// let enc = OneHotEncoder::new().drop(DropCategory::First).fit(&t)?;
    /// assert_eq!(enc.feature_names_out(), ["c_b", "c_c"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn drop(mut self, drop: DropCategory) -> Self {
        self.drop = Some(drop);
        self
    }

    /// Learns each column's categories from `table`.
    ///
    /// Errors: a table without rows or columns ([`Error::Shape`]).
    ///
    /// ```
    /// use tuneup::data::{Column, OneHotEncoder, Table};
    /// let t = Table::new(["n"], vec![Column::Numeric(vec![2.0, f64::NAN, 1.0])])?;
    /// let enc = OneHotEncoder::new().fit(&t)?;
    /// assert_eq!(enc.feature_names_out(), ["n_1.0", "n_2.0", "n_nan"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, table: &Table<F>) -> Result<FittedOneHotEncoder<F>> {
        check_fit_table(CONTEXT, table)?;
        let columns = table
            .columns()
            .iter()
            .map(|c| self.encode_column(ColumnCategories::fit(c), table.n_rows()))
            .collect();
        Ok(FittedOneHotEncoder {
            settings: self.clone(),
            schema: table.schema(),
            columns,
        })
    }

    fn encode_column(&self, categories: ColumnCategories, n_rows: usize) -> ColumnEncoding {
        let infrequent = self.infrequent.identify(categories.counts(), n_rows);
        let (grouped, n_grouped) = grouped_codes(categories.len(), infrequent.as_deref());
        let dropped = match self.drop {
            None => None,
            Some(DropCategory::First) => Some(0),
            Some(DropCategory::IfBinary) => (n_grouped == 2).then_some(0),
        };
        ColumnEncoding {
            categories,
            infrequent,
            grouped,
            n_grouped,
            dropped,
        }
    }
}

/// Checks a table given to an encoder's fit: at least one row and one column.
pub(crate) fn check_fit_table<F: Float>(context: &str, table: &Table<F>) -> Result<()> {
    if table.n_rows() == 0 || table.n_columns() == 0 {
        return Err(Error::shape(
            format!("{context}.fit"),
            "a table with at least one row and one column",
            format!("{}×{} table", table.n_rows(), table.n_columns()),
        ));
    }
    Ok(())
}

/// The error for a category unseen by fit, naming the column and the value.
pub(crate) fn unknown_category(context: &str, column: &str, row: usize, value: &str) -> Error {
    Error::value(
        format!("{context}.transform, column `{column}`"),
        "a category seen by fit (or set handle_unknown to ignore it)",
        format!("unknown category `{value}` in row {row}"),
    )
}

impl<F: Float> FittedOneHotEncoder<F> {
    /// The categories of input column `j`, in order (scikit-learn's `categories_[j]`), or
    /// `None` beyond the last column.
    ///
    /// ```
    /// use tuneup::data::{Category, Column, OneHotEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::Categorical(vec![Some("b".into()), None])])?;
    /// let enc = OneHotEncoder::new().fit(&t)?;
    /// assert_eq!(enc.categories(0).unwrap(), [Category::Text("b".into()), Category::Missing]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn categories(&self, j: usize) -> Option<Vec<Category>> {
        self.columns.get(j).map(|c| c.categories.list())
    }

    /// The infrequent categories of input column `j` (scikit-learn's
    /// `infrequent_categories_[j]`): empty when it has none.
    ///
    /// ```
    /// use tuneup::data::{Category, Column, MinFrequency, OneHotEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["a", "a", "b"])])?;
    /// let enc = OneHotEncoder::new().min_frequency(MinFrequency::Count(2))?.fit(&t)?;
    /// assert_eq!(enc.infrequent_categories(0), [Category::Text("b".into())]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn infrequent_categories(&self, j: usize) -> Vec<Category> {
        self.columns.get(j).map_or_else(Vec::new, |col| {
            infrequent_list(&col.categories, col.infrequent.as_deref())
        })
    }

    /// The output column names, `{column}_{category}` (scikit-learn's
    /// `get_feature_names_out`).
    ///
    /// ```
    /// use tuneup::data::{Column, OneHotEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["y", "x"])])?;
    /// assert_eq!(OneHotEncoder::new().fit(&t)?.feature_names_out(), ["c_x", "c_y"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn feature_names_out(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, col) in self.schema.names().iter().zip(&self.columns) {
            for (g, cat) in col.grouped_names().iter().enumerate() {
                if col.position(g).is_some() {
                    out.push(format!("{name}_{cat}"));
                }
            }
        }
        out
    }

    /// The number of output columns.
    ///
    /// ```
    /// use tuneup::data::{Column, OneHotEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["y", "x"])])?;
    /// assert_eq!(OneHotEncoder::new().fit(&t)?.n_features_out(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features_out(&self) -> usize {
        self.columns.iter().map(ColumnEncoding::n_out).sum()
    }

    /// The one-hot matrix of `table` (one row per row, [`n_features_out`](Self::n_features_out)
    /// columns of 0 and 1).
    ///
    /// Errors: other column names or kinds than fit saw ([`Error::Shape`] /
    /// [`Error::Value`]); with [`HandleUnknown::Error`], an unseen category
    /// ([`Error::Value`] naming the column, the value and the row).
    ///
    /// ```
    /// use tuneup::data::{Column, OneHotEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["y", "x"])])?;
    /// let enc = OneHotEncoder::new().fit(&t)?;
    /// let bad = Table::new(["c"], vec![Column::categorical(["z"])])?;
    /// let msg = enc.transform(&bad).unwrap_err().to_string();
    /// assert!(msg.contains("column `c`") && msg.contains("`z`"), "{msg}");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, table: &Table<F>) -> Result<Array2<F>> {
        self.schema.check_same_schema(CONTEXT, table)?;
        let mut out = Array2::zeros((table.n_rows(), self.n_features_out()));
        let mut offset = 0;
        for ((name, col), enc) in table.names().iter().zip(table.columns()).zip(&self.columns) {
            for r in 0..table.n_rows() {
                let grouped = match enc.categories.code(col, r) {
                    Ok(code) => Some(enc.grouped[code]),
                    Err(value) => match self.settings.handle_unknown {
                        HandleUnknown::Error => {
                            return Err(unknown_category(CONTEXT, name, r, &value))
                        }
                        HandleUnknown::Ignore => None,
                        HandleUnknown::InfrequentIfExist => {
                            enc.infrequent.as_ref().map(|_| enc.n_grouped - 1)
                        }
                    },
                };
                if let Some(p) = grouped.and_then(|g| enc.position(g)) {
                    out[[r, offset + p]] = F::one();
                }
            }
            offset += enc.n_out();
        }
        Ok(out)
    }
}

impl<F: Float> TableTransformer<F> for OneHotEncoder {
    fn fit_table(&self, table: &Table<F>) -> Result<Box<dyn FittedTableTransformer<F>>> {
        Ok(Box::new(self.fit(table)?))
    }

    fn table_name(&self) -> String {
        CONTEXT.to_string()
    }
}

impl<F: Float> FittedTableTransformer<F> for FittedOneHotEncoder<F> {
    fn transform_table(&self, table: &Table<F>) -> Result<Array2<F>> {
        self.transform(table)
    }

    fn feature_names_out(&self) -> Vec<String> {
        FittedOneHotEncoder::feature_names_out(self)
    }

    fn n_features_in(&self) -> usize {
        self.schema.n_columns()
    }
}
