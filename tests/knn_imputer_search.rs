//! `KnnImputer` searches its donors with an index (KD-trees per missing-value pattern); these
//! tests compare every imputed value with an independent brute-force scan written here, on
//! seeded random data with many missing patterns, duplicated rows and exact ties, more
//! neighbours than donors, rows that share no coordinate with some donors, empty columns, one
//! and thirty columns, `f32` and `f64`.
//!
//! The comparison is exact (`==` on every output value): the reference picks the `k` donors of
//! smallest (distance, training row), with the distance computed as scikit-learn's
//! `nan_euclidean` (an `f64` sum of squared differences over the common columns in column
//! order, times `n_features / n_common`, square root), and averages their values summed in
//! ascending training-row order, as the library documents; no donor gives the training mean of
//! the column (observed values summed in row order).

use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tuneup::data::KnnImputer;
use tuneup::Float;

/// scikit-learn's `nan_euclidean` distance, `None` when no coordinate is shared.
fn nan_euclidean(a: &[f64], b: &[f64]) -> Option<f64> {
    let mut sum = 0.0;
    let mut common = 0usize;
    for c in 0..a.len() {
        if !a[c].is_nan() && !b[c].is_nan() {
            let d = a[c] - b[c];
            sum += d * d;
            common += 1;
        }
    }
    (common > 0).then(|| (sum * a.len() as f64 / common as f64).sqrt())
}

/// The brute-force imputation of `x` from `fit`.
fn reference<F: Float>(
    fit: &ArrayView2<'_, F>,
    x: &ArrayView2<'_, F>,
    k: usize,
    keep_empty: bool,
) -> Array2<F> {
    let d = fit.ncols();
    let to_rows = |a: &ArrayView2<'_, F>| -> Vec<Vec<f64>> {
        a.rows()
            .into_iter()
            .map(|r| r.iter().map(|v| v.as_f64()).collect())
            .collect()
    };
    let fit_rows = to_rows(fit);
    let x_rows = to_rows(x);
    let observed_in_fit: Vec<bool> = (0..d)
        .map(|j| fit_rows.iter().any(|r| !r[j].is_nan()))
        .collect();
    let col_mean = |j: usize| {
        let (mut s, mut n) = (0.0, 0usize);
        for r in &fit_rows {
            if !r[j].is_nan() {
                s += r[j];
                n += 1;
            }
        }
        s / n as f64
    };
    let mut out = x.to_owned();
    for (i, row) in x_rows.iter().enumerate() {
        if !(0..d).any(|j| row[j].is_nan() && observed_in_fit[j]) {
            continue;
        }
        let dist: Vec<Option<f64>> = fit_rows.iter().map(|f| nan_euclidean(row, f)).collect();
        for j in 0..d {
            if !row[j].is_nan() || !observed_in_fit[j] {
                continue;
            }
            let mut donors: Vec<(f64, usize)> = (0..fit_rows.len())
                .filter(|&t| !fit_rows[t][j].is_nan())
                .filter_map(|t| dist[t].map(|dist| (dist, t)))
                .collect();
            let value = if donors.is_empty() {
                col_mean(j)
            } else {
                // The k smallest (distance, row) pairs: (distance, row) is a total order.
                if donors.len() > k {
                    donors.select_nth_unstable_by(k - 1, |a, b| {
                        a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
                    });
                    donors.truncate(k);
                }
                let mut rows: Vec<usize> = donors.iter().map(|&(_, t)| t).collect();
                rows.sort_unstable();
                let sum: f64 = rows.iter().map(|&t| fit_rows[t][j]).sum();
                sum / rows.len() as f64
            };
            out[[i, j]] = F::cast(value);
        }
    }
    let kept: Vec<usize> = (0..d).filter(|&j| observed_in_fit[j]).collect();
    if keep_empty {
        for (j, &observed) in observed_in_fit.iter().enumerate() {
            if !observed {
                out.column_mut(j).fill(F::zero());
            }
        }
        out
    } else {
        out.select(ndarray::Axis(1), &kept)
    }
}

