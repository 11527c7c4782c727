//! Ordinal (integer code) encoding of table columns with scikit-learn's `OrdinalEncoder`
//! semantics.

use ndarray::Array2;

use super::categories::{Category, ColumnCategories};
use super::infrequent::{
    check_max_categories, check_min_frequency, grouped_codes, infrequent_list, Infrequent,
    MinFrequency,
};
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
/// With [`min_frequency`] or [`max_categories`] (scikit-learn ≥ 1.3), rare categories share
/// one code placed after the frequent ones' codes; the missing value is never grouped (it
/// keeps `encoded_missing_value`) and does not count towards `max_categories`.
///
/// [`encoded_missing_value`]: Self::encoded_missing_value
/// [`unknown_value`]: Self::unknown_value
/// [`min_frequency`]: Self::min_frequency
/// [`max_categories`]: Self::max_categories
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
    infrequent: Infrequent,
}

impl Default for OrdinalEncoder {
    fn default() -> Self {
        OrdinalEncoder {
            unknown_value: None,
            encoded_missing_value: f64::NAN,
            infrequent: Infrequent::default(),
        }
    }
}

/// The fitted codes of one input column.
#[derive(Debug, Clone, PartialEq)]
struct OrdinalColumn {
    categories: ColumnCategories,
    /// Indices (into the categories) of the infrequent ones, if any.
    infrequent: Option<Vec<usize>>,
    /// Category index → code (the missing category's entry is unused).
    codes: Vec<usize>,
    /// The number of codes in use (the infrequent group's included).
    n_codes: usize,
}

impl OrdinalColumn {
    /// Groups the present (non-missing) categories of `categories` by `grouping`.
    fn new(categories: ColumnCategories, grouping: &Infrequent, n_rows: usize) -> Self {
        let n_present = categories.n_present();
        let counts = &categories.counts()[..n_present];
        let infrequent = grouping.identify(counts, n_rows);
        let (mut codes, n_codes) = grouped_codes(n_present, infrequent.as_deref());
        codes.resize(categories.len(), n_codes);
        OrdinalColumn {
            categories,
            infrequent,
            codes,
            n_codes,
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
    columns: Vec<OrdinalColumn>,
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

    /// Groups categories rarer than `min` (a count, or a fraction of the training rows) into
    /// one infrequent code (scikit-learn's `min_frequency`).
    ///
    /// Errors: a count of 0 or a fraction outside `(0, 1)` ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::{Category, Column, MinFrequency, OrdinalEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["b", "a", "b", "c", "b"])])?;
    /// let enc = OrdinalEncoder::new().min_frequency(MinFrequency::Count(2))?.fit(&t)?;
    /// assert_eq!(enc.transform(&t)?.column(0).to_vec(), vec![0.0, 1.0, 0.0, 1.0, 0.0]);
    /// assert_eq!(enc.infrequent_categories(0), [Category::Text("a".into()), Category::Text("c".into())]);
    /// assert!(OrdinalEncoder::new().min_frequency(MinFrequency::Fraction(1.5)).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn min_frequency(mut self, min: MinFrequency) -> Result<Self> {
        self.infrequent.min_frequency =
            Some(check_min_frequency("OrdinalEncoder.min_frequency", min)?);
        Ok(self)
    }

    /// Keeps at most `max` codes per column for the present categories, the infrequent group
    /// included (scikit-learn's `max_categories`; the rarest are grouped first, equal counts
    /// in category order).
    ///
    /// Errors: 0 ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::{Column, OrdinalEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["a", "a", "b", "c"])])?;
    /// let enc = OrdinalEncoder::new().max_categories(2)?.fit(&t)?;
    /// assert_eq!(enc.transform(&t)?.column(0).to_vec(), vec![0.0, 0.0, 1.0, 1.0]);
    /// assert!(OrdinalEncoder::new().max_categories(0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn max_categories(mut self, max: usize) -> Result<Self> {
        self.infrequent.max_categories =
            Some(check_max_categories("OrdinalEncoder.max_categories", max)?);
        Ok(self)
    }

    /// Learns each column's categories (and infrequent groups) from `table`.
    ///
    /// Errors: a table without rows or columns ([`Error::Shape`]); an `unknown_value` or
    /// `encoded_missing_value` that is the code of a seen category or of the infrequent
    /// group ([`Error::Config`]).
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
        let columns: Vec<OrdinalColumn> = table
            .columns()
            .iter()
            .map(|c| OrdinalColumn::new(ColumnCategories::fit(c), &self.infrequent, table.n_rows()))
            .collect();
        let used = |v: f64, col: &OrdinalColumn| v >= 0.0 && v < col.n_codes as f64;
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
            .any(|c| c.categories.missing_index().is_some() && used(m, c))
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
        self.columns.get(j).map(|c| c.categories.list())
    }

    /// The infrequent categories of input column `j` (scikit-learn's
    /// `infrequent_categories_[j]`), all coded as one after the frequent ones: empty when it
    /// has none or beyond the last column.
    ///
    /// ```
    /// use tuneup::data::{Category, Column, OrdinalEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["a", "a", "b"])])?;
    /// let enc = OrdinalEncoder::new().max_categories(1)?.fit(&t)?;
    /// assert_eq!(enc.infrequent_categories(0).len(), 2);
    /// assert!(OrdinalEncoder::new().fit(&t)?.infrequent_categories(0).is_empty());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn infrequent_categories(&self, j: usize) -> Vec<Category> {
        self.columns.get(j).map_or_else(Vec::new, |col| {
            infrequent_list(&col.categories, col.infrequent.as_deref())
        })
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
                let v = match cats.categories.code(col, r) {
                    Ok(c) if Some(c) == cats.categories.missing_index() => {
                        self.settings.encoded_missing_value
                    }
                    Ok(c) => cats.codes[c] as f64,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Column;

    #[test]
    fn codes_of_the_infrequent_group_are_reserved() {
        let t = Table::new(
            ["c"],
            vec![Column::<f64>::Categorical(vec![
                Some("a".into()),
                Some("a".into()),
                Some("b".into()),
                Some("c".into()),
                None,
            ])],
        )
        .unwrap();
        let grouped = || OrdinalEncoder::new().max_categories(2).unwrap();
        // Codes: a → 0, {b, c} → 1; 1 is taken by the group.
        for bad in [1.0, 0.0] {
            let err = grouped().unknown_value(bad).unwrap().fit(&t).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{err}");
            let err = grouped().encoded_missing_value(bad).unwrap().fit(&t);
            assert!(matches!(err, Err(Error::Config { .. })));
        }
        let enc = grouped().unknown_value(2.0).unwrap().fit(&t).unwrap();
        let z = enc.transform(&t).unwrap();
        assert_eq!(
            z.column(0).slice(ndarray::s![..4]).to_vec(),
            [0.0, 0.0, 1.0, 1.0]
        );
        assert!(z[[4, 0]].is_nan());
        let unseen = Table::new(["c"], vec![Column::categorical(["z"])]).unwrap();
        assert_eq!(enc.transform(&unseen).unwrap()[[0, 0]], 2.0);
        assert!(enc.infrequent_categories(3).is_empty());
    }
}
