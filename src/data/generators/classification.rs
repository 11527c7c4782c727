//! A random n-class classification problem (`sklearn.datasets.make_classification`).

use ndarray::{s, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{check_count, labelled, normal, row_order};
use crate::data::Dataset;
use crate::{Error, Float, Result};

/// Settings of [`make_classification`]; `Default` gives scikit-learn's (100 samples, 20
/// features of which 2 informative and 2 redundant, 2 classes of 2 clusters each, balanced,
/// `flip_y = 0.01`, `class_sep = 1`, hypercube, no shift, scale 1, shuffled, seed 0).
///
/// ```
/// use tuneup::data::ClassificationConfig;
/// let cfg = ClassificationConfig {
///     n_classes: 3, n_clusters_per_class: 1, weights: Some(vec![0.8, 0.1]),
///     ..Default::default()
/// };
/// assert_eq!(cfg.n_informative, 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ClassificationConfig {
    /// Number of samples (at least 1).
    pub n_samples: usize,
    /// Total number of features: informative, redundant, repeated, then pure noise.
    pub n_features: usize,
    /// Features the classes are built in (at least 1): columns `0..n_informative`.
    pub n_informative: usize,
    /// Random linear combinations of the informative features, in the next columns.
    pub n_redundant: usize,
    /// Copies of randomly chosen informative or redundant columns, in the next columns.
    pub n_repeated: usize,
    /// Number of classes (at least 1).
    pub n_classes: usize,
    /// Gaussian clusters per class (at least 1); `n_classes · n_clusters_per_class` must not
    /// exceed `2^n_informative`, the hypercube's vertex count.
    pub n_clusters_per_class: usize,
    /// Proportion of each class (`n_classes` values summing to 1, or `n_classes − 1` values
    /// summing to at most 1, the last class taking the rest); `None` balances the classes.
    pub weights: Option<Vec<f64>>,
    /// Fraction of samples whose label is replaced by a uniformly random class (which may be
    /// the same one), in `[0, 1]`: label noise.
    pub flip_y: f64,
    /// Half the side of the hypercube the cluster centres sit on (finite); larger is easier.
    pub class_sep: f64,
    /// Centres on the hypercube's vertices (`true`) or on a random polytope inside it.
    pub hypercube: bool,
    /// Added to every feature (finite).
    pub shift: f64,
    /// Multiplies every feature after the shift (finite).
    pub scale: f64,
    /// Whether to shuffle the rows (columns are never shuffled).
    pub shuffle: bool,
    /// Seed of the random generator.
    pub seed: u64,
}

impl Default for ClassificationConfig {
    fn default() -> Self {
        ClassificationConfig {
            n_samples: 100,
            n_features: 20,
            n_informative: 2,
            n_redundant: 2,
            n_repeated: 0,
            n_classes: 2,
            n_clusters_per_class: 2,
            weights: None,
            flip_y: 0.01,
            class_sep: 1.0,
            hypercube: true,
            shift: 0.0,
            scale: 1.0,
            shuffle: true,
            seed: 0,
        }
    }
}

/// The class proportions, checked and completed.
fn class_weights(config: &ClassificationConfig) -> Result<Vec<f64>> {
    let c = config.n_classes;
    let Some(w) = &config.weights else {
        return Ok(vec![1.0 / c as f64; c]);
    };
    let bad = |expected: &str| {
        Err(Error::config(
            "ClassificationConfig.weights",
            format!("{w:?}"),
            expected,
        ))
    };
    if w.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
        return bad("finite proportions ≥ 0");
    }
    let sum: f64 = w.iter().sum();
    if w.len() == c {
        if (sum - 1.0).abs() > 1e-6 {
            return bad("n_classes proportions summing to 1");
        }
        Ok(w.clone())
    } else if w.len() + 1 == c {
        if sum > 1.0 + 1e-6 {
            return bad("n_classes − 1 proportions summing to at most 1");
        }
        let mut full = w.clone();
        full.push((1.0 - sum).max(0.0));
        Ok(full)
    } else {
        bad(&format!(
            "n_classes = {c} or n_classes − 1 = {} proportions",
            c - 1
        ))
    }
}

