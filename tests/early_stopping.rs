//! Early stopping: hand-worked sequences for every option (Keras `EarlyStopping` rules), and
//! `restore_best_weights` putting back exactly the best epoch's parameters on a trained model.

use ndarray::Array2;
use tuneup::optim::{EarlyStopping, EarlyStoppingConfig, MonitorMode, StopDecision};
use tuneup::prelude::*;

use StopDecision::{Continue, Stop};

fn stopper(config: EarlyStoppingConfig) -> EarlyStopping {
    EarlyStopping::new(config).expect("valid settings")
}

/// Feeds `values` from epoch 0 and returns the decision after each.
fn decisions(stop: &mut EarlyStopping, values: &[f64]) -> Vec<StopDecision> {
    values
        .iter()
        .enumerate()
        .map(|(epoch, &v)| stop.observe(epoch, v).unwrap())
        .collect()
}

#[test]
fn min_delta_swallows_a_small_improvement() {
    // 0.97 and 0.96 beat 1.0, but not by more than 0.05: no improvement, so with patience 2
    // the second of them stops training.
    let config = EarlyStoppingConfig {
        min_delta: 0.05,
        patience: 2,
        ..Default::default()
    };
    let mut stop = stopper(config.clone());
    assert_eq!(
        decisions(&mut stop, &[1.0, 0.97, 0.96]),
        [Continue, Continue, Stop]
    );
    assert_eq!(stop.best_value(), Some(1.0));
    assert_eq!(stop.best_epoch(), Some(0));
    assert_eq!(stop.stopped_epoch(), Some(2));

    // An improvement larger than min_delta counts and resets the wait.
    let mut stop = stopper(config);
    assert_eq!(decisions(&mut stop, &[1.0, 0.97, 0.9, 0.89]), [Continue; 4]);
    assert_eq!(stop.best_value(), Some(0.9));
    assert_eq!(stop.wait(), 1);

    // Without min_delta the same small steps are improvements.
    let mut stop = stopper(EarlyStoppingConfig {
        patience: 2,
        ..Default::default()
    });
    assert_eq!(decisions(&mut stop, &[1.0, 0.97, 0.96]), [Continue; 3]);
    assert_eq!(stop.best_value(), Some(0.96));
}

#[test]
fn patience_counts_epochs_without_improvement() {
    let mut stop = stopper(EarlyStoppingConfig {
        patience: 3,
        ..Default::default()
    });
    let values = [0.5, 0.6, 0.7, 0.4, 0.45, 0.46, 0.47];
    let mut waits = Vec::new();
    let mut got = Vec::new();
    for (epoch, &v) in values.iter().enumerate() {
        got.push(stop.observe(epoch, v).unwrap());
        waits.push(stop.wait());
    }
    assert_eq!(
        got,
        [Continue, Continue, Continue, Continue, Continue, Continue, Stop]
    );
    assert_eq!(waits, [0, 1, 2, 0, 1, 2, 3]);
    assert_eq!(stop.best_epoch(), Some(3));
    assert_eq!(stop.best_value(), Some(0.4));
    assert_eq!(stop.stopped_epoch(), Some(6));

    // An equal value is no improvement; patience 0 stops on the first such epoch.
    let mut stop = stopper(EarlyStoppingConfig::default());
    assert_eq!(decisions(&mut stop, &[1.0, 1.0]), [Continue, Stop]);
}

#[test]
fn epoch_zero_never_stops_and_nan_is_no_improvement() {
    // A NaN at epoch 0 is not an improvement, but Keras never stops at epoch 0.
    let mut stop = stopper(EarlyStoppingConfig::default());
    assert_eq!(stop.observe(0, f64::NAN).unwrap(), Continue);
    assert_eq!(stop.best_value(), None);
    assert_eq!(stop.wait(), 1);
    assert_eq!(stop.observe(1, 2.0).unwrap(), Continue);
    assert_eq!(stop.best_value(), Some(2.0));

    // NaN epochs count towards patience like any epoch without improvement.
    let mut stop = stopper(EarlyStoppingConfig {
        patience: 2,
        ..Default::default()
    });
    assert_eq!(
        decisions(&mut stop, &[1.0, f64::NAN, f64::NAN]),
        [Continue, Continue, Stop]
    );
    assert_eq!(stop.best_value(), Some(1.0));
}

