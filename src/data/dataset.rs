//! [`Dataset`]: a feature matrix with its targets (class labels or real values) and names.

use ndarray::{Array2, ArrayView2, Axis};

use crate::data::split::train_test_split_indices;
use crate::loss::Targets;
use crate::{Error, Float, Result};

/// The targets of a [`Dataset`]: one class label per sample, or a matrix of real values with
/// one row per sample.
///
/// ```
/// use tuneup::data::DatasetTargets;
/// let t: DatasetTargets<f64> = DatasetTargets::Classes(vec![0, 1, 1]);
/// assert_eq!(t.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum DatasetTargets<F> {
    /// Class labels `0..n_classes`, one per sample.
    Classes(Vec<usize>),
    /// Real targets: one row per sample, one column per output.
    Values(Array2<F>),
}

impl<F> DatasetTargets<F> {
    /// The number of samples the targets describe.
    ///
    /// ```
    /// use tuneup::data::DatasetTargets;
    /// let t = DatasetTargets::Values(ndarray::Array2::<f32>::zeros((4, 2)));
    /// assert_eq!(t.len(), 4);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            DatasetTargets::Classes(c) => c.len(),
            DatasetTargets::Values(v) => v.nrows(),
        }
    }

    /// Whether there are no samples.
    ///
    /// ```
    /// use tuneup::data::DatasetTargets;
    /// assert!(DatasetTargets::<f64>::Classes(vec![]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A feature matrix (one row per sample) with its targets and optional names.
///
/// Targets are either class labels `0..n_classes` (classification) or a real matrix
/// (regression). Constructors check that features and targets have the same number of rows;
/// names, when given, are checked against the widths they describe.
///
/// ```
/// use tuneup::data::Dataset;
/// use ndarray::array;
///
/// let ds = Dataset::classification(array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]], vec![0, 1, 1])?
///     .with_feature_names(["x", "y"])?;
/// assert_eq!((ds.n_samples(), ds.n_features()), (3, 2));
/// assert_eq!(ds.class_counts(), Some(vec![1, 2]));
/// let sub = ds.select(&[2, 0])?;
/// assert_eq!(sub.labels(), Some(&[1, 0][..]));
/// assert_eq!(sub.features()[[0, 0]], 2.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<F> {
    features: Array2<F>,
    targets: DatasetTargets<F>,
    n_classes: usize,
    feature_names: Option<Vec<String>>,
    target_names: Option<Vec<String>>,
    class_names: Option<Vec<String>>,
    source_lines: Option<Vec<usize>>,
}

fn names<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Vec<String> {
    names.into_iter().map(Into::into).collect()
}

