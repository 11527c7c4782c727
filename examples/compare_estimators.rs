//! The Rust half of `scripts/reference/compare_estimators.py`: fits `MlpClassifier` /
//! `MlpRegressor` with scikit-learn's default settings on data sets written as CSV by that
//! script, over seeds 0–9, and prints one JSON line per data set (mean test score, mean fit
//! time). Run it through the script:
//! `python scripts/reference/compare_estimators.py` (it builds and runs this example).
//!
//! By hand: `cargo run --release --example compare_estimators -- DIR`, where `DIR` holds
//! `NAME.train.csv` / `NAME.test.csv` files (features, then the label or target in the last
//! column; a header row) and a `datasets.txt` of `NAME classifier|regressor` lines.

use std::time::Instant;

use tuneup::ndarray::{s, Array2};
use tuneup::train::estimators::{MlpClassifier, MlpRegressor};

fn read(path: &str) -> Array2<f64> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
        .collect();
    let cols = rows[0].len();
    Array2::from_shape_vec((rows.len(), cols), rows.concat()).expect("rectangular CSV")
}

fn run(dir: &str, name: &str, kind: &str) -> (f64, f64) {
    let train = read(&format!("{dir}/{name}.train.csv"));
    let test = read(&format!("{dir}/{name}.test.csv"));
    let d = train.ncols() - 1;
    let (x, xt) = (train.slice(s![.., ..d]), test.slice(s![.., ..d]));
    let (mut score, mut seconds) = (0.0, 0.0);
    for seed in 0..10u64 {
        let t0 = Instant::now();
        if kind == "classifier" {
            let labels =
                |a: &Array2<f64>| a.column(d).iter().map(|&v| v as i64).collect::<Vec<_>>();
            let mut f = MlpClassifier::new()
                .random_state(seed)
                .fit(x, &labels(&train))
                .unwrap();
            seconds += t0.elapsed().as_secs_f64();
            score += f.score(xt, &labels(&test)).unwrap();
        } else {
            let (y, yt) = (train.slice(s![.., d..]), test.slice(s![.., d..]));
            let mut f = MlpRegressor::new().random_state(seed).fit(x, &y).unwrap();
            seconds += t0.elapsed().as_secs_f64();
            score += f.score(xt, &yt).unwrap();
        }
    }
    (score / 10.0, seconds / 10.0)
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: compare_estimators DIR");
    let list = std::fs::read_to_string(format!("{dir}/datasets.txt")).expect("datasets.txt");
    for line in list.lines() {
        let mut parts = line.split_whitespace();
        let (name, kind) = (parts.next().unwrap(), parts.next().unwrap());
        let (score, seconds) = run(&dir, name, kind);
        println!("{{\"dataset\": \"{name}\", \"score\": {score}, \"fit_seconds\": {seconds}}}");
    }
}
