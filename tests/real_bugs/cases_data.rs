//! Faults in the data: scale, missing values, imbalance, leaks, duplicates, shift, outliers
//! and labels.

use super::run::{binary, data_only, features, regression, Normal, Program, Y};
use crate::Case;
use tuneup::data::{out_of_fold_probabilities, ConfidentLearning};
use tuneup::diagnostics::doctor::{Diagnosis, Doctor, Problem};
use tuneup::ndarray::{concatenate, s, Array2, Axis};
use tuneup::prelude::*;
use tuneup::train::TrainerBuilder;

type B = TrainerBuilder<f64, Sequential<f64>>;

fn net(widths: &[usize]) -> Sequential<f64> {
    Mlp::new(widths).seed(9).build().unwrap()
}

fn adam(b: B) -> B {
    b.optimizer(Adam::new(0.01).unwrap())
        .epochs(15)
        .batch_size(32)
}

fn pixels_not_normalised() -> Diagnosis {
    let mut r = Normal::new(41);
    // 8×8 grey images: class 1 is brighter in the top half.
    let y: Vec<usize> = (0..240).map(|i| i % 2).collect();
    let x = Array2::from_shape_fn((240, 64), |(i, j)| {
        let bright = if y[i] == 1 && j < 32 { 60.0 } else { 0.0 };
        (110.0 + bright + 40.0 * r.sample())
            .clamp(0.0, 255.0)
            .round()
    });
    Program::new(net(&[64, 32, 2]), CrossEntropy::new(), x, Y::Classes(y)).run(adam)
}

fn regression_targets_in_the_hundred_thousands() -> Diagnosis {
    let (x, y) = regression(200, 4, 42);
    let prices = y.mapv(|v| 250_000.0 + 80_000.0 * v);
    Program::new(net(&[4, 32, 1]), Mse::new(), x, Y::Dense(prices)).run(adam)
}

fn unix_timestamps_as_a_feature() -> Diagnosis {
    let (mut x, y) = regression(200, 3, 43);
    let mut r = Normal::new(143);
    let stamps = Array2::from_shape_fn((200, 1), |_| 1.7e9 + (r.uniform() * 86_400.0).round());
    x = concatenate(Axis(1), &[x.view(), stamps.view()]).unwrap();
    Program::new(net(&[4, 32, 1]), Mse::new(), x, Y::Dense(y)).run(adam)
}

fn nan_in_the_inputs() -> Diagnosis {
    let (mut x, y) = binary(240, 4, 44);
    for i in (0..240).step_by(7) {
        x[[i, 2]] = f64::NAN;
    }
    // The trainer refuses NaN features before any epoch; the user asks the doctor about the
    // data, as its error message suggests.
    let mut t = Trainer::builder()
        .model(net(&[4, 16, 2]))
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(5)
        .build()
        .unwrap();
    assert!(t.fit(x.view(), &y).is_err());
    data_only(&x, Some(&y))
}

fn heavy_class_imbalance() -> Diagnosis {
    let (x, s) = features(400, 4, 45);
    // 3% positives: the rare event needs two features high at once.
    let y: Vec<usize> = (0..400)
        .map(|i| usize::from(s[i] > 1.9 || i % 97 == 0))
        .collect();
    Program::new(net(&[4, 16, 2]), CrossEntropy::new(), x, Y::Classes(y))
        .run(|b: B| adam(b).metric(Metric::Accuracy))
}

fn duplicated_rows_across_the_split() -> Diagnosis {
    let (x, y) = binary(160, 4, 46);
    // The data set was concatenated with itself (an export ran twice), then split.
    let xx = concatenate(Axis(0), &[x.view(), x.view()]).unwrap();
    let yy: Vec<usize> = y.iter().chain(&y).copied().collect();
    let order: Vec<usize> = (0..320).map(|i| (i * 137) % 320).collect();
    let xs = xx.select(Axis(0), &order);
    let ys: Vec<usize> = order.iter().map(|&i| yy[i]).collect();
    let (train_x, test_x) = (
        xs.slice(s![..240, ..]).to_owned(),
        xs.slice(s![240.., ..]).to_owned(),
    );
    let (train_y, test_y) = (ys[..240].to_vec(), ys[240..].to_vec());
    Program::new(
        net(&[4, 16, 2]),
        CrossEntropy::new(),
        train_x,
        Y::Classes(train_y),
    )
    .test(test_x, Y::Classes(test_y))
    .run(|b: B| adam(b).validation_split(0.2))
}

