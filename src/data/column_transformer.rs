//! A transformer per column subset, outputs side by side (scikit-learn's
//! `ColumnTransformer`).

use std::collections::HashSet;

use ndarray::{concatenate, Array2, Axis};

use super::table::Table;
use super::table_transformer::{FittedTableTransformer, TableTransformer};
use crate::{Error, Float, Result};

const CONTEXT: &str = "ColumnTransformer";

/// A choice of table columns: by name, by index, or by kind (scikit-learn's
/// `make_column_selector(dtype_include=…)`).
///
/// ```
/// use tuneup::data::Columns;
/// assert_eq!(Columns::from(["a", "b"]), Columns::Names(vec!["a".into(), "b".into()]));
/// assert_eq!(Columns::from([0, 2]), Columns::Indices(vec![0, 2]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Columns {
    /// The columns with these names.
    Names(Vec<String>),
    /// The columns at these indices.
    Indices(Vec<usize>),
    /// Every numeric column.
    Numeric,
    /// Every categorical column.
    Categorical,
}

impl<const N: usize> From<[&str; N]> for Columns {
    fn from(names: [&str; N]) -> Self {
        Columns::Names(names.iter().map(|s| s.to_string()).collect())
    }
}

impl From<Vec<&str>> for Columns {
    fn from(names: Vec<&str>) -> Self {
        Columns::Names(names.into_iter().map(str::to_string).collect())
    }
}

impl From<Vec<String>> for Columns {
    fn from(names: Vec<String>) -> Self {
        Columns::Names(names)
    }
}

impl<const N: usize> From<[usize; N]> for Columns {
    fn from(indices: [usize; N]) -> Self {
        Columns::Indices(indices.to_vec())
    }
}

impl From<Vec<usize>> for Columns {
    fn from(indices: Vec<usize>) -> Self {
        Columns::Indices(indices)
    }
}

impl Columns {
    /// The column indices this choice names in `table`, in the order given.
    ///
    /// Errors: a name not in the table or an index beyond its last column ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::{Column, Columns, Table};
    /// let t = Table::new(["a", "b"], vec![Column::<f64>::categorical(["x"]), Column::Numeric(vec![1.0])])?;
    /// assert_eq!(Columns::from(["b"]).resolve(&t)?, vec![1]);
    /// assert_eq!(Columns::Categorical.resolve(&t)?, vec![0]);
    /// assert!(Columns::from([5]).resolve(&t).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn resolve<F: Float>(&self, table: &Table<F>) -> Result<Vec<usize>> {
        match self {
            Columns::Names(names) => names.iter().map(|n| table.index_of(n)).collect(),
            Columns::Indices(idx) => {
                for &j in idx {
                    table.column(j)?;
                }
                Ok(idx.clone())
            }
            Columns::Numeric => Ok(table.numeric_columns()),
            Columns::Categorical => Ok(table.categorical_columns()),
        }
    }
}

/// What happens to the columns no transformer names (scikit-learn's `remainder`).
///
/// ```
/// use tuneup::data::Remainder;
/// assert_eq!(Remainder::default(), Remainder::Drop);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Remainder {
    /// Left out of the output (the default).
    #[default]
    Drop,
    /// Copied to the output after the transformers' columns (categorical ones too: they stay
    /// text in [`transform_to_table`](FittedColumnTransformer::transform_to_table), for a later
    /// pipeline step to encode, and are an error in a matrix).
    Passthrough,
}

#[derive(Debug, Clone)]
enum Action<F: Float> {
    Transform(Box<dyn TableTransformer<F>>),
    Passthrough,
}

#[derive(Debug, Clone)]
struct Entry<F: Float> {
    name: String,
    action: Action<F>,
    columns: Columns,
}

/// Applies a transformer to each chosen subset of a [`Table`]'s columns and puts the outputs
/// side by side, in the order the transformers were added (scikit-learn's
/// `ColumnTransformer` with `verbose_feature_names_out=True`): output names are
/// `{transformer}__{feature}`, and the [`Remainder`] columns come last as
/// `remainder__{column}`.
///
/// Each transformer is fitted on its columns of the training table only; the fitted value
/// transforms any table with the same columns. A column may be chosen by one transformer only,
/// and transformer names are unique (both checked at fit, as [`Error::Value`]).
///
/// ```
/// use tuneup::data::{Column, ColumnTransformer, Columns, OneHotEncoder, Remainder, StandardScaler, Table};
/// let t = Table::new(
///     ["age", "city", "id"],
///     vec![
///         Column::Numeric(vec![20.0, 40.0]),
///         Column::categorical(["Oslo", "Lima"]),
///         Column::Numeric(vec![7.0, 8.0]),
///     ],
/// )?;
/// let ct = ColumnTransformer::new()
///     .add("num", StandardScaler::new(), ["age"])
///     .add("cat", OneHotEncoder::new(), Columns::Categorical)
///     .remainder(Remainder::Passthrough);
/// let fitted = ct.fit(&t)?;
/// assert_eq!(fitted.feature_names_out(), ["num__age", "cat__city_Lima", "cat__city_Oslo", "remainder__id"]);
/// assert_eq!(fitted.transform(&t)?.row(0).to_vec(), vec![-1.0, 0.0, 1.0, 7.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ColumnTransformer<F: Float> {
    entries: Vec<Entry<F>>,
    remainder: Remainder,
}

