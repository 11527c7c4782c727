//! A chain of transformers and resamplers fitted together (scikit-learn's and
//! imbalanced-learn's `Pipeline`).

use std::collections::HashSet;

use ndarray::{Array2, ArrayView2};

use super::table::Table;
use super::table_transformer::{FittedTableTransformer, TableTransformer};
use super::transformer::check_one_label_per_row;
use super::{FittedTransformer, Resampled, Resampler, Transformer};
use crate::{Error, Float, Result};

const CONTEXT: &str = "Pipeline";

#[derive(Debug, Clone)]
enum Step<F: Float> {
    Transform(Box<dyn TableTransformer<F>>),
    Resample(Box<dyn Resampler<F>>),
}

/// Steps applied in order: each transformer is fitted on the output of the steps before it,
/// and resamplers change the rows at fit time only (imbalanced-learn's rule: a fitted
/// pipeline's [`transform`](FittedPipeline::transform) skips them).
///
/// Fitting the whole pipeline on each cross-validation fold's training rows is what keeps
/// test-fold statistics out of the preprocessing; see the crate's `pipeline_leakage` test.
/// Each step receives the table the step before produced
/// ([`FittedTableTransformer::transform_to_table`]): numeric columns named by its
/// `feature_names_out`, and the categorical columns a
/// [`SimpleImputer`](crate::data::SimpleImputer) keeps (alone or inside a
/// [`ColumnTransformer`](crate::data::ColumnTransformer)), so that an imputer can feed an
/// encoder (scikit-learn's `Pipeline([SimpleImputer(strategy="most_frequent"),
/// OneHotEncoder()])`). A pipeline is itself a
/// [`TableTransformer`] and a numeric [`Transformer`] (so it can be nested, or stand as one
/// column subset's transformer).
///
/// ```
/// use tuneup::data::{ImputeStrategy, Pipeline, SimpleImputer, StandardScaler, Table};
/// use ndarray::array;
/// let pipe = Pipeline::new()
///     .transform("impute", SimpleImputer::new(ImputeStrategy::Mean)?)
///     .transform("scale", StandardScaler::new());
/// let train = Table::from_array(array![[1.0], [f64::NAN], [3.0]].view())?;
/// let fitted = pipe.fit(&train)?;
/// let z = fitted.transform(&train)?;
/// assert_eq!(z[[1, 0]], 0.0); // the missing value filled with the training mean, centred
/// assert!((z[[2, 0]] - 1.5_f64.sqrt()).abs() < 1e-12);
/// assert_eq!(fitted.feature_names_out(), ["x0"]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Pipeline<F: Float> {
    steps: Vec<(String, Step<F>)>,
}

impl<F: Float> Default for Pipeline<F> {
    fn default() -> Self {
        Pipeline { steps: Vec::new() }
    }
}

/// A [`Pipeline`] fitted to training data: its fitted transformers in order (resamplers are
/// not kept).
///
/// ```
/// use tuneup::data::{MinMaxScaler, Pipeline, Table};
/// use ndarray::array;
/// let fitted = Pipeline::new().transform("mm", MinMaxScaler::default())
///     .fit(&Table::from_array(array![[0.0], [10.0]].view())?)?;
/// assert_eq!(fitted.step_names(), ["mm"]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FittedPipeline<F: Float> {
    schema: Table<F>,
    steps: Vec<(String, Box<dyn FittedTableTransformer<F>>)>,
}

impl<F: Float> Pipeline<F> {
    /// An empty pipeline (its transform returns the numeric input unchanged).
    ///
    /// ```
    /// let p = tuneup::data::Pipeline::<f64>::new();
    /// assert_eq!(p.len(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a transformer step named `name`.
    ///
    /// ```
    /// use tuneup::data::{Pipeline, StandardScaler};
    /// assert_eq!(Pipeline::<f64>::new().transform("s", StandardScaler::new()).len(), 1);
    /// ```
    pub fn transform(
        mut self,
        name: impl Into<String>,
        transformer: impl TableTransformer<F> + 'static,
    ) -> Self {
        self.steps
            .push((name.into(), Step::Transform(Box::new(transformer))));
        self
    }

