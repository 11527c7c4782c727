//! No learning signal: weights whose gradient is exactly zero, with the likely cause named
//! from the rest of the health log.

use super::finding::{Evidence, Finding, Problem, Severity};
use super::health::{HealthLog, LayerHealth};
use super::remedies::remedies_for;
use crate::diagnostics::history::History;

/// Units this fraction dead or saturated (or more) pass no gradient back.
const BLOCKED: f64 = 0.99;

/// Weights (names ending in `weight`) of the health log's last epoch whose gradient is
/// exactly 0: no step can move them. Names the first such layer and, from the other records,
/// what cuts the gradient off: the last layer at or after it whose units are all dead or all
/// saturated, or else the loss itself when nothing in the network has a gradient.
pub(crate) fn no_learning_signal(log: Option<&HealthLog>) -> Option<Finding> {
    let log = log?;
    let last = log.last_epoch()?;
    let records = log.epoch(last);
    let weights: Vec<&LayerHealth> = records
        .iter()
        .copied()
        .filter(|r| r.layer.ends_with("weight"))
        .collect();
    let silent: Vec<usize> = (0..weights.len())
        .filter(|&i| weights[i].grad_norm == 0.0)
        .collect();
    let &first = silent.first()?;
    let all = silent.len() == weights.len();
    let (cause, mut ev) = cause(&weights[first..], all);
    ev.insert(0, Evidence::new("epoch", last as f64));
    ev.insert(
        1,
        Evidence::new("weights without gradient", silent.len() as f64),
    );
    ev.insert(
        2,
        Evidence::new(format!("{} grad norm", weights[first].layer), 0.0),
    );
    Some(Finding {
        problem: Problem::NoLearningSignal,
        severity: if all {
            Severity::Critical
        } else {
            Severity::Warning
        },
        summary: format!(
            "{} of {} weights get no gradient at all, from {} on: {cause}",
            silent.len(),
            weights.len(),
            weights[first].layer
        ),
        evidence: ev,
        remedies: remedies_for(Problem::NoLearningSignal),
    })
}

/// Nothing trainable: a health log that measured no parameter in any epoch (a
/// [`HealthMonitor`](crate::train::callbacks::HealthMonitor) records only unfrozen ones) while
/// the training loss stayed the same in every epoch of the History (within 1e-9 of its
/// size): every parameter is frozen, and the run changed nothing.
pub(crate) fn nothing_trainable(h: &History, log: Option<&HealthLog>) -> Option<Finding> {
    log.filter(|l| l.is_empty())?;
    let losses: Vec<f64> = h.epochs().iter().map(|r| r.loss).collect();
    let first = *losses.first()?;
    let spread = losses.iter().fold(0.0f64, |m, l| m.max((l - first).abs()));
    if losses.len() < 2 || !first.is_finite() || spread > 1e-9 * first.abs().max(1e-12) {
        return None;
    }
    let mut remedies = remedies_for(Problem::NoLearningSignal);
    if let Some(i) = remedies
        .iter()
        .position(|r| r.action.starts_with("model::set_frozen_matching"))
    {
        let r = remedies.remove(i);
        remedies.insert(0, r);
    }
    Some(Finding {
        problem: Problem::NoLearningSignal,
        severity: Severity::Critical,
        summary: format!(
            "no parameter is trainable (the health log measured none) and the loss was {first:.4} \
             in all {} epochs: every layer is frozen",
            losses.len()
        ),
        evidence: vec![
            Evidence::new("trainable parameters measured", 0.0),
            Evidence::new("epochs with the same loss", losses.len() as f64),
            Evidence::new("largest change of the loss", spread),
        ],
        remedies,
    })
}

