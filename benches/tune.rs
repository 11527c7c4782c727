//! Criterion benchmark of a hyperparameter search: 64 random-search trials of an MLP
//! classifier, each scored by 3-fold stratified cross-validation, on 1 and 2 threads.
//!
//! Workload (the same as `scripts/reference/time_tune.py` runs with scikit-learn's
//! `RandomizedSearchCV` over `MLPClassifier`): `make_classification` with 400 samples, 20
//! features (5 informative), 2 classes, seed 0; search space `hidden` ∈ int-log [8, 128],
//! `alpha` ∈ log [1e-5, 1e-1], `learning_rate_init` ∈ log [1e-4, 1e-1]; `max_iter` 30 (Adam,
//! batch 200, sklearn's defaults otherwise). `tune/random_search_64/threads=N` is one whole
//! study. Before timing, each thread count's study runs once and prints its best mean CV
//! accuracy and wall time, to set beside the script's line.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::{Array2, Axis};
use tuneup::data::{
    make_classification, read_csv_path, ClassificationConfig, CsvOptions, LabelColumn,
    StratifiedKFold,
};
use tuneup::train::estimators::MlpClassifier;
use tuneup::tune::{RandomSampler, SearchSpace, Study};

const TRIALS: usize = 64;

/// The generated data, or, with `TUNEUP_TUNE_CSV=path` (features then a class label per
/// row, no header: what `time_tune.py --write-csv path` writes), scikit-learn's own draw, so
/// both libraries can search the very same rows.
fn data() -> (Array2<f64>, Vec<usize>) {
    if let Ok(path) = std::env::var("TUNEUP_TUNE_CSV") {
        let options = CsvOptions::classification(LabelColumn::Last).has_header(false);
        let d = read_csv_path::<f64>(&path, &options).expect("a readable CSV");
        return (
            d.features().to_owned(),
            d.labels().expect("labels").to_vec(),
        );
    }
    let config = ClassificationConfig {
        n_samples: 400,
        n_features: 20,
        n_informative: 5,
        n_redundant: 2,
        seed: 0,
        ..Default::default()
    };
    let d = make_classification::<f64>(&config).expect("valid config");
    (
        d.features().to_owned(),
        d.labels().expect("labels").to_vec(),
    )
}

fn space() -> SearchSpace {
    SearchSpace::builder()
        .int_log("hidden", 8, 128)
        .float_log("alpha", 1e-5, 1e-1)
        .float_log("learning_rate_init", 1e-4, 1e-1)
        .build()
        .expect("valid space")
}

/// One whole study; returns its best mean CV accuracy.
fn search(x: &Array2<f64>, y: &[usize], threads: usize) -> f64 {
    let folds: Vec<(Vec<usize>, Vec<usize>)> = StratifiedKFold::new(3)
        .unwrap()
        .shuffle(0)
        .split(y)
        .unwrap()
        .collect();
    let mut study = Study::builder(space())
        .maximize()
        .sampler(RandomSampler)
        .threads(threads)
        .seed(0)
        .build()
        .unwrap();
    study
        .optimize(TRIALS, |trial| {
            let p = trial.params();
            let model = MlpClassifier::new()
                .hidden_layer_sizes(&[p.usize("hidden")?])
                .alpha(p.f64("alpha")?)
                .learning_rate_init(p.f64("learning_rate_init")?)
                .max_iter(30)
                .random_state(trial.seed());
            trial.cross_validate(folds.clone(), |_, train, test| {
                let yt: Vec<usize> = train.iter().map(|&i| y[i]).collect();
                let ys: Vec<usize> = test.iter().map(|&i| y[i]).collect();
                let mut fitted = model.fit(x.select(Axis(0), train).view(), &yt)?;
                fitted.score(x.select(Axis(0), test).view(), &ys)
            })
        })
        .unwrap();
    study.best_value().unwrap()
}

fn bench_search(c: &mut Criterion) {
    let (x, y) = data();
    let mut group = c.benchmark_group("tune");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for threads in [1, 2] {
        let started = Instant::now();
        let best = search(&x, &y, threads);
        println!(
            "random search, {TRIALS} trials × 3 folds, {threads} thread(s): best CV accuracy {best:.4}, {:.2} s",
            started.elapsed().as_secs_f64()
        );
        group.bench_function(format!("random_search_64/threads={threads}"), |b| {
            b.iter(|| black_box(search(&x, &y, threads)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_search);
criterion_main!(benches);
