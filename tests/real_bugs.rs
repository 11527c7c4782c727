//! The benchmark of real training bugs (issue #12): re-enactments of training bugs people
//! reported publicly, each with its source, its symptom, its accepted fix and the ground-truth
//! cause, scored against what the doctor says (pre-flight and `Trainer::diagnose`).
//!
//! Scoring, exactly:
//! - Only findings at `warning` or above count (an `info` finding is a remark, not a claim).
//! - A finding **names the cause** when its `Problem` is one of the case's `cause` problems
//!   (the problems that describe the ground-truth cause; a symptom such as "underfitting" of a
//!   run whose cause is a wrong output activation does not).
//! - A case is a **hit** when some finding names the cause and one of that finding's remedies
//!   is the accepted fix (its `action` contains one of the case's `fix` markers, which are
//!   fragments of the crate API that applies the fix).
//! - The **first remedy is right** when the first (most severe, then report order) finding
//!   that names the cause has the accepted fix as its first remedy; counted over hits.
//! - **Precision** = findings that name their case's cause / all findings, over all cases.
//! - **Recall** = hits / cases.
//! - The **naive baseline** says "underfitting" on every case, with the doctor's own
//!   underfitting remedies, and is scored by the same rules.
//!
//! The cases are in `real_bugs/cases_*.rs`; none is tuned to the doctor: each reproduces the
//! report's program on small seeded data and the doctor gets only what a user would give it.

mod real_bugs {
    pub mod cases_data;
    pub mod cases_program;
    pub mod cases_training;
    pub mod run;
}

use tuneup::diagnostics::doctor::{Diagnosis, Doctor, Finding, Problem, Remedy, Severity};
use tuneup::diagnostics::history::{EpochRecord, History};

/// One re-enacted bug.
pub struct Case {
    /// A short name.
    pub name: &'static str,
    /// Where it was reported (a URL, or a paper and its fault class).
    pub source: &'static str,
    /// What the reporter saw.
    pub symptom: &'static str,
    /// The fix the report accepted.
    pub fix: &'static str,
    /// The problems that name the ground-truth cause.
    pub cause: &'static [Problem],
    /// Fragments of the remedy action that applies the accepted fix.
    pub fix_api: &'static [&'static str],
    /// Re-enacts the bug and returns the doctor's findings.
    pub run: fn() -> Diagnosis,
}

/// How one diagnosis scores on one case.
struct Score {
    /// Findings at warning or above.
    claims: usize,
    /// Of those, the ones that name the cause.
    true_claims: usize,
    hit: bool,
    first_remedy_right: bool,
    top: String,
    /// The problems of the claims that do not name the cause.
    others: Vec<String>,
}

fn applies_fix(r: &Remedy, case: &Case) -> bool {
    case.fix_api.iter().any(|m| r.action.contains(m))
}

fn score(case: &Case, d: &Diagnosis) -> Score {
    let claims: Vec<&Finding> = d
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    let naming: Vec<&&Finding> = claims
        .iter()
        .filter(|f| case.cause.contains(&f.problem))
        .collect();
    let hit = naming
        .iter()
        .any(|f| f.remedies.iter().any(|r| applies_fix(r, case)));
    let first_remedy_right = hit
        && naming
            .first()
            .and_then(|f| f.remedies.first())
            .is_some_and(|r| applies_fix(r, case));
    let top = claims
        .first()
        .map_or("—".to_string(), |f| f.problem.to_string());
    let others = claims
        .iter()
        .filter(|f| !case.cause.contains(&f.problem))
        .map(|f| f.problem.to_string())
        .collect();
    Score {
        others,
        claims: claims.len(),
        true_claims: naming.len(),
        hit,
        first_remedy_right,
        top,
    }
}

/// "Always underfitting": the doctor's own underfitting finding, with its remedies.
fn always_underfitting() -> Diagnosis {
    let mut h = History::new("loss", true);
    h.push(EpochRecord {
        epoch: 0,
        loss: 1.0,
        val_loss: None,
        metrics: vec![],
        lr: 1e-3,
        grad_norm: 1.0,
        wall_time: 0.0,
    });
    let d = Doctor::new(&h).baseline_loss(1.0).examine().unwrap();
    assert_eq!(d.problems(), vec![Problem::Underfitting]);
    d
}

fn all_cases() -> Vec<Case> {
    let mut cases = real_bugs::cases_program::cases();
    cases.extend(real_bugs::cases_training::cases());
    cases.extend(real_bugs::cases_data::cases());
    cases
}

#[test]
fn the_doctor_finds_the_cause_of_real_training_bugs() {
    let cases = all_cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let baseline = always_underfitting();
    let (mut hits, mut first_right, mut claims, mut true_claims) = (0, 0, 0, 0);
    let (mut base_hits, mut base_true) = (0, 0);
    println!(
        "| # | case | cause | doctor's top finding | hit | first remedy right | other findings | baseline hit |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (i, case) in cases.iter().enumerate() {
        let d = (case.run)();
        let s = score(case, &d);
        let b = score(case, &baseline);
        hits += usize::from(s.hit);
        first_right += usize::from(s.first_remedy_right);
        claims += s.claims;
        true_claims += s.true_claims;
        base_hits += usize::from(b.hit);
        base_true += b.true_claims;
        let yes = |b: bool| if b { "yes" } else { "no" };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            i + 1,
            case.name,
            case.cause[0],
            s.top,
            yes(s.hit),
            yes(s.first_remedy_right),
            s.others.join(", "),
            yes(b.hit)
        );
        if !s.hit {
            println!("    missed ({}): {}\n{d}", case.source, case.symptom);
        }
    }
    let n = cases.len() as f64;
    let recall = hits as f64 / n;
    let precision = true_claims as f64 / claims.max(1) as f64;
    let first_rate = first_right as f64 / hits.max(1) as f64;
    let base_recall = base_hits as f64 / n;
    let base_precision = base_true as f64 / n;
    println!(
        "\n{} cases: recall {recall:.2}, precision {precision:.2} ({true_claims} of {claims} \
         findings), first remedy the accepted fix in {first_rate:.2} of hits; baseline \
         ('always underfitting'): recall {base_recall:.2}, precision {base_precision:.2}",
        cases.len()
    );
    assert!(recall >= 0.8, "recall {recall:.2}");
    assert!(precision >= 0.6, "precision {precision:.2}");
    assert!(first_rate >= 0.6, "first-remedy rate {first_rate:.2}");
    assert!(
        recall > base_recall + 0.5,
        "baseline recall {base_recall:.2}"
    );
}

#[test]
fn every_case_cites_a_source_and_names_a_fix() {
    for case in all_cases() {
        assert!(!case.source.is_empty() && !case.fix.is_empty() && !case.symptom.is_empty());
        assert!(
            !case.cause.is_empty() && !case.fix_api.is_empty(),
            "{}",
            case.name
        );
    }
    let names: std::collections::BTreeSet<_> = all_cases().iter().map(|c| c.name).collect();
    assert_eq!(names.len(), all_cases().len(), "case names must be unique");
}
