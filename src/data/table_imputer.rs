//! [`SimpleImputer`] on a [`Table`]: the numeric columns by the numeric strategies, the
//! categorical columns by their most frequent text or a constant text (scikit-learn's
//! `SimpleImputer` on pandas object columns).

use ndarray::Array2;

use super::categories::Category;
use super::table::{Column, Table};
use super::table_transformer::{FittedTableTransformer, TableTransformer};
use super::{FittedSimpleImputer, ImputeStrategy, SimpleImputer};
use crate::{Error, Float, Result};

const CONTEXT: &str = "FittedSimpleImputer";

/// What becomes of one input column.
#[derive(Debug, Clone, PartialEq)]
enum Plan {
    /// A numeric column: `stat`-th statistic of the numeric imputer, its output column `out`.
    Numeric { stat: usize, out: usize },
    /// A categorical column whose `None` becomes this text.
    Text(String),
    /// A column with no observed value at fit, left out of the output.
    Dropped,
}

/// A [`SimpleImputer`] fitted to a [`Table`] (from
/// [`fit_table_typed`](SimpleImputer::fit_table_typed), or boxed by
/// [`TableTransformer::fit_table`]): fills `NaN` in numeric columns with the learned
/// statistic and `None` in categorical columns with the learned text, keeping each column's
/// kind, so that an encoder can follow it in a [`Pipeline`](crate::data::Pipeline).
///
/// Its output is a table ([`FittedTableTransformer::transform_to_table`]); as a matrix
/// ([`FittedTableTransformer::transform_table`]) only when no categorical column is kept.
///
/// ```
/// use tuneup::data::{Category, Column, FittedTableTransformer, ImputeStrategy, SimpleImputer, Table};
/// let t = Table::new(
///     ["city", "age"],
///     vec![
///         Column::Categorical(vec![Some("Oslo".into()), None, Some("Oslo".into())]),
///         Column::Numeric(vec![30.0, 50.0, f64::NAN]),
///     ],
/// )?;
/// let fitted = SimpleImputer::new(ImputeStrategy::MostFrequent)?.fit_table_typed(&t)?;
/// let out = fitted.transform_to_table(&t)?;
/// assert_eq!(out.columns()[0], Column::categorical(["Oslo", "Oslo", "Oslo"]));
/// assert_eq!(out.columns()[1], Column::Numeric(vec![30.0, 50.0, 30.0])); // tie: the smaller
/// assert_eq!(fitted.fill_values()[0], Some(Category::Text("Oslo".into())));
/// # Ok::<(), tuneup::Error>(())
/// ```
///
/// Transforming before fitting does not compile: only the fitted value transforms.
///
/// ```compile_fail
/// use tuneup::data::{Column, FittedTableTransformer, ImputeStrategy, SimpleImputer, Table};
/// let t = Table::<f64>::new(["c"], vec![Column::categorical(["a"])]).unwrap();
/// let settings = SimpleImputer::new(ImputeStrategy::MostFrequent).unwrap();
/// let _ = settings.transform_to_table(&t);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedTableImputer<F: Float> {
    schema: Table<F>,
    numeric_columns: Vec<usize>,
    numeric: Option<FittedSimpleImputer<F>>,
    plans: Vec<Plan>,
    empty: Vec<usize>,
    names_out: Vec<String>,
}

