//! McNemar's test of two classifiers on one test set, with mlxtend's semantics.

use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};

use super::check::same_len;
use super::result::{TestKind, TestResult};
use crate::{Error, Result};

/// The 2×2 contingency table of two classifiers' correctness on the same samples, laid out as
/// mlxtend's `mcnemar_table`: `[[a, b], [c, d]]`.
///
/// ```
/// use tuneup::tune::McnemarTable;
/// let t = McnemarTable::from_counts([[10, 4], [1, 5]]);
/// assert_eq!((t.b, t.c), (4, 1));
/// assert_eq!(t.total(), 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct McnemarTable {
    /// Samples both models got right.
    pub a: u64,
    /// Samples model A got right and model B got wrong.
    pub b: u64,
    /// Samples model B got right and model A got wrong.
    pub c: u64,
    /// Samples both models got wrong.
    pub d: u64,
}

impl McnemarTable {
    /// A table from mlxtend's `[[a, b], [c, d]]` layout.
    ///
    /// ```
    /// let t = tuneup::tune::McnemarTable::from_counts([[1, 2], [3, 4]]);
    /// assert_eq!(t.counts(), [[1, 2], [3, 4]]);
    /// ```
    pub fn from_counts(counts: [[u64; 2]; 2]) -> Self {
        let [[a, b], [c, d]] = counts;
        Self { a, b, c, d }
    }

    /// The table in mlxtend's `[[a, b], [c, d]]` layout.
    ///
    /// ```
    /// let t = tuneup::tune::McnemarTable { a: 1, b: 2, c: 3, d: 4 };
    /// assert_eq!(t.counts()[1], [3, 4]);
    /// ```
    pub fn counts(&self) -> [[u64; 2]; 2] {
        [[self.a, self.b], [self.c, self.d]]
    }

    /// The number of samples, `a + b + c + d` (saturating).
    ///
    /// ```
    /// assert_eq!(tuneup::tune::McnemarTable { a: 1, b: 2, c: 3, d: 4 }.total(), 10);
    /// ```
    pub fn total(&self) -> u64 {
        self.a
            .saturating_add(self.b)
            .saturating_add(self.c)
            .saturating_add(self.d)
    }
}

/// The contingency table of two models' predictions against the true labels, as mlxtend's
/// `mcnemar_table(y_target, y_model1 = pred_a, y_model2 = pred_b)`.
///
/// # Errors
/// [`Error::Shape`] if the three slices do not have the same length.
///
/// ```
/// use tuneup::tune::mcnemar_table;
/// let y = [0, 1, 1, 0, 1];
/// let t = mcnemar_table(&y, &[0, 1, 0, 0, 1], &[0, 0, 1, 1, 1])?;
/// assert_eq!(t.counts(), [[2, 2], [1, 0]]); // a: rows 0, 4; b: rows 1, 3; c: row 2
/// assert!(mcnemar_table(&y, &[0, 1], &[0, 1, 0, 0, 1]).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn mcnemar_table<L: PartialEq>(
    y_true: &[L],
    pred_a: &[L],
    pred_b: &[L],
) -> Result<McnemarTable> {
    const CONTEXT: &str = "mcnemar_table";
    same_len(y_true.len(), pred_a.len(), CONTEXT, "y_true and pred_a")?;
    same_len(y_true.len(), pred_b.len(), CONTEXT, "y_true and pred_b")?;
    let mut table = McnemarTable::default();
    for ((y, a), b) in y_true.iter().zip(pred_a).zip(pred_b) {
        match (a == y, b == y) {
            (true, true) => table.a += 1,
            (true, false) => table.b += 1,
            (false, true) => table.c += 1,
            (false, false) => table.d += 1,
        }
    }
    Ok(table)
}

/// How [`mcnemar`] turns the discordant counts `b` and `c` into a p-value.
///
/// ```
/// use tuneup::tune::McnemarMethod;
/// assert_eq!(McnemarMethod::default(), McnemarMethod::ChiSquared { corrected: true });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McnemarMethod {
    /// The exact test: two-sided binomial, `p = min(1, 2 · P(X ≤ min(b, c)))` with
    /// `X ~ Binomial(b + c, ½)` (mlxtend's `exact=True`; advised when `b + c < 25`).
    Exact,
    /// The χ² approximation with one degree of freedom: `(|b − c| − 1)² / (b + c)` when
    /// `corrected` (Edwards' correction, mlxtend's default), `(b − c)² / (b + c)` otherwise.
    ChiSquared {
        /// Apply Edwards' continuity correction.
        corrected: bool,
    },
}

impl Default for McnemarMethod {
    fn default() -> Self {
        McnemarMethod::ChiSquared { corrected: true }
    }
}

/// McNemar's test on a contingency table, as mlxtend's `mcnemar(ary, corrected, exact)`.
///
/// The exact test with no discordant pair (`b + c = 0`) gives `p = 1`, as mlxtend. The χ²
/// statistic is then undefined: mlxtend divides by zero (χ² = ∞ and p = 0 when corrected, NaN
/// otherwise); here it is an error.
///
/// # Errors
/// [`Error::Value`] for the χ² methods when `b + c = 0`.
///
/// ```
/// use tuneup::tune::{mcnemar, McnemarMethod, McnemarTable, TestKind};
/// let t = McnemarTable::from_counts([[101, 121], [59, 33]]);
/// let chi2 = mcnemar(&t, McnemarMethod::default())?;
/// assert!((chi2.statistic - 20.672222222222222).abs() < 1e-12);
/// let exact = mcnemar(&t, McnemarMethod::Exact)?;
/// assert_eq!(exact.kind, TestKind::McnemarExact);
/// assert!(exact.p_value < 1e-4);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn mcnemar(table: &McnemarTable, method: McnemarMethod) -> Result<TestResult> {
    let (b, c) = (table.b, table.c);
    let n = b.saturating_add(c);
    match method {
        McnemarMethod::Exact => {
            let p = if n == 0 {
                1.0
            } else {
                let dist = Binomial::new(0.5, n)
                    .map_err(|e| Error::value("mcnemar", "a valid binomial", e))?;
                (2.0 * dist.cdf(b.min(c))).min(1.0)
            };
            Ok(TestResult {
                kind: TestKind::McnemarExact,
                statistic: b as f64,
                p_value: p,
                dof: [n as f64, 0.0],
            })
        }
        McnemarMethod::ChiSquared { corrected } => chi_squared(b, c, corrected),
    }
}

fn chi_squared(b: u64, c: u64, corrected: bool) -> Result<TestResult> {
    let n = b.saturating_add(c);
    if n == 0 {
        return Err(Error::value(
            "mcnemar (χ²)",
            "at least one discordant pair (b + c > 0)",
            "b = c = 0: χ² is 0 / 0 (mlxtend returns inf or NaN); use McnemarMethod::Exact, \
             which gives p = 1",
        ));
    }
    let gap = b.abs_diff(c) as f64;
    let (kind, numerator) = if corrected {
        (TestKind::McnemarCorrected, (gap - 1.0).powi(2))
    } else {
        (TestKind::McnemarChiSquared, gap * gap)
    };
    let chi2 = numerator / n as f64;
    let dist = ChiSquared::new(1.0).map_err(|e| Error::value("mcnemar", "a valid χ²", e))?;
    Ok(TestResult {
        kind,
        statistic: chi2,
        p_value: dist.sf(chi2),
        dof: [1.0, 0.0],
    })
}
