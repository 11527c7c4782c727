//! Checks on the loss curves of a [`History`]: divergence, oscillation, overfitting,
//! underfitting and plateaus.

use super::finding::{percent, times, Evidence, Finding, Problem, Remedy, Severity};
use super::remedies::remedies_for;
use super::settings::DoctorSettings;
use crate::diagnostics::history::{History, StopReason};

fn finding(problem: Problem, severity: Severity, summary: String, ev: Vec<Evidence>) -> Finding {
    Finding {
        problem,
        severity,
        evidence: ev,
        summary,
        remedies: remedies_for(problem),
    }
}

/// Least-squares slope of `v` against its index.
fn slope(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mx = (n - 1.0) / 2.0;
    let my = v.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &y) in v.iter().enumerate() {
        let dx = i as f64 - mx;
        sxy += dx * (y - my);
        sxx += dx * dx;
    }
    if sxx == 0.0 {
        0.0
    } else {
        sxy / sxx
    }
}

/// Divergence: the stop reason, a non-finite loss, or a loss that exploded.
pub(crate) fn divergence(h: &History, s: &DoctorSettings) -> Option<Finding> {
    let epochs = h.epochs();
    if let Some(StopReason::Diverged {
        epoch,
        batch,
        value,
        what,
    }) = h.stop_reason()
    {
        let mut ev = vec![
            Evidence::new("diverged at epoch", *epoch as f64),
            Evidence::new("batch", *batch as f64),
            Evidence::new(what.clone(), *value),
        ];
        if let Some(r) = epochs.iter().find(|r| r.epoch == *epoch).or(epochs.last()) {
            ev.push(Evidence::new("learning rate", r.lr));
        }
        let mut f = finding(
            Problem::Divergence,
            Severity::Critical,
            format!("training diverged: {what} became {value} at epoch {epoch}"),
            ev,
        );
        if *epoch == 0 && *batch == 0 && epochs.is_empty() {
            before_any_step(&mut f);
        }
        return Some(f);
    }
    if let Some(r) = epochs
        .iter()
        .find(|r| !r.loss.is_finite() || r.val_loss.is_some_and(|v| !v.is_finite()))
    {
        let (what, v) = if r.loss.is_finite() {
            ("val_loss", r.val_loss.unwrap_or(f64::NAN))
        } else {
            ("loss", r.loss)
        };
        return Some(finding(
            Problem::Divergence,
            Severity::Critical,
            format!("the {what} became {v} at epoch {}", r.epoch),
            vec![
                Evidence::new("epoch", r.epoch as f64),
                Evidence::new(what, v),
                Evidence::new("learning rate", r.lr),
            ],
        ));
    }
    let first = epochs.first()?;
    if first.loss > 0.0 {
        if let Some(r) = epochs
            .iter()
            .find(|r| r.loss > s.explode_factor * first.loss)
        {
            return Some(finding(
                Problem::Divergence,
                Severity::Critical,
                format!(
                    "the loss exploded to {:.3e}, {:.1e} times its first value, at epoch {}",
                    r.loss,
                    r.loss / first.loss,
                    r.epoch
                ),
                vec![
                    Evidence::new("epoch", r.epoch as f64),
                    Evidence::new("loss", r.loss),
                    Evidence::new("first loss", first.loss),
                    Evidence::new("learning rate", r.lr),
                ],
            ));
        }
    }
    None
}

/// A run that diverged on its very first batch did so before any optimizer step: the
/// learning rate cannot be the cause, so the data's scale and the initialisation come first.
fn before_any_step(f: &mut Finding) {
    f.summary.push_str(
        ", on the first batch, before any optimizer step: the inputs, targets or initial \
         weights are already too large (the learning rate has not acted yet)",
    );
    f.remedies
        .retain(|r| !r.action.starts_with("StandardScaler"));
    f.remedies.splice(
        0..0,
        [
            Remedy::new(
                "StandardScaler::new().fit(&x)? (and on y for regression), SimpleImputer for NaN inputs",
                "evidence: non-finite on the first forward pass, so the values fed in are too large or missing",
            ),
            Remedy::new(
                "Mlp::new(..).init(Init::KaimingNormal { .. }) (XavierNormal for tanh)",
                "evidence: non-finite before any step, so weights too large at initialisation can be the cause",
            ),
        ],
    );
}