/// What cuts the gradient off below the first silent weight (`from[0]`), and its evidence.
fn cause(from: &[&LayerHealth], all: bool) -> (String, Vec<Evidence>) {
    let blocked = from.iter().rev().find_map(|r| {
        let dead = r
            .dead_fraction
            .filter(|&f| f >= BLOCKED)
            .map(|f| ("dead", f));
        dead.or(r
            .saturated_fraction
            .filter(|&f| f >= BLOCKED)
            .map(|f| ("saturated", f)))
            .map(|(how, f)| (r.layer.as_str(), how, f))
    });
    match blocked {
        Some((layer, how, f)) => (
            format!(
                "{:.0}% of {layer}'s units are {how}, so nothing flows back through them",
                100.0 * f
            ),
            vec![Evidence::new(format!("{layer} {how} fraction"), f)],
        ),
        None if all => (
            "the loss gives no gradient at the model's outputs (a loss that is constant in \
             them, or outputs cut off from it)"
                .to_string(),
            Vec::new(),
        ),
        None => (
            "these layers' outputs do not reach the loss, or their inputs are all zero".to_string(),
            Vec::new(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(records: &[(&str, f64, Option<f64>)]) -> HealthLog {
        let mut log = HealthLog::new();
        for &(name, grad, dead) in records {
            let mut r = LayerHealth::new(name, 3, grad, 1.0);
            if let Some(d) = dead {
                r = r.with_dead_fraction(d);
            }
            log.push(r);
        }
        log
    }

    #[test]
    fn a_dead_layer_downstream_is_named_as_the_cause() {
        let l = log(&[
            ("0.weight", 0.0, Some(0.2)),
            ("0.bias", 0.0, None),
            ("2.weight", 0.3, Some(1.0)),
            ("4.weight", 0.5, None),
        ]);
        let f = no_learning_signal(Some(&l)).unwrap();
        assert_eq!(f.severity, Severity::Warning);
        assert!(
            f.summary.contains("1 of 3 weights") && f.summary.contains("2.weight's units are dead"),
            "{}",
            f.summary
        );
    }

    fn history(losses: &[f64]) -> History {
        let mut h = History::new("loss", true);
        for (e, &l) in losses.iter().enumerate() {
            h.push(crate::diagnostics::history::EpochRecord {
                epoch: e,
                loss: l,
                val_loss: None,
                metrics: vec![],
                lr: 0.01,
                grad_norm: 0.0,
                wall_time: 0.0,
            });
        }
        h
    }

    #[test]
    fn an_empty_health_log_and_an_unchanged_loss_is_a_frozen_model() {
        let empty = HealthLog::new();
        let f = nothing_trainable(&history(&[0.7, 0.7, 0.7]), Some(&empty)).unwrap();
        assert_eq!(f.severity, Severity::Critical);
        assert!(f.remedies[0]
            .action
            .starts_with("model::set_frozen_matching"));
        // A loss that moved, a log with records, or no log at all: not this finding.
        assert!(nothing_trainable(&history(&[0.7, 0.6, 0.5]), Some(&empty)).is_none());
        let l = log(&[("0.weight", 0.1, None)]);
        assert!(nothing_trainable(&history(&[0.7, 0.7, 0.7]), Some(&l)).is_none());
        assert!(nothing_trainable(&history(&[0.7, 0.7, 0.7]), None).is_none());
        assert!(nothing_trainable(&history(&[0.7]), Some(&empty)).is_none());
    }

    #[test]
    fn nothing_silent_is_nothing_found_and_all_silent_blames_the_loss() {
        let healthy = log(&[("0.weight", 0.1, Some(0.0)), ("2.weight", 1e-9, None)]);
        assert!(no_learning_signal(Some(&healthy)).is_none());
        assert!(no_learning_signal(None).is_none());
        let flat = log(&[("0.weight", 0.0, Some(0.0)), ("2.weight", 0.0, None)]);
        let f = no_learning_signal(Some(&flat)).unwrap();
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            f.summary.contains("the loss gives no gradient"),
            "{}",
            f.summary
        );
    }
}
