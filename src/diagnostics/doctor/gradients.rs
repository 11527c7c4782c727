//! Checks on gradient and activation health: vanishing and exploding gradients, dead and
//! saturated units.

use super::finding::{Evidence, Finding, Problem, Severity};
use super::health::{HealthLog, LayerHealth};
use super::remedies::remedies_for;
use super::settings::DoctorSettings;
use crate::diagnostics::history::History;

fn finding(problem: Problem, severity: Severity, summary: String, ev: Vec<Evidence>) -> Finding {
    Finding {
        problem,
        severity,
        evidence: ev,
        summary,
        remedies: remedies_for(problem),
    }
}

/// The weight records of an epoch (names ending in `weight`), or every record if none is.
fn weights(records: Vec<&LayerHealth>) -> Vec<&LayerHealth> {
    let w: Vec<&LayerHealth> = records
        .iter()
        .copied()
        .filter(|r| r.layer.ends_with("weight"))
        .collect();
    if w.is_empty() {
        records
    } else {
        w
    }
}

/// Vanishing and exploding gradients from the health log (first / last weight ratio of the
/// last epoch, largest norm of any epoch) and the History's global gradient norms.
pub(crate) fn gradients(h: &History, log: Option<&HealthLog>, s: &DoctorSettings) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut exploding: Option<Finding> = None;
    if let Some(log) = log {
        if let Some(last) = log.last_epoch() {
            let w = weights(log.epoch(last));
            if w.len() >= 2 {
                let (first, lastw) = (w[0], w[w.len() - 1]);
                let ratio = first.grad_norm / lastw.grad_norm;
                let ev = vec![
                    Evidence::new("epoch", last as f64),
                    Evidence::new(format!("{} grad norm", first.layer), first.grad_norm),
                    Evidence::new(format!("{} grad norm", lastw.layer), lastw.grad_norm),
                    Evidence::new("first / last ratio", ratio),
                ];
                if lastw.grad_norm > 0.0 && ratio.is_finite() && ratio < s.vanishing_ratio {
                    out.push(finding(
                        Problem::VanishingGradients,
                        Severity::Warning,
                        format!(
                            "the first layer's gradient ({}) is {:.1e} times the last layer's ({}): early layers barely learn",
                            first.layer, ratio, lastw.layer
                        ),
                        ev,
                    ));
                } else if ratio.is_finite() && ratio > s.exploding_ratio {
                    exploding = Some(finding(
                        Problem::ExplodingGradients,
                        Severity::Warning,
                        format!(
                            "the first layer's gradient ({}) is {:.1e} times the last layer's ({}): gradients grow towards the input",
                            first.layer, ratio, lastw.layer
                        ),
                        ev,
                    ));
                }
            }
        }
        if exploding.is_none() {
            if let Some(r) = log
                .records()
                .iter()
                .find(|r| !r.grad_norm.is_finite() || r.grad_norm > s.exploding_grad_norm)
            {
                exploding = Some(finding(
                    Problem::ExplodingGradients,
                    Severity::Critical,
                    format!(
                        "the gradient of {} reached {:.3e} at epoch {}",
                        r.layer, r.grad_norm, r.epoch
                    ),
                    vec![
                        Evidence::new("epoch", r.epoch as f64),
                        Evidence::new(format!("{} grad norm", r.layer), r.grad_norm),
                        Evidence::new("threshold", s.exploding_grad_norm),
                    ],
                ));
            }
        }
    }
    if exploding.is_none() {
        if let Some(r) = h
            .epochs()
            .iter()
            .find(|r| r.grad_norm.is_finite() && r.grad_norm > s.exploding_grad_norm)
        {
            exploding = Some(finding(
                Problem::ExplodingGradients,
                Severity::Critical,
                format!(
                    "the global gradient norm reached {:.3e} at epoch {}",
                    r.grad_norm, r.epoch
                ),
                vec![
                    Evidence::new("epoch", r.epoch as f64),
                    Evidence::new("grad norm", r.grad_norm),
                    Evidence::new("threshold", s.exploding_grad_norm),
                ],
            ));
        }
    }
    // A norm that was fine at first and blew up later points at the step size; one already
    // huge in the first epoch at the initialisation (the order of the remedies as written).
    let first_epoch = h.epochs().first().map_or(0, |r| r.epoch);
    if let Some(f) = exploding.as_mut().filter(|f| {
        f.severity == Severity::Critical
            && f.evidence
                .iter()
                .any(|e| e.name == "epoch" && e.value > first_epoch as f64)
    }) {
        learning_rate_first(f);
    }
    out.extend(exploding);
    out
}

