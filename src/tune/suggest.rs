//! Doctor-guided search: from what the doctor found, the hyperparameters worth searching.

use super::{Distribution, ParamValue, SearchSpace};
use crate::diagnostics::doctor::{Diagnosis, Problem};
use crate::{Error, Result};

/// The settings a run used, around which a suggested space is centred.
///
/// ```
/// let now = tuneup::tune::CurrentSettings { lr: 0.01, ..Default::default() };
/// assert_eq!(now.width, 64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurrentSettings {
    /// The learning rate.
    pub lr: f64,
    /// Units per hidden layer.
    pub width: usize,
    /// Hidden layers.
    pub depth: usize,
    /// Samples per batch.
    pub batch_size: usize,
}

impl Default for CurrentSettings {
    /// lr 1e-3, width 64, depth 2, batch 32.
    fn default() -> Self {
        CurrentSettings {
            lr: 1e-3,
            width: 64,
            depth: 2,
            batch_size: 32,
        }
    }
}

/// A search space suggested by a [`Diagnosis`], with the reason for each parameter.
///
/// Parameter names are fixed so an objective can read them: `lr` (log), `weight_decay`
/// (log), `dropout`, `width` (log int), `depth`, `batch_size`, `patience` (early stopping),
/// `schedule` (`constant`, `cosine`, `step`, `plateau`), `init` (`torch`, `he`, `glorot`),
/// `clip_norm` (log). Overfitting or poor generalisation → `weight_decay`, `dropout`, a
/// narrower `width`, `patience`; underfitting → a wider `width`, more `depth`, a larger
/// `lr`; a plateau → `schedule`, `init`, `lr`; oscillation → a smaller `lr`, larger
/// `batch_size`; divergence or exploding gradients → a much smaller `lr`, `clip_norm`;
/// vanishing gradients, dead or saturated units → `init`, `lr`. Where two problems ask for
/// the same parameter, its range is the union of theirs.
///
/// ```
/// use tuneup::diagnostics::doctor::{Diagnosis, Finding, Problem, Severity};
/// use tuneup::tune::{suggest_space, CurrentSettings};
/// let found = Finding { problem: Problem::Overfitting, severity: Severity::Warning,
///     evidence: vec![], summary: String::new(), remedies: vec![] };
/// let diagnosis = Diagnosis { findings: vec![found] };
/// let s = suggest_space(&diagnosis, CurrentSettings::default())?;
/// assert!(s.space.get("weight_decay").is_some() && s.space.get("dropout").is_some());
/// assert_eq!(s.reasons[0].1, Problem::Overfitting);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SuggestedSpace {
    /// The space to search.
    pub space: SearchSpace,
    /// Each parameter's name and the (first) problem that asked for it.
    pub reasons: Vec<(String, Problem)>,
}

/// The search space that the doctor's findings point to (see [`SuggestedSpace`]).
///
/// # Errors
/// [`Error::Value`] when nothing the doctor found is a training problem a search can fix
/// (data problems want cleaning, not tuning), or when `current` is not a valid run (a
/// learning rate ≤ 0 or non-finite, a width or batch size of 0).
///
/// ```
/// use tuneup::diagnostics::doctor::Diagnosis;
/// use tuneup::tune::{suggest_space, CurrentSettings};
/// assert!(suggest_space(&Diagnosis::default(), CurrentSettings::default()).is_err());
/// ```
pub fn suggest_space(diagnosis: &Diagnosis, current: CurrentSettings) -> Result<SuggestedSpace> {
    check_current(&current)?;
    let mut merged: Vec<(String, Distribution, Problem)> = Vec::new();
    for finding in &diagnosis.findings {
        for (name, d) in proposals(finding.problem, &current) {
            match merged.iter_mut().find(|(n, _, _)| n == name) {
                Some((_, existing, _)) => *existing = union(existing, &d),
                None => merged.push((name.to_string(), d, finding.problem)),
            }
        }
    }
    if merged.is_empty() {
        let found: Vec<String> = diagnosis
            .findings
            .iter()
            .map(|f| f.problem.to_string())
            .collect();
        return Err(Error::value(
            "suggest_space",
            "a finding that tuning can fix (overfitting, underfitting, plateau, oscillation, …)",
            if found.is_empty() {
                "a healthy diagnosis".to_string()
            } else {
                found.join(", ")
            },
        ));
    }
    let mut builder = SearchSpace::builder();
    for (name, d, _) in &merged {
        builder = builder.distribution(name, d.clone());
    }
    Ok(SuggestedSpace {
        space: builder.build()?,
        reasons: merged.into_iter().map(|(n, _, p)| (n, p)).collect(),
    })
}