/// Oscillation: in some window of epochs the loss changes direction most epochs, by a large
/// step (relative to the window's loss, and above `oscillation_floor` of the reference loss:
/// the constant predictor's, else the first epoch's, so that a loss wiggling at rounding
/// level near 0 does not count). The window that oscillates most (by sign-change fraction,
/// then amplitude) is reported.
pub(crate) fn oscillation(
    h: &History,
    s: &DoctorSettings,
    baseline: Option<f64>,
) -> Option<Finding> {
    let epochs = h.epochs();
    let losses: Vec<f64> = epochs.iter().map(|r| r.loss).collect();
    let reference = baseline
        .or_else(|| losses.first().copied())
        .filter(|r| r.is_finite())
        .map_or(0.0, f64::abs);
    let floor = s.oscillation_floor * reference;
    let w = s.oscillation_window.min(losses.len());
    if w < 4 {
        return None;
    }
    let mut worst: Option<(usize, usize, f64, f64)> = None;
    for start in 0..=losses.len() - w {
        let tail = &losses[start..start + w];
        let diffs: Vec<f64> = tail.windows(2).map(|p| p[1] - p[0]).collect();
        let changes = diffs.windows(2).filter(|p| p[0] * p[1] < 0.0).count();
        let change_fraction = changes as f64 / (diffs.len() - 1) as f64;
        let mean_loss = tail.iter().sum::<f64>() / tail.len() as f64;
        let mean_change = diffs.iter().map(|d| d.abs()).sum::<f64>() / diffs.len() as f64;
        let amplitude = mean_change / mean_loss;
        if change_fraction >= s.oscillation_sign_changes
            && amplitude >= s.oscillation_amplitude
            && mean_change > floor
            && worst
                .is_none_or(|(_, c, f, a)| (change_fraction, amplitude) > (f, a) && changes >= c)
        {
            worst = Some((start, changes, change_fraction, amplitude));
        }
    }
    let (start, changes, change_fraction, amplitude) = worst?;
    let lr = epochs[start + w - 1].lr;
    Some(finding(
        Problem::Oscillation,
        Severity::Warning,
        format!(
            "from epoch {} to {} the training loss changed direction {changes} times in {} steps, by {:.0}% of its mean on average: the learning rate ({lr}) is too high",
            epochs[start].epoch,
            epochs[start + w - 1].epoch,
            w - 2,
            100.0 * amplitude
        ),
        vec![
            Evidence::new("window start epoch", epochs[start].epoch as f64),
            Evidence::new("window end epoch", epochs[start + w - 1].epoch as f64),
            Evidence::new("sign-change fraction", change_fraction),
            Evidence::new("mean |Δloss| / mean loss", amplitude),
            Evidence::new("learning rate", lr),
        ],
    ))
}

/// Overfitting: validation loss past its minimum and rising while training loss falls, or a
/// wide final train/validation gap.
///
/// A run that early stopping ended is reported as `info`, not `warning`: the remedy already
/// acted (the finding says at which epoch, and drops early stopping from the remedies).
pub(crate) fn overfitting(h: &History, s: &DoctorSettings) -> Option<Finding> {
    let mut finding = overfitting_in_curves(h, s)?;
    if let Some(StopReason::EarlyStop { epoch }) = h.stop_reason() {
        finding.severity = Severity::Info;
        finding.summary = format!(
            "{}; early stopping already ended the run at epoch {epoch} (with restore_best_weights \
             the model holds the best epoch's weights)",
            finding.summary
        );
        finding
            .evidence
            .push(Evidence::new("early stop epoch", *epoch as f64));
        finding
            .remedies
            .retain(|r| !r.action.starts_with("EarlyStopping"));
    }
    Some(finding)
}