impl SimpleImputer {
    /// Learns one fill value per column of `table`: the numeric columns as
    /// [`fit`](Self::fit) does, the categorical ones by the strategy's text rule
    /// ([`ImputeStrategy::MostFrequent`]: the most frequent text, ties to the smallest by code
    /// point, as scikit-learn; [`ImputeStrategy::Constant`]: the
    /// [`categorical_fill_value`](Self::categorical_fill_value)). A column with no observed
    /// value is dropped, or kept with [`keep_empty_features`](Self::keep_empty_features) (a
    /// categorical one then filled with the constant text, or with `"0"` for
    /// `MostFrequent`: scikit-learn's 0, as text).
    ///
    /// Errors: an empty table ([`Error::Shape`]); strategy `Mean` or `Median` with a
    /// categorical column ([`Error::Value`] naming it, as scikit-learn refuses them on text);
    /// the numeric columns' errors of [`fit`](Self::fit).
    ///
    /// ```
    /// use tuneup::data::{Column, ImputeStrategy, SimpleImputer, Table};
    /// let t = Table::<f64>::new(["c"], vec![Column::categorical(["b", "a", "b", "a"])])?;
    /// let f = SimpleImputer::new(ImputeStrategy::MostFrequent)?.fit_table_typed(&t)?;
    /// assert_eq!(f.fill_values()[0].as_ref().unwrap().to_string(), "a"); // a tie: the smaller
    /// let mean = SimpleImputer::new(ImputeStrategy::Mean)?.fit_table_typed(&t);
    /// assert!(matches!(mean, Err(tuneup::Error::Value { .. })));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_table_typed<F: Float>(&self, table: &Table<F>) -> Result<FittedTableImputer<F>> {
        if table.n_rows() == 0 || table.n_columns() == 0 {
            return Err(Error::shape(
                "SimpleImputer.fit",
                "at least one row and one column",
                format!("{}×{} table", table.n_rows(), table.n_columns()),
            ));
        }
        self.check_text_strategy(table)?;
        let numeric_columns = table.numeric_columns();
        let numeric = match numeric_columns.is_empty() {
            true => None,
            false => Some(self.fit(&numeric_part(table, &numeric_columns).view())?),
        };
        let (plans, empty) = self.plans(table, &numeric_columns, numeric.as_ref());
        let names_out = (0..table.n_columns())
            .filter(|&j| plans[j] != Plan::Dropped)
            .map(|j| table.names()[j].clone())
            .collect();
        Ok(FittedTableImputer {
            schema: table.schema(),
            numeric_columns,
            numeric,
            plans,
            empty,
            names_out,
        })
    }

    /// Refuses `Mean` and `Median` when the table has a categorical column.
    fn check_text_strategy<F: Float>(&self, table: &Table<F>) -> Result<()> {
        let strategy = self.strategy();
        if !matches!(strategy, ImputeStrategy::Mean | ImputeStrategy::Median) {
            return Ok(());
        }
        match table.categorical_columns().first() {
            Some(&j) => Err(Error::value(
                format!(
                    "SimpleImputer.fit, categorical column `{}`",
                    table.names()[j]
                ),
                "strategy MostFrequent or Constant for a categorical column",
                format!("{strategy:?}"),
            )),
            None => Ok(()),
        }
    }

    /// Each column's plan, and the columns with no observed value.
    fn plans<F: Float>(
        &self,
        table: &Table<F>,
        numeric_columns: &[usize],
        numeric: Option<&FittedSimpleImputer<F>>,
    ) -> (Vec<Plan>, Vec<usize>) {
        let numeric_empty = numeric.map_or(&[][..], FittedSimpleImputer::empty_features);
        let mut empty: Vec<usize> = numeric_empty.iter().map(|&i| numeric_columns[i]).collect();
        let mut plans = Vec::with_capacity(table.n_columns());
        let (mut stat, mut out) = (0, 0);
        for (j, column) in table.columns().iter().enumerate() {
            let plan = match column {
                Column::Numeric(_) => {
                    let dropped = numeric_empty.contains(&stat) && !self.keeps_empty_features();
                    let plan = match dropped {
                        true => Plan::Dropped,
                        false => Plan::Numeric { stat, out },
                    };
                    stat += 1;
                    out += usize::from(!dropped);
                    plan
                }
                Column::Categorical(values) => {
                    let fill = self.text_fill(values);
                    if values.iter().all(Option::is_none) {
                        empty.push(j);
                    }
                    fill.map_or(Plan::Dropped, Plan::Text)
                }
            };
            plans.push(plan);
        }
        empty.sort_unstable();
        (plans, empty)
    }

    /// The text filling one categorical column's `None` (`None`: the column is dropped).
    fn text_fill(&self, values: &[Option<String>]) -> Option<String> {
        let mut observed: Vec<&str> = values.iter().flatten().map(String::as_str).collect();
        let constant = matches!(self.strategy(), ImputeStrategy::Constant(_));
        match (observed.is_empty(), self.keeps_empty_features(), constant) {
            (true, false, _) => None,
            (true, true, false) => Some("0".to_string()),
            (_, _, true) => Some(self.text_fill_value().to_string()),
            (false, _, false) => {
                observed.sort_unstable();
                Some(most_frequent_sorted(&observed).to_string())
            }
        }
    }
}

/// The most frequent of sorted texts; the first (smallest) of the most frequent on a tie.
fn most_frequent_sorted<'a>(sorted: &[&'a str]) -> &'a str {
    let (mut best, mut best_count) = (sorted[0], 0);
    let mut i = 0;
    while i < sorted.len() {
        let run = sorted[i..].iter().take_while(|&&s| s == sorted[i]).count();
        if run > best_count {
            (best, best_count) = (sorted[i], run);
        }
        i += run;
    }
    best
}

/// The matrix of `table`'s numeric `columns` (all numeric, by construction).
fn numeric_part<F: Float>(table: &Table<F>, columns: &[usize]) -> Array2<F> {
    let mut out = Array2::zeros((table.n_rows(), columns.len()));
    for (k, &j) in columns.iter().enumerate() {
        if let Column::Numeric(v) = &table.columns()[j] {
            for (o, &x) in out.column_mut(k).iter_mut().zip(v) {
                *o = x;
            }
        }
    }
    out
}

