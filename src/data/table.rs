//! A typed table: named numeric and categorical columns, missing values in both.
//!
//! This is the input of the encoders, of [`ColumnTransformer`](crate::data::ColumnTransformer)
//! and of table [`Pipeline`](crate::data::Pipeline)s; [`read_table`](crate::data::read_table)
//! loads one from CSV, keeping text columns as text.

use std::collections::HashSet;

use ndarray::{Array2, ArrayView2};

use crate::{Error, Float, Result};

/// One column of a [`Table`]: numbers (`NaN` marks a missing value) or text categories
/// (`None` marks a missing value).
///
/// ```
/// use tuneup::data::Column;
/// let c: Column<f64> = Column::categorical(["red", "blue"]);
/// assert_eq!(c.len(), 2);
/// assert!(c.is_categorical());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Column<F> {
    /// Numeric values; `NaN` is missing.
    Numeric(Vec<F>),
    /// Text categories; `None` is missing.
    Categorical(Vec<Option<String>>),
}

impl<F: Float> Column<F> {
    /// A categorical column without missing values.
    ///
    /// ```
    /// use tuneup::data::Column;
    /// let c = Column::<f32>::categorical(["a"]);
    /// assert_eq!(c, Column::Categorical(vec![Some("a".to_string())]));
    /// ```
    pub fn categorical<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Self {
        Column::Categorical(values.into_iter().map(|s| Some(s.into())).collect())
    }

    /// The number of values.
    ///
    /// ```
    /// use tuneup::data::Column;
    /// assert_eq!(Column::Numeric(vec![1.0, f64::NAN]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(v) => v.len(),
            Column::Categorical(v) => v.len(),
        }
    }

    /// Whether the column has no values.
    ///
    /// ```
    /// use tuneup::data::Column;
    /// assert!(Column::<f64>::Numeric(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the column holds text categories.
    ///
    /// ```
    /// use tuneup::data::Column;
    /// assert!(!Column::Numeric(vec![1.0_f64]).is_categorical());
    /// ```
    pub fn is_categorical(&self) -> bool {
        matches!(self, Column::Categorical(_))
    }

    /// The number of missing values (`NaN` or `None`).
    ///
    /// ```
    /// use tuneup::data::Column;
    /// assert_eq!(Column::Numeric(vec![1.0, f64::NAN]).n_missing(), 1);
    /// assert_eq!(Column::<f64>::Categorical(vec![None, Some("a".into())]).n_missing(), 1);
    /// ```
    pub fn n_missing(&self) -> usize {
        match self {
            Column::Numeric(v) => v.iter().filter(|x| x.is_nan()).count(),
            Column::Categorical(v) => v.iter().filter(|x| x.is_none()).count(),
        }
    }

    fn select(&self, rows: &[usize]) -> Self {
        match self {
            Column::Numeric(v) => Column::Numeric(rows.iter().map(|&r| v[r]).collect()),
            Column::Categorical(v) => {
                Column::Categorical(rows.iter().map(|&r| v[r].clone()).collect())
            }
        }
    }

    fn kind(&self) -> &'static str {
        if self.is_categorical() {
            "categorical"
        } else {
            "numeric"
        }
    }
}

/// Named columns of equal length, each numeric or categorical.
///
/// Column names are unique. Tables are only read by the transformers (transforms return new
/// arrays); [`select_rows`](Self::select_rows) returns a new table, for cross-validation
/// folds.
///
/// ```
/// use tuneup::data::{Column, Table};
/// let t = Table::new(
///     ["age", "city"],
///     vec![Column::Numeric(vec![31.0, f64::NAN]), Column::categorical(["Oslo", "Lima"])],
/// )?;
/// assert_eq!((t.n_rows(), t.n_columns()), (2, 2));
/// assert_eq!(t.categorical_columns(), vec![1]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table<F> {
    names: Vec<String>,
    columns: Vec<Column<F>>,
    n_rows: usize,
}

