//! The fitted side of a transformer: [`FittedTransformer`], object safe, so that fitted
//! transformers of any kind can be held and cloned as `Box<dyn FittedTransformer<F>>`.

use std::fmt::Debug;

use ndarray::{Array2, ArrayView2};

use crate::{Error, Float, Result};

/// A transformer fitted to training data (the result of [`Transformer::fit`] or
/// [`Fit::fit_typed`]): applies the learned transformation to any data of the width seen by
/// `fit`, and undoes it where that is possible.
///
/// Every fitted type of [`crate::data`] with a transform implements it, forwarding to its
/// inherent methods (which take `&ArrayView2` and stay available unchanged). A transform given
/// data of another width fails with [`Error::Shape`].
///
/// [`Transformer::fit`]: crate::data::Transformer::fit
/// [`Fit::fit_typed`]: crate::data::Fit::fit_typed
///
/// ```
/// use tuneup::data::{FittedTransformer, MissingThreshold, StandardScaler, Transformer};
/// use ndarray::array;
///
/// let train = array![[1.0, f64::NAN], [3.0, 4.0]];
/// let fitted: Vec<Box<dyn FittedTransformer<f64>>> = vec![
///     Transformer::fit(&StandardScaler::new(), train.view())?,
///     Transformer::fit(&MissingThreshold::new(0.0)?, train.view())?,
/// ];
/// let widths: Vec<(usize, usize)> =
///     fitted.iter().map(|f| (f.n_features_in(), f.n_features_out())).collect();
/// assert_eq!(widths, [(2, 2), (2, 1)]);
/// assert!(fitted[0].has_inverse() && !fitted[1].has_inverse());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait FittedTransformer<F: Float>: FittedTransformerClone<F> + Send + Sync + Debug {
    /// Returns the transformed copy of `x`, which must have [`n_features_in`] columns; the
    /// result has [`n_features_out`] columns.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), plus the transformer's own
    /// input checks (an infinite value is an [`Error::NonFinite`]).
    ///
    /// [`n_features_in`]: Self::n_features_in
    /// [`n_features_out`]: Self::n_features_out
    ///
    /// ```
    /// use tuneup::data::{FittedTransformer, MinMaxScaler, Transformer};
    /// use ndarray::array;
    /// let fitted = Transformer::fit(&MinMaxScaler::default(), array![[0.0], [10.0]].view())?;
    /// assert_eq!(fitted.transform(array![[5.0]].view())?, array![[0.5]]);
    /// let wrong_width = fitted.transform(array![[5.0, 1.0]].view());
    /// assert!(matches!(wrong_width, Err(tuneup::Error::Shape { .. })));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn transform(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>>;

    /// Undoes [`transform`](Self::transform), for transformers with an inverse (see
    /// [`has_inverse`](Self::has_inverse)).
    ///
    /// The default, kept by transformers that cannot be undone (imputers, clipping, column
    /// filters), is an [`Error::State`] naming the fitted transformer.
    ///
    /// ```
    /// use tuneup::data::{FittedTransformer, RobustScaler, Transformer, Winsorizer};
    /// use ndarray::array;
    /// let x = array![[1.0], [2.0], [4.0]];
    /// let scaler = Transformer::fit(&RobustScaler::new(), x.view())?;
    /// assert_eq!(scaler.inverse_transform(scaler.transform(x.view())?.view())?, x);
    /// let clipper = Transformer::fit(&Winsorizer::default(), x.view())?;
    /// let err = clipper.inverse_transform(x.view()).unwrap_err();
    /// assert!(matches!(err, tuneup::Error::State { .. }));
    /// assert!(err.to_string().contains("FittedWinsorizer"));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn inverse_transform(&self, z: ArrayView2<'_, F>) -> Result<Array2<F>> {
        let _ = z;
        Err(Error::state(
            self.name(),
            "inverse_transform is not available: this transformation cannot be undone \
             (check has_inverse() first)",
        ))
    }

    /// Whether [`inverse_transform`](Self::inverse_transform) is available (default `false`).
    ///
    /// ```
    /// use tuneup::data::{FittedTransformer, PowerTransformer, Transformer};
    /// use ndarray::array;
    /// let fitted = Transformer::fit(&PowerTransformer::new(), array![[1.0], [2.0]].view())?;
    /// assert!(fitted.has_inverse());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn has_inverse(&self) -> bool {
        false
    }

    /// The number of columns seen by `fit`, which [`transform`](Self::transform) expects.
    ///
    /// ```
    /// use tuneup::data::{FittedTransformer, StandardScaler, Transformer};
    /// use ndarray::array;
    /// let fitted = Transformer::fit(&StandardScaler::new(), array![[1.0, 2.0, 3.0]].view())?;
    /// assert_eq!(fitted.n_features_in(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn n_features_in(&self) -> usize;

    /// The number of columns [`transform`](Self::transform) returns: fewer than
    /// [`n_features_in`](Self::n_features_in) for transformers that drop columns.
    ///
    /// ```
    /// use tuneup::data::{FittedTransformer, Transformer, VarianceThreshold};
    /// use ndarray::array;
    /// let x = array![[1.0, 7.0, 0.0], [2.0, 7.0, 1.0]];
    /// let fitted = Transformer::fit(&VarianceThreshold::default(), x.view())?;
    /// assert_eq!((fitted.n_features_in(), fitted.n_features_out()), (3, 2));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn n_features_out(&self) -> usize;

    /// The fitted type's name, e.g. `"FittedStandardScaler"` (used in error messages).
    ///
    /// ```
    /// use tuneup::data::{FittedTransformer, KnnImputer, Transformer};
    /// use ndarray::array;
    /// let fitted = Transformer::fit(&KnnImputer::new(1)?, array![[1.0]].view())?;
    /// assert_eq!(fitted.name(), "FittedKnnImputer");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn name(&self) -> String;
}

/// Cloning a [`FittedTransformer`] behind a box: implemented for every `Clone` fitted
/// transformer, so that `Box<dyn FittedTransformer<F>>` is `Clone`.
///
/// ```
/// use tuneup::data::{FittedTransformer, StandardScaler, Transformer};
/// use ndarray::array;
/// let fitted = Transformer::fit(&StandardScaler::new(), array![[1.0], [3.0]].view())?;
/// let copy = fitted.clone();
/// let x = array![[7.0]];
/// assert_eq!(copy.transform(x.view())?, fitted.transform(x.view())?);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait FittedTransformerClone<F: Float> {
    /// A boxed copy of this fitted transformer.
    ///
    /// ```
    /// use tuneup::data::{FittedTransformer, FittedTransformerClone, StandardScaler};
    /// use ndarray::array;
    /// let fitted = StandardScaler::new().fit(&array![[1.0], [3.0]].view())?;
    /// let boxed: Box<dyn FittedTransformer<f64>> = fitted.clone_box();
    /// assert_eq!(boxed.n_features_in(), 1);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn clone_box(&self) -> Box<dyn FittedTransformer<F>>;
}

impl<F: Float, T: FittedTransformer<F> + Clone + 'static> FittedTransformerClone<F> for T {
    fn clone_box(&self) -> Box<dyn FittedTransformer<F>> {
        Box::new(self.clone())
    }
}

impl<F: Float> Clone for Box<dyn FittedTransformer<F>> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}