/// Fits on `fit`, transforms `x` and compares with the reference, exactly.
fn check<F: Float>(fit: &Array2<F>, x: &Array2<F>, k: usize, keep_empty: bool, what: &str) {
    let fitted = KnnImputer::new(k)
        .unwrap()
        .keep_empty_features(keep_empty)
        .fit(&fit.view())
        .unwrap();
    let got = fitted.transform(&x.view()).unwrap();
    let want = reference(&fit.view(), &x.view(), k, keep_empty);
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for ((idx, g), w) in got.indexed_iter().zip(want.iter()) {
        assert!(
            g == w,
            "{what} (k = {k}, keep_empty = {keep_empty}): value {idx:?} is {g:?}, the brute-force scan gives {w:?}"
        );
    }
}

/// How the values of a random set are drawn.
#[derive(Clone, Copy)]
enum Values {
    /// Points near a 2-dimensional plane (low intrinsic dimension), continuous.
    Plane,
    /// Integers in 0..=2: many exact ties in distance.
    Grid,
}

/// `n × d` data, each row missing each value with its own probability in `[0, max_missing]`;
/// `duplicates` rows are copies of earlier rows (with their missing values).
fn random_set<F: Float>(
    rng: &mut StdRng,
    n: usize,
    d: usize,
    values: Values,
    max_missing: f64,
    duplicates: usize,
) -> Array2<F> {
    let a: Vec<f64> = (0..2 * d).map(|_| rng.random_range(-2.0..2.0)).collect();
    let mut x = Array2::<F>::zeros((n, d));
    for r in 0..n {
        let (z0, z1): (f64, f64) = (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0));
        let rate = rng.random_range(0.0..=max_missing);
        for c in 0..d {
            let v = match values {
                Values::Plane => a[2 * c] * z0 + a[2 * c + 1] * z1 + rng.random_range(-0.05..0.05),
                Values::Grid => rng.random_range(0..=2) as f64,
            };
            let missing = rng.random_bool(rate);
            x[[r, c]] = if missing { F::nan() } else { F::cast(v) };
        }
    }
    for _ in 0..duplicates.min(n.saturating_sub(1)) {
        let to = rng.random_range(1..n);
        let from = rng.random_range(0..to);
        let row = x.row(from).to_owned();
        x.row_mut(to).assign(&row);
    }
    x
}

fn cases<F: Float>(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let name = F::NAME;
    for (d, values) in [
        (1, Values::Plane),
        (3, Values::Grid),
        (5, Values::Plane),
        (30, Values::Plane),
        (30, Values::Grid),
    ] {
        for max_missing in [0.0, 0.3, 0.6] {
            let fit = random_set::<F>(&mut rng, 150, d, values, max_missing, 20);
            let test = random_set::<F>(&mut rng, 40, d, values, 0.6, 5);
            for k in [1, 3, 7] {
                let what = format!("{name}, {d} columns, up to {max_missing} missing");
                check(&fit, &test, k, false, &format!("{what}, another set"));
                check(&fit, &fit, k, false, &format!("{what}, the fit set"));
            }
        }
    }
}

#[test]
fn transform_equals_a_brute_force_scan_f64() {
    cases::<f64>(1);
}

#[test]
fn transform_equals_a_brute_force_scan_f32() {
    cases::<f32>(2);
}

#[test]
fn frequent_patterns_use_their_own_trees_and_still_agree() {
    // 2 000 rows with 10% missing over 4 columns: every pattern has hundreds of rows.
    let mut rng = StdRng::seed_from_u64(3);
    for values in [Values::Plane, Values::Grid] {
        let fit = random_set::<f64>(&mut rng, 2000, 4, values, 0.2, 100);
        let test = random_set::<f64>(&mut rng, 300, 4, values, 0.5, 0);
        for k in [1, 5, 40] {
            check(&fit, &test, k, false, "2 000 rows, 4 columns");
        }
        check(&fit, &fit, 5, false, "2 000 rows, 4 columns, the fit set");
    }
}

#[test]
fn more_neighbours_than_donors_averages_every_donor() {
    let mut rng = StdRng::seed_from_u64(4);
    let fit = random_set::<f64>(&mut rng, 12, 4, Values::Plane, 0.5, 2);
    let test = random_set::<f64>(&mut rng, 30, 4, Values::Plane, 0.6, 0);
    for k in [11, 12, 50] {
        check(&fit, &test, k, false, "k above the donor count");
        check(&fit, &fit, k, false, "k above the donor count, the fit set");
    }
}

