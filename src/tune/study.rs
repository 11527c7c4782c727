//! A study: a search over a space, its trials and their results.

use std::path::PathBuf;
use std::sync::Arc;

use super::{
    pareto_front, Direction, NoPruning, Params, ParetoPruning, Pruner, RandomSampler, Sampler,
    SearchSpace, TrialRecord, TrialState,
};
use crate::{Error, Result};

/// A hyperparameter search: a [`SearchSpace`], a [`Sampler`] that picks each trial's values, a
/// [`Pruner`] that stops bad trials early, and the [`TrialRecord`]s of the trials run so far.
///
/// Trials run in *waves* of [`wave_size`](StudyBuilder::wave_size) trials, on up to
/// [`threads`](StudyBuilder::threads) threads. Trial `k` is sampled and pruned knowing only the
/// trials of earlier waves (numbers below `k - k % wave_size`), and its values come from
/// `(seed, k)`, so one seed gives the same study whatever the thread count, and a study
/// resumed from a file ([`save`](Study::save), [`load`](Study::load)) goes on exactly as an
/// uninterrupted one. A wave size of 1 is Optuna's sequential study.
///
/// A trial whose objective returns an error, a non-finite value or panics is recorded as
/// [`TrialState::Failed`] and the study goes on; one that a pruner stops is
/// [`TrialState::Pruned`].
///
/// ```
/// use tuneup::tune::{Direction, SearchSpace, Study};
/// let space = SearchSpace::builder().float("x", -3.0, 3.0).int("k", 0, 4).build()?;
/// let mut study = Study::builder(space).direction(Direction::Minimize).seed(7).threads(2).build()?;
/// study.optimize(40, |trial| {
///     let (x, k) = (trial.params().f64("x")?, trial.params().f64("k")?);
///     Ok((x - 1.0).powi(2) + (k - 2.0).powi(2))
/// })?;
/// let best = study.best_trial()?;
/// assert!(best.value().unwrap() < 1.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub struct Study {
    pub(crate) space: SearchSpace,
    pub(crate) directions: Vec<Direction>,
    pub(crate) sampler: Arc<dyn Sampler>,
    pub(crate) pruner: Arc<dyn Pruner>,
    pub(crate) pareto: Option<ParetoPruning>,
    pub(crate) seed: u64,
    pub(crate) threads: usize,
    pub(crate) wave_size: usize,
    pub(crate) autosave: Option<PathBuf>,
    pub(crate) records: Vec<TrialRecord>,
}