fn target_leaked_into_the_features() -> Diagnosis {
    let (x, y) = regression(200, 4, 47);
    // The target column was left in the feature table.
    let leaked = concatenate(Axis(1), &[x.view(), y.view()]).unwrap();
    Program::new(net(&[5, 16, 1]), Mse::new(), leaked, Y::Dense(y)).run(adam)
}

fn test_set_not_normalised_like_training() -> Diagnosis {
    let (x, y) = binary(300, 4, 48);
    let raw = x.mapv(|v| 40.0 * v + 100.0);
    let mean = raw.mean_axis(Axis(0)).unwrap();
    let std = raw.std_axis(Axis(0), 0.0);
    let train = (&raw.slice(s![..220, ..]) - &mean) / &std;
    // The test rows were passed on raw.
    let test = raw.slice(s![220.., ..]).to_owned();
    let (train_y, test_y) = (y[..220].to_vec(), y[220..].to_vec());
    Program::new(
        net(&[4, 16, 2]),
        CrossEntropy::new(),
        train,
        Y::Classes(train_y),
    )
    .test(test, Y::Classes(test_y))
    .run(|b: B| adam(b).validation_split(0.2))
}

fn sensor_spikes_in_a_regression() -> Diagnosis {
    let (mut x, y) = regression(200, 4, 49);
    for i in (0..200).step_by(13) {
        x[[i, 1]] = 900.0; // a sensor that reports 900 when it fails
    }
    Program::new(net(&[4, 32, 1]), Mse::new(), x, Y::Dense(y)).run(adam)
}

fn labels_shuffled_apart_from_the_features() -> Diagnosis {
    let (x, y) = binary(240, 4, 50);
    // The labels were shuffled on their own (a second, unseeded shuffle).
    let order: Vec<usize> = (0..240).map(|i| (i * 101 + 17) % 240).collect();
    let shuffled: Vec<usize> = order.iter().map(|&i| y[i]).collect();
    Program::new(
        net(&[4, 64, 2]),
        CrossEntropy::new(),
        x,
        Y::Classes(shuffled),
    )
    .run(|b: B| adam(b).epochs(40).validation_split(0.25))
}

fn annotators_mislabelled_a_class() -> Diagnosis {
    let (x, y) = binary(300, 4, 51);
    // A fifth of the positives were labelled negative by the annotators.
    let noisy: Vec<usize> = y
        .iter()
        .enumerate()
        .map(|(i, &c)| if c == 1 && i % 5 == 0 { 0 } else { c })
        .collect();
    let fit = |b: B| adam(b).epochs(30);
    let trainer = |m| {
        fit(Trainer::builder()
            .model(m)
            .loss(CrossEntropy::new())
            .seed(7))
    };
    let mut t = trainer(net(&[4, 16, 2])).build().unwrap();
    t.fit(x.view(), &noisy).unwrap();
    // The crate's label-noise workflow: out-of-fold probabilities, then confident learning.
    let probs = out_of_fold_probabilities(x.view(), &noisy, 4, 3, |xa, ya, xb| {
        let mut t = trainer(net(&[4, 16, 2])).build()?;
        t.fit(xa, ya)?;
        t.predict_proba(xb)
    })
    .unwrap();
    let issues = ConfidentLearning::new().find(&noisy, probs.view()).unwrap();
    Doctor::new(t.history())
        .training_data(&x.view())
        .class_labels(&noisy)
        .label_issues(&issues)
        .examine()
        .unwrap()
}

