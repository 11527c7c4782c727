//! The doctor's label-noise finding: raised on 10% flipped labels with the estimated rate as
//! evidence, silent on the same data with clean labels, and configurable.

use ndarray::{Array2, ArrayView2};
use tuneup::data::{
    make_classification, out_of_fold_probabilities, ClassificationConfig, ConfidentLearning,
    StandardScaler,
};
use tuneup::diagnostics::doctor::{Doctor, DoctorSettings, Problem, Severity};
use tuneup::diagnostics::history::History;
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};
use tuneup::train::Trainer;

const K: usize = 3;

fn data() -> (Array2<f64>, Vec<usize>) {
    let d = make_classification::<f64>(&ClassificationConfig {
        n_samples: 600,
        n_features: 8,
        n_informative: 5,
        n_redundant: 1,
        n_classes: K,
        class_sep: 2.0,
        flip_y: 0.0,
        seed: 7,
        ..ClassificationConfig::default()
    })
    .unwrap();
    (d.features().to_owned(), d.labels().unwrap().to_vec())
}

fn flip(y: &[usize], rate: f64) -> (Vec<usize>, Vec<bool>) {
    let mut rng = StdRng::seed_from_u64(11);
    let mut out = y.to_vec();
    let mut flipped = vec![false; y.len()];
    for i in 0..y.len() {
        if rng.random::<f64>() < rate {
            out[i] = (out[i] + rng.random_range(1..K)) % K;
            flipped[i] = true;
        }
    }
    (out, flipped)
}

fn out_of_fold(x: ArrayView2<'_, f64>, y: &[usize]) -> Array2<f64> {
    out_of_fold_probabilities(x, y, 5, 0, |xt, yt, xv| {
        let mut t: Trainer<f64> = Trainer::builder()
            .model(Mlp::new(&[xt.ncols(), 32, K]).seed(3).build::<f64>()?)
            .loss(CrossEntropy::new())
            .optimizer(Adam::new(3e-3)?)
            .preprocess(StandardScaler::new())
            .epochs(40)
            .seed(4)
            .build()?;
        t.fit(xt, yt)?;
        t.predict_proba(xv)
    })
    .unwrap()
}

#[test]
fn flipped_labels_raise_label_noise_and_clean_labels_do_not() {
    let (x, y) = data();
    let h = History::new("loss", true);
    let (noisy, flipped) = flip(&y, 0.1);
    let true_rate = flipped.iter().filter(|&&f| f).count() as f64 / y.len() as f64;
    let found = ConfidentLearning::new()
        .find(&noisy, out_of_fold(x.view(), &noisy).view())
        .unwrap();
    let d = Doctor::new(&h)
        .class_labels(&noisy)
        .label_issues(&found)
        .examine()
        .unwrap();
    let f = d.get(Problem::LabelNoise).expect("label noise found");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.evidence[0].name, "estimated noise rate");
    let estimated = f.evidence[0].value;
    assert!(
        (estimated - true_rate).abs() < 0.04,
        "{estimated} vs {true_rate}"
    );
    assert_eq!(f.evidence[1].value, found.n_issues() as f64);
    assert!(f.remedies[0].action.contains("ranked_issues"));
    assert!(f
        .remedies
        .iter()
        .any(|r| r.action.contains("GeneralizedCrossEntropy")));

    let clean = ConfidentLearning::new()
        .find(&y, out_of_fold(x.view(), &y).view())
        .unwrap();
    assert!(clean.noise_rate() < 0.05, "{}", clean.noise_rate());
    let d = Doctor::new(&h)
        .class_labels(&y)
        .label_issues(&clean)
        .examine()
        .unwrap();
    assert!(!d.has(Problem::LabelNoise), "{d}");
    // A stricter threshold reports the clean data's few flagged rows too.
    let strict = DoctorSettings {
        label_noise_rate: 0.0,
        ..Default::default()
    };
    let d = Doctor::new(&h)
        .settings(strict)
        .unwrap()
        .label_issues(&clean)
        .examine()
        .unwrap();
    assert_eq!(d.has(Problem::LabelNoise), clean.noise_rate() > 0.0);
}

#[test]
fn label_issues_of_other_rows_and_bad_thresholds_are_errors() {
    let probs = ndarray::array![[0.9, 0.1], [0.2, 0.8], [0.8, 0.2]];
    let found = ConfidentLearning::new()
        .find(&[0, 1, 0], probs.view())
        .unwrap();
    let h = History::new("loss", true);
    let err = Doctor::new(&h)
        .class_labels(&[0, 1])
        .label_issues(&found)
        .examine()
        .unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    let bad = DoctorSettings {
        label_noise_rate: 1.5,
        ..Default::default()
    };
    assert!(matches!(
        Doctor::new(&h).settings(bad),
        Err(Error::Config { .. })
    ));
    // Nothing flagged: no finding even at threshold 0.
    let d = Doctor::new(&h)
        .settings(DoctorSettings {
            label_noise_rate: 0.0,
            ..Default::default()
        })
        .unwrap()
        .label_issues(&found)
        .examine()
        .unwrap();
    assert!(!d.has(Problem::LabelNoise));
}