impl Study {
    /// A builder over `space`: minimise one objective, random sampling, no pruning, seed 0,
    /// one thread, waves of 8.
    ///
    /// ```
    /// let space = tuneup::tune::SearchSpace::builder().int("k", 1, 3).build()?;
    /// let study = tuneup::tune::Study::builder(space).build()?;
    /// assert!(study.trials().is_empty());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn builder(space: SearchSpace) -> StudyBuilder {
        StudyBuilder {
            space,
            directions: vec![Direction::Minimize],
            sampler: Arc::new(RandomSampler),
            pruner: Arc::new(NoPruning),
            pareto: None,
            seed: 0,
            threads: 1,
            wave_size: 8,
            autosave: None,
        }
    }

    /// The trials run so far, by number.
    ///
    /// ```
    /// # let s = tuneup::tune::Study::builder(tuneup::tune::SearchSpace::builder().int("k", 1, 3).build()?).build()?;
    /// assert_eq!(s.trials().len(), 0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn trials(&self) -> &[TrialRecord] {
        &self.records
    }

    /// The search space.
    ///
    /// ```
    /// # let s = tuneup::tune::Study::builder(tuneup::tune::SearchSpace::builder().int("k", 1, 3).build()?).build()?;
    /// assert_eq!(s.space().len(), 1);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn space(&self) -> &SearchSpace {
        &self.space
    }

    /// One direction per objective.
    ///
    /// ```
    /// # let s = tuneup::tune::Study::builder(tuneup::tune::SearchSpace::builder().int("k", 1, 3).build()?).build()?;
    /// assert_eq!(s.directions(), &[tuneup::tune::Direction::Minimize]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn directions(&self) -> &[Direction] {
        &self.directions
    }

    /// The complete trial with the best value (the first one on ties).
    ///
    /// # Errors
    /// [`Error::State`] for a multi-objective study (use [`pareto_front`](Study::pareto_front))
    /// or when no trial is complete.
    ///
    /// ```
    /// # let s = tuneup::tune::Study::builder(tuneup::tune::SearchSpace::builder().int("k", 1, 3).build()?).build()?;
    /// assert!(s.best_trial().is_err()); // nothing has run
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn best_trial(&self) -> Result<&TrialRecord> {
        if self.directions.len() != 1 {
            return Err(Error::state(
                "Study::best_trial",
                "a multi-objective study has no single best trial; use pareto_front()",
            ));
        }
        let direction = self.directions[0];
        let mut best: Option<&TrialRecord> = None;
        for t in self
            .records
            .iter()
            .filter(|t| t.state == TrialState::Complete)
        {
            let better = match best {
                None => true,
                Some(b) => direction.is_better(t.values[0], b.values[0]),
            };
            if better {
                best = Some(t);
            }
        }
        best.ok_or_else(|| {
            let failed = self.count(TrialState::Failed);
            Error::state(
                "Study::best_trial",
                format!(
                    "no complete trial among {} ({failed} failed, {} pruned)",
                    self.records.len(),
                    self.count(TrialState::Pruned)
                ),
            )
        })
    }

    /// The best trial's hyperparameter values.
    ///
    /// # Errors
    /// As [`best_trial`](Study::best_trial).
    ///
    /// ```
    /// # use tuneup::tune::{SearchSpace, Study};
    /// let mut s = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).build()?;
    /// s.optimize(10, |t| Ok((t.params().f64("k")? - 2.0).abs()))?;
    /// assert_eq!(s.best_params()?.i64("k")?, 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn best_params(&self) -> Result<&Params> {
        Ok(&self.best_trial()?.params)
    }

    /// The best value.
    ///
    /// # Errors
    /// As [`best_trial`](Study::best_trial).
    ///
    /// ```
    /// # use tuneup::tune::{SearchSpace, Study};
    /// let mut s = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).build()?;
    /// s.optimize(10, |t| Ok((t.params().f64("k")? - 2.0).abs()))?;
    /// assert_eq!(s.best_value()?, 0.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn best_value(&self) -> Result<f64> {
        Ok(self.best_trial()?.values[0])
    }

    /// The complete trials on the Pareto front of the study's objectives.
    ///
    /// ```
    /// use tuneup::tune::{Direction, SearchSpace, Study};
    /// let space = SearchSpace::builder().int("w", 1, 8).build()?;
    /// let mut s = Study::builder(space).directions([Direction::Minimize; 2]).build()?;
    /// s.optimize(12, |t| { let w = t.params().f64("w")?; Ok([1.0 / w, w]) })?;
    /// assert!(s.pareto_front().len() >= 2); // every distinct width is on the front
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn pareto_front(&self) -> Vec<&TrialRecord> {
        pareto_front(&self.records, &self.directions)
    }

    /// How many trials ended in `state`.
    ///
    /// ```
    /// # let s = tuneup::tune::Study::builder(tuneup::tune::SearchSpace::builder().int("k", 1, 3).build()?).build()?;
    /// assert_eq!(s.count(tuneup::tune::TrialState::Failed), 0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn count(&self, state: TrialState) -> usize {
        self.records.iter().filter(|t| t.state == state).count()
    }

    /// The total steps (epochs) reported by all trials: the budget a pruner saves.
    ///
    /// ```
    /// # let s = tuneup::tune::Study::builder(tuneup::tune::SearchSpace::builder().int("k", 1, 3).build()?).build()?;
    /// assert_eq!(s.total_steps(), 0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn total_steps(&self) -> usize {
        self.records.iter().map(TrialRecord::steps_run).sum()
    }
}

/// Settings of a [`Study`]; [`build`](StudyBuilder::build) checks them.
///
/// ```
/// use tuneup::tune::{GridSampler, SearchSpace, Study};
/// let space = SearchSpace::builder().int("k", 1, 3).build()?;
/// let study = Study::builder(space).maximize().sampler(GridSampler).threads(2).wave_size(4).build()?;
/// assert_eq!(study.directions(), &[tuneup::tune::Direction::Maximize]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub struct StudyBuilder {
    space: SearchSpace,
    directions: Vec<Direction>,
    sampler: Arc<dyn Sampler>,
    pruner: Arc<dyn Pruner>,
    pareto: Option<ParetoPruning>,
    seed: u64,
    threads: usize,
    wave_size: usize,
    autosave: Option<PathBuf>,
}

