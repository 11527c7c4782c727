//! SMOTEN: over-sampling of tables whose columns are all categorical (imbalanced-learn's
//! `SMOTEN`).

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::categories::{Category, ColumnCategories};
use super::sampling_strategy::{class_counts, too_few_neighbors};
use super::smote::check_neighbors;
use super::table::{Column, Table};
use super::SamplingStrategy;
use crate::{Error, Float, Result};

const CONTEXT: &str = "Smoten";

/// SMOTEN (Chawla et al., 2002) with imbalanced-learn's semantics, for categorical columns
/// only.
///
/// Rows are compared by the value difference metric: for each column, each category's vector
/// of class frequencies `P(class | category)` over all rows; the distance between two rows is
/// `Σ_columns (Σ_classes |P(c | a) − P(c | b)|)²` (imbalanced-learn's
/// `ValueDifferenceMetric` with `k = 1`, `r = 2`). For each class the [`SamplingStrategy`]
/// grows, every row's `k_neighbors + 1` nearest rows of the class (itself included) are found,
/// and each synthetic row copies, column by column, the most frequent category of a uniformly
/// drawn row's neighbourhood (the first in category order on ties, as `scipy.stats.mode`).
/// Equal distances, common with categorical data, are broken by row order (scikit-learn's
/// order for them is unspecified). The search is a scan of the class, in memory linear in its
/// size (imbalanced-learn builds the class's full distance matrix).
///
/// ```
/// use tuneup::data::{Column, Smoten, Table};
/// let t = Table::new(["colour"], vec![Column::<f64>::categorical(
///     ["red", "red", "red", "red", "blue", "blue", "green"],
/// )])?;
/// let y = [0, 0, 0, 0, 1, 1, 1];
/// let out = Smoten::new().k_neighbors(1)?.fit_resample(&t, &y)?;
/// assert_eq!(out.y.len(), 8);
/// // The new class-1 row is the majority category of some class-1 row's neighbourhood.
/// assert!(matches!(&out.table.columns()[0], Column::Categorical(v) if v[7].as_deref() == Some("blue")));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Smoten {
    strategy: SamplingStrategy,
    k_neighbors: usize,
    seed: u64,
}

impl Default for Smoten {
    fn default() -> Self {
        Smoten {
            strategy: SamplingStrategy::Auto,
            k_neighbors: 5,
            seed: 0,
        }
    }
}

/// The output of [`Smoten`]: the input rows then the synthetic ones, with each synthetic
/// row's base.
///
/// ```
/// use tuneup::data::{Column, Smoten, Table};
/// let t = Table::new(["c"], vec![Column::<f64>::categorical(["a", "a", "a", "b", "b"])])?;
/// let out = Smoten::new().k_neighbors(1)?.fit_resample(&t, &[0, 0, 0, 1, 1])?;
/// assert_eq!(out.bases.len(), 1);
/// assert!(out.bases[0] >= 3);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SmotenResampled<F> {
    /// The input rows unchanged, then the synthetic rows class by class in label order.
    pub table: Table<F>,
    /// The label of each row.
    pub y: Vec<usize>,
    /// For each synthetic row, the input row whose neighbourhood it summarises.
    pub bases: Vec<usize>,
}

impl Smoten {
    /// SMOTEN with the [`Auto`](SamplingStrategy::Auto) strategy, `k_neighbors = 5` and
    /// seed 0.
    ///
    /// ```
    /// let s = tuneup::data::Smoten::new();
    /// # let _ = s;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of neighbours besides the row itself (at least 1).
    ///
    /// ```
    /// assert!(tuneup::data::Smoten::new().k_neighbors(0).is_err());
    /// ```
    pub fn k_neighbors(mut self, k: usize) -> Result<Self> {
        self.k_neighbors = check_neighbors("Smoten.k_neighbors", k)?;
        Ok(self)
    }