impl<F: Float> Default for ColumnTransformer<F> {
    fn default() -> Self {
        ColumnTransformer {
            entries: Vec::new(),
            remainder: Remainder::Drop,
        }
    }
}

#[derive(Debug, Clone)]
enum FittedAction<F: Float> {
    Transform(Box<dyn FittedTableTransformer<F>>),
    Passthrough,
}

#[derive(Debug, Clone)]
struct FittedEntry<F: Float> {
    name: String,
    action: FittedAction<F>,
    columns: Vec<usize>,
}

/// A [`ColumnTransformer`] fitted to a table.
///
/// ```
/// use tuneup::data::{Column, ColumnTransformer, OrdinalEncoder, Table};
/// let t = Table::new(["c"], vec![Column::<f64>::categorical(["b", "a"])])?;
/// let fitted = ColumnTransformer::new().add("ord", OrdinalEncoder::new(), ["c"]).fit(&t)?;
/// assert_eq!(fitted.transform(&t)?.column(0).to_vec(), vec![1.0, 0.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FittedColumnTransformer<F: Float> {
    schema: Table<F>,
    entries: Vec<FittedEntry<F>>,
}

impl<F: Float> ColumnTransformer<F> {
    /// An empty column transformer (remainder dropped).
    ///
    /// ```
    /// let ct = tuneup::data::ColumnTransformer::<f64>::new();
    /// # let _ = ct;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a transformer named `name` applied to `columns`.
    ///
    /// ```
    /// use tuneup::data::{ColumnTransformer, StandardScaler};
    /// let ct = ColumnTransformer::<f64>::new().add("scale", StandardScaler::new(), [0, 1]);
    /// # let _ = ct;
    /// ```
    pub fn add(
        mut self,
        name: impl Into<String>,
        transformer: impl TableTransformer<F> + 'static,
        columns: impl Into<Columns>,
    ) -> Self {
        self.entries.push(Entry {
            name: name.into(),
            action: Action::Transform(Box::new(transformer)),
            columns: columns.into(),
        });
        self
    }

