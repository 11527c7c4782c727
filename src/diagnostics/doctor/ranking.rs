//! Remedies ranked by the evidence: what the health log and the History say about why a
//! model learns little moves the remedy it points to first, and names the numbers it rests on.

use super::finding::{Evidence, Finding, Problem, Remedy};
use super::health::{HealthLog, LayerHealth};
use crate::diagnostics::history::History;

/// A median weight update ratio `‖Δw‖ / ‖w‖` below this is a learning rate far too low:
/// about `1e-3` is typical, and healthy runs of the doctor's tests stay above `1e-4`.
pub(crate) const TINY_UPDATE: f64 = 1e-5;

/// A final validation loss (eval mode) below this fraction of the training loss (train mode)
/// on an underfitting run: the noise of training mode (dropout) costs more than the model
/// gains, as the Keras FAQ explains "training loss much higher than testing loss".
pub(crate) const EVAL_BELOW_TRAIN: f64 = 0.8;

/// Weights whose total norm fell below this fraction of its first epoch's value were pulled
/// to 0 (an L2 penalty or weight decay stronger than the data term); training grows them.
pub(crate) const COLLAPSED_WEIGHTS: f64 = 0.1;

fn weight_records(records: Vec<&LayerHealth>) -> Vec<&LayerHealth> {
    records
        .into_iter()
        .filter(|r| r.layer.ends_with("weight"))
        .collect()
}

/// The median update ratio of the weights in the log's last epoch.
fn median_update_ratio(log: &HealthLog) -> Option<f64> {
    let last = log.last_epoch()?;
    let mut ratios: Vec<f64> = weight_records(log.epoch(last))
        .iter()
        .filter_map(|r| r.update_ratio)
        .filter(|v| v.is_finite())
        .collect();
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    Some(ratios[ratios.len() / 2])
}

/// The weights' total norm in the last epoch over the first, when the log has two epochs.
fn weight_norm_ratio(log: &HealthLog) -> Option<f64> {
    let first = log.records().iter().map(|r| r.epoch).min()?;
    let last = log.last_epoch()?;
    let total = |e: usize| -> f64 {
        weight_records(log.epoch(e))
            .iter()
            .map(|r| r.weight_norm * r.weight_norm)
            .sum::<f64>()
            .sqrt()
    };
    let (a, b) = (total(first), total(last));
    (last > first && a > 0.0 && b.is_finite()).then(|| b / a)
}

/// Puts `remedy` first in an underfitting or plateau finding (replacing a remedy with the same
/// leading action) and records `evidence`.
fn lead_with(f: &mut Finding, starts_with: &str, remedy: Remedy, evidence: Evidence) {
    f.remedies.retain(|r| !r.action.starts_with(starts_with));
    f.remedies.insert(0, remedy);
    f.evidence.push(evidence);
}

/// The last epoch's validation loss over its training loss, when both are finite.
fn eval_over_train(h: &History) -> Option<f64> {
    let last = h.last()?;
    let val = last.val_loss?;
    (val.is_finite() && last.loss.is_finite() && last.loss > 0.0).then(|| val / last.loss)
}

