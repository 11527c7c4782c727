//! Train / test splits and k-fold index generators: sizes, exact stratified proportions,
//! disjointness and coverage, determinism per seed, and the errors for bad arguments.

use ndarray::{array, Array1, Array2};
use tuneup::data::{train_test_split, train_test_split_indices, KFold, StratifiedKFold};
use tuneup::Error;

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

/// Train and test are disjoint and together are exactly 0..n.
fn assert_partition(n: usize, train: &[usize], test: &[usize]) {
    let mut all: Vec<usize> = train.iter().chain(test).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..n).collect::<Vec<_>>());
}

#[test]
fn plain_split_sizes_follow_ceil_of_test_fraction() {
    for (n, f, n_test) in [
        (10, 0.3, 3),
        (10, 0.25, 3),
        (100, 0.2, 20),
        (7, 0.5, 4),
        (2, 0.5, 1),
        (1000, 0.001, 1),
    ] {
        let (train, test) = train_test_split_indices(n, f, None, 3).unwrap();
        assert_eq!(test.len(), n_test, "n = {n}, fraction = {f}");
        assert_eq!(train.len(), n - n_test);
        assert_partition(n, &train, &test);
    }
}

#[test]
fn split_is_deterministic_per_seed_and_shuffled() {
    let a = train_test_split_indices(50, 0.3, None, 11).unwrap();
    let b = train_test_split_indices(50, 0.3, None, 11).unwrap();
    let c = train_test_split_indices(50, 0.3, None, 12).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    // Not simply the first or last rows.
    assert_ne!(sorted(a.1.clone()), (0..15).collect::<Vec<_>>());
    assert_ne!(sorted(a.1), (35..50).collect::<Vec<_>>());
}

#[test]
fn stratified_split_keeps_exact_class_proportions() {
    // 60 / 30 / 10 with a 20 % test set: 12 / 6 / 2 in test, 48 / 24 / 8 in train.
    let labels: Vec<usize> = (0..100)
        .map(|i| match i % 10 {
            0 => 2,
            1..=3 => 1,
            _ => 0,
        })
        .collect();
    for seed in 0..5 {
        let (train, test) = train_test_split_indices(100, 0.2, Some(&labels), seed).unwrap();
        assert_partition(100, &train, &test);
        let count = |idx: &[usize], c: usize| idx.iter().filter(|&&i| labels[i] == c).count();
        assert_eq!(
            [count(&test, 0), count(&test, 1), count(&test, 2)],
            [12, 6, 2]
        );
        assert_eq!(
            [count(&train, 0), count(&train, 1), count(&train, 2)],
            [48, 24, 8]
        );
    }
}

#[test]
fn stratified_rounding_gives_leftover_to_largest_remainder() {
    // Classes of 5, 3 and 2 (labels 7, 3, 9), test size ceil(0.45 · 10) = 5:
    // floors 2, 1, 1 (remainders 5, 5, 0 out of 10) → one more unit to the larger of the tied
    // classes, label 7.
    let labels = [7, 7, 7, 7, 7, 3, 3, 3, 9, 9];
    let (train, test) = train_test_split_indices(10, 0.45, Some(&labels), 0).unwrap();
    assert_eq!(test.len(), 5);
    let count = |c: usize| test.iter().filter(|&&i| labels[i] == c).count();
    assert_eq!((count(7), count(3), count(9)), (3, 1, 1));
    assert_partition(10, &train, &test);
}

#[test]
fn stratified_split_keeps_every_class_in_training() {
    // 90 % test: the class of 2 would round to 2 test samples, but one must stay in training.
    let labels = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
    let (train, test) = train_test_split_indices(10, 0.8, Some(&labels), 4).unwrap();
    assert_eq!(test.len(), 8);
    assert!(train.iter().any(|&i| labels[i] == 0));
    assert!(train.iter().any(|&i| labels[i] == 1));
}

#[test]
fn split_errors() {
    for f in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
        match train_test_split_indices(10, f, None, 0) {
            Err(Error::Config { parameter, .. }) => {
                assert_eq!(parameter, "train_test_split.test_fraction")
            }
            other => panic!("fraction {f}: {other:?}"),
        }
    }
    assert!(matches!(
        train_test_split_indices(1, 0.5, None, 0),
        Err(Error::Value { .. })
    ));
    // 0.99 of 10 is a test set of 10: nothing left to train on.
    assert!(matches!(
        train_test_split_indices(10, 0.99, None, 0),
        Err(Error::Value { .. })
    ));
    // A class with a single member cannot be stratified.
    let err = train_test_split_indices(5, 0.4, Some(&[0, 0, 1, 1, 2]), 0).unwrap_err();
    match &err {
        Error::Value { found, .. } => assert!(found.contains("class 2"), "{err}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        train_test_split_indices(5, 0.4, Some(&[0, 0, 1]), 0),
        Err(Error::Shape { .. })
    ));
    // Three classes but a test set of 2.
    assert!(matches!(
        train_test_split_indices(6, 0.3, Some(&[0, 0, 1, 1, 2, 2]), 0),
        Err(Error::Value { .. })
    ));
}

