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
//! | [`missing_report`] | per-column missing counts and fractions | — |
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

// mod knn_imputer;

pub use min_max_scaler::{FittedMinMaxScaler, MinMaxScaler};
pub use robust_scaler::{FittedRobustScaler, RobustScaler};
pub use standard_scaler::{FittedStandardScaler, StandardScaler};

pub use missing_report::{missing_report, MissingReport};
pub use simple_imputer::{FittedSimpleImputer, ImputeStrategy, SimpleImputer};

// pub use knn_imputer::{FittedKnnImputer, KnnImputer};