fn overfitting_in_curves(h: &History, s: &DoctorSettings) -> Option<Finding> {
    let epochs = h.epochs();
    let val: Option<Vec<f64>> = epochs.iter().map(|r| r.val_loss).collect();
    let val = val?;
    let train: Vec<f64> = epochs.iter().map(|r| r.loss).collect();
    let n = val.len();
    if n == 0 {
        return None;
    }
    let (best, best_val) =
        val.iter()
            .copied()
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |acc, (i, v)| if v < acc.1 { (i, v) } else { acc },
            );
    let (last_train, last_val) = (train[n - 1], val[n - 1]);
    let w = s.overfit_window;
    if n >= w && best + w <= n {
        let val_slope = slope(&val[n - w..]);
        let train_slope = slope(&train[n - w..]);
        let rise = (last_val - best_val) / best_val.abs().max(f64::MIN_POSITIVE);
        if val_slope > 0.0 && train_slope < 0.0 && rise >= s.overfit_rise {
            return Some(finding(
                Problem::Overfitting,
                Severity::Warning,
                format!(
                    "validation loss bottomed out at epoch {} ({best_val:.4}) and has risen {} since, while training loss kept falling (to {last_train:.4})",
                    epochs[best].epoch,
                    percent(rise)
                ),
                vec![
                    Evidence::new("best val_loss epoch", epochs[best].epoch as f64),
                    Evidence::new("best val_loss", best_val),
                    Evidence::new("final val_loss", last_val),
                    Evidence::new("final loss", last_train),
                    Evidence::new("val_loss rise", rise),
                    Evidence::new("val_loss slope (last epochs)", val_slope),
                    Evidence::new("loss slope (last epochs)", train_slope),
                ],
            ));
        }
    }
    let gap = last_val - last_train;
    if last_val > 0.0 && gap >= s.overfit_min_gap && gap / last_val >= s.overfit_gap_ratio {
        return Some(finding(
            Problem::Overfitting,
            Severity::Warning,
            format!(
                "validation loss ({last_val:.4}) is {} the training loss ({last_train:.4})",
                times(last_val / last_train.max(f64::MIN_POSITIVE))
            ),
            vec![
                Evidence::new("final loss", last_train),
                Evidence::new("final val_loss", last_val),
                Evidence::new("gap / val_loss", gap / last_val),
            ],
        ));
    }
    None
}

/// Where the constant-predictor loss came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BaselineSource {
    Given,
    ClassPrior,
    TargetVariance,
    FirstEpoch,
}

impl BaselineSource {
    fn describe(self) -> &'static str {
        match self {
            BaselineSource::Given => "the best constant prediction's loss",
            BaselineSource::ClassPrior => {
                "the constant predictor's cross-entropy (entropy of the class frequencies)"
            }
            BaselineSource::TargetVariance => {
                "the constant predictor's squared error (variance of the targets)"
            }
            BaselineSource::FirstEpoch => "the first epoch's loss",
        }
    }
}

/// Underfitting: the best training loss stays close to the constant predictor's, or the best
/// accuracy close to the majority-class rate.
pub(crate) fn underfitting(
    h: &History,
    s: &DoctorSettings,
    baseline: Option<(f64, BaselineSource)>,
    majority_rate: Option<f64>,
) -> Option<Finding> {
    let best_loss = h
        .epochs()
        .iter()
        .map(|r| r.loss)
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    if let Some((b, source)) = baseline {
        if b > 0.0 && best_loss.is_finite() && best_loss / b >= s.underfit_loss_ratio {
            return Some(finding(
                Problem::Underfitting,
                Severity::Warning,
                format!(
                    "the best training loss ({best_loss:.4}) is {} of {}: the model learned little beyond a constant",
                    percent(best_loss / b),
                    source.describe()
                ),
                vec![
                    Evidence::new("best loss", best_loss),
                    Evidence::new("constant-predictor loss", b),
                    Evidence::new("best loss / constant loss", best_loss / b),
                ],
            ));
        }
    }
    if let Some(majority) = majority_rate {
        let acc: Vec<f64> = h
            .epochs()
            .iter()
            .filter_map(|r| r.get("accuracy"))
            .filter(|v| v.is_finite())
            .collect();
        if !acc.is_empty() {
            let best = acc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            // Above a 90% majority a fixed margin cannot be met (97% majority + 5 points is
            // past 100%): ask for half of the headroom left instead.
            let margin = s.underfit_accuracy_margin.min(0.5 * (1.0 - majority));
            if best - majority < margin {
                return Some(finding(
                    Problem::Underfitting,
                    Severity::Warning,
                    format!(
                        "the best training accuracy ({best:.3}) barely beats always predicting the majority class ({majority:.3})"
                    ),
                    vec![
                        Evidence::new("best accuracy", best),
                        Evidence::new("majority-class rate", majority),
                    ],
                ));
            }
        }
    }
    None
}

