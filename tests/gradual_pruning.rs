//! Gradual pruning in training (`GradualPruning` with a `PolynomialSparsity` schedule, Zhu &
//! Gupta 2017): the sparsity after every optimizer step follows the schedule, pruned entries
//! never come back, a resumed run prunes exactly as an uninterrupted one, and bad settings are
//! typed errors.

use std::sync::{Arc, Mutex};

use ndarray::Array2;
use tuneup::compress::{prune_to_sparsity, sparsity_report, PolynomialSparsity, SparsityScope};
use tuneup::prelude::*;
use tuneup::train::callbacks::GradualPruning;
use tuneup::train::{Callback, CallbackContext, Trainer};

fn data() -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((64, 6), |(i, j)| ((i * 11 + j * 5) % 19) as f64 / 9.0 - 1.0);
    let y = Array2::from_shape_fn((64, 2), |(i, k)| {
        x[[i, k]] - 0.5 * x[[i, k + 2]] * x[[i, 5]]
    });
    (x, y)
}

fn net() -> Sequential<f64> {
    net_seeded(9)
}

fn net_seeded(seed: u64) -> Sequential<f64> {
    Mlp::new(&[6, 20, 2]).seed(seed).build::<f64>().unwrap()
}

/// Zero counts of the two weights, and which entries are zero.
type ZeroRecord = (usize, usize, Vec<bool>);

/// After every batch: how many entries of each weight are 0, and which.
#[derive(Clone, Default)]
struct Zeros(Arc<Mutex<Vec<ZeroRecord>>>);

impl Callback<f64> for Zeros {
    fn on_batch_end(&mut self, ctx: &mut CallbackContext<'_, f64>) -> tuneup::Result<()> {
        let mut counts = Vec::new();
        let mut pattern = Vec::new();
        ctx.model.visit_parameters(&mut |p| {
            if p.name().ends_with("weight") {
                counts.push(p.value().iter().filter(|&&v| v == 0.0).count());
                pattern.extend(p.value().iter().map(|&v| v == 0.0));
            }
        });
        self.0.lock().unwrap().push((counts[0], counts[1], pattern));
        Ok(())
    }
}

/// The pruned count TF-MOT keeps to at sparsity `s` of `n` entries.
fn pruned(n: usize, s: f64) -> usize {
    n - (n as f64 * (1.0 - s)).round_ties_even() as usize
}

fn schedule() -> PolynomialSparsity {
    // 8 steps an epoch (64 rows, batches of 8): prune every 4 steps from step 2 to 30.
    PolynomialSparsity::new(0.1, 0.85, 2, 30)
        .unwrap()
        .frequency(4)
        .unwrap()
}

fn trainer(pruning: GradualPruning, zeros: Zeros, epochs: usize) -> Trainer<f64> {
    trainer_of(net(), pruning, zeros, epochs)
}

fn trainer_of(
    model: Sequential<f64>,
    pruning: GradualPruning,
    zeros: Zeros,
    epochs: usize,
) -> Trainer<f64> {
    Trainer::builder()
        .model(model)
        .loss(Mse::new())
        .optimizer(AdamW::new(0.01).unwrap())
        .epochs(epochs)
        .batch_size(8)
        .seed(4)
        .callback(pruning)
        .callback(zeros)
        .build()
        .unwrap()
}

#[test]
fn the_sparsity_follows_the_schedule_step_by_step_and_pruned_entries_stay_zero() {
    let (x, y) = data();
    let zeros = Zeros::default();
    let mut t = trainer(
        GradualPruning::new(schedule(), &["*.weight"]).unwrap(),
        zeros.clone(),
        5,
    );
    t.fit(x.view(), &y).unwrap();
    let seen = zeros.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 40);
    let s = schedule();
    let mut target = 0.0;
    for (step, (first, second, _)) in seen.iter().enumerate() {
        if s.prunes_at(step as u64) {
            target = s.sparsity(step as u64);
        }
        assert_eq!(*first, pruned(120, target), "0.weight after step {step}");
        assert_eq!(*second, pruned(40, target), "2.weight after step {step}");
    }
    assert_eq!(seen.last().unwrap().0, pruned(120, 0.85));
    // Once 0, an entry stays 0 (the masks apply to the gradient and the update of AdamW).
    for pair in seen.windows(2) {
        for (before, after) in pair[0].2.iter().zip(&pair[1].2) {
            assert!(!before || *after, "a pruned weight came back");
        }
    }
    // The report agrees: only the weights carry masks.
    let report = sparsity_report(t.model());
    assert_eq!(report.parameters[0].zeros, pruned(120, 0.85));
    assert!(report.parameters[0].pruned && !report.parameters[1].pruned);
}

