//! Data cleaning: scalers and imputers with a fit / transform split.
//!
//! Every transformer follows one pattern (as in linfa and scikit-learn): a settings value,
//! checked when it is built, whose `fit` reads training data and returns a separate *fitted*
//! value; the fitted value's `transform` (and, for scalers, `inverse_transform`) is then applied
//! to any data of the same width. No statistic of the data being transformed leaks into the
//! fitted state, so fitting on the training split and transforming the test split is safe.
//!
//! Data is an `ndarray::Array2<F>` with one row per sample, and `NaN` marks a missing value.
//! Inputs are only read (transforms take a view and return a new array). Infinite values are
//! always rejected with [`Error::NonFinite`](crate::Error::NonFinite); a transform given data of
//! another width fails with [`Error::Shape`](crate::Error::Shape).
//!
//! | type | what it does | scikit-learn equivalent |
//! |---|---|---|
//! | [`StandardScaler`] | `(x − mean) / std` | `StandardScaler` |
//! | [`MinMaxScaler`] | maps `[min, max]` onto a range | `MinMaxScaler` |
//! | [`RobustScaler`] | `(x − median) / IQR` | `RobustScaler` |
//! | [`SimpleImputer`] | fills NaN with mean / median / mode / constant | `SimpleImputer` |
//! | [`KnnImputer`] | fills NaN from the k nearest training rows | `KNNImputer` |
//! | [`PowerTransformer`] | Yeo-Johnson power transform (skew correction) | `PowerTransformer` |
//! | [`missing_report`] | per-column missing counts and fractions | — |
//! | [`OutlierDetector`] | flags / removes / clips outliers by z-score, modified z-score or IQR fences | — |
//! | [`Winsorizer`] | clips each column to two fitted percentiles | — |
//! | [`IsolationForest`] | isolation-forest anomaly scores and −1 / 1 predictions | `IsolationForest` |
//! | [`duplicate_rows`] | exact duplicate rows (NaN equals NaN) | — |
//! | [`constant_columns`], [`VarianceThreshold`] | constant and low-variance columns | `VarianceThreshold` |
//! | [`MissingThreshold`], [`drop_rows_with_missing`] | drops columns / rows with too many NaN | — |
//! | [`MixUp`], [`GaussianNoise`] ([`Augmenter`]) | batch augmentation: mixed inputs with soft targets, input noise | — |
//! | [`Fgsm`], [`Pgd`] | adversarial examples from the input gradient | — |
//! | [`AdversarialTraining`] | a share of each training batch made adversarial (a Trainer option) | — |
//! | [`RandomOverSampler`], [`RandomUnderSampler`] | class rebalancing by copying / dropping rows ([`SamplingStrategy`]) | imbalanced-learn's samplers |
//! | [`Smote`], [`BorderlineSmote`], [`Adasyn`] | synthetic minority samples between nearest neighbours | imbalanced-learn's `SMOTE`, `BorderlineSMOTE`, `ADASYN` |
//! | [`KdTree`] | exact k-nearest-neighbour search | `NearestNeighbors` (KD-tree) |
//!
//! ```
//! use tuneup::data::{SimpleImputer, ImputeStrategy, StandardScaler};
//! use ndarray::array;
//!
//! let train = array![[1.0, f64::NAN], [3.0, 4.0], [5.0, 8.0]];
//! let test = array![[f64::NAN, 6.0]];
//! let imputer = SimpleImputer::new(ImputeStrategy::Mean)?.fit(&train.view())?;
//! let train_filled = imputer.transform(&train.view())?;
//! let scaler = StandardScaler::new().fit(&train_filled.view())?;
//! let test_ready = scaler.transform(&imputer.transform(&test.view())?.view())?;
//! assert_eq!(test_ready[[0, 0]], 0.0); // filled with the training mean 3, then centred
//! # Ok::<(), tuneup::Error>(())
//! ```

mod check;
mod stats;

mod min_max_scaler;
mod robust_scaler;
mod standard_scaler;

mod missing_report;
mod simple_imputer;

mod knn_imputer;
mod nan_euclidean_index;

mod bounded_brent;
mod power_transformer;

pub use min_max_scaler::{FittedMinMaxScaler, MinMaxScaler};
pub use robust_scaler::{FittedRobustScaler, RobustScaler};
pub use standard_scaler::{FittedStandardScaler, StandardScaler};

pub use missing_report::{missing_report, MissingReport};
pub use simple_imputer::{FittedSimpleImputer, ImputeStrategy, SimpleImputer};

pub use knn_imputer::{FittedKnnImputer, KnnImputer};

pub use power_transformer::{FittedPowerTransformer, PowerTransformer};

mod split;

pub use split::{train_test_split, train_test_split_indices, SplitParts};

mod kfold;

pub use kfold::{Folds, KFold, StratifiedKFold};

mod dataset;

pub use dataset::{Dataset, DatasetTargets};

mod constant_columns;
mod duplicates;
mod isolation_forest;
mod missing_threshold;
mod outliers;
mod winsorize;

pub use constant_columns::{constant_columns, FittedVarianceThreshold, VarianceThreshold};
pub use duplicates::{drop_duplicate_rows, duplicate_rows, DuplicateRows};
pub use isolation_forest::{
    average_path_length, Contamination, FittedIsolationForest, IsolationForest, MaxSamples,
};
pub use missing_threshold::{drop_rows_with_missing, FittedMissingThreshold, MissingThreshold};
pub use outliers::{FilteredRows, FittedOutlierDetector, OutlierDetector, OutlierMethod};
pub use winsorize::{FittedWinsorizer, Winsorizer};

mod adasyn;
mod borderline_smote;
mod neighbors;
mod random_sampling;
mod sampling_strategy;
mod smote;

pub use adasyn::Adasyn;
pub use borderline_smote::{BorderlineKind, BorderlineSmote};
pub use neighbors::{KdTree, KnnBuffer, DEFAULT_LEAF_SIZE};
pub use random_sampling::{RandomOverSampler, RandomUnderSampler, Selection};
pub use sampling_strategy::{Resampled, SamplingStrategy};
pub use smote::Smote;

#[cfg(feature = "csv")]
mod csv;

#[cfg(feature = "csv")]
pub use self::csv::{read_csv, read_csv_path, CsvOptions, CsvTask, LabelColumn};

mod batches;

pub use batches::{Batch, BatchLoader, Epoch};

mod generators;

pub use generators::{
    make_blobs, make_circles, make_classification, make_moons, make_regression, make_spirals,
    BlobCenters, BlobsConfig, CirclesConfig, ClassificationConfig, MoonsConfig, RegressionConfig,
    SpiralsConfig,
};

mod adversarial;
mod adversarial_training;
mod augmenter;
mod gaussian_noise;
mod mixup;

pub use adversarial::{Fgsm, Pgd};
pub(crate) use adversarial_training::AdversarialWorkspace;
pub use adversarial_training::{AdversarialTraining, Attack};
pub use augmenter::Augmenter;
pub use gaussian_noise::GaussianNoise;
pub use mixup::{one_hot, MixUp};