impl<F: Float> Table<F> {
    /// A table from column names and columns.
    ///
    /// Errors: as many names as columns, unique names and columns of one length
    /// ([`Error::Shape`] or [`Error::Value`] naming the column); an infinite number
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use tuneup::data::{Column, Table};
    /// let dup = Table::new(["a", "a"], vec![Column::Numeric(vec![1.0]), Column::Numeric(vec![2.0])]);
    /// assert!(matches!(dup, Err(tuneup::Error::Value { .. })));
    /// let ragged = Table::new(["a", "b"], vec![Column::Numeric(vec![1.0]), Column::Numeric(vec![])]);
    /// assert!(matches!(ragged, Err(tuneup::Error::Shape { .. })));
    /// ```
    pub fn new<S: Into<String>>(
        names: impl IntoIterator<Item = S>,
        columns: Vec<Column<F>>,
    ) -> Result<Self> {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        if names.len() != columns.len() {
            return Err(Error::shape(
                "Table::new",
                format!("one name per column ({} columns)", columns.len()),
                format!("{} names", names.len()),
            ));
        }
        let mut seen = HashSet::new();
        if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(Error::value(
                "Table::new",
                "unique column names",
                format!("`{dup}` twice"),
            ));
        }
        let n_rows = columns.first().map_or(0, Column::len);
        for (name, col) in names.iter().zip(&columns) {
            if col.len() != n_rows {
                return Err(Error::shape(
                    format!("Table::new, column `{name}`"),
                    format!("{n_rows} rows, as the first column"),
                    format!("{} rows", col.len()),
                ));
            }
            if let Column::Numeric(v) = col {
                if let Some(r) = v.iter().position(|x| x.is_infinite()) {
                    return Err(Error::non_finite(
                        format!("Table::new, column `{name}`"),
                        format!("row {r} = {}: mark missing values with NaN", v[r]),
                    ));
                }
            }
        }
        Ok(Table {
            names,
            columns,
            n_rows,
        })
    }

    /// A numeric table from a matrix, with scikit-learn's default names `x0`, `x1`, ….
    ///
    /// ```
    /// use tuneup::data::Table;
    /// use ndarray::array;
    /// let t = Table::from_array(array![[1.0, 2.0]].view())?;
    /// assert_eq!(t.names(), ["x0", "x1"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn from_array(x: ArrayView2<'_, F>) -> Result<Self> {
        let names: Vec<String> = (0..x.ncols()).map(|j| format!("x{j}")).collect();
        Self::from_array_with_names(x, names)
    }

    /// A numeric table from a matrix and its column names.
    ///
    /// Errors as [`Table::new`].
    ///
    /// ```
    /// use tuneup::data::Table;
    /// use ndarray::array;
    /// let t = Table::from_array_with_names(array![[1.0], [2.0]].view(), vec!["h".to_string()])?;
    /// assert_eq!(t.to_array()?, array![[1.0], [2.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn from_array_with_names(x: ArrayView2<'_, F>, names: Vec<String>) -> Result<Self> {
        let columns = x
            .columns()
            .into_iter()
            .map(|c| Column::Numeric(c.to_vec()))
            .collect();
        let mut t = Self::new(names, columns)?;
        t.n_rows = x.nrows();
        Ok(t)
    }

    /// The number of rows.
    ///
    /// ```
    /// use tuneup::data::Table;
    /// use ndarray::Array2;
    /// assert_eq!(Table::from_array(Array2::<f64>::zeros((3, 1)).view())?.n_rows(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// The number of columns.
    ///
    /// ```
    /// use tuneup::data::Table;
    /// use ndarray::Array2;
    /// assert_eq!(Table::from_array(Array2::<f64>::zeros((3, 2)).view())?.n_columns(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_columns(&self) -> usize {
        self.columns.len()
    }

    /// The column names, in order.
    ///
    /// ```
    /// use tuneup::data::{Column, Table};
    /// let t = Table::new(["k"], vec![Column::<f64>::categorical(["v"])])?;
    /// assert_eq!(t.names(), ["k"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The columns, in order.
    ///
    /// ```
    /// use tuneup::data::{Column, Table};
    /// let t = Table::new(["k"], vec![Column::Numeric(vec![2.0_f64])])?;
    /// assert_eq!(t.columns()[0], Column::Numeric(vec![2.0]));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn columns(&self) -> &[Column<F>] {
        &self.columns
    }

    /// The column at index `j` (an [`Error::Value`] beyond the last column).
    ///
    /// ```
    /// use tuneup::data::{Column, Table};
    /// let t = Table::new(["k"], vec![Column::Numeric(vec![2.0_f64])])?;
    /// assert!(!t.column(0)?.is_categorical());
    /// assert!(t.column(1).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn column(&self, j: usize) -> Result<&Column<F>> {
        self.columns.get(j).ok_or_else(|| {
            Error::value(
                "Table::column",
                format!("a column index below {}", self.columns.len()),
                j,
            )
        })
    }

    /// The index of the column named `name` (an [`Error::Value`] listing the names if absent).
    ///
    /// ```
    /// use tuneup::data::{Column, Table};
    /// let t = Table::new(["a", "b"], vec![Column::Numeric(vec![1.0_f64]), Column::Numeric(vec![2.0])])?;
    /// assert_eq!(t.index_of("b")?, 1);
    /// assert!(t.index_of("c").unwrap_err().to_string().contains("[a, b]"));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn index_of(&self, name: &str) -> Result<usize> {
        self.names.iter().position(|n| n == name).ok_or_else(|| {
            Error::value(
                "Table column",
                format!("one of [{}]", self.names.join(", ")),
                format!("`{name}`"),
            )
        })
    }

    /// The indices of the numeric columns.
    ///
    /// ```
    /// use tuneup::data::{Column, Table};
    /// let t = Table::new(["a", "b"], vec![Column::categorical(["x"]), Column::Numeric(vec![2.0_f64])])?;
    /// assert_eq!(t.numeric_columns(), vec![1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn numeric_columns(&self) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&j| !self.columns[j].is_categorical())
            .collect()
    }

    /// The indices of the categorical columns.
    ///
    /// ```
    /// use tuneup::data::{Column, Table};
    /// let t = Table::new(["a", "b"], vec![Column::categorical(["x"]), Column::Numeric(vec![2.0_f64])])?;
    /// assert_eq!(t.categorical_columns(), vec![0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn categorical_columns(&self) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&j| self.columns[j].is_categorical())
            .collect()
    }

    /// A new table with the given rows, in the given order (a cross-validation fold).
    ///
    /// Errors: a row index beyond the last row ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::{Column, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["a", "b", "c"])])?;
    /// let part = t.select_rows(&[2, 0])?;
    /// assert_eq!(part.columns()[0], Column::categorical(["c", "a"]));
    /// assert!(t.select_rows(&[3]).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn select_rows(&self, rows: &[usize]) -> Result<Self> {
        if let Some(&bad) = rows.iter().find(|&&r| r >= self.n_rows) {
            return Err(Error::value(
                "Table::select_rows",
                format!("row indices below {}", self.n_rows),
                bad,
            ));
        }
        Ok(Table {
            names: self.names.clone(),
            columns: self.columns.iter().map(|c| c.select(rows)).collect(),
            n_rows: rows.len(),
        })
    }

    /// The columns, by value (to move them into another table).
    pub(crate) fn into_columns(self) -> Vec<Column<F>> {
        self.columns
    }

    /// A new table with the given columns (indices checked by the caller).
    pub(crate) fn select_columns(&self, columns: &[usize]) -> Self {
        Table {
            names: columns.iter().map(|&j| self.names[j].clone()).collect(),
            columns: columns.iter().map(|&j| self.columns[j].clone()).collect(),
            n_rows: self.n_rows,
        }
    }

    /// The table as a matrix, when every column is numeric.
    ///
    /// Errors: a categorical column ([`Error::Value`] naming it: encode it first).
    ///
    /// ```
    /// use tuneup::data::{Column, Table};
    /// let t = Table::new(["a", "b"], vec![Column::Numeric(vec![1.0_f64]), Column::categorical(["x"])])?;
    /// assert!(t.to_array().unwrap_err().to_string().contains("`b`"));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn to_array(&self) -> Result<Array2<F>> {
        let mut out = Array2::zeros((self.n_rows, self.columns.len()));
        for (j, (name, col)) in self.names.iter().zip(&self.columns).enumerate() {
            match col {
                Column::Numeric(v) => {
                    for (o, &x) in out.column_mut(j).iter_mut().zip(v) {
                        *o = x;
                    }
                }
                Column::Categorical(_) => {
                    return Err(Error::value(
                        "Table::to_array",
                        "numeric columns only (encode categorical columns first)",
                        format!("categorical column `{name}`"),
                    ))
                }
            }
        }
        Ok(out)
    }

    /// Checks that `other` has this table's column names and kinds (a transform's input
    /// against the table seen by fit).
    pub(crate) fn check_same_schema(&self, context: &str, other: &Table<F>) -> Result<()> {
        if self.names != other.names {
            return Err(Error::shape(
                context,
                format!("the columns seen by fit [{}]", self.names.join(", ")),
                format!("[{}]", other.names.join(", ")),
            ));
        }
        for (name, (a, b)) in self
            .names
            .iter()
            .zip(self.columns.iter().zip(&other.columns))
        {
            if a.kind() != b.kind() {
                return Err(Error::value(
                    format!("{context}, column `{name}`"),
                    format!("a {} column, as seen by fit", a.kind()),
                    format!("a {} column", b.kind()),
                ));
            }
        }
        Ok(())
    }

    /// A table with the same names and kinds but no rows (the schema kept by fitted steps).
    pub(crate) fn schema(&self) -> Self {
        self.select_rows(&[]).expect("no rows to check")
    }
}
