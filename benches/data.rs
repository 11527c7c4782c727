//! Criterion benchmarks of the data module on 100 000 × 20 `f64` rows.
//!
//! Groups:
//! - `smote/100k_x20`: [`Smote`] (k = 5, "auto") on 95 000 class-0 and 5 000 class-1 rows,
//!   making 90 000 synthetic rows (neighbour search with the KD-tree, interpolation, output);
//! - `kd_tree/build_and_5nn_5k_x20`, `kd_tree/build_and_10nn_100k_x20`: [`KdTree`] built on
//!   the 5 000 class-1 rows (all 100 000 rows), then the 5 (10) nearest neighbours of every
//!   indexed row: the searches inside SMOTE (Borderline-SMOTE's and ADASYN's whole-data
//!   search);
//! - `knn_imputer/fit100k_transform200_x20`: [`KnnImputer`] (k = 5) fitted on the 100 000 rows
//!   with 5% of values missing, then filling a further 200 rows with 5% missing;
//! - `knn_imputer/fit_transform_100k_x20`: the same fit, then filling the 100 000 training rows
//!   themselves (about 64 000 have a missing value): the case a brute-force search makes
//!   quadratic (scikit-learn takes minutes on it);
//! - `cleaning/tomek_links/100k_x20`: [`TomekLinks`] ("auto") on the 100 000 rows;
//! - `cleaning/smote_enn/100k_x20`: [`SmoteEnn`] (SMOTE's 90 000 new rows, then ENN with 3
//!   neighbours over the 190 000 rows);
//! - `smote_nc/100k_x15num_5cat`: [`SmoteNc`] (k = 5) on the first 15 columns and 5
//!   categorical columns of 8 values, 90 000 new rows.
//!
//! The data are a deterministic function of the row and column (splitmix64 counters), so
//! `scripts/reference/time_resampling.py` builds the same values in NumPy and times
//! imbalanced-learn's `SMOTE` and scikit-learn's `KNNImputer` on them: run both in the same
//! sitting and compare as a ratio. Each row is a 4-dimensional latent point mapped linearly to
//! 20 columns plus small noise (correlated columns, as in most tabular data); class 1 is
//! shifted along the first latent axis.
//!
//! Run with `cargo bench --bench data`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;
use tuneup::data::{Column, KdTree, KnnImputer, Smote, SmoteEnn, SmoteNc, Table, TomekLinks};

const N: usize = 100_000;
const N_MINORITY: usize = 5_000;
const D: usize = 20;
const LATENT: usize = 4;