    /// Adds `columns` copied unchanged under `name` (scikit-learn's `"passthrough"`). A
    /// categorical column passed through stays text in
    /// [`transform_to_table`](FittedColumnTransformer::transform_to_table), what a
    /// [`Pipeline`](crate::data::Pipeline) hands to its next step (an encoder, say); in the
    /// matrix of [`transform`](FittedColumnTransformer::transform) it is an [`Error::Value`]
    /// naming it, as scikit-learn's array of objects fails in a numeric estimator.
    ///
    /// ```
    /// use tuneup::data::{Column, ColumnTransformer, OneHotEncoder, Pipeline, Table};
    /// let t = Table::new(["a", "c"], vec![Column::Numeric(vec![3.0_f64, 4.0]), Column::categorical(["x", "y"])])?;
    /// let ct = ColumnTransformer::new().passthrough("keep", ["a", "c"]);
    /// let fitted = ct.fit(&t)?;
    /// assert_eq!(fitted.feature_names_out(), ["keep__a", "keep__c"]);
    /// assert!(fitted.transform(&t).unwrap_err().to_string().contains("`c`"));
    /// // A later step encodes the text column that was passed through.
    /// let encode = ColumnTransformer::new()
    ///     .passthrough("num", ["keep__a"])
    ///     .add("oh", OneHotEncoder::new(), ["keep__c"]);
    /// let piped = Pipeline::new().transform("keep", ct).transform("encode", encode).fit(&t)?;
    /// assert_eq!(piped.transform(&t)?.row(1).to_vec(), vec![4.0, 0.0, 1.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn passthrough(mut self, name: impl Into<String>, columns: impl Into<Columns>) -> Self {
        self.entries.push(Entry {
            name: name.into(),
            action: Action::Passthrough,
            columns: columns.into(),
        });
        self
    }

    /// Sets what happens to the columns no transformer chose.
    ///
    /// ```
    /// use tuneup::data::{ColumnTransformer, Remainder};
    /// let ct = ColumnTransformer::<f64>::new().remainder(Remainder::Passthrough);
    /// # let _ = ct;
    /// ```
    pub fn remainder(mut self, remainder: Remainder) -> Self {
        self.remainder = remainder;
        self
    }

    /// Fits every transformer on its columns of `table`. A transformer whose choice is empty
    /// is left out, as scikit-learn does.
    ///
    /// Errors: a column chosen twice (by one transformer or two) or two transformers of one
    /// name ([`Error::Value`] naming them); a column choice not in the table; the transformers'
    /// own errors, prefixed with their name.
    ///
    /// ```
    /// use tuneup::data::{Column, ColumnTransformer, StandardScaler, Table};
    /// let t = Table::new(["a", "b"], vec![Column::Numeric(vec![1.0_f64]), Column::Numeric(vec![2.0])])?;
    /// let twice = ColumnTransformer::new()
    ///     .add("s1", StandardScaler::new(), ["a"])
    ///     .add("s2", StandardScaler::new(), ["a", "b"]);
    /// let msg = twice.fit(&t).unwrap_err().to_string();
    /// assert!(msg.contains("`a`") && msg.contains("s1") && msg.contains("s2"), "{msg}");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit(&self, table: &Table<F>) -> Result<FittedColumnTransformer<F>> {
        let resolved = self.resolve(table)?;
        let mut entries = Vec::with_capacity(resolved.len() + 1);
        let mut used = vec![false; table.n_columns()];
        for (entry, columns) in self.entries.iter().zip(resolved) {
            for &j in &columns {
                used[j] = true;
            }
            if columns.is_empty() {
                continue;
            }
            let part = table.select_columns(&columns);
            let action = match &entry.action {
                Action::Transform(t) => FittedAction::Transform(
                    t.fit_table(&part)
                        .map_err(|e| e.within(format!("{CONTEXT} `{}`", entry.name)))?,
                ),
                Action::Passthrough => FittedAction::Passthrough,
            };
            entries.push(FittedEntry {
                name: entry.name.clone(),
                action,
                columns,
            });
        }
        let rest: Vec<usize> = (0..table.n_columns()).filter(|&j| !used[j]).collect();
        if self.remainder == Remainder::Passthrough && !rest.is_empty() {
            entries.push(FittedEntry {
                name: "remainder".into(),
                action: FittedAction::Passthrough,
                columns: rest,
            });
        }
        Ok(FittedColumnTransformer {
            schema: table.schema(),
            entries,
        })
    }

    /// Each entry's column indices, checking names and that no column is chosen twice.
    fn resolve(&self, table: &Table<F>) -> Result<Vec<Vec<usize>>> {
        let mut names = HashSet::new();
        let mut owner: Vec<Option<&str>> = vec![None; table.n_columns()];
        let mut out = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            if entry.name == "remainder" || !names.insert(entry.name.as_str()) {
                return Err(Error::value(
                    CONTEXT,
                    "unique transformer names, other than `remainder`",
                    format!("`{}` given twice (or reserved)", entry.name),
                ));
            }
            let columns = entry
                .columns
                .resolve(table)
                .map_err(|e| e.within(format!("{CONTEXT} `{}`", entry.name)))?;
            for &j in &columns {
                if let Some(first) = owner[j] {
                    return Err(Error::value(
                        CONTEXT,
                        "each column chosen by one transformer, once",
                        format!(
                            "column `{}` chosen by `{first}` and again by `{}`",
                            table.names()[j],
                            entry.name
                        ),
                    ));
                }
                owner[j] = Some(entry.name.as_str());
            }
            out.push(columns);
        }
        Ok(out)
    }
}

fn check_numeric<F: Float>(name: &str, part: &Table<F>) -> Result<()> {
    if let Some(j) = part.categorical_columns().first() {
        return Err(Error::value(
            format!("{CONTEXT} `{name}`"),
            "numeric columns in a matrix (encode the text: an encoder here, or in a later pipeline step)",
            format!("categorical column `{}`", part.names()[*j]),
        ));
    }
    Ok(())
}