#[test]
fn array_split_keeps_rows_and_targets_paired() {
    let x = Array2::from_shape_fn((20, 3), |(i, j)| (10 * i + j) as f64);
    let y_real = Array2::from_shape_fn((20, 1), |(i, _)| i as f64 * 0.5);
    let (x_tr, x_te, y_tr, y_te) =
        train_test_split(x.view(), y_real.view(), 0.25, None, 9).unwrap();
    assert_eq!((x_tr.dim(), x_te.dim()), ((15, 3), (5, 3)));
    assert_eq!((y_tr.dim(), y_te.dim()), ((15, 1), (5, 1)));
    for (xr, yr) in x_te.rows().into_iter().zip(y_te.rows()) {
        assert_eq!(xr[0] / 10.0 * 0.5, yr[0]);
    }
    // Same rows as the index function with the same arguments.
    let (train, test) = train_test_split_indices(20, 0.25, None, 9).unwrap();
    assert_eq!(
        x_tr.column(0).to_vec(),
        train.iter().map(|&i| 10.0 * i as f64).collect::<Vec<_>>()
    );
    assert_eq!(
        x_te.column(0).to_vec(),
        test.iter().map(|&i| 10.0 * i as f64).collect::<Vec<_>>()
    );

    let labels = Array1::from((0..20).map(|i| i % 2).collect::<Vec<usize>>());
    let lv = labels.to_vec();
    let (_, x_te, _, y_te) = train_test_split(x.view(), labels.view(), 0.5, Some(&lv), 1).unwrap();
    assert_eq!(y_te.iter().sum::<usize>(), 5);
    for (xr, &l) in x_te.rows().into_iter().zip(&y_te) {
        assert_eq!((xr[0] as usize / 10) % 2, l);
    }
    let short = array![1.0, 2.0];
    assert!(matches!(
        train_test_split(x.view(), short.view(), 0.5, None, 0),
        Err(Error::Shape { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// k-fold

fn check_kfold_partition(n: usize, folds: &[(Vec<usize>, Vec<usize>)]) {
    let mut seen = vec![0usize; n];
    for (train, test) in folds {
        assert_partition(n, train, test);
        assert!(train.windows(2).all(|w| w[0] < w[1]), "train sorted");
        assert!(test.windows(2).all(|w| w[0] < w[1]), "test sorted");
        for &i in test {
            seen[i] += 1;
        }
    }
    assert!(
        seen.iter().all(|&s| s == 1),
        "each sample tested exactly once"
    );
}

#[test]
fn kfold_fold_sizes_match_sklearn() {
    // sklearn: the first n % k folds have n / k + 1 samples, the others n / k.
    let folds: Vec<_> = KFold::new(3).unwrap().split(10).unwrap().collect();
    let sizes: Vec<usize> = folds.iter().map(|f| f.1.len()).collect();
    assert_eq!(sizes, vec![4, 3, 3]);
    check_kfold_partition(10, &folds);
    // Without shuffling, test folds are consecutive blocks.
    assert_eq!(folds[0].1, vec![0, 1, 2, 3]);
    assert_eq!(folds[1].1, vec![4, 5, 6]);
    assert_eq!(folds[2].1, vec![7, 8, 9]);
    assert_eq!(folds[1].0, vec![0, 1, 2, 3, 7, 8, 9]);

    let folds: Vec<_> = KFold::new(5).unwrap().split(23).unwrap().collect();
    let sizes: Vec<usize> = folds.iter().map(|f| f.1.len()).collect();
    assert_eq!(sizes, vec![5, 5, 5, 4, 4]);
    check_kfold_partition(23, &folds);
}

#[test]
fn kfold_shuffle_is_seeded() {
    let a: Vec<_> = KFold::new(4)
        .unwrap()
        .shuffle(5)
        .split(30)
        .unwrap()
        .collect();
    let b: Vec<_> = KFold::new(4)
        .unwrap()
        .shuffle(5)
        .split(30)
        .unwrap()
        .collect();
    let c: Vec<_> = KFold::new(4)
        .unwrap()
        .shuffle(6)
        .split(30)
        .unwrap()
        .collect();
    assert_eq!(a, b);
    assert_ne!(a, c);
    check_kfold_partition(30, &a);
    assert_ne!(a[0].1, (0..8).collect::<Vec<_>>());
    let sizes: Vec<usize> = a.iter().map(|f| f.1.len()).collect();
    assert_eq!(sizes, vec![8, 8, 7, 7]);
}

#[test]
fn kfold_errors() {
    assert!(matches!(KFold::new(1), Err(Error::Config { .. })));
    assert!(matches!(
        KFold::new(4).unwrap().split(3),
        Err(Error::Value { .. })
    ));
    assert!(matches!(StratifiedKFold::new(0), Err(Error::Config { .. })));
    // Every class smaller than the number of folds.
    assert!(matches!(
        StratifiedKFold::new(3).unwrap().split(&[0, 0, 1, 1]),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        StratifiedKFold::new(3).unwrap().split(&[0, 1]),
        Err(Error::Value { .. })
    ));
}

#[test]
fn stratified_kfold_matches_sklearn_without_shuffle() {
    // Expected folds from scikit-learn 1.x:
    // StratifiedKFold(3).split(np.zeros(10), [0,0,0,0,0,0,1,1,1,1])
    let y = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
    let folds: Vec<_> = StratifiedKFold::new(3)
        .unwrap()
        .split(&y)
        .unwrap()
        .collect();
    let tests: Vec<Vec<usize>> = folds.iter().map(|f| f.1.clone()).collect();
    assert_eq!(tests, vec![vec![0, 1, 6, 7], vec![2, 3, 8], vec![4, 5, 9]]);
    check_kfold_partition(10, &folds);
}

#[test]
fn stratified_kfold_matches_sklearn_on_interleaved_labels() {
    // StratifiedKFold(4).split(np.zeros(31), y) with scikit-learn 1.x.
    let y: Vec<usize> = (0..31)
        .map(|i| match (i * 7) % 31 {
            0..=16 => 4,
            17..=25 => 1,
            _ => 2,
        })
        .collect();
    let tests: Vec<Vec<usize>> = StratifiedKFold::new(4)
        .unwrap()
        .split(&y)
        .unwrap()
        .map(|f| f.1)
        .collect();
    assert_eq!(
        tests,
        vec![
            vec![0, 1, 2, 3, 4, 5, 6, 7],
            vec![8, 9, 10, 11, 12, 13, 14, 16],
            vec![15, 17, 18, 19, 20, 21, 22, 25],
            vec![23, 24, 26, 27, 28, 29, 30],
        ]
    );
}

#[test]
fn stratified_kfold_balances_each_class_across_folds() {
    // 17 of class 4, 9 of class 1, 5 of class 2, interleaved, 4 folds.
    let y: Vec<usize> = (0..31)
        .map(|i| match (i * 7) % 31 {
            0..=16 => 4,
            17..=25 => 1,
            _ => 2,
        })
        .collect();
    for seed in [None, Some(3)] {
        let mut skf = StratifiedKFold::new(4).unwrap();
        if let Some(s) = seed {
            skf = skf.shuffle(s);
        }
        let folds: Vec<_> = skf.split(&y).unwrap().collect();
        check_kfold_partition(31, &folds);
        for (class, total) in [(4usize, 17usize), (1, 9), (2, 5)] {
            let per_fold: Vec<usize> = folds
                .iter()
                .map(|f| f.1.iter().filter(|&&i| y[i] == class).count())
                .collect();
            assert_eq!(per_fold.iter().sum::<usize>(), total);
            let (lo, hi) = (
                *per_fold.iter().min().unwrap(),
                *per_fold.iter().max().unwrap(),
            );
            assert!(hi - lo <= 1, "class {class}: {per_fold:?}");
        }
        // Fold sizes differ by at most one.
        let sizes: Vec<usize> = folds.iter().map(|f| f.1.len()).collect();
        assert!(
            sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
            "{sizes:?}"
        );
    }
    let a: Vec<_> = StratifiedKFold::new(4)
        .unwrap()
        .shuffle(8)
        .split(&y)
        .unwrap()
        .collect();
    let b: Vec<_> = StratifiedKFold::new(4)
        .unwrap()
        .shuffle(8)
        .split(&y)
        .unwrap()
        .collect();
    assert_eq!(a, b);
}
