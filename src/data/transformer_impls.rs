//! [`Transformer`], [`Fit`] and [`FittedTransformer`] for the crate's transformers, each
//! forwarding to the inherent `fit` / `transform` / `inverse_transform`.

use ndarray::{Array2, ArrayView2};

use super::{Fit, Transformer};
use super::{
    FittedCoral, FittedKnnImputer, FittedMinMaxScaler, FittedMissingThreshold,
    FittedOutlierDetector, FittedPowerTransformer, FittedRobustScaler, FittedSimpleImputer,
    FittedStandardScaler, FittedTransformer, FittedVarianceThreshold, FittedWinsorizer, KnnImputer,
    MinMaxScaler, MissingThreshold, OutlierDetector, PowerTransformer, RobustScaler, SimpleImputer,
    StandardScaler, VarianceThreshold, Winsorizer,
};
use crate::{Float, Result};

/// Implements the three traits for one settings type and its fitted type.
///
/// `transform:` names the fitted type's inherent transform, `n_features_out:` computes the
/// output width from the fitted value, and `inverse:` (optional) names its inherent inverse.
/// Inherent methods take `&ArrayView2`, so a misspelt name cannot resolve to the trait method
/// itself (the call would not type-check).
macro_rules! transformer_pair {
    (
        $settings:ident => $fitted:ty,
        transform: $transform:ident,
        n_features_out: |$f:ident| $n_out:expr
        $(, inverse: $inverse:ident)? $(,)?
    ) => {
        impl<F: Float> Fit<F> for $settings {
            type Fitted = $fitted;

            fn fit_typed(&self, x: ArrayView2<'_, F>) -> Result<$fitted> {
                <$settings>::fit(self, &x)
            }
        }

        impl<F: Float> Transformer<F> for $settings {
            fn fit(&self, x: ArrayView2<'_, F>) -> Result<Box<dyn FittedTransformer<F>>> {
                Ok(Box::new(self.fit_typed(x)?))
            }

            fn name(&self) -> String {
                stringify!($settings).to_string()
            }
        }

        impl<F: Float> FittedTransformer<F> for $fitted {
            fn transform(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
                <$fitted>::$transform(self, &x)
            }

            $(
                fn inverse_transform(&self, z: ArrayView2<'_, F>) -> Result<Array2<F>> {
                    <$fitted>::$inverse(self, &z)
                }

                fn has_inverse(&self) -> bool {
                    true
                }
            )?

            fn n_features_in(&self) -> usize {
                <$fitted>::n_features(self)
            }

            fn n_features_out(&self) -> usize {
                let $f = self;
                $n_out
            }

            fn name(&self) -> String {
                concat!("Fitted", stringify!($settings)).to_string()
            }
        }
    };
}

transformer_pair!(
    StandardScaler => FittedStandardScaler<F>,
    transform: transform,
    n_features_out: |f| f.n_features(),
    inverse: inverse_transform,
);

transformer_pair!(
    MinMaxScaler => FittedMinMaxScaler<F>,
    transform: transform,
    n_features_out: |f| f.n_features(),
    inverse: inverse_transform,
);

transformer_pair!(
    RobustScaler => FittedRobustScaler<F>,
    transform: transform,
    n_features_out: |f| f.n_features(),
    inverse: inverse_transform,
);

transformer_pair!(
    PowerTransformer => FittedPowerTransformer<F>,
    transform: transform,
    n_features_out: |f| f.n_features(),
    inverse: inverse_transform,
);

transformer_pair!(
    SimpleImputer => FittedSimpleImputer<F>,
    transform: transform,
    n_features_out: |f| <FittedSimpleImputer<F>>::n_features_out(f),
);

transformer_pair!(
    KnnImputer => FittedKnnImputer<F>,
    transform: transform,
    n_features_out: |f| <FittedKnnImputer<F>>::n_features_out(f),
);

transformer_pair!(
    Winsorizer => FittedWinsorizer<F>,
    transform: transform,
    n_features_out: |f| f.n_features(),
);

transformer_pair!(
    OutlierDetector => FittedOutlierDetector<F>,
    transform: clip,
    n_features_out: |f| f.n_features(),
);

transformer_pair!(
    VarianceThreshold => FittedVarianceThreshold<F>,
    transform: transform,
    n_features_out: |f| f.kept_columns().len(),
);

transformer_pair!(
    MissingThreshold => FittedMissingThreshold,
    transform: transform,
    n_features_out: |f| f.kept_columns().len(),
);

/// CORAL is fitted on two sets (source and target), so only its fitted side is a
/// [`FittedTransformer`]: it re-colours source rows, e.g. the rows a model trains on. It has
/// no settings-side [`Transformer`] (whose `fit` sees one set), and is not an inverse-able
/// scaler: target rows are used as they are, so it is not a preprocessing step for them.
///
/// ```
/// use tuneup::data::{Coral, FittedTransformer};
/// use ndarray::array;
/// let source = array![[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]];
/// let target = array![[3.0, 0.0], [-3.0, 0.0], [0.0, 1.0], [0.0, -1.0]];
/// let fitted: Box<dyn FittedTransformer<f64>> =
///     Box::new(Coral::new().fit(source.view(), target.view())?);
/// assert_eq!((fitted.n_features_in(), fitted.n_features_out()), (2, 2));
/// assert_eq!(fitted.name(), "FittedCoral");
/// assert!(fitted.transform(array![[1.0]].view()).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
impl<F: Float> FittedTransformer<F> for FittedCoral {
    fn transform(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        FittedCoral::transform(self, x)
    }

    fn n_features_in(&self) -> usize {
        self.map().nrows()
    }

    fn n_features_out(&self) -> usize {
        self.map().ncols()
    }

    fn name(&self) -> String {
        "FittedCoral".to_string()
    }
}
