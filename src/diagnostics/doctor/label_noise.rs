//! The label-noise check: confident learning's estimate of how many labels are wrong.

use super::finding::{Evidence, Finding, Problem, Severity};
use super::remedies::remedies_for;
use super::settings::DoctorSettings;
use crate::data::LabelIssues;

/// Label noise when confident learning estimates that more than `label_noise_rate` of the
/// labels are wrong; the evidence names the most common confusion (given label → the class
/// the model is confident of).
pub(crate) fn label_noise(issues: &LabelIssues, s: &DoctorSettings) -> Option<Finding> {
    let rate = issues.noise_rate();
    if rate.is_nan() || rate <= s.label_noise_rate {
        return None;
    }
    let rows = issues.is_issue().len();
    let flagged = issues.n_issues();
    let mut evidence = vec![
        Evidence::new("estimated noise rate", rate),
        Evidence::new("flagged rows", flagged as f64),
        Evidence::new("flagged fraction", flagged as f64 / rows.max(1) as f64),
    ];
    let mut summary = format!(
        "confident learning estimates {:.1}% of the labels are wrong ({flagged} of {rows} rows flagged)",
        100.0 * rate
    );
    if let Some((given, truth, share)) = largest_confusion(issues) {
        evidence.push(Evidence::new(
            format!("labelled {given}, confidently class {truth}"),
            share,
        ));
        summary.push_str(&format!(
            "; most often class {truth} labelled as {given} ({:.1}% of rows)",
            100.0 * share
        ));
    }
    Some(Finding {
        problem: Problem::LabelNoise,
        severity: Severity::Warning,
        evidence,
        summary,
        remedies: remedies_for(Problem::LabelNoise),
    })
}

/// The largest off-diagonal entry of the estimated joint: (given label, true label, share).
fn largest_confusion(issues: &LabelIssues) -> Option<(usize, usize, f64)> {
    let joint = issues.joint();
    joint
        .indexed_iter()
        .filter(|&((i, j), &v)| i != j && v > 0.0)
        .map(|((i, j), &v)| (i, j, v))
        .fold(None, |best, c| match best {
            Some((_, _, b)) if b >= c.2 => best,
            _ => Some(c),
        })
}
