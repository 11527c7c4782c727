//! The settings side of a fitted transformer: [`Transformer`] (object safe, for pipelines and
//! searches that hold any transformer) and [`Fit`] (statically typed, for the concrete fitted
//! type).

use std::fmt::Debug;

use ndarray::{Array2, ArrayView2};

use super::{FittedTransformer, Resampled};
use crate::{Error, Float, Result};

/// The settings of a data transformer, fitted to training data into a separate
/// [`FittedTransformer`]; object safe, so that any transformer can be held as a
/// `Box<dyn Transformer<F>>` (and cloned as one, through [`TransformerClone`]).
///
/// Fitting reads the settings (`&self`) and never changes them: one settings value can be
/// fitted to many training sets. Every settings type of [`crate::data`] with a fit / transform
/// split implements it; its inherent `fit(&x.view())` keeps returning the concrete fitted
/// type, while this trait's [`fit`](Self::fit) takes the view by value and returns a box.
/// Method syntax on a concrete settings value picks the inherent method, so call the trait's
/// through a box, a generic bound, or as `Transformer::fit(&settings, x.view())`; the same
/// holds for [`FittedTransformer::transform`] and `inverse_transform`.
///
/// ```
/// use tuneup::data::{ImputeStrategy, MinMaxScaler, SimpleImputer, StandardScaler, Transformer};
/// use ndarray::array;
///
/// let steps: Vec<Box<dyn Transformer<f64>>> = vec![
///     Box::new(SimpleImputer::new(ImputeStrategy::Mean)?),
///     Box::new(StandardScaler::new()),
///     Box::new(MinMaxScaler::default()),
/// ];
/// let names: Vec<String> = steps.iter().map(|s| s.name()).collect();
/// assert_eq!(names, ["SimpleImputer", "StandardScaler", "MinMaxScaler"]);
///
/// let train = array![[1.0, f64::NAN], [3.0, 4.0], [5.0, 8.0]];
/// let mut x = train.clone();
/// for step in &steps {
///     x = step.fit_transform(x.view())?;
/// }
/// assert_eq!(x.column(0).to_vec(), vec![0.0, 0.5, 1.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait Transformer<F: Float>: TransformerClone<F> + Send + Sync + Debug {
    /// Learns the transformation from `x` (one row per sample) and returns it boxed; the
    /// settings are left as they were.
    ///
    /// Errors are those of the transformer's inherent `fit` (empty data, infinite values, …).
    ///
    /// ```
    /// use tuneup::data::{StandardScaler, Transformer};
    /// use ndarray::array;
    /// let settings: Box<dyn Transformer<f64>> = Box::new(StandardScaler::new());
    /// let fitted = settings.fit(array![[1.0], [3.0]].view())?;
    /// assert_eq!(fitted.transform(array![[5.0]].view())?, array![[3.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn fit(&self, x: ArrayView2<'_, F>) -> Result<Box<dyn FittedTransformer<F>>>;

    /// The transformer's type name, e.g. `"StandardScaler"` (for logs and search reports).
    ///
    /// ```
    /// use tuneup::data::{RobustScaler, Transformer};
    /// assert_eq!(Transformer::<f64>::name(&RobustScaler::new()), "RobustScaler");
    /// ```
    fn name(&self) -> String;

    /// Fits on `x` and transforms the same `x`, as `fit(x)?.transform(x)`.
    ///
    /// ```
    /// use tuneup::data::{StandardScaler, Transformer};
    /// use ndarray::array;
    /// let z = Transformer::fit_transform(&StandardScaler::new(), array![[0.0], [2.0]].view())?;
    /// assert_eq!(z, array![[-1.0], [1.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn fit_transform(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.fit(x)?.transform(x)
    }

    /// Whether fitting changes the training rows (a [`Pipeline`](super::Pipeline) holding a
    /// resampler): such a transformer must be fitted with [`fit_resample`](Self::fit_resample),
    /// which needs class labels. `false` unless overridden.
    ///
    /// ```
    /// use tuneup::data::{Pipeline, Smote, StandardScaler, Transformer};
    /// assert!(!Transformer::<f64>::resamples(&StandardScaler::new()));
    /// assert!(Transformer::<f64>::resamples(&Pipeline::new().resample("s", Smote::new())));
    /// ```
    fn resamples(&self) -> bool {
        false
    }

    /// Fits on the training rows `x` with their class labels `y` and returns the fitted
    /// transformer and the rows to train on: those `x` transformed, for a transformer that
    /// does not resample; for a [`Pipeline`](super::Pipeline), the rows its resamplers made
    /// (imbalanced-learn's rule: resampling happens at fit time only, never in `transform`).
    ///
    /// Errors: `y` not one label per row ([`Error::Shape`](crate::Error::Shape)), and those
    /// of [`fit`](Self::fit) and of the resamplers.
    ///
    /// ```
    /// use tuneup::data::{Pipeline, RandomOverSampler, StandardScaler, Transformer};
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [10.0]];
    /// let scale: Box<dyn Transformer<f64>> = Box::new(StandardScaler::new());
    /// let (_, rows) = scale.fit_resample(x.view(), &[0, 0, 0, 1])?;
    /// assert_eq!(rows.y, [0, 0, 0, 1]);
    /// let pipe: Box<dyn Transformer<f64>> = Box::new(
    ///     Pipeline::new().transform("s", StandardScaler::new()).resample("o", RandomOverSampler::new()));
    /// let (fitted, rows) = pipe.fit_resample(x.view(), &[0, 0, 0, 1])?;
    /// assert_eq!(rows.y.len(), 6);
    /// assert_eq!(fitted.transform(x.view())?.nrows(), 4);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn fit_resample(
        &self,
        x: ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<(Box<dyn FittedTransformer<F>>, Resampled<F>)> {
        check_one_label_per_row("Transformer::fit_resample", x.nrows(), y)?;
        let fitted = self.fit(x)?;
        let rows = Resampled {
            x: fitted.transform(x)?,
            y: y.to_vec(),
        };
        Ok((fitted, rows))
    }
}

