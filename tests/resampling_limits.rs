//! Resampling requests far beyond memory are typed errors before anything is allocated or
//! drawn: no overflow panic, no allocation abort, no endless loop.

use std::collections::BTreeMap;

use tuneup::data::{
    Adasyn, BorderlineKind, BorderlineSmote, RandomOverSampler, SamplingStrategy, Smote,
};
use tuneup::ndarray::Array2;

fn data() -> (Array2<f64>, Vec<usize>) {
    let x = Array2::from_shape_fn((60, 4), |(i, j)| ((i * 4 + j) as f64 * 0.77).sin());
    let y = (0..60).map(|i| usize::from(i % 5 == 0)).collect();
    (x, y)
}

fn absurd(rows: usize) -> SamplingStrategy {
    SamplingStrategy::Counts(BTreeMap::from([(1, rows)]))
}

fn is_size_error<T>(r: tuneup::Result<T>) -> bool {
    matches!(r, Err(tuneup::Error::Value { ref found, .. }) if found.contains("ask for fewer samples"))
}

#[test]
fn absurd_counts_are_typed_errors() {
    let (x, y) = data();
    for rows in [1_000_000_000_000usize, usize::MAX / 2] {
        let s = absurd(rows);
        assert!(is_size_error(
            Smote::new()
                .sampling_strategy(s.clone())
                .fit_resample(&x.view(), &y)
        ));
        assert!(is_size_error(
            BorderlineSmote::new(BorderlineKind::One)
                .sampling_strategy(s.clone())
                .fit_resample(&x.view(), &y)
        ));
        assert!(is_size_error(
            Adasyn::new()
                .sampling_strategy(s.clone())
                .fit_resample(&x.view(), &y)
        ));
        assert!(is_size_error(
            RandomOverSampler::new()
                .sampling_strategy(s)
                .fit_resample(&x.view(), &y)
        ));
    }
    // A sensible request still works.
    let ok = Smote::new()
        .sampling_strategy(absurd(100))
        .fit_resample(&x.view(), &y)
        .unwrap();
    assert_eq!(ok.y.iter().filter(|&&c| c == 1).count(), 100);
}