impl<F: Float> FittedColumnTransformer<F> {
    /// The output names, `{transformer}__{feature}`, in output order.
    ///
    /// ```
    /// use tuneup::data::{Column, ColumnTransformer, OneHotEncoder, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["x", "y"])])?;
    /// let fitted = ColumnTransformer::new().add("oh", OneHotEncoder::new(), ["c"]).fit(&t)?;
    /// assert_eq!(fitted.feature_names_out(), ["oh__c_x", "oh__c_y"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn feature_names_out(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in &self.entries {
            let inner = match &e.action {
                FittedAction::Transform(t) => t.feature_names_out(),
                FittedAction::Passthrough => e
                    .columns
                    .iter()
                    .map(|&j| self.schema.names()[j].clone())
                    .collect(),
            };
            out.extend(inner.into_iter().map(|n| format!("{}__{n}", e.name)));
        }
        out
    }

    /// The outputs of every transformer on `table`, side by side.
    ///
    /// Errors: other column names or kinds than fit saw ([`Error::Shape`] /
    /// [`Error::Value`]); a categorical column passed through ([`Error::Value`] naming it and
    /// its entry); the transformers' own errors, prefixed with their name.
    ///
    /// ```
    /// use tuneup::data::{Column, ColumnTransformer, StandardScaler, Table};
    /// let t = Table::new(["a"], vec![Column::Numeric(vec![1.0_f64, 3.0])])?;
    /// let fitted = ColumnTransformer::new().add("s", StandardScaler::new(), ["a"]).fit(&t)?;
    /// let test = Table::new(["a"], vec![Column::Numeric(vec![5.0])])?;
    /// assert_eq!(fitted.transform(&test)?[[0, 0]], 3.0); // training mean 2 and std 1
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, table: &Table<F>) -> Result<Array2<F>> {
        self.schema.check_same_schema(CONTEXT, table)?;
        let mut parts = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            let part = table.select_columns(&e.columns);
            let z = match &e.action {
                FittedAction::Transform(t) => t
                    .transform_table(&part)
                    .map_err(|err| err.within(format!("{CONTEXT} `{}`", e.name)))?,
                FittedAction::Passthrough => {
                    check_numeric(&e.name, &part)?;
                    part.to_array()?
                }
            };
            parts.push(z);
        }
        if parts.is_empty() {
            return Ok(Array2::zeros((table.n_rows(), 0)));
        }
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        concatenate(Axis(1), &views).map_err(|e| Error::shape(CONTEXT, "parts of one height", e))
    }
}

impl<F: Float> FittedColumnTransformer<F> {
    /// The outputs of every transformer on `table`, side by side as a table named as
    /// [`feature_names_out`](Self::feature_names_out): what a
    /// [`Pipeline`](crate::data::Pipeline) hands to its next step, so that the categorical
    /// columns an imputer keeps can be encoded after the column transformer.
    ///
    /// Errors as [`transform`](Self::transform), but for categorical output columns.
    ///
    /// ```
    /// use tuneup::data::{Column, ColumnTransformer, ImputeStrategy, SimpleImputer, Table};
    /// let t = Table::<f64>::new(["c"], vec![Column::Categorical(vec![Some("a".into()), None])])?;
    /// let fitted = ColumnTransformer::new()
    ///     .add("imp", SimpleImputer::new(ImputeStrategy::MostFrequent)?, ["c"])
    ///     .fit(&t)?;
    /// let out = fitted.transform_to_table(&t)?;
    /// assert_eq!(out.names(), ["imp__c"]);
    /// assert_eq!(out.columns()[0], Column::categorical(["a", "a"]));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform_to_table(&self, table: &Table<F>) -> Result<Table<F>> {
        self.schema.check_same_schema(CONTEXT, table)?;
        let mut columns = Vec::new();
        for e in &self.entries {
            let part = table.select_columns(&e.columns);
            let out = match &e.action {
                FittedAction::Transform(t) => t
                    .transform_to_table(&part)
                    .map_err(|err| err.within(format!("{CONTEXT} `{}`", e.name)))?,
                FittedAction::Passthrough => part,
            };
            columns.extend(out.into_columns());
        }
        if columns.is_empty() {
            return Table::from_array_with_names(Array2::zeros((table.n_rows(), 0)).view(), vec![]);
        }
        Table::new(self.feature_names_out(), columns)
    }
}

impl<F: Float> TableTransformer<F> for ColumnTransformer<F> {
    fn fit_table(&self, table: &Table<F>) -> Result<Box<dyn FittedTableTransformer<F>>> {
        Ok(Box::new(self.fit(table)?))
    }

    fn table_name(&self) -> String {
        CONTEXT.to_string()
    }
}

impl<F: Float> FittedTableTransformer<F> for FittedColumnTransformer<F> {
    fn transform_table(&self, table: &Table<F>) -> Result<Array2<F>> {
        self.transform(table)
    }

    fn transform_to_table(&self, table: &Table<F>) -> Result<Table<F>> {
        FittedColumnTransformer::transform_to_table(self, table)
    }

    fn feature_names_out(&self) -> Vec<String> {
        FittedColumnTransformer::feature_names_out(self)
    }

    fn n_features_in(&self) -> usize {
        self.schema.n_columns()
    }
}