#[test]
fn baseline_never_reached_stops_after_patience_epochs() {
    let config = EarlyStoppingConfig {
        baseline: Some(0.5),
        patience: 3,
        ..Default::default()
    };
    // 0.9 is the best so far but does not beat the baseline, so the wait is never reset:
    // 1, 2, 3 → stop on the third monitored epoch.
    let mut stop = stopper(config.clone());
    assert_eq!(
        decisions(&mut stop, &[0.9, 0.95, 0.92]),
        [Continue, Continue, Stop]
    );
    assert_eq!(stop.best_value(), Some(0.9));
    assert_eq!(stop.stopped_epoch(), Some(2));

    // Beating the baseline resets the wait; from then on it is plain patience.
    let mut stop = stopper(config.clone());
    let values = [0.9, 0.6, 0.4, 0.45, 0.46, 0.47];
    let got = decisions(&mut stop, &values);
    assert_eq!(
        got,
        [Continue, Continue, Continue, Continue, Continue, Stop]
    );
    assert_eq!(stop.best_epoch(), Some(2));

    // Keras's rule, kept: the stop check runs only on epochs that do not improve on the best,
    // so values that keep improving (without reaching the baseline) never stop training; the
    // first epoch that does not improve then stops it, its patience long used up.
    let mut stop = stopper(config);
    let got = decisions(&mut stop, &[0.9, 0.8, 0.7, 0.6, 0.55, 0.56]);
    assert_eq!(
        got,
        [Continue, Continue, Continue, Continue, Continue, Stop]
    );
    assert_eq!(stop.wait(), 6);
}

#[test]
fn start_from_epoch_ignores_the_warm_up() {
    let config = EarlyStoppingConfig {
        start_from_epoch: 3,
        patience: 1,
        ..Default::default()
    };
    let mut stop = stopper(config);
    // Epochs 0–2 are ignored, even the excellent 0.1 at epoch 1.
    let got = decisions(&mut stop, &[5.0, 0.1, 0.2, 1.0, 1.1]);
    assert_eq!(got, [Continue, Continue, Continue, Continue, Stop]);
    assert_eq!(stop.best_value(), Some(1.0));
    assert_eq!(stop.best_epoch(), Some(3));
    assert_eq!(stop.stopped_epoch(), Some(4));
}

#[test]
fn max_mode_and_auto_mode() {
    let config = EarlyStoppingConfig {
        monitor: "val_accuracy".into(),
        mode: MonitorMode::Max,
        min_delta: 0.01,
        patience: 2,
        ..Default::default()
    };
    // 0.705 and 0.709 do not beat 0.7 by more than 0.01.
    let values = [0.5, 0.7, 0.705, 0.709];
    let mut stop = stopper(config.clone());
    assert_eq!(
        decisions(&mut stop, &values),
        [Continue, Continue, Continue, Stop]
    );
    assert_eq!(stop.best_value(), Some(0.7));
    assert!(stop.maximizes());

    // Auto mode reads "acc" in the name and maximises: same decisions.
    let mut auto = stopper(EarlyStoppingConfig {
        mode: MonitorMode::Auto,
        ..config
    });
    assert!(auto.maximizes());
    assert_eq!(
        decisions(&mut auto, &values),
        [Continue, Continue, Continue, Stop]
    );

    // A falling accuracy is no improvement in max mode.
    let mut stop = stopper(EarlyStoppingConfig {
        mode: MonitorMode::Max,
        patience: 1,
        ..Default::default()
    });
    assert_eq!(decisions(&mut stop, &[0.5, 0.4]), [Continue, Stop]);
}

