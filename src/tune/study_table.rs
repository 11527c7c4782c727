//! A study's results as a table: one row per trial, as CSV.

use std::path::Path;

use super::{Study, TrialRecord};
use crate::data::stats::{mean, population_std};
use crate::{Error, Result};

impl Study {
    /// The results table as CSV text: per trial its number, state, value(s), the mean and
    /// standard deviation (population, as scikit-learn's `cv_results_`) of its fold scores,
    /// the steps (epochs) it ran, its seconds, one column per parameter of the space (empty
    /// where a condition left it out) and the error of a failed trial.
    ///
    /// # Errors
    /// [`Error::Io`] if the CSV writer fails (it writes to memory, so only on a bug).
    ///
    /// ```
    /// use tuneup::tune::{SearchSpace, Study};
    /// let space = SearchSpace::builder().int("k", 1, 3).build()?;
    /// let mut s = Study::builder(space).build()?;
    /// s.optimize(2, |t| { t.set_fold_scores(&[1.0, 3.0]); Ok(2.0) })?;
    /// let csv = s.to_csv()?;
    /// let mut lines = csv.lines();
    /// assert_eq!(lines.next(), Some("number,state,value,fold_mean,fold_std,steps,seconds,k,error"));
    /// assert!(lines.next().unwrap().starts_with("0,complete,2,2,1,0,"));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn to_csv(&self) -> Result<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: &dyn std::fmt::Display| Error::io("write", "the study's CSV table", e);
        w.write_record(self.table_header()).map_err(|e| fail(&e))?;
        for r in &self.records {
            w.write_record(self.table_row(r)).map_err(|e| fail(&e))?;
        }
        let bytes = w.into_inner().map_err(|e| fail(&e))?;
        String::from_utf8(bytes).map_err(|e| fail(&e))
    }

    /// Writes [`to_csv`](Study::to_csv) to `path`.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    ///
    /// ```
    /// # use tuneup::tune::{SearchSpace, Study};
    /// # let s = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).build()?;
    /// assert!(s.write_csv("/no/such/dir/study.csv").is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_csv()?).map_err(|e| Error::io("write", path.display(), e))
    }

    fn table_header(&self) -> Vec<String> {
        let mut h: Vec<String> = vec!["number".into(), "state".into()];
        if self.directions.len() == 1 {
            h.push("value".into());
        } else {
            h.extend((0..self.directions.len()).map(|i| format!("value_{i}")));
        }
        h.extend(["fold_mean", "fold_std", "steps", "seconds"].map(String::from));
        h.extend(self.space.params().iter().map(|p| p.name().to_string()));
        h.push("error".into());
        h
    }

    fn table_row(&self, r: &TrialRecord) -> Vec<String> {
        let mut row = vec![r.number.to_string(), r.state.name().to_string()];
        for i in 0..self.directions.len() {
            row.push(r.values.get(i).map(f64::to_string).unwrap_or_default());
        }
        let (mean, std) = mean_std(&r.fold_scores);
        row.push(mean.map(|m| m.to_string()).unwrap_or_default());
        row.push(std.map(|s| s.to_string()).unwrap_or_default());
        row.push(r.steps_run().to_string());
        row.push(format!("{:.6}", r.seconds));
        for p in self.space.params() {
            row.push(
                r.params
                    .lookup(p.name())
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            );
        }
        row.push(r.error.clone().unwrap_or_default());
        row
    }
}

/// The mean and population standard deviation of `xs` (overflow-safe, the scalers'
/// helpers), `None` when empty.
fn mean_std(xs: &[f64]) -> (Option<f64>, Option<f64>) {
    if xs.is_empty() {
        return (None, None);
    }
    let m = mean(xs);
    (Some(m), Some(population_std(xs, m)))
}