/// Reorders the remedies of underfitting and plateau findings by the evidence: tiny weight
/// updates point at the learning rate; weights pulled to 0, or (underfitting only) a
/// validation loss well below the training loss, at the regularisation. Without any of them,
/// the catalogue's order stands (a bigger model first for underfitting).
pub(crate) fn rank_by_evidence(findings: &mut [Finding], h: &History, log: Option<&HealthLog>) {
    let update = log.and_then(median_update_ratio);
    let shrink = log.and_then(weight_norm_ratio);
    let noise = eval_over_train(h);
    for f in findings
        .iter_mut()
        .filter(|f| matches!(f.problem, Problem::Underfitting | Problem::Plateau))
    {
        if let Some(u) = update.filter(|&u| u < TINY_UPDATE) {
            lead_with(
                f,
                "a higher learning rate",
                Remedy::new(
                    "a higher learning rate, 10–100× (Sgd::new(lr * 30.0)?, or Adam::new(1e-3)?)",
                    format!(
                        "evidence: the last step moved the weights by a median {u:.1e} of their \
                         norm, where about 1e-3 is typical: the steps are too small to learn"
                    ),
                ),
                Evidence::new("median weight update ratio", u),
            );
        } else if let Some(r) = shrink.filter(|&r| r < COLLAPSED_WEIGHTS) {
            lead_with(
                f,
                "weaken L2",
                Remedy::new(
                    "weaken L2 / weight_decay (L2::new(alpha / 100.0)?, AdamW weight_decay 1e-2)",
                    format!(
                        "evidence: the weights shrank to {r:.1e} of their first epoch's norm: \
                         the penalty pulls them to 0 harder than the data pulls them anywhere"
                    ),
                ),
                Evidence::new("weight norm, last / first epoch", r),
            );
        } else if let Some(r) =
            noise.filter(|&r| r < EVAL_BELOW_TRAIN && f.problem == Problem::Underfitting)
        {
            lead_with(
                f,
                "weaken L2",
                Remedy::new(
                    "weaken L2 / Dropout / weight_decay (Mlp::new(..).dropout(0.1), L2::new(alpha / 10.0)?)",
                    format!(
                        "evidence: the validation loss (eval mode) is {r:.2} of the training loss \
                         (train mode): dropout or noise at training time holds the model back"
                    ),
                ),
                Evidence::new("final val_loss / final loss", r),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::doctor::Severity;

    fn underfitting() -> Finding {
        Finding {
            problem: Problem::Underfitting,
            severity: Severity::Warning,
            evidence: vec![],
            summary: String::new(),
            remedies: super::super::remedies::remedies_for(Problem::Underfitting),
        }
    }

    fn log(update: f64, last_norm: f64) -> HealthLog {
        let mut log = HealthLog::new();
        for (e, norm) in [(0, 2.0), (5, last_norm)] {
            log.push(LayerHealth::new("0.weight", e, 0.1, norm).with_update_ratio(update));
            log.push(LayerHealth::new("0.bias", e, 0.1, 1.0).with_update_ratio(1.0));
        }
        log
    }

    fn history(loss: f64, val_loss: f64) -> History {
        let mut h = History::new("loss", true);
        h.push(crate::diagnostics::history::EpochRecord {
            epoch: 0,
            loss,
            val_loss: Some(val_loss),
            metrics: vec![],
            lr: 1e-3,
            grad_norm: 1.0,
            wall_time: 0.0,
        });
        h
    }

    fn first_action(log: &HealthLog) -> String {
        let mut f = [underfitting()];
        rank_by_evidence(&mut f, &history(1.0, 1.0), Some(log));
        f[0].remedies[0].action.clone()
    }

    #[test]
    fn tiny_updates_lead_with_the_learning_rate_and_collapsed_weights_with_the_penalty() {
        assert!(first_action(&log(1e-7, 2.0)).starts_with("a higher learning rate"));
        assert!(first_action(&log(1e-3, 0.01)).starts_with("weaken L2"));
        // Healthy updates and growing weights keep the catalogue's order.
        assert!(first_action(&log(1e-3, 3.0)).starts_with("wider or deeper"));
        // Biases do not count: only the weight's ratio is read.
        let mut f = [underfitting()];
        rank_by_evidence(&mut f, &history(1.0, 1.0), Some(&log(1e-7, 2.0)));
        assert_eq!(f[0].evidence[0].value, 1e-7);
        assert!(
            f[0].remedies[0].why.contains("1.0e-7"),
            "{}",
            f[0].remedies[0].why
        );
    }

    #[test]
    fn a_validation_loss_well_below_the_training_loss_leads_with_less_regularisation() {
        let lead = |loss: f64, val: f64| {
            let mut f = [underfitting()];
            rank_by_evidence(&mut f, &history(loss, val), None);
            f[0].remedies[0].action.clone()
        };
        assert!(lead(1.0, 0.6).starts_with("weaken L2 / Dropout"));
        assert!(lead(1.0, 0.9).starts_with("wider or deeper"));
        assert!(lead(1.0, f64::NAN).starts_with("wider or deeper"));
        // An overfitting-like gap (validation above training) changes nothing.
        assert!(lead(0.5, 1.0).starts_with("wider or deeper"));
    }
}