#[test]
fn reset_starts_a_new_run() {
    let mut stop = stopper(EarlyStoppingConfig {
        patience: 1,
        ..Default::default()
    });
    assert_eq!(decisions(&mut stop, &[1.0, 2.0]), [Continue, Stop]);
    stop.reset();
    assert_eq!(
        (stop.best_value(), stop.best_epoch(), stop.stopped_epoch()),
        (None, None, None)
    );
    assert_eq!(decisions(&mut stop, &[3.0, 2.0]), [Continue, Continue]);
}

/// All parameter and buffer values of a model, as bit patterns.
fn bits<F: Float>(model: &dyn Layer<F>) -> Vec<(String, Vec<u64>)> {
    let mut out = Vec::new();
    model.visit_parameters(&mut |p| {
        out.push((
            p.name().to_string(),
            p.value_slice()
                .iter()
                .map(|v| v.as_f64().to_bits())
                .collect(),
        ))
    });
    model.visit_buffers(&mut |b| {
        out.push((
            b.name().to_string(),
            b.as_slice().iter().map(|v| v.as_f64().to_bits()).collect(),
        ))
    });
    out
}

/// One epoch of full-batch gradient descent with MSE (plain update, no optimizer type needed).
fn train_epoch<F: Float>(net: &mut Sequential<F>, x: &Array2<F>, y: &Array2<F>, lr: f64) {
    let mut grad = Array2::zeros((0, 0));
    net.zero_grad();
    let out = net.forward(x.view(), Mode::Train).unwrap();
    Mse::new().value_and_grad(out, y.into(), &mut grad).unwrap();
    net.backward_parameters(grad.view()).unwrap();
    let lr = F::cast(lr);
    net.visit_parameters_mut(&mut |p| {
        let (value, grad) = p.value_and_grad_mut();
        for (v, &g) in value.iter_mut().zip(grad) {
            *v -= lr * g;
        }
    });
}

fn restore_exactly<F: Float>() {
    // BatchNorm adds running statistics (buffers) that must come back too.
    let mut net = Mlp::new(&[3, 8, 1])
        .activation(Activation::Tanh)
        .normalization(Normalization::Batch)
        .seed(7)
        .build::<F>()
        .unwrap();
    let x = Array2::from_shape_fn((16, 3), |(i, j)| F::cast(((i * 3 + j) as f64 * 0.37).sin()));
    let y = Array2::from_shape_fn((16, 1), |(i, _)| F::cast((i as f64 * 0.5).cos()));
    let config = EarlyStoppingConfig {
        patience: 3,
        restore_best_weights: true,
        ..Default::default()
    };
    let mut stop = stopper(config);
    // The validation curve (fixed here so that the best epoch is known): best at epoch 4.
    let val = [0.9, 0.8, 0.75, 0.74, 0.6, 0.65, 0.61, 0.7, 0.5];
    let mut history = Vec::new();
    let mut stopped = None;
    for (epoch, &v) in val.iter().enumerate() {
        train_epoch(&mut net, &x, &y, 0.05);
        history.push(bits(&net));
        if stop.update(epoch, v, &net).is_stop() {
            stopped = Some(epoch);
            break;
        }
    }
    assert_eq!(stopped, Some(7));
    assert_eq!(stop.best_epoch(), Some(4));
    assert!(stop.has_best_weights());
    // Training really changed the parameters after the best epoch.
    assert_ne!(bits(&net), history[4]);
    stop.restore(&mut net).unwrap();
    assert_eq!(
        bits(&net),
        history[4],
        "restored parameters and buffers are bit-for-bit the best epoch's"
    );
}

#[test]
fn restore_best_weights_is_bit_exact_f32() {
    restore_exactly::<f32>();
}

#[test]
fn restore_best_weights_is_bit_exact_f64() {
    restore_exactly::<f64>();
}