impl<F: Float> Dataset<F> {
    /// A classification dataset: `features` (n × d) and one label per row. The number of
    /// classes is `max(label) + 1` (0 when there are no samples) unless
    /// [`with_class_names`](Self::with_class_names) or [`with_n_classes`](Self::with_n_classes)
    /// says more.
    ///
    /// # Errors
    /// [`Error::Shape`] if `labels.len()` differs from the number of rows.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::Array2::<f32>::zeros((2, 3)), vec![2, 0])?;
    /// assert_eq!(ds.n_classes(), Some(3));
    /// assert!(Dataset::classification(ndarray::Array2::<f32>::zeros((2, 3)), vec![0]).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn classification(features: Array2<F>, labels: Vec<usize>) -> Result<Self> {
        if labels.len() != features.nrows() {
            return Err(Error::shape(
                "Dataset::classification",
                format!("{} labels, one per feature row", features.nrows()),
                format!("{} labels", labels.len()),
            ));
        }
        let n_classes = labels.iter().max().map_or(0, |&m| m + 1);
        Ok(Dataset {
            features,
            targets: DatasetTargets::Classes(labels),
            n_classes,
            feature_names: None,
            target_names: None,
            class_names: None,
            source_lines: None,
        })
    }

    /// A regression dataset: `features` (n × d) and real `targets` (n × t).
    ///
    /// # Errors
    /// [`Error::Shape`] if the targets do not have one row per feature row.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// use ndarray::array;
    /// let ds = Dataset::regression(array![[1.0], [2.0]], array![[0.5], [1.0]])?;
    /// assert_eq!(ds.values().unwrap()[[1, 0]], 1.0);
    /// assert_eq!(ds.class_counts(), None);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn regression(features: Array2<F>, targets: Array2<F>) -> Result<Self> {
        if targets.nrows() != features.nrows() {
            return Err(Error::shape(
                "Dataset::regression",
                format!(
                    "targets with {} rows, one per feature row",
                    features.nrows()
                ),
                format!("{} rows", targets.nrows()),
            ));
        }
        Ok(Dataset {
            features,
            targets: DatasetTargets::Values(targets),
            n_classes: 0,
            feature_names: None,
            target_names: None,
            class_names: None,
            source_lines: None,
        })
    }

    /// Names the feature columns (one name per column).
    ///
    /// # Errors
    /// [`Error::Shape`] if the number of names differs from the number of features.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::Array2::<f64>::zeros((1, 2)), vec![0])?;
    /// assert!(ds.clone().with_feature_names(["a"]).is_err());
    /// let ds = ds.with_feature_names(["a", "b"])?;
    /// assert_eq!(ds.feature_names().unwrap()[1], "b");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_feature_names<S: Into<String>>(
        mut self,
        feature_names: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        let n = names(feature_names);
        if n.len() != self.n_features() {
            return Err(Error::shape(
                "Dataset::with_feature_names",
                format!("{} names, one per feature", self.n_features()),
                format!("{} names", n.len()),
            ));
        }
        self.feature_names = Some(n);
        Ok(self)
    }

    /// Names the target columns of a regression dataset (one name per column).
    ///
    /// # Errors
    /// [`Error::State`] on a classification dataset; [`Error::Shape`] if the number of names
    /// differs from the number of target columns.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// use ndarray::array;
    /// let ds = Dataset::regression(array![[1.0]], array![[2.0]])?.with_target_names(["price"])?;
    /// assert_eq!(ds.target_names().unwrap(), ["price"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_target_names<S: Into<String>>(
        mut self,
        target_names: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        let DatasetTargets::Values(v) = &self.targets else {
            return Err(Error::state(
                "Dataset::with_target_names",
                "target names describe real-valued targets; use with_class_names for labels",
            ));
        };
        let n = names(target_names);
        if n.len() != v.ncols() {
            return Err(Error::shape(
                "Dataset::with_target_names",
                format!("{} names, one per target column", v.ncols()),
                format!("{} names", n.len()),
            ));
        }
        self.target_names = Some(n);
        Ok(self)
    }

    /// Names the classes of a classification dataset: `class_names[c]` is class `c`'s name.
    /// The number of classes becomes `class_names.len()`.
    ///
    /// # Errors
    /// [`Error::State`] on a regression dataset; [`Error::Value`] if a label is not below the
    /// number of names.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::Array2::<f64>::zeros((2, 1)), vec![0, 0])?
    ///     .with_class_names(["cat", "dog"])?;
    /// assert_eq!(ds.n_classes(), Some(2));
    /// assert_eq!(ds.class_counts(), Some(vec![2, 0]));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_class_names<S: Into<String>>(
        mut self,
        class_names: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        let n = names(class_names);
        self = self
            .with_n_classes(n.len())
            .map_err(|e| e.within("Dataset::with_class_names"))?;
        self.class_names = Some(n);
        Ok(self)
    }

    /// Sets the number of classes of a classification dataset (for classes absent from this
    /// sample, e.g. after a split). Class names, if any, are dropped when the count changes.
    ///
    /// # Errors
    /// [`Error::State`] on a regression dataset; [`Error::Value`] if a label is not below
    /// `n_classes`.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::Array2::<f64>::zeros((1, 1)), vec![1])?;
    /// assert_eq!(ds.clone().with_n_classes(4)?.class_counts(), Some(vec![0, 1, 0, 0]));
    /// assert!(ds.with_n_classes(1).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_n_classes(mut self, n_classes: usize) -> Result<Self> {
        let DatasetTargets::Classes(labels) = &self.targets else {
            return Err(Error::state(
                "Dataset",
                "classes describe a classification dataset; this one has real-valued targets",
            ));
        };
        if let Some((row, &l)) = labels.iter().enumerate().find(|&(_, &l)| l >= n_classes) {
            return Err(Error::value(
                "Dataset::with_n_classes",
                format!("labels below {n_classes}"),
                format!("label {l} at row {row}"),
            ));
        }
        if n_classes != self.n_classes {
            self.class_names = None;
        }
        self.n_classes = n_classes;
        Ok(self)
    }

    /// The number of samples (rows).
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::Array2::<f64>::zeros((5, 2)), vec![0; 5])?;
    /// assert_eq!(ds.n_samples(), 5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_samples(&self) -> usize {
        self.features.nrows()
    }

    /// The number of features (columns).
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::Array2::<f64>::zeros((5, 2)), vec![0; 5])?;
    /// assert_eq!(ds.n_features(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.features.ncols()
    }

    /// The number of classes, or `None` for a regression dataset.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::Array2::<f64>::zeros((2, 1)), vec![0, 3])?;
    /// assert_eq!(ds.n_classes(), Some(4));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_classes(&self) -> Option<usize> {
        match self.targets {
            DatasetTargets::Classes(_) => Some(self.n_classes),
            DatasetTargets::Values(_) => None,
        }
    }

    /// How many samples each class has (`counts[c]` for class `c`, zeros included), or `None`
    /// for a regression dataset.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::Array2::<f64>::zeros((4, 1)), vec![2, 0, 2, 2])?;
    /// assert_eq!(ds.class_counts(), Some(vec![1, 0, 3]));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn class_counts(&self) -> Option<Vec<usize>> {
        let labels = self.labels()?;
        let mut counts = vec![0; self.n_classes];
        for &l in labels {
            counts[l] += 1;
        }
        Some(counts)
    }

    /// The feature matrix.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::array![[1.0f32, 2.0]], vec![0])?;
    /// assert_eq!(ds.features()[[0, 1]], 2.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn features(&self) -> ArrayView2<'_, F> {
        self.features.view()
    }

    /// The targets.
    ///
    /// ```
    /// use tuneup::data::{Dataset, DatasetTargets};
    /// let ds = Dataset::classification(ndarray::array![[1.0f32]], vec![0])?;
    /// assert!(matches!(ds.targets(), DatasetTargets::Classes(_)));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn targets(&self) -> &DatasetTargets<F> {
        &self.targets
    }

    /// The class labels, or `None` for a regression dataset.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::array![[1.0f32]], vec![0])?;
    /// assert_eq!(ds.labels(), Some(&[0][..]));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn labels(&self) -> Option<&[usize]> {
        match &self.targets {
            DatasetTargets::Classes(c) => Some(c),
            DatasetTargets::Values(_) => None,
        }
    }

    /// The real-valued targets, or `None` for a classification dataset.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::regression(ndarray::array![[1.0f32]], ndarray::array![[3.0f32]])?;
    /// assert_eq!(ds.values().unwrap()[[0, 0]], 3.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn values(&self) -> Option<ArrayView2<'_, F>> {
        match &self.targets {
            DatasetTargets::Values(v) => Some(v.view()),
            DatasetTargets::Classes(_) => None,
        }
    }

    /// The targets in the form the losses take.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// use tuneup::loss::{CrossEntropy, Loss};
    /// use ndarray::array;
    /// let ds = Dataset::classification(array![[1.0f64], [2.0]], vec![0, 1])?;
    /// let logits = array![[0.0, 0.0], [0.0, 0.0]];
    /// let loss = CrossEntropy::new().value(logits.view(), ds.loss_targets())?;
    /// assert!((loss - 2f64.ln()).abs() < 1e-12);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn loss_targets(&self) -> Targets<'_, F> {
        match &self.targets {
            DatasetTargets::Classes(c) => Targets::Classes(c),
            DatasetTargets::Values(v) => Targets::Dense(v.view()),
        }
    }

    /// The feature names, if set.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::array![[1.0f32]], vec![0])?;
    /// assert_eq!(ds.feature_names(), None);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn feature_names(&self) -> Option<&[String]> {
        self.feature_names.as_deref()
    }

    /// The target column names of a regression dataset, if set.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::regression(ndarray::array![[1.0f32]], ndarray::array![[3.0f32]])?;
    /// assert_eq!(ds.target_names(), None);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn target_names(&self) -> Option<&[String]> {
        self.target_names.as_deref()
    }

    /// The class names (`class_names()[c]` names class `c`), if set.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::array![[1.0f32]], vec![0])?
    ///     .with_class_names(["spam"])?;
    /// assert_eq!(ds.class_names().unwrap(), ["spam"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn class_names(&self) -> Option<&[String]> {
        self.class_names.as_deref()
    }

    /// Records the line of the source file each row was read from (the CSV readers do), so
    /// that later errors can say where a bad value came from; see [`locate`](Self::locate).
    ///
    /// # Errors
    /// [`Error::Shape`] if there is not one line per row.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::array![[1.0f32], [2.0]], vec![0, 1])?
    ///     .with_source_lines(vec![2, 5])?;
    /// assert_eq!(ds.source_line(1), Some(5));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_source_lines(mut self, lines: Vec<usize>) -> Result<Self> {
        if lines.len() != self.n_samples() {
            return Err(Error::shape(
                "Dataset::with_source_lines",
                format!("{} lines, one per row", self.n_samples()),
                format!("{} lines", lines.len()),
            ));
        }
        self.source_lines = Some(lines);
        Ok(self)
    }

    /// The source-file line row `row` was read from, if known.
    ///
    /// ```
    /// use tuneup::data::{read_csv, CsvOptions};
    /// let ds = read_csv::<f64, _>("x,y\n1,0\n\n2,1\n".as_bytes(), &CsvOptions::regression("y"))?;
    /// assert_eq!(ds.source_line(1), Some(4));
    /// assert_eq!(ds.source_line(9), None);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn source_line(&self, row: usize) -> Option<usize> {
        self.source_lines.as_ref()?.get(row).copied()
    }

    /// Names feature entry `[row, column]` in the user's terms: `` column `b` (CSV line 3) ``
    /// when the names and lines are known, `row 1, column 1` otherwise.
    ///
    /// ```
    /// use tuneup::data::{read_csv, CsvOptions};
    /// let ds = read_csv::<f64, _>("a,b,y\n1,2,0\n3,NA,1\n".as_bytes(),
    ///     &CsvOptions::regression("y"))?;
    /// assert_eq!(ds.locate(1, 1), "column `b` (CSV line 3)");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn locate(&self, row: usize, column: usize) -> String {
        let name = self.feature_names().and_then(|n| n.get(column));
        let column = match name {
            Some(name) => format!("column `{}`", crate::error::excerpt(name, 40)),
            None => format!("column {column}"),
        };
        match self.source_line(row) {
            Some(line) => format!("{column} (CSV line {line})"),
            None => format!("row {row}, {column}"),
        }
    }

    /// Names target entry `[row, column]` of a regression dataset as [`locate`](Self::locate)
    /// names a feature: `` target `y` (CSV line 4) ``.
    ///
    /// ```
    /// use tuneup::data::{read_csv, CsvOptions};
    /// let ds = read_csv::<f64, _>("a,y\n1,0\n3,NA\n".as_bytes(), &CsvOptions::regression("y"))?;
    /// assert_eq!(ds.locate_target(1, 0), "target `y` (CSV line 3)");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn locate_target(&self, row: usize, column: usize) -> String {
        let name = self.target_names().and_then(|n| n.get(column));
        let target = match name {
            Some(name) => format!("target `{}`", crate::error::excerpt(name, 40)),
            None => format!("target {column}"),
        };
        match self.source_line(row) {
            Some(line) => format!("{target} (CSV line {line})"),
            None => format!("row {row}, {target}"),
        }
    }

    /// The features and targets, giving up the names.
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let ds = Dataset::classification(ndarray::array![[1.0f32]], vec![0])?;
    /// let (x, _y) = ds.into_parts();
    /// assert_eq!(x.dim(), (1, 1));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn into_parts(self) -> (Array2<F>, DatasetTargets<F>) {
        (self.features, self.targets)
    }

    /// A new dataset of the given rows, in the given order (repeats allowed), keeping the
    /// names and the number of classes.
    ///
    /// # Errors
    /// [`Error::Value`] if an index is not below [`n_samples`](Self::n_samples).
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// use ndarray::array;
    /// let ds = Dataset::regression(array![[1.0], [2.0], [3.0]], array![[10.0], [20.0], [30.0]])?;
    /// let sub = ds.select(&[2, 2, 0])?;
    /// assert_eq!(sub.values().unwrap().column(0).to_vec(), vec![30.0, 30.0, 10.0]);
    /// assert!(ds.select(&[3]).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn select(&self, indices: &[usize]) -> Result<Self> {
        let n = self.n_samples();
        if let Some((pos, &i)) = indices.iter().enumerate().find(|&(_, &i)| i >= n) {
            return Err(Error::value(
                "Dataset::select",
                format!("row indices below {n}"),
                format!("{i} at position {pos}"),
            ));
        }
        let targets = match &self.targets {
            DatasetTargets::Classes(c) => {
                DatasetTargets::Classes(indices.iter().map(|&i| c[i]).collect())
            }
            DatasetTargets::Values(v) => DatasetTargets::Values(v.select(Axis(0), indices)),
        };
        Ok(Dataset {
            features: self.features.select(Axis(0), indices),
            targets,
            n_classes: self.n_classes,
            feature_names: self.feature_names.clone(),
            target_names: self.target_names.clone(),
            class_names: self.class_names.clone(),
            source_lines: self
                .source_lines
                .as_ref()
                .map(|lines| indices.iter().map(|&i| lines[i]).collect()),
        })
    }

    /// Splits into `(train, test)` datasets with
    /// [`train_test_split_indices`](crate::data::train_test_split_indices); `stratify` keeps the
    /// class proportions (classification only).
    ///
    /// # Errors
    /// [`Error::State`] if `stratify` is asked of a regression dataset; otherwise those of
    /// [`train_test_split_indices`](crate::data::train_test_split_indices).
    ///
    /// ```
    /// use tuneup::data::Dataset;
    /// let labels: Vec<usize> = (0..20).map(|i| usize::from(i < 5)).collect();
    /// let ds = Dataset::classification(ndarray::Array2::<f64>::zeros((20, 2)), labels)?;
    /// let (train, test) = ds.train_test_split(0.2, true, 0)?;
    /// assert_eq!(train.class_counts(), Some(vec![12, 4]));
    /// assert_eq!(test.class_counts(), Some(vec![3, 1]));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn train_test_split(
        &self,
        test_fraction: f64,
        stratify: bool,
        seed: u64,
    ) -> Result<(Self, Self)> {
        let labels = match (stratify, self.labels()) {
            (false, _) => None,
            (true, Some(l)) => Some(l),
            (true, None) => {
                return Err(Error::state(
                    "Dataset::train_test_split",
                    "stratify needs class labels; this dataset has real-valued targets",
                ))
            }
        };
        let (train, test) =
            train_test_split_indices(self.n_samples(), test_fraction, labels, seed)?;
        Ok((self.select(&train)?, self.select(&test)?))
    }
}