/// Moves the learning-rate remedy to the front.
fn learning_rate_first(f: &mut Finding) {
    if let Some(i) = f
        .remedies
        .iter()
        .position(|r| r.action.starts_with("a learning rate"))
    {
        let lr = f.remedies.remove(i);
        f.remedies.insert(0, lr);
    }
}

/// Dead and saturated units in the last epoch of the health log.
pub(crate) fn units(log: Option<&HealthLog>, s: &DoctorSettings) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(log) = log else { return out };
    let Some(last) = log.last_epoch() else {
        return out;
    };
    let records = log.epoch(last);
    let dead: Vec<(&str, f64)> = records
        .iter()
        .filter_map(|r| r.dead_fraction.map(|f| (r.layer.as_str(), f)))
        .filter(|&(_, f)| f >= s.dead_fraction)
        .collect();
    if !dead.is_empty() {
        let worst = dead
            .iter()
            .fold(dead[0], |a, &b| if b.1 > a.1 { b } else { a });
        let mut ev = vec![Evidence::new("epoch", last as f64)];
        ev.extend(
            dead.iter()
                .map(|(l, f)| Evidence::new(format!("{l} dead fraction"), *f)),
        );
        out.push(finding(
            Problem::DeadUnits,
            Severity::Warning,
            format!(
                "{} layer(s) have most units dead; in {} {:.0}% never fire",
                dead.len(),
                worst.0,
                100.0 * worst.1
            ),
            ev,
        ));
    }
    let sat: Vec<(&str, f64)> = records
        .iter()
        .filter_map(|r| r.saturated_fraction.map(|f| (r.layer.as_str(), f)))
        .filter(|&(_, f)| f >= s.saturated_fraction)
        .collect();
    if !sat.is_empty() {
        let worst = sat
            .iter()
            .fold(sat[0], |a, &b| if b.1 > a.1 { b } else { a });
        let mut ev = vec![Evidence::new("epoch", last as f64)];
        ev.extend(
            sat.iter()
                .map(|(l, f)| Evidence::new(format!("{l} saturated fraction"), *f)),
        );
        out.push(finding(
            Problem::SaturatedUnits,
            Severity::Warning,
            format!(
                "{} layer(s) saturated; in {} {:.0}% of units are saturated",
                sat.len(),
                worst.0,
                100.0 * worst.1
            ),
            ev,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::history::EpochRecord;

    fn first_remedy(blow_up_epoch: usize) -> String {
        let mut h = History::new("loss", true);
        let mut log = HealthLog::new();
        for e in 0..4 {
            h.push(EpochRecord {
                epoch: e,
                loss: 1.0,
                val_loss: None,
                metrics: Vec::new(),
                lr: 0.1,
                grad_norm: f64::NAN,
                wall_time: 0.0,
            });
            let norm = if e >= blow_up_epoch { 1e5 } else { 1.0 };
            log.push(LayerHealth::new("0.weight", e, norm, 1.0));
        }
        let found = gradients(&h, Some(&log), &DoctorSettings::default());
        let f = found
            .iter()
            .find(|f| f.problem == Problem::ExplodingGradients)
            .unwrap();
        f.remedies[0].action.clone()
    }

    #[test]
    fn a_late_blow_up_names_the_learning_rate_first_an_early_one_the_initialisation() {
        assert!(first_remedy(2).starts_with("a learning rate"));
        assert!(first_remedy(0).starts_with("Mlp::new(..).init"));
    }
}
