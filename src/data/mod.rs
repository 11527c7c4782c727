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
//! The pattern is formalised by two object-safe traits, so that pipelines and searches can hold
//! any transformer: [`Transformer`] (the settings: `fit` returns a boxed fitted value, `name`,
//! `fit_transform`) and [`FittedTransformer`] (`transform`, `inverse_transform` where
//! [`has_inverse`](FittedTransformer::has_inverse), `n_features_in` / `n_features_out`); both
//! are `Send + Sync + Debug`, and their boxes are `Clone`. [`Fit`] is the statically typed
//! variant, whose `fit_typed` returns the concrete fitted type. They are implemented by the
//! scalers, both imputers, [`PowerTransformer`], [`Winsorizer`], [`VarianceThreshold`],
//! [`MissingThreshold`] and [`OutlierDetector`] (whose fitted trait `transform` is its `clip`);
//! not by [`IsolationForest`], which scores rows instead of transforming them.
//!
//! ```
//! use tuneup::data::{FittedTransformer, RobustScaler, Transformer, Winsorizer};
//! use ndarray::array;
//!
//! let steps: Vec<Box<dyn Transformer<f64>>> =
//!     vec![Box::new(Winsorizer::new(0.0, 50.0)?), Box::new(RobustScaler::new())];
//! let train = array![[1.0], [2.0], [3.0], [40.0]];
//! let fitted: Vec<Box<dyn FittedTransformer<f64>>> =
//!     steps.iter().map(|s| s.fit(train.view())).collect::<tuneup::Result<_>>()?;
//! let clipped = fitted[0].transform(array![[9.0]].view())?;
//! assert_eq!(clipped, array![[2.5]]); // clipped to the training median
//! # Ok::<(), tuneup::Error>(())
//! ```
//!
//! | type | what it does | scikit-learn equivalent |
//! |---|---|---|
//! | [`StandardScaler`] | `(x − mean) / std` | `StandardScaler` |
//! | [`MinMaxScaler`] | maps `[min, max]` onto a range | `MinMaxScaler` |
//! | [`RobustScaler`] | `(x − median) / IQR` | `RobustScaler` |
//! | [`SimpleImputer`] | fills NaN with mean / median / mode / constant (and a table's missing texts with mode / constant) | `SimpleImputer` |
//! | [`KnnImputer`] | fills NaN from the k nearest training rows | `KNNImputer` |
//! | [`PowerTransformer`] | Yeo-Johnson power transform (skew correction) | `PowerTransformer` |
//! | [`missing_report`] | per-column missing counts and fractions | — |
//! | [`OutlierDetector`] | flags / removes / clips outliers by z-score, modified z-score or IQR fences | — |
//! | [`Winsorizer`] | clips each column to two fitted percentiles | — |
//! | [`IsolationForest`] | isolation-forest anomaly scores and −1 / 1 predictions | `IsolationForest` |
//! | [`duplicate_rows`] | exact duplicate rows (NaN equals NaN) | — |
//! | [`overlapping_rows`] | test rows that repeat a training row | — |
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
pub(crate) mod stats;

mod fitted_transformer;
mod transformer;
mod transformer_impls;

pub use coral::{Coral, FittedCoral};
pub use fitted_transformer::{FittedTransformer, FittedTransformerClone};
pub use transformer::{Fit, Transformer, TransformerClone};

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
mod coral;
mod duplicates;
mod isolation_forest;
mod missing_threshold;
mod outliers;
mod winsorize;

pub use constant_columns::{constant_columns, FittedVarianceThreshold, VarianceThreshold};
pub use duplicates::{drop_duplicate_rows, duplicate_rows, overlapping_rows, DuplicateRows};
pub use isolation_forest::{
    average_path_length, Contamination, FittedIsolationForest, IsolationForest, MaxSamples,
};
pub use missing_threshold::{drop_rows_with_missing, FittedMissingThreshold, MissingThreshold};
pub use outliers::{FilteredRows, FittedOutlierDetector, OutlierDetector, OutlierMethod};
pub use winsorize::{FittedWinsorizer, Winsorizer};

mod adasyn;
mod blocks;
mod borderline_smote;
mod infrequent;
mod neighbors;
mod principal_axes;
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
mod csv_source;

#[cfg(feature = "csv")]
pub use self::csv::{read_csv, read_csv_path, CsvOptions, CsvTask, LabelColumn};

#[cfg(feature = "csv")]
mod table_csv;

#[cfg(feature = "csv")]
pub use table_csv::{read_table, read_table_path, TableOptions};

mod batches;

pub use batches::{Batch, BatchLoader, Epoch};

mod generators;

pub use generators::{
    make_blobs, make_circles, make_classification, make_moons, make_regression, make_spirals,
    BlobCenters, BlobsConfig, CirclesConfig, ClassificationConfig, MoonsConfig, RegressionConfig,
    SpiralsConfig,
};
pub use generators::{make_shapes, Shape, ShapesConfig};

mod adversarial;
mod adversarial_training;
mod augmenter;
mod capacity;
mod gaussian_noise;
mod mixup;

pub use adversarial::{Fgsm, Pgd};
pub(crate) use adversarial_training::AdversarialWorkspace;
pub use adversarial_training::{AdversarialTraining, Attack};
pub use augmenter::{Augmenter, AugmenterClone};
pub use gaussian_noise::GaussianNoise;
pub use mixup::{one_hot, MixUp};

mod categories;
mod column_transformer;
mod one_hot_encoder;
mod ordinal_encoder;
mod pipeline;
mod resampler;
mod table;
mod table_imputer;
mod table_transformer;

pub use categories::Category;
pub use column_transformer::{ColumnTransformer, Columns, FittedColumnTransformer, Remainder};
pub use infrequent::MinFrequency;
pub use one_hot_encoder::{DropCategory, FittedOneHotEncoder, HandleUnknown, OneHotEncoder};
pub use ordinal_encoder::{FittedOrdinalEncoder, OrdinalEncoder};
pub use pipeline::{FittedPipeline, Pipeline};
pub use resampler::{Resampler, ResamplerClone};
pub use table::{Column, Table};
pub use table_imputer::FittedTableImputer;
pub use table_transformer::{
    FittedTableTransformer, FittedTableTransformerClone, TableTransformer, TableTransformerClone,
};

mod all_knn;
mod cleaning;
mod edited_nearest_neighbours;
mod near_miss;
mod neighbourhood_cleaning_rule;
mod repeated_enn;
mod smote_enn;
mod smote_tomek;
mod tomek_links;

pub use all_knn::AllKnn;
pub use cleaning::CleaningStrategy;
pub use edited_nearest_neighbours::{EditedNearestNeighbours, EnnKind};
pub use near_miss::NearMiss;
pub use neighbourhood_cleaning_rule::NeighbourhoodCleaningRule;
pub use repeated_enn::RepeatedEditedNearestNeighbours;
pub use smote_enn::SmoteEnn;
pub use smote_tomek::SmoteTomek;
pub use tomek_links::TomekLinks;

mod label_issues;

pub use label_issues::{out_of_fold_probabilities, ConfidentLearning, FilterBy, LabelIssues};

mod smote_nc;

pub use smote_nc::{SmoteNc, SmoteNcResampled};

mod target_encoder;

pub use target_encoder::{EncoderTarget, FittedTargetEncoder, Smooth, TargetEncoder};

mod smoten;

pub use smoten::{Smoten, SmotenResampled};