#[test]
fn global_scope_prunes_the_weights_together() {
    let (x, y) = data();
    let zeros = Zeros::default();
    let pruning = GradualPruning::new(schedule(), &["0.weight", "2.weight"])
        .unwrap()
        .global();
    let mut t = trainer(pruning, zeros.clone(), 5);
    t.fit(x.view(), &y).unwrap();
    let seen = zeros.0.lock().unwrap().clone();
    let (a, b, _) = seen.last().unwrap();
    assert_eq!(a + b, pruned(160, 0.85));
    let per_layer = (pruned(120, 0.85), pruned(40, 0.85));
    assert_ne!(
        (*a, *b),
        per_layer,
        "one threshold for both layers splits differently"
    );
}

#[test]
fn a_resumed_run_prunes_as_an_uninterrupted_one() {
    let (x, y) = data();
    let pruning = || GradualPruning::new(schedule(), &["*.weight"]).unwrap();
    let mut full = trainer(pruning(), Zeros::default(), 5);
    full.fit(x.view(), &y).unwrap();

    let mut first = trainer(pruning(), Zeros::default(), 2);
    first.fit(x.view(), &y).unwrap();
    let ckpt = first.checkpoint().unwrap();
    // Another initialisation: weights and masks must come from the checkpoint.
    let mut resumed = trainer_of(net_seeded(77), pruning(), Zeros::default(), 5);
    resumed.restore_checkpoint(&ckpt).unwrap();
    resumed.fit(x.view(), &y).unwrap();
    let bits = |t: &Trainer<f64>| {
        let mut v = Vec::new();
        t.model()
            .visit_parameters(&mut |p| v.extend(p.value().iter().map(|x| x.to_bits())));
        v
    };
    assert_eq!(bits(&resumed), bits(&full));
}

#[test]
fn bad_settings_are_typed_errors_and_train_nothing() {
    assert!(matches!(
        GradualPruning::new(schedule(), &[]),
        Err(tuneup::Error::Config { .. })
    ));
    assert!(matches!(
        GradualPruning::new(schedule(), &[""]),
        Err(tuneup::Error::Config { .. })
    ));
    let (x, y) = data();
    let mut t = trainer(
        GradualPruning::new(schedule(), &["*.weight", "head.*"]).unwrap(),
        Zeros::default(),
        2,
    );
    let mut before = Vec::new();
    t.model()
        .visit_parameters(&mut |p| before.extend(p.value().iter().copied()));
    let err = t.fit(x.view(), &y).unwrap_err();
    assert!(matches!(err, tuneup::Error::Value { .. }), "{err}");
    assert!(err.to_string().contains("head.*"), "{err}");
    let mut after = Vec::new();
    t.model()
        .visit_parameters(&mut |p| after.extend(p.value().iter().copied()));
    assert_eq!(before, after);
    assert!(sparsity_report(t.model())
        .parameters
        .iter()
        .all(|p| !p.pruned));
    // The pruning function refuses a name twice, no name and a sparsity above 1, untouched.
    let mut model = net();
    let cases: [(&[&str], f64); 3] = [
        (&["0.weight", "0.weight"], 0.5),
        (&[], 0.5),
        (&["0.weight"], 1.5),
    ];
    for (names, s) in cases {
        for scope in [SparsityScope::PerParameter, SparsityScope::Global] {
            assert!(
                prune_to_sparsity(&mut model, names, s, scope).is_err(),
                "{names:?} {s}"
            );
        }
    }
    assert!(sparsity_report(&model).parameters.iter().all(|p| !p.pruned));
}