fn check_current(c: &CurrentSettings) -> Result<()> {
    if !(c.lr.is_finite() && c.lr > 0.0) {
        return Err(Error::value(
            "CurrentSettings.lr",
            "a finite learning rate > 0",
            c.lr,
        ));
    }
    if c.width == 0 || c.batch_size == 0 {
        return Err(Error::value(
            "CurrentSettings",
            "width and batch_size ≥ 1",
            format!("width {}, batch_size {}", c.width, c.batch_size),
        ));
    }
    Ok(())
}

fn proposals(problem: Problem, c: &CurrentSettings) -> Vec<(&'static str, Distribution)> {
    let lr = |lo: f64, hi: f64| ("lr", Distribution::float_log(c.lr * lo, c.lr * hi));
    let w = clamp_i64(c.width);
    let init = || ("init", categorical(&["torch", "he", "glorot"]));
    match problem {
        Problem::Overfitting | Problem::PoorGeneralization => vec![
            ("weight_decay", Distribution::float_log(1e-6, 1e-1)),
            ("dropout", Distribution::float(0.0, 0.5)),
            ("width", Distribution::int_log((w / 4).max(1), w)),
            ("patience", Distribution::int(3, 20)),
        ],
        Problem::Underfitting => vec![
            ("width", Distribution::int_log(w, w.saturating_mul(4))),
            (
                "depth",
                Distribution::int(clamp_i64(c.depth), clamp_i64(c.depth).saturating_add(2)),
            ),
            lr(1.0 / 3.0, 10.0),
        ],
        Problem::Plateau => vec![
            (
                "schedule",
                categorical(&["constant", "cosine", "step", "plateau"]),
            ),
            init(),
            lr(1.0 / 3.0, 10.0),
        ],
        Problem::Oscillation => vec![lr(0.01, 1.0), ("batch_size", batch_sizes(c.batch_size))],
        Problem::Divergence | Problem::ExplodingGradients => {
            vec![
                lr(1e-3, 1.0 / 3.0),
                ("clip_norm", Distribution::float_log(0.1, 10.0)),
            ]
        }
        Problem::VanishingGradients
        | Problem::DeadUnits
        | Problem::SaturatedUnits
        | Problem::NoLearningSignal => {
            vec![init(), lr(0.1, 3.0)]
        }
        _ => Vec::new(),
    }
}

fn clamp_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX / 8)
}

fn categorical(names: &[&str]) -> Distribution {
    Distribution::Categorical(names.iter().map(|&n| ParamValue::from(n)).collect())
}

fn batch_sizes(current: usize) -> Distribution {
    let b = clamp_i64(current);
    let choices = [b, b.saturating_mul(2), b.saturating_mul(4)];
    Distribution::Categorical(choices.into_iter().map(ParamValue::Int).collect())
}

/// The smallest distribution that holds both (same kinds; otherwise the first is kept).
fn union(a: &Distribution, b: &Distribution) -> Distribution {
    use Distribution::*;
    match (a, b) {
        (
            Float {
                low: l1,
                high: h1,
                step,
                log,
            },
            Float {
                low: l2, high: h2, ..
            },
        ) => Float {
            low: l1.min(*l2),
            high: h1.max(*h2),
            step: *step,
            log: *log,
        },
        (
            Int {
                low: l1,
                high: h1,
                step,
                log,
            },
            Int {
                low: l2, high: h2, ..
            },
        ) => Int {
            low: *l1.min(l2),
            high: *h1.max(h2),
            step: *step,
            log: *log,
        },
        (Categorical(x), Categorical(y)) => {
            let mut all = x.clone();
            all.extend(y.iter().filter(|v| !x.contains(v)).cloned());
            Categorical(all)
        }
        _ => a.clone(),
    }
}