    /// Appends a resampler step named `name`, applied by [`fit_resample`](Self::fit_resample)
    /// only.
    ///
    /// ```
    /// use tuneup::data::{Pipeline, Smote};
    /// assert_eq!(Pipeline::<f64>::new().resample("smote", Smote::new()).len(), 1);
    /// ```
    pub fn resample(
        mut self,
        name: impl Into<String>,
        resampler: impl Resampler<F> + 'static,
    ) -> Self {
        self.steps
            .push((name.into(), Step::Resample(Box::new(resampler))));
        self
    }

    /// The number of steps.
    ///
    /// ```
    /// assert!(tuneup::data::Pipeline::<f32>::new().is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the pipeline has no step.
    ///
    /// ```
    /// assert!(tuneup::data::Pipeline::<f64>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Fits every transformer in order on `table`.
    ///
    /// Errors: two steps of one name ([`Error::Value`]); a resampler step, which needs labels
    /// ([`Error::State`]: call [`fit_resample`](Self::fit_resample)); the steps' own errors,
    /// prefixed with the step's name.
    ///
    /// ```
    /// use tuneup::data::{Pipeline, Smote, Table};
    /// use ndarray::array;
    /// let t = Table::from_array(array![[1.0]].view())?;
    /// let err = Pipeline::new().resample("s", Smote::new()).fit(&t).unwrap_err();
    /// assert!(matches!(err, tuneup::Error::State { .. }));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit(&self, table: &Table<F>) -> Result<FittedPipeline<F>> {
        self.check_names()?;
        if let Some((name, _)) = self
            .steps
            .iter()
            .find(|(_, s)| matches!(s, Step::Resample(_)))
        {
            return Err(Error::state(
                format!("{CONTEXT} step `{name}`"),
                "a resampler needs labels: call fit_resample(table, labels)",
            ));
        }
        Ok(self.fit_steps(table, None)?.0)
    }

    /// Fits the pipeline on `table` with labels `y`, applying the resamplers in their place;
    /// returns the fitted pipeline and the training rows as the last step produced them.
    ///
    /// Errors: `y` not one label per row ([`Error::Shape`]), and those of
    /// [`fit`](Self::fit) (except the resampler one) and of the resamplers.
    ///
    /// ```
    /// use tuneup::data::{Pipeline, RandomOverSampler, StandardScaler, Table};
    /// use ndarray::array;
    /// let t = Table::from_array(array![[0.0], [1.0], [2.0], [10.0]].view())?;
    /// let pipe = Pipeline::new()
    ///     .transform("scale", StandardScaler::new())
    ///     .resample("over", RandomOverSampler::new());
    /// let (fitted, train) = pipe.fit_resample(&t, &[0, 0, 0, 1])?;
    /// assert_eq!(train.y.len(), 6); // class 1 copied up to 3 rows
    /// assert_eq!(fitted.transform(&t)?.nrows(), 4); // no resampling at transform time
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_resample(
        &self,
        table: &Table<F>,
        y: &[usize],
    ) -> Result<(FittedPipeline<F>, Resampled<F>)> {
        self.check_names()?;
        check_one_label_per_row(&format!("{CONTEXT}.fit_resample"), table.n_rows(), y)?;
        let (fitted, out) = self.fit_steps(table, Some(y))?;
        Ok((fitted, out.expect("labels given")))
    }

    fn check_names(&self) -> Result<()> {
        let mut seen = HashSet::new();
        if let Some((dup, _)) = self.steps.iter().find(|(n, _)| !seen.insert(n.as_str())) {
            return Err(Error::value(
                CONTEXT,
                "unique step names",
                format!("`{dup}` twice"),
            ));
        }
        Ok(())
    }

    /// Fits the steps; with labels, resamples and returns the final training rows.
    fn fit_steps(
        &self,
        table: &Table<F>,
        y: Option<&[usize]>,
    ) -> Result<(FittedPipeline<F>, Option<Resampled<F>>)> {
        let mut current = table.clone();
        let mut labels = y.map(<[usize]>::to_vec);
        let mut fitted = Vec::with_capacity(self.steps.len());
        for (name, step) in &self.steps {
            let within = |e: Error| e.within(format!("{CONTEXT} step `{name}`"));
            match step {
                Step::Transform(t) => {
                    let f = t.fit_table(&current).map_err(within)?;
                    current = f.transform_to_table(&current).map_err(within)?;
                    fitted.push((name.clone(), f));
                }
                Step::Resample(r) => {
                    let x = current.to_array().map_err(within)?;
                    let ys = labels.as_deref().unwrap_or_default();
                    let out = r.resample(x.view(), ys).map_err(within)?;
                    current = Table::from_array_with_names(out.x.view(), current.names().to_vec())?;
                    labels = Some(out.y);
                }
            }
        }
        let out = match labels {
            Some(y) => Some(Resampled {
                x: current.to_array()?,
                y,
            }),
            None => None,
        };
        Ok((
            FittedPipeline {
                schema: table.schema(),
                steps: fitted,
            },
            out,
        ))
    }
}