/// The data cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "pixels fed as 0–255",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: preprocessing of training data, missing normalisation); Zhang et al., 'An Empirical Study on TensorFlow Program Bugs', ISSTA 2018",
            symptom: "the loss jumps or stalls from the start",
            fix: "scale the inputs (divide by 255 or standardise)",
            cause: &[Problem::DataScale],
            fix_api: &["StandardScaler", "MinMaxScaler"],
            run: pixels_not_normalised,
        },
        Case {
            name: "regression targets in the hundred thousands",
            source: "https://stackoverflow.com/questions/52800582 'Why do I fail to predict y=x**4 with keras?' (outputs far beyond what the initial weights produce)",
            symptom: "a huge loss that falls very slowly",
            fix: "scale the targets (and invert on predictions)",
            cause: &[Problem::DataScale],
            fix_api: &["scale_targets", "StandardScaler on y"],
            run: regression_targets_in_the_hundred_thousands,
        },
        Case {
            name: "Unix timestamps as a raw feature",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: preprocessing of training data, missing normalisation)",
            symptom: "training is unstable and the feature carries no usable signal",
            fix: "centre and scale the column",
            cause: &[Problem::DataScale, Problem::PrecisionLoss],
            fix_api: &["StandardScaler"],
            run: unix_timestamps_as_a_feature,
        },
        Case {
            name: "NaN values in the inputs",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: training data quality); Zhang et al. (ISSTA 2018) NaN-loss symptom",
            symptom: "the loss is NaN (here: the trainer refuses the data)",
            fix: "impute (or drop) the missing values",
            cause: &[Problem::MissingValues],
            fix_api: &["SimpleImputer"],
            run: nan_in_the_inputs,
        },
        Case {
            name: "heavy class imbalance: the model predicts the majority",
            source: "Buda, Maki & Mazurowski, 'A systematic study of the class imbalance problem in convolutional neural networks', Neural Networks 2018",
            symptom: "97% accuracy, no minority sample found",
            fix: "class weights or resampling",
            cause: &[Problem::ClassImbalance],
            fix_api: &["with_class_weights", "Smote"],
            run: heavy_class_imbalance,
        },
        Case {
            name: "rows duplicated across the train/test split",
            source: "Barz & Denzler, 'Do We Train on Test Data? Purging CIFAR of Near-Duplicates', J. Imaging 2020; Allamanis, 'The adverse effects of code duplication in machine learning models of code', Onward! 2019",
            symptom: "test accuracy as good as training, then poor in production",
            fix: "drop duplicates before splitting",
            cause: &[Problem::TrainTestOverlap, Problem::DuplicateRows],
            fix_api: &["drop_duplicate_rows"],
            run: duplicated_rows_across_the_split,
        },
        Case {
            name: "the target left in the features (leak)",
            source: "Kaufman, Rosset, Perlich & Stitelman, 'Leakage in Data Mining: Formulation, Detection, and Avoidance', ACM TKDD 2012",
            symptom: "a near-perfect validation score that does not survive deployment",
            fix: "drop the leaking column",
            cause: &[Problem::TargetLeakage],
            fix_api: &["drop the column"],
            run: target_leaked_into_the_features,
        },
        Case {
            name: "test set not normalised like the training set",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (faults in preprocessing: test data treated unlike training data); Islam et al. (FSE 2019) data bugs",
            symptom: "good validation accuracy, chance-level test accuracy",
            fix: "transform the test set with the scaler fitted on training",
            cause: &[Problem::DistributionShift],
            fix_api: &["fit scalers / imputers on train only"],
            run: test_set_not_normalised_like_training,
        },
        Case {
            name: "sensor failure codes in a feature",
            source: "class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: training data quality)",
            symptom: "a few rows dominate the squared loss",
            fix: "clip / robust-scale the column, or a robust loss",
            cause: &[Problem::Outliers],
            fix_api: &["OutlierDetector", "Winsorizer", "RobustScaler", "Huber"],
            run: sensor_spikes_in_a_regression,
        },
        Case {
            name: "labels shuffled apart from the features",
            source: "Zhang et al., 'Understanding deep learning requires rethinking generalization', ICLR 2017 (random labels are memorised); class of Humbatova et al., 'Taxonomy of Real Faults in Deep Learning Systems', ICSE 2020 (training faults: training data quality)",
            symptom: "training accuracy rises, validation stays at chance",
            fix: "shuffle features and labels with one permutation",
            cause: &[Problem::LabelNoise],
            fix_api: &["LabelIssues"],
            run: labels_shuffled_apart_from_the_features,
        },
        Case {
            name: "annotators mislabelled part of a class",
            source: "Northcutt, Jiang & Chuang, 'Confident Learning: Estimating Uncertainty in Dataset Labels', JAIR 2021; Northcutt, Athalye & Mueller, 'Pervasive Label Errors in Test Sets', NeurIPS 2021 Datasets and Benchmarks",
            symptom: "accuracy plateaus below what the features allow",
            fix: "find and relabel (or drop) the wrong labels",
            cause: &[Problem::LabelNoise],
            fix_api: &["LabelIssues"],
            run: annotators_mislabelled_a_class,
        },
    ]
}