impl<F: Float> FittedTableImputer<F> {
    /// Each input column's fill value: a number for a numeric column, a text for a
    /// categorical one, `None` for a column dropped because it had no observed value.
    ///
    /// ```
    /// use tuneup::data::{Category, Column, ImputeStrategy, SimpleImputer, Table};
    /// let t = Table::new(
    ///     ["c", "x"],
    ///     vec![Column::Categorical(vec![None, None]), Column::Numeric(vec![1.0, 3.0])],
    /// )?;
    /// let f = SimpleImputer::new(ImputeStrategy::Constant(-1.0))?.fit_table_typed(&t)?;
    /// assert_eq!(f.fill_values(), vec![None, Some(Category::Number(-1.0))]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fill_values(&self) -> Vec<Option<Category>> {
        let statistics = self.numeric.as_ref().map(FittedSimpleImputer::statistics);
        self.plans
            .iter()
            .map(|plan| match (plan, &statistics) {
                (Plan::Numeric { stat, .. }, Some(s)) => Some(Category::Number(s[*stat].as_f64())),
                (Plan::Text(text), _) => Some(Category::Text(text.clone())),
                _ => None,
            })
            .collect()
    }

    /// The input columns that had no observed value at fit time (dropped from the output
    /// unless `keep_empty_features` was set), in input order.
    ///
    /// ```
    /// use tuneup::data::{Column, ImputeStrategy, SimpleImputer, Table};
    /// let t = Table::new(
    ///     ["x", "c"],
    ///     vec![Column::Numeric(vec![1.0_f64]), Column::Categorical(vec![None])],
    /// )?;
    /// let f = SimpleImputer::new(ImputeStrategy::MostFrequent)?.fit_table_typed(&t)?;
    /// assert_eq!(f.empty_features(), &[1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn empty_features(&self) -> &[usize] {
        &self.empty
    }

    /// Whether a categorical column reaches the output (then there is no matrix output).
    fn keeps_text(&self) -> bool {
        self.plans.iter().any(|p| matches!(p, Plan::Text(_)))
    }

    /// The numeric imputer's output on `table`'s numeric columns (schema checked before).
    fn numeric_out(&self, table: &Table<F>) -> Result<Array2<F>> {
        match &self.numeric {
            Some(n) => n.transform(&numeric_part(table, &self.numeric_columns).view()),
            None => Ok(Array2::zeros((table.n_rows(), 0))),
        }
    }
}

impl<F: Float> FittedTableTransformer<F> for FittedTableImputer<F> {
    /// The imputed table as a matrix; an [`Error::Value`] when a categorical column is kept
    /// (use [`transform_to_table`](FittedTableTransformer::transform_to_table), or follow
    /// the imputer with an encoder in a [`Pipeline`](crate::data::Pipeline)).
    fn transform_table(&self, table: &Table<F>) -> Result<Array2<F>> {
        self.schema.check_same_schema(CONTEXT, table)?;
        if let Some(j) = self.plans.iter().position(|p| matches!(p, Plan::Text(_))) {
            return Err(Error::value(
                format!(
                    "{CONTEXT}.transform_table, column `{}`",
                    self.schema.names()[j]
                ),
                "numeric output only (encode the imputed categorical column next, e.g. a \
                 Pipeline step OneHotEncoder, or call transform_to_table)",
                "a categorical column",
            ));
        }
        self.numeric_out(table)
    }

    /// The imputed table: every kept column with its kind and name, in input order.
    fn transform_to_table(&self, table: &Table<F>) -> Result<Table<F>> {
        if !self.keeps_text() {
            let z = self.transform_table(table)?;
            return Table::from_array_with_names(z.view(), self.names_out.clone());
        }
        self.schema.check_same_schema(CONTEXT, table)?;
        let z = self.numeric_out(table)?;
        let mut columns = Vec::with_capacity(self.names_out.len());
        for (plan, column) in self.plans.iter().zip(table.columns()) {
            match (plan, column) {
                (Plan::Numeric { out, .. }, _) => {
                    columns.push(Column::Numeric(z.column(*out).to_vec()));
                }
                (Plan::Text(fill), Column::Categorical(values)) => {
                    let filled = values
                        .iter()
                        .map(|v| Some(v.as_ref().unwrap_or(fill).clone()));
                    columns.push(Column::Categorical(filled.collect()));
                }
                _ => {}
            }
        }
        Table::new(self.names_out.clone(), columns)
    }

    fn feature_names_out(&self) -> Vec<String> {
        self.names_out.clone()
    }

    fn n_features_in(&self) -> usize {
        self.schema.n_columns()
    }
}

impl<F: Float> TableTransformer<F> for SimpleImputer {
    fn fit_table(&self, table: &Table<F>) -> Result<Box<dyn FittedTableTransformer<F>>> {
        Ok(Box::new(self.fit_table_typed(table)?))
    }

    fn table_name(&self) -> String {
        "SimpleImputer".to_string()
    }
}