impl<F: Float> FittedPipeline<F> {
    /// Applies the fitted transformers in order to `table` (which must have the columns seen
    /// by fit).
    ///
    /// Errors: other column names or kinds than fit saw ([`Error::Shape`] /
    /// [`Error::Value`]); a categorical column reaching a numeric step; the steps' own
    /// errors, prefixed with the step's name.
    ///
    /// ```
    /// use tuneup::data::{Pipeline, StandardScaler, Table};
    /// use ndarray::array;
    /// let fitted = Pipeline::new().transform("s", StandardScaler::new())
    ///     .fit(&Table::from_array(array![[1.0], [3.0]].view())?)?;
    /// let z = fitted.transform(&Table::from_array(array![[5.0]].view())?)?;
    /// assert_eq!(z, array![[3.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, table: &Table<F>) -> Result<Array2<F>> {
        let Some(((name, last), first)) = self.steps.split_last() else {
            self.schema.check_same_schema(CONTEXT, table)?;
            return table.to_array();
        };
        // The last step's matrix is the output: no table made of it.
        let current = self.run_steps(first, table)?;
        last.transform_table(current.as_ref().unwrap_or(table))
            .map_err(|e| e.within(format!("{CONTEXT} step `{name}`")))
    }

    /// Applies the fitted transformers in order to `table` and returns the last step's table
    /// (which may keep categorical columns, e.g. a pipeline ending with an imputer).
    ///
    /// Errors as [`transform`](Self::transform), but for categorical output columns.
    ///
    /// ```
    /// use tuneup::data::{Column, ImputeStrategy, Pipeline, SimpleImputer, Table};
    /// let t = Table::<f64>::new(["c"], vec![Column::Categorical(vec![Some("a".into()), None])])?;
    /// let fitted = Pipeline::new()
    ///     .transform("impute", SimpleImputer::new(ImputeStrategy::MostFrequent)?)
    ///     .fit(&t)?;
    /// assert_eq!(fitted.transform_to_table(&t)?.columns()[0], Column::categorical(["a", "a"]));
    /// assert!(matches!(fitted.transform(&t), Err(tuneup::Error::Value { .. }))); // text left
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform_to_table(&self, table: &Table<F>) -> Result<Table<F>> {
        let current = self.run_steps(&self.steps, table)?;
        Ok(current.unwrap_or_else(|| table.clone()))
    }

    /// Checks `table` against the schema seen by fit and applies `steps` to it: their last
    /// table, or `None` without steps (the input itself, not copied).
    fn run_steps(
        &self,
        steps: &[(String, Box<dyn FittedTableTransformer<F>>)],
        table: &Table<F>,
    ) -> Result<Option<Table<F>>> {
        self.schema.check_same_schema(CONTEXT, table)?;
        let mut current: Option<Table<F>> = None;
        for (name, step) in steps {
            let within = |e: Error| e.within(format!("{CONTEXT} step `{name}`"));
            let input = current.as_ref().unwrap_or(table);
            current = Some(step.transform_to_table(input).map_err(within)?);
        }
        Ok(current)
    }

    /// The names of the output columns (those of the last step; the input names without
    /// steps).
    ///
    /// ```
    /// use tuneup::data::{Column, OneHotEncoder, Pipeline, Table};
    /// let t = Table::new(["c"], vec![Column::<f64>::categorical(["a", "b"])])?;
    /// let fitted = Pipeline::new().transform("oh", OneHotEncoder::new()).fit(&t)?;
    /// assert_eq!(fitted.feature_names_out(), ["c_a", "c_b"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn feature_names_out(&self) -> Vec<String> {
        match self.steps.last() {
            Some((_, s)) => s.feature_names_out(),
            None => self.schema.names().to_vec(),
        }
    }

    /// The names of the fitted steps, in order (resamplers left out).
    ///
    /// ```
    /// use tuneup::data::{Pipeline, RandomUnderSampler, StandardScaler, Table};
    /// use ndarray::array;
    /// let t = Table::from_array(array![[0.0], [1.0], [5.0]].view())?;
    /// let (fitted, _) = Pipeline::new().resample("under", RandomUnderSampler::new())
    ///     .transform("s", StandardScaler::new()).fit_resample(&t, &[0, 0, 1])?;
    /// assert_eq!(fitted.step_names(), ["s"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn step_names(&self) -> Vec<String> {
        self.steps.iter().map(|(n, _)| n.clone()).collect()
    }
}

