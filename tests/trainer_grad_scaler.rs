//! The Trainer's `.grad_scaler(…)`: exact when nothing overflows (power-of-two scales), a
//! planted overflow skips exactly that step and backs off, and the scaler's state travels
//! with checkpoints so a resumed run continues bit for bit.

use ndarray::{Array2, Axis};
use tuneup::model::Layer;
use tuneup::parallel::{Communicator, GradScalerConfig, GradScalerState};
use tuneup::prelude::*;
use tuneup::train::{Callback, StepContext, TrainerConfig};

/// Sets one gradient to +∞ right after backward on the given (epoch, batch) pairs.
#[derive(Clone)]
struct PlantOverflow(Vec<(usize, usize)>);

impl Callback<f32> for PlantOverflow {
    fn on_after_backward(&mut self, ctx: &mut StepContext<'_, f32>) -> tuneup::Result<()> {
        if self.0.contains(&(ctx.epoch, ctx.batch)) {
            let mut first = true;
            ctx.model.visit_parameters_mut(&mut |p| {
                if first {
                    p.grad_mut().iter_mut().for_each(|g| *g = f32::INFINITY);
                    first = false;
                }
            });
        }
        Ok(())
    }
}

/// Records the parameters before every optimizer step (after unscaling).
#[derive(Clone, Default)]
struct Weights(std::sync::Arc<std::sync::Mutex<Vec<Vec<u32>>>>);

impl Callback<f32> for Weights {
    fn on_batch_end(
        &mut self,
        ctx: &mut tuneup::train::CallbackContext<'_, f32>,
    ) -> tuneup::Result<()> {
        self.0.lock().unwrap().push(bits(ctx.model));
        Ok(())
    }
}

fn bits(net: &dyn Layer<f32>) -> Vec<u32> {
    let mut out = Vec::new();
    net.visit_parameters(&mut |p| out.extend(p.value_slice().iter().map(|v| v.to_bits())));
    out
}

