//! The median pruner on a real learning-rate search: 100 trials of an MLP trained with SGD for
//! 20 epochs per trial (log-uniform lr in [1e-4, 2]), each epoch's validation loss reported through a `PruningCallback`. With
//! pruning the study must spend at most half the epochs and still find the same best trial.

use ndarray::{Array2, Axis};
use tuneup::prelude::*;
use tuneup::train::Trainer;
use tuneup::tune::{
    MedianPruner, NoPruning, Pruner, PruningCallback, SearchSpace, Study, TrialState,
};

const EPOCHS: usize = 20;
const TRIALS: usize = 100;

fn data(n: usize, offset: usize) -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        (((i + offset) * (3 + j) + 7 * j) as f64 * 0.37).sin()
    });
    let y = x
        .map_axis(Axis(1), |r| {
            (2.0 * r[0]).sin() + r[1] * r[1] - 0.5 * r[0] * r[1]
        })
        .insert_axis(Axis(1));
    (x, y)
}

fn lr_search(pruner: impl Pruner + 'static) -> Study {
    let (x, y) = data(160, 0);
    let (xv, yv) = data(80, 1000);
    let space = SearchSpace::builder()
        .float_log("lr", 1e-4, 2.0)
        .build()
        .unwrap();
    let mut study = Study::builder(space)
        .pruner(pruner)
        .seed(4)
        .threads(2)
        .wave_size(2)
        .build()
        .unwrap();
    study
        .optimize(TRIALS, |trial| {
            let mut trainer = Trainer::builder()
                .model(
                    Mlp::new(&[2, 16, 1])
                        .activation(Activation::Tanh)
                        .seed(1)
                        .build::<f64>()?,
                )
                .loss(Mse::new())
                .optimizer(Sgd::new(trial.params().f64("lr")?)?)
                .epochs(EPOCHS)
                .batch_size(32)
                .seed(1)
                .validation_data(xv.clone(), yv.clone())
                .callback(PruningCallback::new(trial, "val_loss"))
                .build()?;
            let history = trainer.fit(x.view(), &y)?;
            Ok(history.last().and_then(|r| r.val_loss).unwrap_or(f64::NAN))
        })
        .unwrap();
    study
}

#[test]
fn the_median_pruner_halves_the_epochs_and_keeps_the_best_setting() {
    let full = lr_search(NoPruning);
    let pruned = lr_search(MedianPruner::builder().build().unwrap());
    let (e_full, e_pruned) = (full.total_steps(), pruned.total_steps());
    println!(
        "epochs: {e_full} without pruning, {e_pruned} with the median pruner ({:.2}× fewer); {} pruned, {} failed",
        e_full as f64 / e_pruned as f64,
        pruned.count(TrialState::Pruned),
        pruned.count(TrialState::Failed)
    );
    assert!(e_full >= 2 * e_pruned, "{e_full} vs {e_pruned}");
    let (a, b) = (full.best_trial().unwrap(), pruned.best_trial().unwrap());
    assert_eq!(a.number, b.number);
    assert_eq!(a.params, b.params);
    assert_eq!(a.values, b.values);
}