impl<F: Float> TableTransformer<F> for Pipeline<F> {
    fn fit_table(&self, table: &Table<F>) -> Result<Box<dyn FittedTableTransformer<F>>> {
        Ok(Box::new(self.fit(table)?))
    }

    fn table_name(&self) -> String {
        CONTEXT.to_string()
    }

    fn table_resamples(&self) -> bool {
        Transformer::resamples(self)
    }

    fn fit_resample_table(
        &self,
        table: &Table<F>,
        y: &[usize],
    ) -> Result<(Box<dyn FittedTableTransformer<F>>, Resampled<F>)> {
        let (fitted, rows) = Pipeline::fit_resample(self, table, y)?;
        Ok((Box::new(fitted), rows))
    }
}

impl<F: Float> FittedTableTransformer<F> for FittedPipeline<F> {
    fn transform_table(&self, table: &Table<F>) -> Result<Array2<F>> {
        self.transform(table)
    }

    fn transform_to_table(&self, table: &Table<F>) -> Result<Table<F>> {
        FittedPipeline::transform_to_table(self, table)
    }

    fn feature_names_out(&self) -> Vec<String> {
        FittedPipeline::feature_names_out(self)
    }

    fn n_features_in(&self) -> usize {
        self.schema.n_columns()
    }
}

/// A pipeline over numeric matrices: the columns are named `x0`, `x1`, … .
impl<F: Float> Transformer<F> for Pipeline<F> {
    fn fit(&self, x: ArrayView2<'_, F>) -> Result<Box<dyn FittedTransformer<F>>> {
        Ok(Box::new(Pipeline::fit(self, &Table::from_array(x)?)?))
    }

    fn name(&self) -> String {
        CONTEXT.to_string()
    }

    fn resamples(&self) -> bool {
        self.steps
            .iter()
            .any(|(_, s)| matches!(s, Step::Resample(_)))
    }

    fn fit_resample(
        &self,
        x: ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<(Box<dyn FittedTransformer<F>>, Resampled<F>)> {
        let (fitted, rows) = Pipeline::fit_resample(self, &Table::from_array(x)?, y)?;
        Ok((Box::new(fitted), rows))
    }
}

impl<F: Float> FittedTransformer<F> for FittedPipeline<F> {
    fn transform(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        if x.ncols() != self.schema.n_columns() {
            return Err(Error::shape(
                "FittedPipeline",
                format!(
                    "{} columns (the width seen by fit)",
                    self.schema.n_columns()
                ),
                format!("{} columns", x.ncols()),
            ));
        }
        let names = self.schema.names().to_vec();
        FittedPipeline::transform(self, &Table::from_array_with_names(x, names)?)
    }

    fn n_features_in(&self) -> usize {
        self.schema.n_columns()
    }

    fn n_features_out(&self) -> usize {
        match self.steps.last() {
            Some((_, s)) => s.n_features_out(),
            None => self.schema.n_columns(),
        }
    }

    fn name(&self) -> String {
        "FittedPipeline".to_string()
    }
}
