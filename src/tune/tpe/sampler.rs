//! The TPE sampler: random start, then for each parameter the candidate that maximises
//! `l(x) / g(x)`.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{split_trials, tpe_gamma, ParzenEstimator, ParzenSettings};
use crate::tune::{
    trial_seed, Distribution, Param, ParamValue, Params, RandomSampler, Sampler, SearchSpace,
    StudyView, TrialRecord, TrialState,
};
use crate::{Error, Result};

/// The most candidates a trial may draw per parameter: beyond it the draw is memory, not search.
const MAX_EI_CANDIDATES: usize = 1 << 20;

/// The tree-structured Parzen estimator, as Optuna's default (univariate) `TPESampler`.
///
/// Until `n_startup_trials` trials are complete or pruned, a trial's values are
/// [`RandomSampler`]'s. After that the finished trials are split ([`split_trials`]) into the
/// [`tpe_gamma`]`(n)` best and the rest; for each active parameter, in the space's order, a
/// [`ParzenEstimator`] `l` is fitted on the values of the best trials that hold it and one `g`
/// on the rest's, `n_ei_candidates` candidates are drawn from `l`, and the one with the
/// largest `ln l(x) − ln g(x)` is taken. Every draw comes from
/// `StdRng::seed_from_u64(trial_seed(seed, number))`, so the same seed, trial number and
/// visible trials give the same values.
///
/// ```
/// use tuneup::tune::{Direction, Sampler, SearchSpace, StudyView, TpeSampler, TrialRecord, TrialState};
/// let space = SearchSpace::builder().float("x", -5.0, 5.0).build()?;
/// let tpe = TpeSampler::new().with_startup_trials(5)?;
/// let mut trials: Vec<TrialRecord> = Vec::new();
/// for k in 0..30 {
///     let view = StudyView::new(&trials, &[Direction::Minimize]);
///     let params = tpe.sample_with_history(&space, 42, k, &view)?;
///     let x = params.f64("x")?;
///     let mut record = TrialRecord::failed(k, params, "");
///     (record.state, record.values, record.error) = (TrialState::Complete, vec![(x - 1.0).powi(2)], None);
///     trials.push(record);
/// }
/// let best = trials.iter().map(|t| t.values[0]).fold(f64::INFINITY, f64::min);
/// assert!(best < 0.05);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TpeSampler {
    n_startup_trials: usize,
    n_ei_candidates: usize,
    parzen: ParzenSettings,
}

impl Default for TpeSampler {
    fn default() -> Self {
        TpeSampler {
            n_startup_trials: 10,
            n_ei_candidates: 24,
            parzen: ParzenSettings::default(),
        }
    }
}