/// Plateau: the best loss improved by less than ε (relative) over a window while far above
/// its floor (0), i.e. above `plateau_floor_ratio` × the constant predictor's loss.
/// `escaped` tells whether the loss later fell below that level.
pub(crate) fn plateau(
    h: &History,
    s: &DoctorSettings,
    baseline: Option<f64>,
) -> Option<(Finding, bool)> {
    let losses: Vec<f64> = h.epochs().iter().map(|r| r.loss).collect();
    let w = s.plateau_window;
    if losses.len() <= w || losses.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let reference = baseline.unwrap_or(losses[0]);
    if reference <= 0.0 {
        return None;
    }
    let level = s.plateau_floor_ratio * reference;
    let mut best = Vec::with_capacity(losses.len());
    let mut b = f64::INFINITY;
    for &l in &losses {
        b = b.min(l);
        best.push(b);
    }
    for t in w..losses.len() {
        let before = best[t - w];
        let improvement = (before - best[t]) / before.abs().max(f64::MIN_POSITIVE);
        if improvement < s.plateau_epsilon && best[t] >= level {
            // Extend the plateau as far as it stays flat.
            let mut end = t;
            while end + 1 < losses.len()
                && (best[end + 1 - w] - best[end + 1])
                    / best[end + 1 - w].abs().max(f64::MIN_POSITIVE)
                    < s.plateau_epsilon
            {
                end += 1;
            }
            let escaped = best[losses.len() - 1] < level;
            let epochs = h.epochs();
            let (start_epoch, end_epoch) = (epochs[t - w].epoch, epochs[end].epoch);
            let summary = if escaped {
                format!(
                    "the loss stayed flat at {:.4} from epoch {start_epoch} to {end_epoch} before it fell: epochs were lost on a plateau",
                    best[t]
                )
            } else {
                format!(
                    "the loss has been flat at {:.4} since epoch {start_epoch}, far above its floor ({:.0}% of the constant predictor's loss)",
                    best[t],
                    100.0 * best[t] / reference
                )
            };
            return Some((
                finding(
                    Problem::Plateau,
                    if escaped {
                        Severity::Info
                    } else {
                        Severity::Warning
                    },
                    summary,
                    vec![
                        Evidence::new("plateau start epoch", start_epoch as f64),
                        Evidence::new("plateau end epoch", end_epoch as f64),
                        Evidence::new("loss on plateau", best[t]),
                        Evidence::new("relative improvement over window", improvement),
                        Evidence::new("constant-predictor loss", reference),
                        Evidence::new("final loss", losses[losses.len() - 1]),
                    ],
                ),
                escaped,
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::history::EpochRecord;

    fn diverged(epoch: usize, batch: usize, recorded: usize) -> Finding {
        let mut h = History::new("loss", true);
        for e in 0..recorded {
            h.push(EpochRecord {
                epoch: e,
                loss: 1.0,
                val_loss: None,
                metrics: vec![],
                lr: 0.1,
                grad_norm: 1.0,
                wall_time: 0.0,
            });
        }
        h.set_stop_reason(StopReason::Diverged {
            epoch,
            batch,
            value: f64::INFINITY,
            what: "loss".into(),
        });
        divergence(&h, &DoctorSettings::default()).unwrap()
    }

    #[test]
    fn divergence_before_any_step_leads_with_scale_and_initialisation() {
        let f = diverged(0, 0, 0);
        assert!(f.remedies[0].action.starts_with("StandardScaler"), "{f}");
        assert!(f.remedies[1].action.contains("init(Init::"), "{f}");
        assert!(
            f.summary.contains("before any optimizer step"),
            "{}",
            f.summary
        );
        assert_eq!(
            f.remedies
                .iter()
                .filter(|r| r.action.starts_with("StandardScaler"))
                .count(),
            1
        );
        // After a step (a later batch, or a later epoch) the learning rate comes first.
        for later in [diverged(0, 3, 0), diverged(2, 0, 2)] {
            assert!(
                later.remedies[0].action.starts_with("a learning rate"),
                "{later}"
            );
        }
    }
}
