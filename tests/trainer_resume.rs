//! Interrupt a run after epoch k, save a checkpoint, load it into a fresh Trainer and resume:
//! the final weights equal an uninterrupted run's bit for bit (Adam, a schedule, dropout,
//! batch norm, a validation split and early stopping's counters).

use ndarray::Array2;
use tuneup::diagnostics::history::StopReason;
use tuneup::optim::schedule::{OneCycleConfig, OneCycleLr, StepLr};
use tuneup::optim::EarlyStoppingConfig;
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};
use tuneup::train::{Callback, CallbackContext, ModelCheckpoint, ScheduleStep, Trainer};

const EPOCHS: usize = 7;

fn data() -> (Array2<f32>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(3);
    let x = Array2::from_shape_fn((130, 5), |_| rng.random_range(-1.0f32..1.0));
    let y = x
        .rows()
        .into_iter()
        .map(|r| usize::from(r[0] + r[1] * r[2] > 0.0) + usize::from(r[3] > 0.5))
        .collect();
    (x, y)
}

fn net(init_seed: u64) -> Sequential<f32> {
    Sequential::new()
        .push(Linear::new(5, 24, init_seed).unwrap())
        .push(BatchNorm1d::new(24).unwrap())
        .push(ActivationLayer::new(Activation::Relu).unwrap())
        .push(Dropout::new(0.3, 77).unwrap())
        .push(Linear::new(24, 3, init_seed + 1).unwrap())
}

fn trainer(init_seed: u64, per_batch: bool) -> Trainer<f32> {
    let b = Trainer::builder()
        .model(net(init_seed))
        .loss(CrossEntropy::new())
        .regularizer(L2::new(1e-3).unwrap())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(EPOCHS)
        .batch_size(16)
        .seed(21)
        .validation_split(0.2)
        .early_stopping(EarlyStoppingConfig {
            patience: 100,
            ..Default::default()
        });
    let b = if per_batch {
        // 104 training rows → 7 batches per epoch.
        b.schedule(
            OneCycleLr::new(OneCycleConfig::new(0.02, (EPOCHS * 7) as u64)).unwrap(),
            ScheduleStep::Batch,
        )
    } else {
        b.schedule(StepLr::new(0.01, 2, 0.5).unwrap(), ScheduleStep::Epoch)
    };
    b.build().unwrap()
}

/// Asks to stop once `k` epochs are done.
#[derive(Clone)]
struct Interrupt(usize);
impl Callback<f32> for Interrupt {
    fn name(&self) -> String {
        "interrupt".into()
    }
    fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, f32>) -> Result<()> {
        if ctx.completed_epochs == self.0 {
            ctx.request_stop();
        }
        Ok(())
    }
}

fn state_bits(t: &Trainer<f32>) -> Vec<(String, Vec<u32>)> {
    let mut v = Vec::new();
    t.model().visit_parameters(&mut |p| {
        v.push((
            p.name().to_string(),
            p.value_slice().iter().map(|x| x.to_bits()).collect(),
        ))
    });
    t.model().visit_buffers(&mut |b| {
        v.push((
            b.name().to_string(),
            b.as_slice().iter().map(|x| x.to_bits()).collect(),
        ))
    });
    v
}

fn resume_matches(per_batch: bool, k: usize) {
    let (x, y) = data();
    let mut full = trainer(1, per_batch);
    let full_history = full.fit(x.view(), &y).unwrap();
    assert_eq!(full_history.len(), EPOCHS);

    let dir = std::env::temp_dir().join(format!(
        "tuneup_trainer_resume_{per_batch}_{k}_{}",
        std::process::id()
    ));
    let path = dir.join("last.safetensors");
    let mut first = Trainer::builder()
        .model(net(1))
        .loss(CrossEntropy::new())
        .regularizer(L2::new(1e-3).unwrap())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(EPOCHS)
        .batch_size(16)
        .seed(21)
        .validation_split(0.2)
        .early_stopping(EarlyStoppingConfig {
            patience: 100,
            ..Default::default()
        });
    first = if per_batch {
        first.schedule(
            OneCycleLr::new(OneCycleConfig::new(0.02, (EPOCHS * 7) as u64)).unwrap(),
            ScheduleStep::Batch,
        )
    } else {
        first.schedule(StepLr::new(0.01, 2, 0.5).unwrap(), ScheduleStep::Epoch)
    };
    let mut first = first
        .callback(ModelCheckpoint::new(&dir))
        .callback(Interrupt(k))
        .build()
        .unwrap();
    let h = first.fit(x.view(), &y).unwrap();
    assert_eq!(h.len(), k);
    assert!(matches!(h.stop_reason(), Some(StopReason::Callback { .. })));

    // A fresh trainer with a different initialisation: everything comes from the file.
    let mut resumed = trainer(99, per_batch);
    resumed.load_checkpoint(&path).unwrap();
    assert_eq!(resumed.completed_epochs(), k);
    let resumed_history = resumed.fit(x.view(), &y).unwrap();
    assert_eq!(resumed_history.len(), EPOCHS);
    assert_eq!(state_bits(&resumed), state_bits(&full));
    assert!(resumed_history.same_values(&full_history));
    assert!(resumed
        .optimizer()
        .state()
        .bitwise_eq(&full.optimizer().state()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn resume_after_epoch_3_with_an_epoch_schedule_is_bit_identical() {
    resume_matches(false, 3);
}

#[test]
fn resume_after_epoch_4_with_a_batch_schedule_is_bit_identical() {
    resume_matches(true, 4);
}

#[test]
fn without_the_checkpoint_the_fresh_trainer_differs() {
    // The comparison above can fail: a fresh trainer that did not load differs.
    let (x, y) = data();
    let mut full = trainer(1, false);
    full.fit(x.view(), &y).unwrap();
    let mut other = trainer(99, false);
    other.fit(x.view(), &y).unwrap();
    assert_ne!(state_bits(&other), state_bits(&full));
}

#[test]
fn a_checkpoint_of_another_model_is_refused_and_changes_nothing() {
    let (x, y) = data();
    let mut t = trainer(1, false);
    t.set_epochs(1).unwrap();
    t.fit(x.view(), &y).unwrap();
    let ckpt = t.checkpoint().unwrap();
    let mut wrong = Trainer::builder()
        .model(Mlp::new(&[5, 3]).build::<f32>().unwrap())
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01).unwrap())
        .build()
        .unwrap();
    let before = state_bits(&wrong);
    assert!(wrong.restore_checkpoint(&ckpt).is_err());
    assert_eq!(state_bits(&wrong), before);
    assert_eq!(wrong.completed_epochs(), 0);
}