impl TpeSampler {
    /// Optuna's defaults: 10 startup trials, 24 candidates, [`ParzenSettings::default`].
    ///
    /// ```
    /// let tpe = tuneup::tune::TpeSampler::new();
    /// assert_eq!((tpe.n_startup_trials(), tpe.n_ei_candidates()), (10, 24));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how many complete or pruned trials are drawn at random before TPE starts.
    ///
    /// ```
    /// let tpe = tuneup::tune::TpeSampler::new().with_startup_trials(20)?;
    /// assert_eq!(tpe.n_startup_trials(), 20);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_startup_trials(mut self, n: usize) -> Result<Self> {
        self.n_startup_trials = n;
        Ok(self)
    }

    /// Sets how many candidates are drawn from `l` per parameter (at least 1).
    ///
    /// ```
    /// assert!(tuneup::tune::TpeSampler::new().with_ei_candidates(0).is_err());
    /// assert!(tuneup::tune::TpeSampler::new().with_ei_candidates(usize::MAX).is_err());
    /// ```
    pub fn with_ei_candidates(mut self, n: usize) -> Result<Self> {
        if n == 0 || n > MAX_EI_CANDIDATES {
            return Err(Error::config(
                "TpeSampler.n_ei_candidates",
                n,
                format!("1 to {MAX_EI_CANDIDATES} candidates (they are drawn for every trial)"),
            ));
        }
        self.n_ei_candidates = n;
        Ok(self)
    }

    /// Sets the Parzen estimators' settings (checked: a finite prior weight ≥ 0).
    ///
    /// ```
    /// use tuneup::tune::{ParzenSettings, TpeSampler};
    /// let s = ParzenSettings { prior_weight: f64::NAN, ..Default::default() };
    /// assert!(TpeSampler::new().with_parzen(s).is_err());
    /// ```
    pub fn with_parzen(mut self, settings: ParzenSettings) -> Result<Self> {
        settings.check()?;
        self.parzen = settings;
        Ok(self)
    }

    /// The number of random startup trials.
    ///
    /// ```
    /// assert_eq!(tuneup::tune::TpeSampler::new().n_startup_trials(), 10);
    /// ```
    pub fn n_startup_trials(&self) -> usize {
        self.n_startup_trials
    }

    /// The number of candidates drawn per parameter.
    ///
    /// ```
    /// assert_eq!(tuneup::tune::TpeSampler::new().n_ei_candidates(), 24);
    /// ```
    pub fn n_ei_candidates(&self) -> usize {
        self.n_ei_candidates
    }

    /// The Parzen estimators' settings.
    ///
    /// ```
    /// assert_eq!(tuneup::tune::TpeSampler::new().parzen().prior_weight, 1.0);
    /// ```
    pub fn parzen(&self) -> &ParzenSettings {
        &self.parzen
    }

    /// One parameter's value: its only value when it has one, else the best of the
    /// candidates drawn from `l` by `ln l − ln g`.
    fn sample_param(
        &self,
        p: &Param,
        below: &[&TrialRecord],
        above: &[&TrialRecord],
        rng: &mut StdRng,
    ) -> Result<ParamValue> {
        let d = p.distribution();
        if let Some(v) = single_value(d) {
            return Ok(v);
        }
        let held = |group: &[&TrialRecord]| -> Vec<ParamValue> {
            group
                .iter()
                .filter_map(|t| t.params.lookup(p.name()).cloned())
                .collect()
        };
        let l = ParzenEstimator::fit(p.name(), d, &held(below), &self.parzen)?;
        let g = ParzenEstimator::fit(p.name(), d, &held(above), &self.parzen)?;
        let mut best: Option<(f64, ParamValue)> = None;
        for c in l.sample(rng, self.n_ei_candidates) {
            let score = l.log_pdf(&c)? - g.log_pdf(&c)?;
            // The first of equal scores wins, as numpy.argmax; a NaN score never does.
            if best.as_ref().is_none_or(|(s, _)| score > *s) && !score.is_nan() {
                best = Some((score, c));
            }
        }
        best.map(|(_, v)| v)
            .ok_or_else(|| Error::non_finite(format!("TPE '{}'", p.name()), "every score NaN"))
    }
}

/// The value of a distribution that has only one.
fn single_value(d: &Distribution) -> Option<ParamValue> {
    match d {
        Distribution::Int {
            low, high, step, ..
        } if (high - low) / step == 0 => Some(ParamValue::Int(*low)),
        Distribution::Float {
            low, high, step, ..
        } if low == high || (step.is_some() && d.float_step_count() == 0) => {
            Some(ParamValue::Float(*low))
        }
        Distribution::Categorical(c) if c.len() == 1 => Some(c[0].clone()),
        _ => None,
    }
}

impl Sampler for TpeSampler {
    /// The random start: [`RandomSampler`]'s values.
    fn sample(&self, space: &SearchSpace, seed: u64, number: usize) -> Result<Params> {
        RandomSampler.sample(space, seed, number)
    }

    fn sample_with_history(
        &self,
        space: &SearchSpace,
        seed: u64,
        number: usize,
        past: &StudyView<'_>,
    ) -> Result<Params> {
        let n = past
            .trials
            .iter()
            .filter(|t| t.state != TrialState::Failed)
            .count();
        if n < self.n_startup_trials {
            return self.sample(space, seed, number);
        }
        let (below, above) = split_trials(past, tpe_gamma(n))?;
        let mut rng = StdRng::seed_from_u64(trial_seed(seed, number));
        let mut params = Params::default();
        for p in space.params() {
            if p.is_active(|name| params.lookup(name)) {
                let value = self.sample_param(p, &below, &above, &mut rng)?;
                params.push(p.name(), value);
            }
        }
        Ok(params)
    }

    /// True: TPE learns from the trials it is shown.
    fn uses_history(&self) -> bool {
        true
    }
}
