//! Running a study's trials: waves, threads, and recording how each trial ended.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::trial::WaveContext;
use super::{trial_seed, ObjectiveValue, Study, StudyView, Trial, TrialRecord, TrialState};
use crate::{Error, Result};

impl Study {
    /// Runs `n_trials` more trials of `objective` (fewer when a grid runs out), wave by wave
    /// on the study's threads, and records each one.
    ///
    /// The objective reads the trial's values with [`Trial::params`], may
    /// [`report`](Trial::report) intermediate scores (and return the pruning error with `?`),
    /// and returns its value: an `f64`, or one value per objective. A trial that returns an
    /// error or a non-finite value, or panics, is recorded as failed and the study goes on.
    ///
    /// # Errors
    /// Only errors of the study itself: a sampler that cannot sample the space, a trial count
    /// that overflows, an autosave file that cannot be written.
    ///
    /// ```
    /// use tuneup::tune::{SearchSpace, Study, TrialState};
    /// let space = SearchSpace::builder().float_log("lr", 1e-4, 1.0).build()?;
    /// let mut study = Study::builder(space).seed(1).build()?;
    /// study.optimize(10, |t| {
    ///     let lr = t.params().f64("lr")?;
    ///     if lr > 0.5 { return Err(tuneup::Error::state("train", "diverged")); }
    ///     Ok((lr.log10() + 2.0).abs())
    /// })?;
    /// assert_eq!(study.trials().len(), 10);
    /// assert!(study.count(TrialState::Complete) > 0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn optimize<V, F>(&mut self, n_trials: usize, objective: F) -> Result<()>
    where
        V: ObjectiveValue,
        F: Fn(&Trial) -> Result<V> + Sync,
    {
        let target = self.target_count(n_trials)?;
        while self.records.len() < target {
            let trials = self.next_wave(target)?;
            let records = run_wave(trials, self.threads, &objective, self.directions.len());
            self.records.extend(records);
            if let Some(path) = self.autosave.clone() {
                self.save(&path)?;
            }
        }
        Ok(())
    }

    fn target_count(&self, n_trials: usize) -> Result<usize> {
        let target = self.records.len().checked_add(n_trials).ok_or_else(|| {
            Error::config(
                "Study::optimize n_trials",
                n_trials,
                "a count that fits in usize",
            )
        })?;
        Ok(match self.sampler.max_trials(&self.space)? {
            Some(max) => target.min(max.max(self.records.len())),
            None => target,
        })
    }

    /// The trials of the next wave (up to `target`), sampled from what earlier waves showed.
    fn next_wave(&self, target: usize) -> Result<Vec<Trial>> {
        let start = self.records.len();
        let wave_start = start - start % self.wave_size;
        let end = wave_start.saturating_add(self.wave_size).min(target);
        let context = Arc::new(WaveContext {
            past: Arc::new(self.records[..wave_start].to_vec()),
            directions: self.directions.clone(),
            pruner: Arc::clone(&self.pruner),
            pareto: self.pareto,
        });
        let view = StudyView::new(&context.past, &self.directions);
        (start..end)
            .map(|number| {
                let params =
                    self.sampler
                        .sample_with_history(&self.space, self.seed, number, &view)?;
                let seed = trial_seed(!self.seed, number);
                Ok(Trial::new(number, seed, params, Arc::clone(&context)))
            })
            .collect()
    }
}

/// Runs one wave's trials on up to `threads` threads; the records come back by number.
fn run_wave<V, F>(
    trials: Vec<Trial>,
    threads: usize,
    objective: &F,
    n_obj: usize,
) -> Vec<TrialRecord>
where
    V: ObjectiveValue,
    F: Fn(&Trial) -> Result<V> + Sync,
{
    let threads = threads.min(trials.len()).max(1);
    if threads == 1 {
        return trials
            .into_iter()
            .map(|t| run_trial(t, objective, n_obj))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let mut records: Vec<TrialRecord> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(trial) = trials.get(i) else { break };
                        done.push(run_trial(trial.clone(), objective, n_obj));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    records.sort_by_key(|r| r.number);
    records
}

/// Runs one trial, catching its errors and panics, and records how it ended.
fn run_trial<V, F>(trial: Trial, objective: &F, n_obj: usize) -> TrialRecord
where
    V: ObjectiveValue,
    F: Fn(&Trial) -> Result<V> + Sync,
{
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| objective(&trial)));
    let progress = trial.take_progress();
    let (state, values, error) = match outcome {
        Ok(Ok(v)) => judge_values(v.into_values(), n_obj),
        Ok(Err(e)) if progress.pruned_at.is_some() || matches!(e, Error::Pruned { .. }) => {
            (TrialState::Pruned, Vec::new(), None)
        }
        Ok(Err(e)) => (TrialState::Failed, Vec::new(), Some(e.to_string())),
        Err(panic) => (TrialState::Failed, Vec::new(), Some(panic_message(&*panic))),
    };
    TrialRecord {
        number: trial.number(),
        params: trial.params().clone(),
        state,
        values,
        intermediate: progress.intermediate,
        intermediate_values: progress.intermediate_values,
        fold_scores: progress.fold_scores,
        seconds: started.elapsed().as_secs_f64(),
        error,
    }
}

/// A complete trial's values, or why they make it a failed one.
fn judge_values(values: Vec<f64>, n_obj: usize) -> (TrialState, Vec<f64>, Option<String>) {
    if values.len() != n_obj {
        let why = format!(
            "the objective returned {} values; the study has {n_obj} objectives",
            values.len()
        );
        return (TrialState::Failed, Vec::new(), Some(why));
    }
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        let why = format!("the objective returned {v} (did training diverge?)");
        return (TrialState::Failed, Vec::new(), Some(why));
    }
    (TrialState::Complete, values, None)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with no message".to_string());
    format!("the objective panicked: {text}")
}
