//! Synthetic generators: the geometry and semantics of scikit-learn's `make_*` (class counts,
//! radii, moon shapes, the linear model behind `make_regression`), determinism per seed, and
//! errors for invalid settings.

use std::f64::consts::PI;

use ndarray::{array, Array2};
use tuneup::data::{
    make_blobs, make_circles, make_classification, make_moons, make_regression, make_spirals,
    BlobCenters, BlobsConfig, CirclesConfig, ClassificationConfig, MoonsConfig, RegressionConfig,
    SpiralsConfig,
};
use tuneup::Error;

fn config_error<T: std::fmt::Debug>(r: tuneup::Result<T>) -> String {
    match r {
        Err(Error::Config { parameter, .. }) => parameter,
        other => panic!("expected Error::Config, got {other:?}"),
    }
}

#[test]
fn moons_lie_on_their_half_circles() {
    let ds = make_moons::<f64>(&MoonsConfig {
        n_samples: 101,
        ..Default::default()
    })
    .unwrap();
    assert_eq!((ds.n_samples(), ds.n_features()), (101, 2));
    assert_eq!(ds.class_counts(), Some(vec![50, 51]));
    for (p, &c) in ds.features().rows().into_iter().zip(ds.labels().unwrap()) {
        let (x, y) = (p[0], p[1]);
        if c == 0 {
            // Upper half of the unit circle centred at the origin.
            assert!((x.hypot(y) - 1.0).abs() < 1e-12);
            assert!(y >= -1e-12);
        } else {
            // Lower half of the unit circle centred at (1, 0.5).
            assert!(((x - 1.0).hypot(y - 0.5) - 1.0).abs() < 1e-12);
            assert!(y <= 0.5 + 1e-12);
        }
    }
    // Unshuffled: the ends of each arc come first and last (t = 0 and t = π).
    let ds = make_moons::<f64>(&MoonsConfig {
        n_samples: 10,
        shuffle: false,
        ..Default::default()
    })
    .unwrap();
    let x = ds.features();
    assert!((x[[0, 0]] - 1.0).abs() < 1e-15 && x[[0, 1]].abs() < 1e-15);
    assert!((x[[4, 0]] + 1.0).abs() < 1e-15);
    assert!(x[[5, 0]].abs() < 1e-15 && (x[[5, 1]] - 0.5).abs() < 1e-15);
    assert!((x[[9, 0]] - 2.0).abs() < 1e-15 && (x[[9, 1]] - 0.5).abs() < 1e-15);
    assert_eq!(ds.labels().unwrap(), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
}

#[test]
fn moons_noise_has_the_requested_spread() {
    let clean = make_moons::<f64>(&MoonsConfig {
        n_samples: 4000,
        shuffle: false,
        ..Default::default()
    })
    .unwrap();
    let noisy = make_moons::<f64>(&MoonsConfig {
        n_samples: 4000,
        noise: 0.2,
        shuffle: false,
        ..Default::default()
    })
    .unwrap();
    let diff = &noisy.features() - &clean.features();
    let n = diff.len() as f64;
    let mean = diff.sum() / n;
    let std = (diff.mapv(|v| (v - mean) * (v - mean)).sum() / n).sqrt();
    assert!(mean.abs() < 0.01, "mean {mean}");
    assert!((std - 0.2).abs() < 0.01, "std {std}");
}

#[test]
fn circles_radii_ratio_is_factor() {
    for factor in [0.0, 0.3, 0.8] {
        let ds = make_circles::<f64>(&CirclesConfig {
            n_samples: 61,
            factor,
            seed: 5,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ds.class_counts(), Some(vec![30, 31]));
        for (p, &c) in ds.features().rows().into_iter().zip(ds.labels().unwrap()) {
            let r = p[0].hypot(p[1]);
            let expected = if c == 0 { 1.0 } else { factor };
            assert!((r - expected).abs() < 1e-12, "class {c}: r = {r}");
        }
    }
    // Angles evenly spaced over [0, 2π), end excluded.
    let ds = make_circles::<f64>(&CirclesConfig {
        n_samples: 8,
        shuffle: false,
        ..Default::default()
    })
    .unwrap();
    let x = ds.features();
    for i in 0..4 {
        let t = 2.0 * PI * i as f64 / 4.0;
        assert!((x[[i, 0]] - t.cos()).abs() < 1e-15 && (x[[i, 1]] - t.sin()).abs() < 1e-15);
    }
}

#[test]
fn blobs_split_samples_and_centre_on_their_centres() {
    let (ds, centers) = make_blobs::<f64>(&BlobsConfig {
        n_samples: 3001,
        n_features: 3,
        centers: BlobCenters::Count(4),
        cluster_std: vec![0.5],
        seed: 2,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(ds.class_counts(), Some(vec![751, 750, 750, 750]));
    assert_eq!(centers.dim(), (4, 3));
    assert!(centers.iter().all(|&c| (-10.0..10.0).contains(&c)));
    let labels = ds.labels().unwrap();
    for k in 0..4 {
        let rows: Vec<usize> = (0..3001).filter(|&i| labels[i] == k).collect();
        for j in 0..3 {
            let vals: Vec<f64> = rows.iter().map(|&i| ds.features()[[i, j]]).collect();
            let mean = vals.iter().sum::<f64>() / vals.len() as f64;
            let var = vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / vals.len() as f64;
            assert!((mean - centers[[k, j]]).abs() < 0.06, "blob {k} dim {j}");
            assert!(
                (var.sqrt() - 0.5).abs() < 0.04,
                "blob {k} dim {j} std {}",
                var.sqrt()
            );
        }
    }
    // Given centres and per-blob spread: zero spread puts every point on its centre.
    let given = array![[1.0, 2.0], [-3.0, 4.0]];
    let (ds, centers) = make_blobs::<f32>(&BlobsConfig {
        n_samples: 5,
        centers: BlobCenters::Given(given.clone()),
        cluster_std: vec![0.0, 0.0],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(centers, given);
    assert_eq!(ds.class_counts(), Some(vec![3, 2]));
    for (p, &c) in ds.features().rows().into_iter().zip(ds.labels().unwrap()) {
        assert_eq!(p.to_vec(), vec![given[[c, 0]] as f32, given[[c, 1]] as f32]);
    }
}

#[test]
fn classification_class_counts_honour_weights() {
    for (weights, n_classes, per, expected) in [
        (None, 3, 1, vec![334, 333, 333]),
        (Some(vec![0.9]), 2, 2, vec![900, 100]),
        (Some(vec![0.5, 0.3, 0.2]), 3, 2, vec![500, 300, 200]),
        (Some(vec![0.05, 0.15]), 3, 1, vec![50, 150, 800]),
    ] {
        let cfg = ClassificationConfig {
            n_samples: 1000,
            n_classes,
            n_clusters_per_class: per,
            weights: weights.clone(),
            n_informative: 3,
            flip_y: 0.0,
            seed: 1,
            ..Default::default()
        };
        let ds = make_classification::<f64>(&cfg).unwrap();
        assert_eq!(ds.class_counts().unwrap(), expected, "weights {weights:?}");
    }
    // Rounding leftovers go one per cluster, so counts stay within the cluster count.
    let ds = make_classification::<f64>(&ClassificationConfig {
        n_samples: 101,
        n_classes: 3,
        n_clusters_per_class: 2,
        n_informative: 3,
        weights: Some(vec![0.7, 0.2, 0.1]),
        flip_y: 0.0,
        ..Default::default()
    })
    .unwrap();
    let counts = ds.class_counts().unwrap();
    assert_eq!(counts.iter().sum::<usize>(), 101);
    for (c, w) in counts.iter().zip([0.7, 0.2, 0.1]) {
        assert!((*c as f64 - 101.0 * w).abs() < 6.0, "{counts:?}");
    }
}

#[test]
fn classification_feature_layout() {
    // 3 informative, 2 redundant, 1 repeated, 2 noise columns.
    let cfg = ClassificationConfig {
        n_samples: 300,
        n_features: 8,
        n_informative: 3,
        n_redundant: 2,
        n_repeated: 1,
        flip_y: 0.0,
        seed: 4,
        ..Default::default()
    };
    let ds = make_classification::<f64>(&cfg).unwrap();
    let x = ds.features();
    // Redundant columns are exact linear combinations of the informative ones: least squares
    // on the informative columns leaves no residual.
    let inf = x.slice(ndarray::s![.., 0..3]).to_owned();
    let gram = inf.t().dot(&inf);
    for j in 3..5 {
        let rhs = inf.t().dot(&x.column(j));
        let w = solve3(&gram, &[rhs[0], rhs[1], rhs[2]]);
        let fit = inf.dot(&ndarray::arr1(&w));
        let resid = (&fit - &x.column(j)).mapv(f64::abs).sum();
        assert!(resid < 1e-8, "column {j} residual {resid}");
    }
    // The repeated column equals one of the first five.
    let rep = x.column(5);
    assert!((0..5).any(|j| x.column(j) == rep));
    // Noise columns are not in the informative span.
    let rhs = inf.t().dot(&x.column(7));
    let w = solve3(&gram, &[rhs[0], rhs[1], rhs[2]]);
    let resid = (&inf.dot(&ndarray::arr1(&w)) - &x.column(7))
        .mapv(f64::abs)
        .sum();
    assert!(resid > 1.0);
    // With a large class_sep the classes separate along the informative columns: each class
    // mean sits near a hypercube vertex (±class_sep in every informative coordinate).
    let sep = make_classification::<f64>(&ClassificationConfig {
        n_samples: 2000,
        n_features: 2,
        n_informative: 2,
        n_redundant: 0,
        n_clusters_per_class: 1,
        class_sep: 10.0,
        flip_y: 0.0,
        ..Default::default()
    })
    .unwrap();
    let labels = sep.labels().unwrap();
    for c in 0..2 {
        let rows: Vec<usize> = (0..2000).filter(|&i| labels[i] == c).collect();
        for j in 0..2 {
            let m = rows.iter().map(|&i| sep.features()[[i, j]]).sum::<f64>() / rows.len() as f64;
            assert!((m.abs() - 10.0).abs() < 0.2, "class {c} dim {j} mean {m}");
        }
    }
}

/// Solves a 3 × 3 system by Cramer's rule.
fn solve3(a: &Array2<f64>, b: &[f64; 3]) -> [f64; 3] {
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let base = [
        [a[[0, 0]], a[[0, 1]], a[[0, 2]]],
        [a[[1, 0]], a[[1, 1]], a[[1, 2]]],
        [a[[2, 0]], a[[2, 1]], a[[2, 2]]],
    ];
    let d = det(base);
    let mut out = [0.0; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let mut m = base;
        for r in 0..3 {
            m[r][k] = b[r];
        }
        *o = det(m) / d;
    }
    out
}

#[test]
fn classification_flip_y_adds_label_noise() {
    let base = ClassificationConfig {
        n_samples: 2000,
        n_features: 2,
        n_redundant: 0,
        n_clusters_per_class: 1,
        class_sep: 20.0,
        shuffle: false,
        flip_y: 0.0,
        ..Default::default()
    };
    let clean = make_classification::<f64>(&base).unwrap();
    let noisy = make_classification::<f64>(&ClassificationConfig {
        flip_y: 0.3,
        ..base
    })
    .unwrap();
    let changed = clean
        .labels()
        .unwrap()
        .iter()
        .zip(noisy.labels().unwrap())
        .filter(|(a, b)| a != b)
        .count();
    // Flipped to a random class, which is a different one half of the time: about 15 %.
    let frac = changed as f64 / 2000.0;
    assert!((frac - 0.15).abs() < 0.03, "changed fraction {frac}");
}

#[test]
fn regression_is_linear_in_the_informative_features() {
    let cfg = RegressionConfig {
        n_samples: 50,
        n_features: 6,
        n_informative: 3,
        n_targets: 2,
        bias: 1.5,
        seed: 9,
        ..Default::default()
    };
    let (ds, coef) = make_regression::<f64>(&cfg).unwrap();
    assert_eq!(coef.dim(), (6, 2));
    for j in 0..6 {
        for k in 0..2 {
            if j < 3 {
                assert!(coef[[j, k]] > 0.0 && coef[[j, k]] < 100.0);
            } else {
                assert_eq!(coef[[j, k]], 0.0, "non-informative feature {j}");
            }
        }
    }
    let (x, y) = (ds.features(), ds.values().unwrap());
    assert_eq!(y.dim(), (50, 2));
    let expected = x.dot(&coef) + 1.5;
    for (e, v) in expected.iter().zip(y.iter()) {
        assert!((e - v).abs() <= 1e-12 * e.abs().max(1.0), "{e} vs {v}");
    }
    // Noise: residuals have the requested spread.
    let (ds, coef) = make_regression::<f64>(&RegressionConfig {
        n_samples: 5000,
        n_features: 4,
        n_informative: 4,
        noise: 2.0,
        ..Default::default()
    })
    .unwrap();
    let resid = &ds.values().unwrap() - &ds.features().dot(&coef);
    let n = resid.len() as f64;
    let mean = resid.sum() / n;
    let std = (resid.mapv(|r| (r - mean).powi(2)).sum() / n).sqrt();
    assert!(
        mean.abs() < 0.1 && (std - 2.0).abs() < 0.1,
        "mean {mean} std {std}"
    );
}

#[test]
fn spirals_follow_their_arms() {
    let cfg = SpiralsConfig {
        n_samples: 301,
        n_arms: 3,
        turns: 1.5,
        ..Default::default()
    };
    let ds = make_spirals::<f64>(&cfg).unwrap();
    assert_eq!(ds.class_counts(), Some(vec![101, 100, 100]));
    for (p, &arm) in ds.features().rows().into_iter().zip(ds.labels().unwrap()) {
        let r = p[0].hypot(p[1]);
        assert!(r > 0.0 && r <= 1.0 + 1e-12);
        let expected = 2.0 * PI * 1.5 * r + 2.0 * PI * arm as f64 / 3.0;
        let diff = (p[1].atan2(p[0]) - expected).rem_euclid(2.0 * PI);
        assert!(
            diff < 1e-9 || 2.0 * PI - diff < 1e-9,
            "arm {arm}: off by {diff}"
        );
    }
}

#[test]
fn generators_are_deterministic_per_seed() {
    let moons = |seed| {
        make_moons::<f64>(&MoonsConfig {
            noise: 0.1,
            seed,
            ..Default::default()
        })
        .unwrap()
    };
    assert_eq!(moons(3), moons(3));
    assert_ne!(moons(3), moons(4));
    let cls = |seed| {
        make_classification::<f32>(&ClassificationConfig {
            seed,
            ..Default::default()
        })
        .unwrap()
    };
    assert_eq!(cls(1), cls(1));
    assert_ne!(cls(1), cls(2));
    let reg = |seed| {
        make_regression::<f64>(&RegressionConfig {
            seed,
            noise: 1.0,
            ..Default::default()
        })
        .unwrap()
    };
    assert_eq!(reg(0), reg(0));
    let blobs = |seed| {
        make_blobs::<f64>(&BlobsConfig {
            seed,
            ..Default::default()
        })
        .unwrap()
    };
    assert_eq!(blobs(7), blobs(7));
    assert_ne!(blobs(7).1, blobs(8).1);
}

#[test]
fn invalid_settings_are_config_errors() {
    let moons = |c: MoonsConfig| config_error(make_moons::<f64>(&c));
    assert_eq!(
        moons(MoonsConfig {
            n_samples: 0,
            ..Default::default()
        }),
        "MoonsConfig.n_samples"
    );
    assert_eq!(
        moons(MoonsConfig {
            noise: -0.1,
            ..Default::default()
        }),
        "MoonsConfig.noise"
    );
    for factor in [1.0, -0.1, f64::NAN] {
        assert_eq!(
            config_error(make_circles::<f64>(&CirclesConfig {
                factor,
                ..Default::default()
            })),
            "CirclesConfig.factor"
        );
    }
    assert_eq!(
        config_error(make_blobs::<f64>(&BlobsConfig {
            cluster_std: vec![1.0, 2.0],
            ..Default::default()
        })),
        "BlobsConfig.cluster_std"
    );
    assert_eq!(
        config_error(make_blobs::<f64>(&BlobsConfig {
            center_box: (1.0, 1.0),
            ..Default::default()
        })),
        "BlobsConfig.center_box"
    );
    let cls = |c: ClassificationConfig| config_error(make_classification::<f64>(&c));
    assert_eq!(
        cls(ClassificationConfig {
            n_features: 3,
            ..Default::default()
        }),
        "ClassificationConfig.n_features"
    );
    assert_eq!(
        cls(ClassificationConfig {
            n_classes: 3,
            n_clusters_per_class: 2,
            ..Default::default()
        }),
        "ClassificationConfig.n_informative"
    );
    for weights in [
        vec![0.5, 0.6],
        vec![0.2, 0.3, 0.4, 0.1],
        vec![1.2],
        vec![-0.1, 1.1],
    ] {
        assert_eq!(
            cls(ClassificationConfig {
                weights: Some(weights),
                ..Default::default()
            }),
            "ClassificationConfig.weights"
        );
    }
    assert_eq!(
        cls(ClassificationConfig {
            flip_y: 1.5,
            ..Default::default()
        }),
        "ClassificationConfig.flip_y"
    );
    let reg = |c: RegressionConfig| config_error(make_regression::<f64>(&c));
    assert_eq!(
        reg(RegressionConfig {
            n_features: 5,
            n_informative: 6,
            ..Default::default()
        }),
        "RegressionConfig.n_informative"
    );
    assert_eq!(
        reg(RegressionConfig {
            noise: f64::INFINITY,
            ..Default::default()
        }),
        "RegressionConfig.noise"
    );
    assert_eq!(
        config_error(make_spirals::<f64>(&SpiralsConfig {
            n_arms: 0,
            ..Default::default()
        })),
        "SpiralsConfig.n_arms"
    );
    assert_eq!(
        config_error(make_spirals::<f64>(&SpiralsConfig {
            turns: 0.0,
            ..Default::default()
        })),
        "SpiralsConfig.turns"
    );
}