fn splitmix64(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Uniform in [0, 1) from counter `i`.
fn u(i: u64) -> f64 {
    (splitmix64(i) >> 11) as f64 / (1u64 << 53) as f64
}

/// Rows `start..start + n`: class 1 for rows at or above `N − N_MINORITY` (of the first `N`).
fn rows(start: usize, n: usize) -> (Array2<f64>, Vec<usize>) {
    let a: Vec<f64> = (0..D * LATENT)
        .map(|i| u(1_000_000_000 + i as u64) * 2.0 - 1.0)
        .collect();
    let mut x = Array2::zeros((n, D));
    let mut y = vec![0; n];
    for r in 0..n {
        let row = start + r;
        let minority = (N - N_MINORITY..N).contains(&row);
        y[r] = usize::from(minority);
        let mut z = [0.0; LATENT];
        for (l, zl) in z.iter_mut().enumerate() {
            *zl = u((row * LATENT + l) as u64) * 2.0 - 1.0;
        }
        if minority {
            z[0] += 0.5;
        }
        for j in 0..D {
            let mut v = 0.0;
            for l in 0..LATENT {
                v += a[j * LATENT + l] * z[l];
            }
            v += (u(2_000_000_000 + (row * D + j) as u64) - 0.5) * 0.1;
            x[[r, j]] = v;
        }
    }
    (x, y)
}

/// `x` with 5% of values (chosen by counter, from row `start`) set to NaN.
fn with_missing(mut x: Array2<f64>, start: usize) -> Array2<f64> {
    for ((r, j), v) in x.indexed_iter_mut() {
        if u(3_000_000_000 + ((start + r) * D + j) as u64) < 0.05 {
            *v = f64::NAN;
        }
    }
    x
}

fn bench_smote(c: &mut Criterion) {
    let (x, y) = rows(0, N);
    let smote = Smote::new().seed(0);
    let mut g = c.benchmark_group("smote");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("100k_x20", |b| {
        b.iter(|| black_box(smote.fit_resample(&x.view(), &y).unwrap()))
    });
    g.finish();
}

fn bench_kd_tree(c: &mut Criterion) {
    let (x, y) = rows(0, N);
    let minority: Vec<usize> = (0..N).filter(|&i| y[i] == 1).collect();
    let xm = x.select(ndarray::Axis(0), &minority);
    let mut g = c.benchmark_group("kd_tree");
    g.sample_size(10);
    g.bench_function("build_and_5nn_5k_x20", |b| {
        b.iter(|| {
            let tree = KdTree::new(&xm.view()).unwrap();
            black_box(tree.kneighbors_of_fitted(5).unwrap())
        })
    });
    g.bench_function("build_and_10nn_100k_x20", |b| {
        b.iter(|| {
            let tree = KdTree::new(&x.view()).unwrap();
            black_box(tree.kneighbors_of_fitted(10).unwrap())
        })
    });
    g.finish();
}

fn bench_knn_imputer(c: &mut Criterion) {
    let train = with_missing(rows(0, N).0, 0);
    let test = with_missing(rows(N, 200).0, N);
    let imputer = KnnImputer::new(5).unwrap();
    let mut g = c.benchmark_group("knn_imputer");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("fit100k_transform200_x20", |b| {
        b.iter(|| {
            let fitted = imputer.fit(&train.view()).unwrap();
            black_box(fitted.transform(&test.view()).unwrap())
        })
    });
    g.bench_function("fit_transform_100k_x20", |b| {
        b.iter(|| {
            let fitted = imputer.fit(&train.view()).unwrap();
            black_box(fitted.transform(&train.view()).unwrap())
        })
    });
    g.finish();
}

/// Cleaning samplers on the same 100 000 × 20 rows: Tomek links ("auto": class-0 rows in a
/// link removed; one 1-NN search over all rows) and SMOTEENN (SMOTE's 90 000 new rows, then
/// ENN with 3 neighbours over all 190 000 rows).
fn bench_cleaning(c: &mut Criterion) {
    let (x, y) = rows(0, N);
    let mut g = c.benchmark_group("cleaning");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    let tomek = TomekLinks::new();
    g.bench_function("tomek_links/100k_x20", |b| {
        b.iter(|| black_box(tomek.fit_resample(&x.view(), &y).unwrap()))
    });
    let smote_enn = SmoteEnn::new().smote(Smote::new().seed(0));
    g.bench_function("smote_enn/100k_x20", |b| {
        b.iter(|| black_box(smote_enn.fit_resample(&x.view(), &y).unwrap()))
    });
    g.finish();
}

/// Categories for SMOTE-NC: 5 text columns of 8 values each, `c{column}_{value}`, from
/// counters above 4e9 (the same in `scripts/reference/time_resampling.py`).
fn categorical_columns(n: usize) -> Vec<Column<f64>> {
    (0..5)
        .map(|j| {
            Column::Categorical(
                (0..n)
                    .map(|r| {
                        let v = (u(4_000_000_000 + (r * 5 + j) as u64) * 8.0) as usize;
                        Some(format!("c{j}_{v}"))
                    })
                    .collect(),
            )
        })
        .collect()
}

/// SMOTE-NC on 100 000 rows of 15 numeric columns (the first 15 of `rows`) and 5 categorical
/// ones, 5 000 of class 1: 90 000 new rows.
fn bench_smote_nc(c: &mut Criterion) {
    let (x, y) = rows(0, N);
    let mut columns: Vec<Column<f64>> = (0..15)
        .map(|j| Column::Numeric(x.column(j).to_vec()))
        .collect();
    columns.extend(categorical_columns(N));
    let names: Vec<String> = (0..20).map(|j| format!("f{j}")).collect();
    let table = Table::new(names, columns).unwrap();
    let smote_nc = SmoteNc::new().seed(0);
    let mut g = c.benchmark_group("smote_nc");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.bench_function("100k_x15num_5cat", |b| {
        b.iter(|| black_box(smote_nc.fit_resample(&table, &y).unwrap()))
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_smote,
    bench_kd_tree,
    bench_knn_imputer,
    bench_cleaning,
    bench_smote_nc
);
criterion_main!(benches);