#[test]
fn restore_copies_the_first_monitored_epoch_even_without_improvement() {
    // A NaN first epoch is no improvement, but its weights are held (Keras copies the first
    // monitored epoch's weights unconditionally).
    let mut net = Mlp::new(&[2, 1]).seed(3).build::<f64>().unwrap();
    let config = EarlyStoppingConfig {
        restore_best_weights: true,
        start_from_epoch: 1,
        ..Default::default()
    };
    let mut stop = stopper(config);
    stop.update(0, 0.1, &net); // ignored: before start_from_epoch
    assert!(!stop.has_best_weights());
    net.visit_parameters_mut(&mut |p| p.value_mut().fill(1.0));
    let first = bits(&net);
    stop.update(1, f64::NAN, &net);
    assert_eq!(stop.best_epoch(), Some(1));
    assert_eq!(stop.best_value(), None);
    net.visit_parameters_mut(&mut |p| p.value_mut().fill(2.0));
    stop.restore(&mut net).unwrap();
    assert_eq!(bits(&net), first);
}

#[test]
fn restore_errors() {
    let mut net = Mlp::new(&[2, 3, 1]).build::<f64>().unwrap();
    // Not asked to keep weights.
    let mut plain = stopper(EarlyStoppingConfig::default());
    plain.update(0, 1.0, &net);
    assert!(matches!(plain.restore(&mut net), Err(Error::State { .. })));
    // Asked, but nothing monitored yet.
    let config = EarlyStoppingConfig {
        restore_best_weights: true,
        ..Default::default()
    };
    let mut keep = stopper(config);
    assert!(matches!(keep.restore(&mut net), Err(Error::State { .. })));
    // observe() cannot copy weights.
    assert!(matches!(keep.observe(0, 1.0), Err(Error::State { .. })));
    assert_eq!(keep.best_value(), None, "a refused observe records nothing");
    // A different model is refused and left unchanged.
    keep.update(0, 1.0, &net);
    let mut other = Mlp::new(&[2, 4, 1]).build::<f64>().unwrap();
    let before = bits(&other);
    assert!(matches!(keep.restore(&mut other), Err(Error::Shape { .. })));
    assert_eq!(bits(&other), before);
    let mut deeper = Mlp::new(&[2, 3, 3, 1]).build::<f64>().unwrap();
    assert!(matches!(
        keep.restore(&mut deeper),
        Err(Error::Shape { .. })
    ));
    let mut shallower = Mlp::new(&[2, 1]).build::<f64>().unwrap();
    assert!(matches!(
        keep.restore(&mut shallower),
        Err(Error::Shape { .. })
    ));
    assert!(keep.restore(&mut net).is_ok());
}

#[test]
fn bad_configurations_are_config_errors() {
    let bad = |config: EarlyStoppingConfig| {
        matches!(EarlyStopping::new(config), Err(Error::Config { .. }))
    };
    assert!(bad(EarlyStoppingConfig {
        min_delta: -0.01,
        ..Default::default()
    }));
    assert!(bad(EarlyStoppingConfig {
        min_delta: f64::NAN,
        ..Default::default()
    }));
    assert!(bad(EarlyStoppingConfig {
        min_delta: f64::INFINITY,
        ..Default::default()
    }));
    assert!(bad(EarlyStoppingConfig {
        baseline: Some(f64::NAN),
        ..Default::default()
    }));
    assert!(bad(EarlyStoppingConfig {
        baseline: Some(f64::NEG_INFINITY),
        ..Default::default()
    }));
    assert!(bad(EarlyStoppingConfig {
        monitor: "  ".into(),
        ..Default::default()
    }));
    // Auto mode cannot guess the direction of an unknown quantity; an explicit mode can.
    assert!(bad(EarlyStoppingConfig {
        monitor: "throughput".into(),
        ..Default::default()
    }));
    assert!(EarlyStopping::new(EarlyStoppingConfig {
        monitor: "throughput".into(),
        mode: MonitorMode::Max,
        ..Default::default()
    })
    .is_ok());
    assert!(matches!(
        "upwards".parse::<MonitorMode>(),
        Err(Error::Config { .. })
    ));
    assert_eq!("Auto".parse::<MonitorMode>().unwrap(), MonitorMode::Auto);
}