#[test]
fn rows_sharing_no_coordinate_are_not_donors() {
    // Donors observe either column 0 or column 1 (column 2 always), receivers only one column.
    let n = f64::NAN;
    let fit = ndarray::array![
        [1.0, n, 0.0],
        [n, 2.0, 5.0],
        [3.0, n, 7.0],
        [n, 4.0, 9.0],
        [5.0, 6.0, n],
        [n, n, 1.0],
        [n, n, n]
    ];
    let test = ndarray::array![
        [n, 3.0, n],
        [2.0, n, n],
        [n, n, 4.0],
        [n, n, n],
        [4.0, 1.0, n]
    ];
    for k in [1, 2, 3, 10] {
        check(&fit, &test, k, false, "disjoint patterns");
        check(&fit, &fit, k, false, "disjoint patterns, the fit set");
    }
    // Row [n, 3, n] shares a coordinate only with the donors observing column 1: its column 0
    // comes from row 4 alone (the only one with both), its column 2 from rows 1 and 3.
    let f = KnnImputer::new(2).unwrap().fit(&fit.view()).unwrap();
    let out = f.transform(&test.view()).unwrap();
    assert_eq!(out.row(0).to_vec(), vec![5.0, 3.0, 7.0]);
}

#[test]
fn empty_columns_are_dropped_or_kept() {
    let mut rng = StdRng::seed_from_u64(5);
    for d in [2, 6] {
        let mut fit = random_set::<f64>(&mut rng, 80, d, Values::Plane, 0.4, 5);
        fit.column_mut(d - 1).fill(f64::NAN);
        let test = random_set::<f64>(&mut rng, 25, d, Values::Plane, 0.5, 0);
        for keep in [false, true] {
            for k in [1, 4] {
                check(&fit, &test, k, keep, "an empty column");
            }
        }
        let fit32 = fit.mapv(|v| v as f32);
        let test32 = test.mapv(|v| v as f32);
        check(&fit32, &test32, 3, true, "an empty column, f32");
        check(
            &fit32,
            &fit32,
            3,
            false,
            "an empty column, f32, the fit set",
        );
    }
}

#[test]
fn many_rare_patterns_in_thirty_columns() {
    // Up to 60% missing over 30 columns: nearly every row has its own pattern (the mixed tree).
    let mut rng = StdRng::seed_from_u64(6);
    let fit = random_set::<f64>(&mut rng, 600, 30, Values::Plane, 0.6, 30);
    let test = random_set::<f64>(&mut rng, 60, 30, Values::Plane, 0.6, 0);
    for k in [1, 5] {
        check(&fit, &test, k, false, "600 × 30, rare patterns");
    }
    check(&fit, &fit, 5, false, "600 × 30, rare patterns, the fit set");
}

#[test]
fn imputing_5000_rows_from_themselves_equals_the_brute_force_scan() {
    // The benchmark's shape at a twentieth of the size: 20 columns from a 4-dimensional latent
    // point plus noise, 5% of values missing, every incomplete row imputed from all rows.
    let mut rng = StdRng::seed_from_u64(7);
    let (n, d) = (5000, 20);
    let a: Vec<f64> = (0..4 * d).map(|_| rng.random_range(-1.0..1.0)).collect();
    let mut x = Array2::<f64>::zeros((n, d));
    for r in 0..n {
        let z: Vec<f64> = (0..4).map(|_| rng.random_range(-1.0..1.0)).collect();
        for c in 0..d {
            let v: f64 = (0..4).map(|l| a[4 * c + l] * z[l]).sum();
            x[[r, c]] = v + rng.random_range(-0.05..0.05);
        }
    }
    x.mapv_inplace(|v| if rng.random_bool(0.05) { f64::NAN } else { v });
    check(&x, &x, 5, false, "5 000 × 20, 5% missing, the fit set");
}

#[test]
fn a_rarely_observed_wide_column_does_not_unbalance_the_search() {
    // Column 0 is observed in 3 rows only, with by far the widest spread: the mixed trees
    // split on it first and must place the rows missing it without degenerating.
    let mut rng = StdRng::seed_from_u64(8);
    let mut fit = random_set::<f64>(&mut rng, 1500, 12, Values::Plane, 0.5, 10);
    fit.column_mut(0).fill(f64::NAN);
    for (r, v) in [(3, -1e6), (700, 0.0), (1400, 1e6)] {
        fit[[r, 0]] = v;
    }
    let test = random_set::<f64>(&mut rng, 100, 12, Values::Plane, 0.5, 0);
    check(&fit, &test, 3, false, "a rarely observed wide column");
}
