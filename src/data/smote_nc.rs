//! SMOTE-NC: SMOTE for tables with numeric and categorical columns (imbalanced-learn's
//! `SMOTENC`, version 0.12 and later).

use std::collections::BTreeMap;

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::categories::{Category, ColumnCategories};
use super::neighbors::KdTree;
use super::sampling_strategy::too_few_neighbors;
use super::smote::check_neighbors;
use super::table::{Column, Table};
use super::SamplingStrategy;
use crate::{Error, Float, Result};

const CONTEXT: &str = "SmoteNc";

/// SMOTE-NC (Chawla et al., 2002) with imbalanced-learn's semantics (≥ 0.12).
///
/// For each class the [`SamplingStrategy`] grows, the categorical columns are one-hot
/// encoded with the value `m / √2`, where `m` is the median over the numeric columns of the
/// class's standard deviations (so two different categories add `m²` to a squared distance),
/// and the `k_neighbors` nearest rows of the class (itself excluded) are found on the numeric
/// columns and that encoding. Each synthetic row picks a base row and one of its neighbours
/// uniformly and a gap `u` uniform in `[0, 1)`: its numeric values are
/// `base + u · (neighbour − base)`, and each categorical value is the most frequent among the
/// base's `k_neighbors` neighbours, ties broken uniformly at random (as imbalanced-learn
/// does, with this crate's seeded stream rather than NumPy's).
///
/// Memory stays bounded by one class's encoded rows at a time (dense numeric columns plus one
/// column per category present in the class).
///
/// ```
/// use tuneup::data::{Column, SmoteNc, Table};
/// let t = Table::new(
///     ["size", "colour"],
///     vec![
///         Column::Numeric(vec![1.0, 1.2, 0.9, 1.1, 5.0, 5.2, 4.9]),
///         Column::categorical(["red", "red", "blue", "red", "green", "green", "green"]),
///     ],
/// )?;
/// let y = [0, 0, 0, 0, 1, 1, 1];
/// let out = SmoteNc::new().k_neighbors(2)?.seed(1).fit_resample(&t, &y)?;
/// assert_eq!(out.y.len(), 8);
/// assert_eq!(out.table.columns()[1], Column::categorical(["red", "red", "blue", "red", "green", "green", "green", "green"]));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SmoteNc {
    strategy: SamplingStrategy,
    k_neighbors: usize,
    seed: u64,
}

impl Default for SmoteNc {
    fn default() -> Self {
        SmoteNc {
            strategy: SamplingStrategy::Auto,
            k_neighbors: 5,
            seed: 0,
        }
    }
}

/// The output of [`SmoteNc`]: the input rows then the synthetic ones, with where each
/// synthetic row came from.
///
/// ```
/// use tuneup::data::{Column, SmoteNc, Table};
/// let t = Table::new(["x", "c"], vec![
///     Column::Numeric(vec![0.0, 1.0, 2.0, 3.0, 9.0, 9.5]),
///     Column::categorical(["a", "a", "b", "a", "b", "b"]),
/// ])?;
/// let out = SmoteNc::new().k_neighbors(1)?.fit_resample(&t, &[0, 0, 0, 0, 1, 1])?;
/// assert_eq!(out.origins.len(), 2);
/// assert!(out.origins.iter().all(|&(b, n)| b >= 4 && n >= 4 && b != n));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SmoteNcResampled<F> {
    /// The input rows unchanged, then the synthetic rows class by class in label order.
    pub table: Table<F>,
    /// The label of each row.
    pub y: Vec<usize>,
    /// For each synthetic row, its base row and the neighbour it moved towards (input rows).
    pub origins: Vec<(usize, usize)>,
    /// Per resampled class, the median of its numeric columns' standard deviations
    /// (imbalanced-learn's `median_std_`).
    pub median_std: BTreeMap<usize, f64>,
}

/// One class's rows encoded for the neighbour search.
struct Encoded {
    rows: Vec<usize>,
    /// Per categorical column, each row's category index within the class.
    codes: Vec<Vec<usize>>,
    n_categories: Vec<usize>,
    median_std: f64,
    matrix: Array2<f64>,
}

impl SmoteNc {
    /// SMOTE-NC with the [`Auto`](SamplingStrategy::Auto) strategy, `k_neighbors = 5` and
    /// seed 0.
    ///
    /// ```
    /// let s = tuneup::data::SmoteNc::new();
    /// # let _ = s;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of same-class neighbours (at least 1; 0 is an [`Error::Config`]).
    ///
    /// ```
    /// assert!(tuneup::data::SmoteNc::new().k_neighbors(0).is_err());
    /// ```
    pub fn k_neighbors(mut self, k: usize) -> Result<Self> {
        self.k_neighbors = check_neighbors("SmoteNc.k_neighbors", k)?;
        Ok(self)
    }