fn data() -> (Array2<f32>, Array2<f32>) {
    let x = Array2::from_shape_fn((48, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 5.0 - 1.0);
    let y = x
        .sum_axis(Axis(1))
        .mapv(|v| (0.7 * v).sin())
        .insert_axis(Axis(1));
    (x, y)
}

fn config(scaler: Option<GradScalerConfig>) -> TrainerConfig<f32> {
    let c = TrainerConfig::new()
        .loss(Mse::new())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(4)
        .batch_size(8)
        .clip_gradients(GradClip::Norm(1.0))
        .regularizer(L2::new(1e-3).unwrap());
    match scaler {
        Some(s) => c.grad_scaler(s),
        None => c,
    }
}

fn net() -> Sequential<f32> {
    Mlp::new(&[3, 8, 1])
        .activation(Activation::Tanh)
        .seed(4)
        .build()
        .unwrap()
}

fn scaler(interval: u32) -> GradScalerConfig {
    GradScalerConfig {
        growth_interval: interval,
        ..Default::default()
    }
}

#[test]
fn without_overflow_a_scaled_run_equals_the_plain_run_bit_for_bit() {
    let (x, y) = data();
    let mut plain = config(None).build(net()).unwrap();
    let mut scaled = config(Some(scaler(5))).build(net()).unwrap();
    let hp = plain.fit(x.view(), &y).unwrap();
    let hs = scaled.fit(x.view(), &y).unwrap();
    assert_eq!(bits(plain.model()), bits(scaled.model()));
    let losses = |h: &tuneup::diagnostics::history::History| {
        h.epochs().iter().map(|r| r.loss).collect::<Vec<_>>()
    };
    assert_eq!(losses(&hp), losses(&hs));
    // 24 clean steps, growth every 5: four growths, tracker at 4.
    let s = scaled.grad_scaler().unwrap();
    assert_eq!((s.scale_factor(), s.growth_tracker()), (65536.0 * 16.0, 4));
}

#[test]
fn a_planted_overflow_skips_that_step_only() {
    let (x, y) = data();
    let record = Weights::default();
    let cfg = config(Some(scaler(2000)))
        .callback(PlantOverflow(vec![(1, 2)]))
        .callback(record.clone());
    let mut t = cfg.build(net()).unwrap();
    let h = t.fit(x.view(), &y).unwrap();
    assert_eq!(h.len(), 4, "no divergence");
    let w = record.0.lock().unwrap();
    // Epoch 1, batch 2 is batch number 6 + 2 = 8: its weights equal those after batch 7.
    assert_eq!(w[8], w[7]);
    assert!((0..w.len() - 1)
        .filter(|&i| i != 7)
        .all(|i| w[i] != w[i + 1]));
    let s = t.grad_scaler().unwrap();
    assert_eq!((s.scale_factor(), s.growth_tracker()), (32768.0, 15));
}

#[test]
fn a_resumed_scaled_run_continues_bit_for_bit() {
    let (x, y) = data();
    let cfg = config(Some(scaler(3))).callback(PlantOverflow(vec![(0, 4), (2, 1)]));
    let mut straight = cfg.build(net()).unwrap();
    straight.fit(x.view(), &y).unwrap();

    let mut first = cfg.clone().epochs(2).build(net()).unwrap();
    first.fit(x.view(), &y).unwrap();
    let bytes = first.checkpoint().unwrap().to_bytes().unwrap();
    let ckpt = tuneup::train::Checkpoint::from_bytes(&bytes).unwrap();
    let saved: GradScalerState = ckpt.grad_scaler_state().unwrap().unwrap();
    assert_eq!(saved, first.grad_scaler().unwrap().state());

    let mut resumed = cfg.build(net()).unwrap();
    resumed.restore_checkpoint(&ckpt).unwrap();
    assert_eq!(resumed.grad_scaler().unwrap().state(), saved);
    resumed.fit(x.view(), &y).unwrap();
    assert_eq!(bits(resumed.model()), bits(straight.model()));
    assert_eq!(
        resumed.grad_scaler().unwrap().state(),
        straight.grad_scaler().unwrap().state()
    );
}

#[test]
fn a_scaler_checkpoint_needs_a_scaling_trainer_and_bad_settings_are_refused() {
    let (x, y) = data();
    let mut scaled = config(Some(scaler(3))).epochs(1).build(net()).unwrap();
    scaled.fit(x.view(), &y).unwrap();
    let ckpt = scaled.checkpoint().unwrap();
    let mut plain = config(None).build(net()).unwrap();
    let before = bits(plain.model());
    assert!(matches!(
        plain.restore_checkpoint(&ckpt),
        Err(Error::Value { .. })
    ));
    assert_eq!(bits(plain.model()), before);
    let bad = config(Some(GradScalerConfig {
        backoff_factor: 2.0,
        ..Default::default()
    }));
    let e = bad.validate().unwrap_err();
    assert!(
        matches!(e, Error::Config { ref parameter, .. } if parameter == "GradScaler.backoff_factor")
    );
}

#[test]
fn an_overflow_on_one_data_parallel_rank_skips_the_step_on_every_rank() {
    let (x, y) = data();
    let out = tuneup::parallel::run_on_threads(2, |comm| {
        let plant = if comm.rank() == 1 {
            vec![(1, 2)]
        } else {
            vec![]
        };
        let mut t = Trainer::builder()
            .model(net())
            .loss(Mse::new())
            .optimizer(Adam::new(0.01)?)
            .epochs(4)
            .batch_size(8)
            .grad_scaler(scaler(2000))
            .callback(PlantOverflow(plant))
            .data_parallel(comm)
            .build()?;
        let h = t.fit(x.view(), &y)?;
        let s = t.grad_scaler().unwrap();
        Ok((
            h.len(),
            bits(t.model()),
            s.scale_factor(),
            s.growth_tracker(),
        ))
    })
    .unwrap();
    assert_eq!(out[0], out[1], "the ranks disagree");
    let (epochs, _, scale, tracker) = &out[0];
    assert_eq!(*epochs, 4, "no divergence");
    // One backoff on both ranks, and 15 clean steps since.
    assert_eq!((*scale, *tracker), (32768.0, 15));
}