    /// Sets the sampling strategy.
    ///
    /// ```
    /// use tuneup::data::{SamplingStrategy, Smoten};
    /// let s = Smoten::new().sampling_strategy(SamplingStrategy::Ratio(0.5));
    /// # let _ = s;
    /// ```
    pub fn sampling_strategy(mut self, strategy: SamplingStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the random seed (default 0).
    ///
    /// ```
    /// let s = tuneup::data::Smoten::new().seed(2);
    /// # let _ = s;
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Over-samples the categorical table with labels `y`; the inputs are only read. A
    /// missing value (`None`) is a category of its own.
    ///
    /// Errors: `y` not one label per row ([`Error::Shape`]); a numeric column or no column
    /// ([`Error::Value`]); the strategy's errors; a resampled class with `k_neighbors` or
    /// fewer rows ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::{Column, Smoten, Table};
    /// let t = Table::new(["x"], vec![Column::Numeric(vec![1.0, 2.0])])?;
    /// assert!(Smoten::new().fit_resample(&t, &[0, 1]).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        table: &Table<F>,
        y: &[usize],
    ) -> Result<SmotenResampled<F>> {
        check_table(table, y)?;
        let targets = self.strategy.over_sampling_targets(y)?;
        let categories: Vec<ColumnCategories> =
            table.columns().iter().map(ColumnCategories::fit).collect();
        let codes: Vec<Vec<usize>> = table
            .columns()
            .iter()
            .zip(&categories)
            .map(|(col, cats)| {
                (0..y.len())
                    .map(|r| cats.code(col, r).unwrap_or(0))
                    .collect()
            })
            .collect();
        let vdm = value_difference(&codes, &categories, y);
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut bases = Vec::new();
        let mut new_codes: Vec<Vec<usize>> = Vec::new();
        let mut labels = y.to_vec();
        for (&class, &n_new) in &targets {
            if n_new == 0 {
                continue;
            }
            let rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
            if self.k_neighbors >= rows.len() {
                return Err(too_few_neighbors(
                    CONTEXT,
                    "k_neighbors",
                    self.k_neighbors.min(usize::MAX - 1),
                    format!("class {class}"),
                    rows.len(),
                ));
            }
            let mut modes: Vec<Option<Vec<usize>>> = vec![None; rows.len()];
            for _ in 0..n_new {
                let b = rng.random_range(0..rows.len());
                let mode = modes[b].get_or_insert_with(|| {
                    self.neighbourhood_mode(&rows, b, &codes, &categories, &vdm)
                });
                new_codes.push(mode.clone());
                bases.push(rows[b]);
            }
            labels.extend(std::iter::repeat_n(class, n_new));
        }
        let table = append(table, &categories, &new_codes)?;
        Ok(SmotenResampled {
            table,
            y: labels,
            bases,
        })
    }

    /// Column by column, the most frequent category among the `k + 1` rows of the class
    /// nearest to row `b` (itself included).
    fn neighbourhood_mode(
        &self,
        rows: &[usize],
        b: usize,
        codes: &[Vec<usize>],
        categories: &[ColumnCategories],
        vdm: &[Vec<Vec<f64>>],
    ) -> Vec<usize> {
        let dist = |i: usize, j: usize| -> f64 {
            codes
                .iter()
                .zip(vdm)
                .map(|(c, p)| {
                    let l1: f64 = p[c[i]]
                        .iter()
                        .zip(&p[c[j]])
                        .map(|(a, b)| (a - b).abs())
                        .sum();
                    l1 * l1
                })
                .sum()
        };
        let base = rows[b];
        let mut order: Vec<(f64, usize)> = rows
            .iter()
            .enumerate()
            .map(|(q, &r)| (if q == b { -1.0 } else { dist(base, r) }, q))
            .collect();
        let k = self.k_neighbors + 1;
        order.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let near = &order[..k];
        codes
            .iter()
            .zip(categories)
            .map(|(c, cats)| {
                let mut counts = vec![0usize; cats.len()];
                for &(_, q) in near {
                    counts[c[rows[q]]] += 1;
                }
                let max = counts.iter().copied().max().unwrap_or(0);
                counts.iter().position(|&n| n == max).unwrap_or(0)
            })
            .collect()
    }
}

fn check_table<F: Float>(table: &Table<F>, y: &[usize]) -> Result<()> {
    if y.len() != table.n_rows() {
        return Err(Error::shape(
            CONTEXT,
            format!("one label per row ({} rows)", table.n_rows()),
            format!("{} labels", y.len()),
        ));
    }
    if table.n_columns() == 0 || !table.numeric_columns().is_empty() {
        return Err(Error::value(
            CONTEXT,
            "categorical columns only (SmoteNc for mixed tables, Smote for numeric ones)",
            format!(
                "{} numeric of {} columns",
                table.numeric_columns().len(),
                table.n_columns()
            ),
        ));
    }
    Ok(())
}

/// Per column, per category, the class frequencies `P(class | category)` over all rows (classes
/// in label order; 0 for a category without rows).
fn value_difference(
    codes: &[Vec<usize>],
    categories: &[ColumnCategories],
    y: &[usize],
) -> Vec<Vec<Vec<f64>>> {
    let classes: Vec<usize> = class_counts(y).keys().copied().collect();
    let index: BTreeMap<usize, usize> = classes.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    codes
        .iter()
        .zip(categories)
        .map(|(c, cats)| {
            let mut p = vec![vec![0.0; classes.len()]; cats.len()];
            for (&code, label) in c.iter().zip(y) {
                p[code][index[label]] += 1.0;
            }
            for row in &mut p {
                let s: f64 = row.iter().sum();
                if s > 0.0 {
                    row.iter_mut().for_each(|v| *v /= s);
                }
            }
            p
        })
        .collect()
}

/// The table with the synthetic rows (category codes per column) appended.
fn append<F: Float>(
    table: &Table<F>,
    categories: &[ColumnCategories],
    new_codes: &[Vec<usize>],
) -> Result<Table<F>> {
    let mut columns: Vec<Column<F>> = table.columns().to_vec();
    for (f, (col, cats)) in columns.iter_mut().zip(categories).enumerate() {
        let list = cats.list();
        if let Column::Categorical(v) = col {
            v.extend(new_codes.iter().map(|codes| match &list[codes[f]] {
                Category::Text(s) => Some(s.clone()),
                _ => None,
            }));
        }
    }
    Table::new(table.names().to_vec(), columns)
}