    /// Sets the sampling strategy.
    ///
    /// ```
    /// use tuneup::data::{SamplingStrategy, SmoteNc};
    /// let s = SmoteNc::new().sampling_strategy(SamplingStrategy::Ratio(0.5));
    /// # let _ = s;
    /// ```
    pub fn sampling_strategy(mut self, strategy: SamplingStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the random seed (default 0); the same seed gives identical output.
    ///
    /// ```
    /// let s = tuneup::data::SmoteNc::new().seed(3);
    /// # let _ = s;
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Over-samples the table with labels `y`; the inputs are only read. A missing category
    /// (`None`) is a category of its own.
    ///
    /// Errors: `y` not one label per row ([`Error::Shape`]); no numeric or no categorical
    /// column ([`Error::Value`]: use [`Smote`](crate::data::Smote) for numeric data,
    /// [`Smoten`](crate::data::Smoten) for categorical data); a missing numeric value ([`Error::NonFinite`]); the
    /// strategy's errors; a resampled class with `k_neighbors` or fewer rows
    /// ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::{Column, SmoteNc, Table};
    /// let only_numbers = Table::new(["x"], vec![Column::Numeric(vec![1.0, 2.0])])?;
    /// assert!(SmoteNc::new().fit_resample(&only_numbers, &[0, 1]).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        table: &Table<F>,
        y: &[usize],
    ) -> Result<SmoteNcResampled<F>> {
        let (numeric, categorical) = check_table(table, y)?;
        let targets = self.strategy.over_sampling_targets(y)?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut origins = Vec::new();
        let mut median_std = BTreeMap::new();
        let mut labels = y.to_vec();
        let mut new_cats: Vec<Vec<usize>> = Vec::new();
        let mut class_cats: Vec<Vec<Vec<Category>>> = Vec::new();
        let mut new_class: Vec<usize> = Vec::new();
        let mut new_numeric: Vec<Vec<F>> = vec![Vec::new(); numeric.len()];
        for (&class, &n_new) in &targets {
            if n_new == 0 {
                continue;
            }
            let enc = encode_class(table, y, class, &numeric, &categorical)?;
            if self.k_neighbors >= enc.rows.len() {
                return Err(too_few_neighbors(
                    CONTEXT,
                    "k_neighbors",
                    self.k_neighbors.min(usize::MAX - 1),
                    format!("class {class}"),
                    enc.rows.len(),
                ));
            }
            median_std.insert(class, enc.median_std);
            let tree = KdTree::new(&enc.matrix.view())?;
            let nn = tree.kneighbors_of_fitted(self.k_neighbors)?;
            class_cats.push(class_categories(table, &enc, &categorical));
            for _ in 0..n_new {
                let pick = rng.random_range(0..enc.rows.len() * self.k_neighbors);
                let (r, c) = (pick / self.k_neighbors, pick % self.k_neighbors);
                let j = nn[[r, c]];
                let gap = F::cast(rng.random::<f64>());
                for (out, &col) in new_numeric.iter_mut().zip(&numeric) {
                    let Column::Numeric(v) = &table.columns()[col] else {
                        continue;
                    };
                    let (b, t) = (v[enc.rows[r]], v[enc.rows[j]]);
                    out.push(b + gap * (t - b));
                }
                let row_cats: Vec<usize> = (0..categorical.len())
                    .map(|f| {
                        majority(
                            nn.row(r).iter().map(|&q| enc.codes[f][q]),
                            enc.n_categories[f],
                            &mut rng,
                        )
                    })
                    .collect();
                new_cats.push(row_cats);
                new_class.push(class_cats.len() - 1);
                origins.push((enc.rows[r], enc.rows[j]));
            }
            labels.extend(std::iter::repeat_n(class, n_new));
        }
        let table = stack(
            table,
            &numeric,
            &categorical,
            new_numeric,
            &new_cats,
            &new_class,
            &class_cats,
        )?;
        Ok(SmoteNcResampled {
            table,
            y: labels,
            origins,
            median_std,
        })
    }
}

/// Checks the table and labels; returns the numeric and categorical column indices.
fn check_table<F: Float>(table: &Table<F>, y: &[usize]) -> Result<(Vec<usize>, Vec<usize>)> {
    if y.len() != table.n_rows() {
        return Err(Error::shape(
            CONTEXT,
            format!("one label per row ({} rows)", table.n_rows()),
            format!("{} labels", y.len()),
        ));
    }
    let (numeric, categorical) = (table.numeric_columns(), table.categorical_columns());
    if numeric.is_empty() || categorical.is_empty() {
        return Err(Error::value(
            CONTEXT,
            "numeric and categorical columns (Smote for numeric only, Smoten for categorical only)",
            format!(
                "{} numeric and {} categorical columns",
                numeric.len(),
                categorical.len()
            ),
        ));
    }
    for &j in &numeric {
        if let Column::Numeric(v) = &table.columns()[j] {
            if let Some(r) = v.iter().position(|x| !x.is_finite()) {
                return Err(Error::non_finite(
                    CONTEXT,
                    format!(
                        "column `{}` row {r} = {}: impute missing values first",
                        table.names()[j],
                        v[r]
                    ),
                ));
            }
        }
    }
    Ok((numeric, categorical))
}