/// The error of labels that are not one per row.
pub(crate) fn check_one_label_per_row(context: &str, rows: usize, y: &[usize]) -> Result<()> {
    if y.len() == rows {
        return Ok(());
    }
    Err(Error::shape(
        context,
        format!("one label per row ({rows} rows)"),
        format!("{} labels", y.len()),
    ))
}

/// Cloning a [`Transformer`] behind a box: implemented for every `Clone` transformer, so that
/// `Box<dyn Transformer<F>>` is `Clone` (a search can copy its template settings).
///
/// ```
/// use tuneup::data::{MinMaxScaler, Transformer};
/// use ndarray::array;
/// let settings: Box<dyn Transformer<f64>> = Box::new(MinMaxScaler::new(-1.0, 1.0)?);
/// let copy = settings.clone();
/// let x = array![[0.0], [4.0]];
/// assert_eq!(copy.fit_transform(x.view())?, settings.fit_transform(x.view())?);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait TransformerClone<F: Float> {
    /// A boxed copy of these settings.
    ///
    /// ```
    /// use tuneup::data::{StandardScaler, Transformer, TransformerClone};
    /// let copy: Box<dyn Transformer<f32>> = StandardScaler::new().clone_box();
    /// assert_eq!(copy.name(), "StandardScaler");
    /// ```
    fn clone_box(&self) -> Box<dyn Transformer<F>>;
}

impl<F: Float, T: Transformer<F> + Clone + 'static> TransformerClone<F> for T {
    fn clone_box(&self) -> Box<dyn Transformer<F>> {
        Box::new(self.clone())
    }
}

impl<F: Float> Clone for Box<dyn Transformer<F>> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

/// The statically typed side of a [`Transformer`] (linfa's `Fit`): fitting returns the
/// concrete fitted type, whose statistics can then be read, instead of a box.
///
/// The method is named `fit_typed` so that it never competes with the inherent
/// `fit(&x.view())` or with [`Transformer::fit`]; generic code bounded by `Fit<F>` can call
/// both `fit_typed` and the trait-object methods.
///
/// ```
/// use tuneup::data::{Fit, FittedTransformer, StandardScaler};
/// use ndarray::array;
///
/// fn centred<T: Fit<f64>>(settings: &T, x: &ndarray::Array2<f64>) -> tuneup::Result<T::Fitted> {
///     settings.fit_typed(x.view())
/// }
/// let fitted = centred(&StandardScaler::new(), &array![[1.0], [3.0]])?;
/// assert_eq!(fitted.mean().unwrap()[0], 2.0); // a FittedStandardScaler
/// assert_eq!(FittedTransformer::n_features_out(&fitted), 1);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait Fit<F: Float>: Transformer<F> {
    /// The concrete fitted type, e.g. `FittedStandardScaler<F>`.
    type Fitted: FittedTransformer<F> + Clone;

    /// Learns the transformation from `x` and returns the concrete fitted value; the same as
    /// the inherent `fit(&x)`.
    ///
    /// ```
    /// use tuneup::data::{Fit, VarianceThreshold};
    /// use ndarray::array;
    /// let x = array![[1.0, 5.0], [2.0, 5.0]];
    /// let fitted = VarianceThreshold::default().fit_typed(x.view())?;
    /// assert_eq!(fitted.kept_columns(), &[0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn fit_typed(&self, x: ArrayView2<'_, F>) -> Result<Self::Fitted>;
}