fn check(config: &ClassificationConfig) -> Result<()> {
    check_count("ClassificationConfig.n_samples", config.n_samples, 1)?;
    check_count(
        "ClassificationConfig.n_informative",
        config.n_informative,
        1,
    )?;
    check_count("ClassificationConfig.n_classes", config.n_classes, 1)?;
    check_count(
        "ClassificationConfig.n_clusters_per_class",
        config.n_clusters_per_class,
        1,
    )?;
    let used = config.n_informative + config.n_redundant + config.n_repeated;
    if used > config.n_features {
        return Err(Error::config(
            "ClassificationConfig.n_features",
            config.n_features,
            format!(
                "at least n_informative + n_redundant + n_repeated = {} + {} + {} = {used}",
                config.n_informative, config.n_redundant, config.n_repeated
            ),
        ));
    }
    let clusters = config.n_classes * config.n_clusters_per_class;
    if config.n_informative < 64 && clusters as u128 > 1u128 << config.n_informative {
        return Err(Error::config(
            "ClassificationConfig.n_informative",
            config.n_informative,
            format!(
                "2^n_informative ≥ n_classes · n_clusters_per_class = {clusters} (one hypercube \
                 vertex per cluster)"
            ),
        ));
    }
    if !(0.0..=1.0).contains(&config.flip_y) {
        return Err(Error::config(
            "ClassificationConfig.flip_y",
            config.flip_y,
            "a fraction in [0, 1]",
        ));
    }
    for (name, v) in [
        ("class_sep", config.class_sep),
        ("shift", config.shift),
        ("scale", config.scale),
    ] {
        if !v.is_finite() {
            return Err(Error::config(
                format!("ClassificationConfig.{name}"),
                v,
                "a finite value",
            ));
        }
    }
    Ok(())
}

/// `count` distinct vertices of the unit hypercube `{0, 1}^dim`, one per row.
fn hypercube_vertices(count: usize, dim: usize, rng: &mut StdRng) -> Array2<f64> {
    let exact = dim.min(30);
    let picks = rand::seq::index::sample(rng, 1usize << exact, count);
    let mut v = Array2::zeros((count, dim));
    for (r, code) in picks.into_iter().enumerate() {
        for j in 0..exact {
            v[[r, j]] = ((code >> j) & 1) as f64;
        }
    }
    // Beyond 30 dimensions the first 30 coordinates already make the vertices distinct.
    for r in 0..count {
        for j in exact..dim {
            v[[r, j]] = f64::from(u8::from(rng.random::<bool>()));
        }
    }
    v
}

