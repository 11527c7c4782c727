//! Gradual unfreezing (ULMFiT): which parameters are frozen in each epoch, frozen parameters
//! bit-unchanged while frozen, a resumed run bit-identical to an uninterrupted one, and bad
//! settings as typed errors.

use std::sync::{Arc, Mutex};

use ndarray::{Array2, Axis};
use tuneup::prelude::*;
use tuneup::train::{Callback, CallbackContext, GradualUnfreezing, Trainer};
use tuneup::{Error, Result};

const EPOCHS: usize = 7;

fn data() -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((24, 3), |(i, j)| ((i * 3 + j) as f64 * 0.37).sin());
    let y = x.map_axis(Axis(1), |r| r.sum().tanh()).insert_axis(Axis(1));
    (x, y)
}

/// Modules 0, 2, 4 (Linear with fused tanh, twice, then the head).
fn net(seed: u64) -> Sequential<f64> {
    Mlp::new(&[3, 6, 5, 1])
        .activation(Activation::Tanh)
        .seed(seed)
        .build()
        .unwrap()
}

type Frozen = Arc<Mutex<Vec<Vec<String>>>>;
type Values = Arc<Mutex<Vec<Vec<(String, Vec<f64>)>>>>;

/// Records the frozen names after each epoch's first step and every value at each epoch end.
#[derive(Clone, Default)]
struct Probe {
    frozen: Frozen,
    values: Values,
}

impl Callback<f64> for Probe {
    fn on_batch_end(&mut self, ctx: &mut CallbackContext<'_, f64>) -> Result<()> {
        if ctx.batch == Some(0) {
            let mut names = Vec::new();
            ctx.model.visit_parameters(&mut |p| {
                if p.is_frozen() {
                    names.push(p.name().to_string())
                }
            });
            self.frozen.lock().unwrap().push(names);
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, f64>) -> Result<()> {
        let mut v = Vec::new();
        ctx.model
            .visit_parameters(&mut |p| v.push((p.name().to_string(), p.value_slice().to_vec())));
        self.values.lock().unwrap().push(v);
        Ok(())
    }
}

fn trainer(seed: u64, epochs: usize, probe: Probe) -> Trainer<f64> {
    Trainer::builder()
        .model(net(seed))
        .loss(Mse::new())
        .optimizer(Adam::new(1e-2).unwrap())
        .epochs(epochs)
        .batch_size(8) // 3 batches per epoch
        .seed(5)
        .callback(GradualUnfreezing::new(["4.*", "2.*", "0.*"], 2).unwrap())
        .callback(probe)
        .build()
        .unwrap()
}

fn values_of(net: &dyn Layer<f64>) -> Vec<(String, Vec<u64>)> {
    let mut v = Vec::new();
    net.visit_parameters(&mut |p| {
        v.push((
            p.name().to_string(),
            p.value_slice().iter().map(|x| x.to_bits()).collect(),
        ))
    });
    v
}

#[test]
fn groups_unfreeze_every_k_epochs_and_frozen_ones_do_not_move() {
    let (x, y) = data();
    let probe = Probe::default();
    let mut t = trainer(1, EPOCHS, probe.clone());
    let initial: Vec<(String, Vec<f64>)> = {
        let mut v = Vec::new();
        net(1).visit_parameters(&mut |p| v.push((p.name().to_string(), p.value_slice().to_vec())));
        v
    };
    t.fit(x.view(), &y).unwrap();
    let frozen = probe.frozen.lock().unwrap().clone();
    let body = ["0.weight", "0.bias", "2.weight", "2.bias"];
    let want: Vec<Vec<&str>> = (0..EPOCHS)
        .map(|e| match e {
            0 | 1 => body.to_vec(),
            2 | 3 => body[..2].to_vec(),
            _ => vec![],
        })
        .collect();
    assert_eq!(frozen, want);
    // Adam's state starts at a group's first step (its epoch's first, the group unfrozen
    // before the forward pass): 21 steps in all (7 epochs × 3 batches), the middle group from
    // step 6 of epoch 2 (15 steps), the first layer from step 12 of epoch 4 (9 steps).
    let steps = t.optimizer().state().param_steps;
    for (name, want) in [
        ("4.weight", 21),
        ("4.bias", 21),
        ("2.weight", 15),
        ("0.bias", 9),
    ] {
        assert_eq!(steps[name], want, "{name}");
    }
    // Group g (module 4 − 2g) trains from epoch 2g: until the end of epoch 2g − 1 it is
    // bit-identical to its initial value; then it moves.
    let values = probe.values.lock().unwrap().clone();
    for (name, start) in &initial {
        let module: usize = name[..1].parse().unwrap();
        let first_training_epoch = 2 * ((4 - module) / 2);
        for (e, epoch_values) in values.iter().enumerate() {
            let now = &epoch_values.iter().find(|(n, _)| n == name).unwrap().1;
            if e < first_training_epoch {
                assert_eq!(now, start, "{name} moved in epoch {e} while frozen");
            } else {
                assert_ne!(now, start, "{name} did not train in epoch {e}");
            }
        }
    }
}

#[test]
fn a_resumed_run_goes_on_exactly() {
    let (x, y) = data();
    let mut full = trainer(1, EPOCHS, Probe::default());
    let full_history = full.fit(x.view(), &y).unwrap();

    let dir = std::env::temp_dir().join(format!("tuneup_unfreeze_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("after3.safetensors");
    // Three epochs (the middle group was unfrozen at the end of epoch 1), then a checkpoint.
    let mut first = trainer(1, 3, Probe::default());
    first.fit(x.view(), &y).unwrap();
    first.save_checkpoint(&path).unwrap();
    // A fresh trainer with other weights and every parameter unfrozen.
    let mut resumed = trainer(99, EPOCHS, Probe::default());
    resumed.load_checkpoint(&path).unwrap();
    let resumed_history = resumed.fit(x.view(), &y).unwrap();
    assert_eq!(values_of(resumed.model()), values_of(full.model()));
    assert!(resumed_history.same_values(&full_history));
    assert!(resumed
        .optimizer()
        .state()
        .bitwise_eq(&full.optimizer().state()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_settings_are_typed_errors() {
    assert!(matches!(
        GradualUnfreezing::new(["4.*"], 0),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        GradualUnfreezing::new(Vec::<&str>::new(), 1),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        GradualUnfreezing::new(["4.*", ""], 1),
        Err(Error::Config { .. })
    ));
    // A pattern matching nothing fails when training begins, before any step.
    let (x, y) = data();
    let mut t = Trainer::builder()
        .model(net(1))
        .loss(Mse::new())
        .optimizer(Adam::new(1e-2).unwrap())
        .epochs(2)
        .callback(GradualUnfreezing::new(["4.*", "head.*"], 1).unwrap())
        .build()
        .unwrap();
    let before = values_of(t.model());
    let err = t.fit(x.view(), &y).unwrap_err();
    assert!(matches!(err, Error::Value { .. }), "{err}");
    assert!(err.to_string().contains("head.*"), "{err}");
    assert_eq!(values_of(t.model()), before);
    let mut frozen = 0;
    t.model()
        .visit_parameters(&mut |p| frozen += usize::from(p.is_frozen()));
    assert_eq!(frozen, 0);
}