impl StudyBuilder {
    /// One objective, in `direction`.
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// let b = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).direction(Direction::Maximize);
    /// assert_eq!(b.build()?.directions(), &[Direction::Maximize]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn direction(mut self, direction: Direction) -> Self {
        self.directions = vec![direction];
        self
    }

    /// One objective, maximised.
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// let s = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).maximize().build()?;
    /// assert_eq!(s.directions(), &[Direction::Maximize]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn maximize(self) -> Self {
        self.direction(Direction::Maximize)
    }

    /// One objective, minimised (the default).
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// let s = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).minimize().build()?;
    /// assert_eq!(s.directions(), &[Direction::Minimize]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn minimize(self) -> Self {
        self.direction(Direction::Minimize)
    }

    /// Several objectives, one direction each: a multi-objective study.
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// let s = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?)
    ///     .directions([Direction::Minimize, Direction::Maximize]).build()?;
    /// assert_eq!(s.directions().len(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn directions(mut self, directions: impl IntoIterator<Item = Direction>) -> Self {
        self.directions = directions.into_iter().collect();
        self
    }

    /// How each trial's values are picked (default [`RandomSampler`]).
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// let s = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).sampler(GridSampler).build()?;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn sampler(mut self, sampler: impl Sampler + 'static) -> Self {
        self.sampler = Arc::new(sampler);
        self
    }

    /// What stops bad trials early (default [`NoPruning`]).
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// let s = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).pruner(NoPruning).build()?;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn pruner(mut self, pruner: impl Pruner + 'static) -> Self {
        self.pruner = Arc::new(pruner);
        self
    }

    /// Prunes a multi-objective trial once it falls off the Pareto front at a step (see
    /// [`ParetoPruning`] and [`Trial::report_values`](super::Trial::report_values)).
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// let s = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?)
    ///     .directions([Direction::Minimize; 2]).pareto_pruning(ParetoPruning::default()).build()?;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn pareto_pruning(mut self, pruning: ParetoPruning) -> Self {
        self.pareto = Some(pruning);
        self
    }

    /// The study's seed (default 0): trial `k`'s values and seed come from `(seed, k)`.
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// let s = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).seed(42).build()?;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Threads that run a wave's trials at once (default 1); the results do not depend on it.
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// assert!(Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).threads(0).build().is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Trials per wave (default 8): a trial is sampled and pruned knowing the trials of the
    /// earlier waves. At most `wave_size` trials run at once; 1 runs one at a time, each
    /// knowing all before it.
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// assert!(Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).wave_size(0).build().is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn wave_size(mut self, wave_size: usize) -> Self {
        self.wave_size = wave_size;
        self
    }

    /// Saves the study to `path` after every wave, so an interrupted search can be
    /// [`load`](Study::load)ed and go on.
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// let path = std::env::temp_dir().join("tuneup-doc-autosave.json");
    /// let mut s = Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).autosave(&path).build()?;
    /// s.optimize(2, |t| t.params().f64("k"))?;
    /// assert!(path.exists());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn autosave(mut self, path: impl Into<PathBuf>) -> Self {
        self.autosave = Some(path.into());
        self
    }

    /// The study, its settings checked.
    ///
    /// # Errors
    /// [`Error::Config`] for no objective, zero threads or a zero wave size, or Pareto
    /// pruning on a single-objective study.
    ///
    /// ```
    /// # use tuneup::tune::*;
    /// assert!(Study::builder(SearchSpace::builder().int("k", 1, 3).build()?).directions([]).build().is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn build(self) -> Result<Study> {
        if self.directions.is_empty() {
            return Err(Error::config(
                "Study.directions",
                "[]",
                "at least one objective",
            ));
        }
        if self.threads == 0 {
            return Err(Error::config("Study.threads", 0, "at least 1"));
        }
        if self.wave_size == 0 {
            return Err(Error::config("Study.wave_size", 0, "at least 1"));
        }
        if self.pareto.is_some() && self.directions.len() < 2 {
            return Err(Error::config(
                "Study.pareto_pruning",
                "set on a single-objective study",
                "two or more directions (use a pruner for one objective)",
            ));
        }
        Ok(Study {
            space: self.space,
            directions: self.directions,
            sampler: self.sampler,
            pruner: self.pruner,
            pareto: self.pareto,
            seed: self.seed,
            threads: self.threads,
            wave_size: self.wave_size,
            autosave: self.autosave,
            records: Vec::new(),
        })
    }
}