/// A random classification problem, built as scikit-learn builds it.
///
/// * Each class is made of `n_clusters_per_class` Gaussian clusters. Cluster `k` (class
///   `k mod n_classes`) is centred on a distinct vertex of the hypercube `[−class_sep,
///   class_sep]^n_informative` (or, with `hypercube = false`, on that vertex scaled by random
///   factors per cluster and per dimension); its points are standard normal, multiplied by a
///   random matrix with entries uniform in `[−1, 1)` (so clusters are correlated), plus the
///   centre.
/// * Class sizes: cluster `k` gets `floor(n_samples · w_c / n_clusters_per_class)` samples for
///   its class `c` (a value within `1e-9` of an integer counts as that integer), and the few left over go one each to clusters `0, 1, 2, …` in turn; so a
///   class count differs from `n_samples · w_c` by less than the number of clusters.
/// * Columns: `n_informative` informative features, then `n_redundant` random linear
///   combinations of them (weights uniform in `[−1, 1)`), then `n_repeated` copies of random
///   informative or redundant columns, then standard-normal noise. Unlike scikit-learn, the
///   columns stay in that order.
/// * Then `flip_y · n_samples` labels (in expectation) are replaced by random classes, every
///   feature becomes `(x + shift) · scale`, and the rows are shuffled if asked.
///
/// # Errors
/// [`Error::Config`] naming the field: `n_samples`, `n_informative`, `n_classes` or
/// `n_clusters_per_class` of 0; more informative, redundant and repeated features than
/// `n_features`; more clusters than hypercube vertices; weights of the wrong length, negative,
/// or not summing to 1; `flip_y` outside `[0, 1]`; a non-finite `class_sep`, `shift` or `scale`.
///
/// ```
/// use tuneup::data::{make_classification, ClassificationConfig};
/// let cfg = ClassificationConfig {
///     n_samples: 200, weights: Some(vec![0.9]), flip_y: 0.0, ..Default::default()
/// };
/// let ds = make_classification::<f64>(&cfg)?;
/// assert_eq!(ds.n_features(), 20);
/// assert_eq!(ds.class_counts(), Some(vec![180, 20]));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn make_classification<F: Float>(config: &ClassificationConfig) -> Result<Dataset<F>> {
    check(config)?;
    let weights = class_weights(config)?;
    let (n, d) = (config.n_samples, config.n_features);
    let (n_inf, n_red) = (config.n_informative, config.n_redundant);
    let (c, per) = (config.n_classes, config.n_clusters_per_class);
    let n_clusters = c * per;
    let mut rng = StdRng::seed_from_u64(config.seed);

    // floor(n · w / per), where a value within 1e-9 (relative) of an integer counts as that
    // integer: 1 − 0.9 is 0.0999…98 in floating point, and 200 samples at that weight over 2
    // clusters should still be 10 per cluster, not 9.
    let mut sizes: Vec<usize> = (0..n_clusters)
        .map(|k| {
            let v = n as f64 * weights[k % c] / per as f64;
            let r = v.round();
            if (v - r).abs() <= 1e-9 * v.max(1.0) {
                r as usize
            } else {
                v.floor() as usize
            }
        })
        .collect();
    let assigned: usize = sizes.iter().sum();
    for i in 0..n.saturating_sub(assigned) {
        sizes[i % n_clusters] += 1;
    }

    let sep = config.class_sep;
    let mut centroids =
        hypercube_vertices(n_clusters, n_inf, &mut rng).mapv(|b| b * 2.0 * sep - sep);
    if !config.hypercube {
        for mut row in centroids.rows_mut() {
            let u: f64 = rng.random();
            row.mapv_inplace(|v| v * u);
        }
        for mut col in centroids.columns_mut() {
            let u: f64 = rng.random();
            col.mapv_inplace(|v| v * u);
        }
    }

    let mut x = Array2::<f64>::zeros((n, d));
    let mut labels = vec![0; n];
    let mut start = 0;
    let mut point = vec![0.0; n_inf];
    for (k, &size) in sizes.iter().enumerate() {
        let a = Array2::from_shape_simple_fn((n_inf, n_inf), || 2.0 * rng.random::<f64>() - 1.0);
        for i in start..start + size {
            for z in point.iter_mut() {
                *z = normal(&mut rng);
            }
            for j in 0..n_inf {
                let mut acc = centroids[[k, j]];
                for (m, z) in point.iter().enumerate() {
                    acc += z * a[[m, j]];
                }
                x[[i, j]] = acc;
            }
            labels[i] = k % c;
        }
        start += size;
    }

    if n_red > 0 {
        let b = Array2::from_shape_simple_fn((n_inf, n_red), || 2.0 * rng.random::<f64>() - 1.0);
        let inf = x.slice(s![.., ..n_inf]).to_owned();
        let red = inf.dot(&b);
        x.slice_mut(s![.., n_inf..n_inf + n_red]).assign(&red);
    }
    let mut col = n_inf + n_red;
    for _ in 0..config.n_repeated {
        let src = ((n_inf + n_red - 1) as f64 * rng.random::<f64>() + 0.5) as usize;
        let copy = x.column(src).to_owned();
        x.column_mut(col).assign(&copy);
        col += 1;
    }
    for j in col..d {
        for i in 0..n {
            x[[i, j]] = normal(&mut rng);
        }
    }

    if config.flip_y > 0.0 {
        for l in labels.iter_mut() {
            if rng.random::<f64>() < config.flip_y {
                *l = rng.random_range(0..c);
            }
        }
    }
    if config.shift != 0.0 || config.scale != 1.0 {
        x.mapv_inplace(|v| (v + config.shift) * config.scale);
    }
    let order = row_order(n, config.shuffle, &mut rng);
    labelled(&x, &labels, c, &order)
}