/// The median of the class's numeric standard deviations (population, as imbalanced-learn).
fn median_std<F: Float>(table: &Table<F>, rows: &[usize], numeric: &[usize]) -> f64 {
    let mut stds: Vec<f64> = numeric
        .iter()
        .map(|&j| {
            let Column::Numeric(v) = &table.columns()[j] else {
                return 0.0;
            };
            let vals: Vec<f64> = rows.iter().map(|&r| v[r].to_f64().unwrap_or(0.0)).collect();
            let mean = vals.iter().sum::<f64>() / vals.len() as f64;
            (vals.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / vals.len() as f64).sqrt()
        })
        .collect();
    stds.sort_unstable_by(f64::total_cmp);
    let n = stds.len();
    if n % 2 == 1 {
        stds[n / 2]
    } else {
        (stds[n / 2 - 1] + stds[n / 2]) / 2.0
    }
}

/// One class's rows: numeric columns, then one-hot categories valued `median_std / √2`.
fn encode_class<F: Float>(
    table: &Table<F>,
    y: &[usize],
    class: usize,
    numeric: &[usize],
    categorical: &[usize],
) -> Result<Encoded> {
    let rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
    let part = table.select_rows(&rows)?;
    let m = median_std(table, &rows, numeric);
    let mut codes = Vec::with_capacity(categorical.len());
    let mut n_categories = Vec::with_capacity(categorical.len());
    for &j in categorical {
        let col = &part.columns()[j];
        let cats = ColumnCategories::fit(col);
        codes.push(
            (0..rows.len())
                .map(|r| cats.code(col, r).unwrap_or(0))
                .collect::<Vec<_>>(),
        );
        n_categories.push(cats.len());
    }
    let width = numeric.len() + n_categories.iter().sum::<usize>();
    let mut matrix = Array2::zeros((rows.len(), width));
    for (c, &j) in numeric.iter().enumerate() {
        if let Column::Numeric(v) = &part.columns()[j] {
            for (r, &x) in v.iter().enumerate() {
                matrix[[r, c]] = x.to_f64().unwrap_or(0.0);
            }
        }
    }
    let value = m / std::f64::consts::SQRT_2;
    let mut offset = numeric.len();
    for (f, n_cat) in n_categories.iter().enumerate() {
        for (r, &code) in codes[f].iter().enumerate() {
            matrix[[r, offset + code]] = value;
        }
        offset += n_cat;
    }
    Ok(Encoded {
        rows,
        codes,
        n_categories,
        median_std: m,
        matrix,
    })
}

/// The category lists (per categorical column) of the class.
fn class_categories<F: Float>(
    table: &Table<F>,
    enc: &Encoded,
    categorical: &[usize],
) -> Vec<Vec<Category>> {
    let part = table.select_columns(categorical);
    part.select_rows(&enc.rows)
        .map(|p| {
            p.columns()
                .iter()
                .map(|c| ColumnCategories::fit(c).list())
                .collect()
        })
        .unwrap_or_default()
}

/// The most frequent code, ties broken uniformly at random.
fn majority(codes: impl Iterator<Item = usize>, n: usize, rng: &mut StdRng) -> usize {
    let mut counts = vec![0usize; n];
    for c in codes {
        counts[c] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(0);
    let tied: Vec<usize> = (0..n).filter(|&c| counts[c] == max).collect();
    if tied.len() == 1 {
        tied[0]
    } else {
        tied[rng.random_range(0..tied.len())]
    }
}

/// The input table with the synthetic rows appended.
fn stack<F: Float>(
    table: &Table<F>,
    numeric: &[usize],
    categorical: &[usize],
    new_numeric: Vec<Vec<F>>,
    new_cats: &[Vec<usize>],
    new_class: &[usize],
    class_cats: &[Vec<Vec<Category>>],
) -> Result<Table<F>> {
    let mut columns: Vec<Column<F>> = table.columns().to_vec();
    for (&j, extra) in numeric.iter().zip(new_numeric) {
        if let Column::Numeric(v) = &mut columns[j] {
            v.extend(extra);
        }
    }
    for (f, &j) in categorical.iter().enumerate() {
        if let Column::Categorical(v) = &mut columns[j] {
            for (codes, &k) in new_cats.iter().zip(new_class) {
                v.push(match &class_cats[k][f][codes[f]] {
                    Category::Text(s) => Some(s.clone()),
                    _ => None,
                });
            }
        }
    }
    Table::new(table.names().to_vec(), columns)
}
