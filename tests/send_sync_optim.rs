//! What a trainer holds can be rebuilt and moved between threads: optimizers, optimizer
//! configs, losses, regularizers and schedules are `Send + Sync + Clone` (boxed too), a clone
//! behaves exactly as its original, an `OptimizerConfig` builds fresh, identical optimizers,
//! and losses say what their outputs are and take class weights themselves.

use ndarray::Array2;
use tuneup::loss::OutputKind;
use tuneup::model::ParamKind;
use tuneup::optim::schedule::{CyclicConfig, OneCycleConfig, PlateauConfig, ScheduleState};
use tuneup::optim::{
    AdagradConfig, AdamConfig, AdamWConfig, OptimizerConfig, RmsPropConfig, SgdConfig,
};
use tuneup::prelude::*;

fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn everything_a_trainer_holds_is_send_sync_and_clone() {
    assert_send_sync_clone::<Sgd>();
    assert_send_sync_clone::<Adam>();
    assert_send_sync_clone::<AdamW>();
    assert_send_sync_clone::<RmsProp>();
    assert_send_sync_clone::<Adagrad>();
    assert_send_sync_clone::<SgdConfig>();
    assert_send_sync_clone::<AdamConfig>();
    assert_send_sync_clone::<AdamWConfig>();
    assert_send_sync_clone::<RmsPropConfig>();
    assert_send_sync_clone::<AdagradConfig>();
    assert_send_sync_clone::<ParamGroup>();
    assert_send_sync_clone::<Box<dyn Optimizer<f32>>>();
    assert_send_sync_clone::<Box<dyn Optimizer<f64>>>();
    assert_send_sync_clone::<Box<dyn OptimizerConfig<f32>>>();
    assert_send_sync_clone::<Box<dyn OptimizerConfig<f64>>>();
    assert_send_sync_clone::<Box<dyn Loss<f32>>>();
    assert_send_sync_clone::<Box<dyn Regularizer<f32>>>();
    assert_send_sync_clone::<Box<dyn LrSchedule>>();
    assert_send_sync_clone::<EarlyStopping>();
    assert_send_sync_clone::<EarlyStoppingConfig>();
}

#[test]
fn every_built_in_loss_schedule_and_penalty_is_send_sync_and_clone() {
    assert_send_sync_clone::<Mse>();
    assert_send_sync_clone::<Mae>();
    assert_send_sync_clone::<Huber>();
    assert_send_sync_clone::<Bce>();
    assert_send_sync_clone::<BceWithLogits>();
    assert_send_sync_clone::<CrossEntropy>();
    assert_send_sync_clone::<ElasticNet>();
    assert_send_sync_clone::<StepLr>();
    assert_send_sync_clone::<MultiStepLr>();
    assert_send_sync_clone::<ExponentialLr>();
    assert_send_sync_clone::<CosineAnnealingLr>();
    assert_send_sync_clone::<CosineAnnealingWarmRestarts>();
    assert_send_sync_clone::<LinearLr>();
    assert_send_sync_clone::<OneCycleLr>();
    assert_send_sync_clone::<CyclicLr>();
    assert_send_sync_clone::<ReduceLrOnPlateau>();
    assert_send_sync_clone::<ChainedSchedule>();
    assert_send_sync_clone::<SequentialLr>();
    assert_send_sync::<ScheduleState>();
}

// ---------------------------------------------------------------------------------------------
// Optimizers and their configs.

/// `Linear(3, 4) + tanh, LayerNorm(4), Linear(4, 2)`: weights, biases and norm parameters.
fn model(seed: u64) -> Sequential<f32> {
    Sequential::new()
        .push(
            Linear::new(3, 4, seed)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(LayerNorm::new(4).unwrap())
        .push(Linear::new(4, 2, seed + 1).unwrap())
}

fn data() -> (Array2<f32>, Array2<f32>) {
    let x = Array2::from_shape_fn((6, 3), |(i, j)| ((i * 5 + j * 3) as f32 * 0.41).sin());
    let y = Array2::from_shape_fn((6, 2), |(i, j)| ((i + 3 * j) as f32 * 0.29).cos());
    (x, y)
}

/// Steps `optimizer` `steps` times on the MSE gradients of `net`.
fn train(net: &mut Sequential<f32>, optimizer: &mut dyn Optimizer<f32>, steps: usize) {
    let (x, y) = data();
    let mut grad = Array2::zeros((0, 0));
    for _ in 0..steps {
        net.zero_grad();
        let out = net.forward(x.view(), Mode::Train).unwrap();
        Mse::new()
            .value_and_grad(out, (&y).into(), &mut grad)
            .unwrap();
        net.backward_parameters(grad.view()).unwrap();
        optimizer.step(net).unwrap();
    }
}

fn weight_bits(net: &Sequential<f32>) -> Vec<u32> {
    let mut bits = Vec::new();
    net.visit_parameters(&mut |p| bits.extend(p.value_slice().iter().map(|v| v.to_bits())));
    bits
}

fn weights_after(optimizer: &mut dyn Optimizer<f32>, steps: usize) -> Vec<u32> {
    let mut net = model(3);
    train(&mut net, optimizer, steps);
    weight_bits(&net)
}

fn head_group() -> ParamGroup {
    ParamGroup::matching(|name, _| name.starts_with("2.")).lr_factor(0.5)
}

fn no_decay() -> ParamGroup {
    ParamGroup::biases_and_norms().weight_decay(0.0)
}

/// Every built-in optimizer, by config struct and by value (with groups and non-default
/// settings).
fn configs() -> Vec<(&'static str, Box<dyn OptimizerConfig<f32>>)> {
    let momentum = SgdConfig {
        lr: 0.05,
        momentum: 0.9,
        weight_decay: 0.01,
        ..Default::default()
    };
    vec![
        ("SgdConfig", Box::new(momentum)),
        (
            "AdamConfig",
            Box::new(AdamConfig {
                lr: 0.01,
                amsgrad: true,
                ..Default::default()
            }),
        ),
        (
            "AdamWConfig",
            Box::new(AdamWConfig {
                lr: 0.01,
                ..Default::default()
            }),
        ),
        (
            "RmsPropConfig",
            Box::new(RmsPropConfig {
                lr: 0.01,
                centered: true,
                ..Default::default()
            }),
        ),
        (
            "AdagradConfig",
            Box::new(AdagradConfig {
                lr: 0.1,
                lr_decay: 0.01,
                ..Default::default()
            }),
        ),
        (
            "Sgd",
            Box::new(
                Sgd::with_config(momentum)
                    .unwrap()
                    .group(no_decay())
                    .unwrap(),
            ),
        ),
        (
            "Adam",
            Box::new(
                Adam::new(0.01)
                    .unwrap()
                    .weight_decay(0.01)
                    .unwrap()
                    .group(head_group())
                    .unwrap(),
            ),
        ),
        (
            "AdamW",
            Box::new(
                AdamW::new(0.01)
                    .unwrap()
                    .group(no_decay())
                    .unwrap()
                    .group(head_group())
                    .unwrap(),
            ),
        ),
        (
            "RmsProp",
            Box::new(
                RmsProp::new(0.01)
                    .unwrap()
                    .momentum(0.5)
                    .unwrap()
                    .group(head_group())
                    .unwrap(),
            ),
        ),
        (
            "Adagrad",
            Box::new(
                Adagrad::new(0.1)
                    .unwrap()
                    .initial_accumulator_value(0.1)
                    .unwrap()
                    .group(no_decay())
                    .unwrap(),
            ),
        ),
    ]
}

#[test]
fn a_config_built_twice_gives_optimizers_that_train_bit_identically() {
    for (label, config) in configs() {
        let mut first = config.build().unwrap();
        let mut second = config.clone().build().unwrap();
        let a = weights_after(&mut *first, 5);
        let b = weights_after(&mut *second, 5);
        assert_eq!(a, b, "{label}");
        assert_ne!(
            a,
            weight_bits(&model(3)),
            "{label}: the optimizer moved nothing"
        );
        assert_eq!(first.state(), second.state(), "{label}");
    }
}

#[test]
fn configs_are_named_after_pytorch_classes() {
    let names: Vec<String> = configs().iter().map(|(_, c)| c.name()).collect();
    let expected = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"];
    assert_eq!(names[..5], expected);
    assert_eq!(names[5..], expected);
}

#[test]
fn building_from_a_stepped_optimizer_gives_a_stateless_one_with_its_lr_and_groups() {
    let mut adam = Adam::new(0.01)
        .unwrap()
        .group(no_decay())
        .unwrap()
        .group(head_group())
        .unwrap();
    let mut net = model(3);
    train(&mut net, &mut adam, 3);
    Optimizer::<f32>::set_learning_rate(&mut adam, 0.002).unwrap();
    assert!(!adam.state().tensors.is_empty());

    let built = OptimizerConfig::<f32>::build(&adam).unwrap();
    let state = built.state();
    assert!(state.tensors.is_empty(), "{:?}", state.tensors.keys());
    assert!(state.param_steps.is_empty());
    assert_eq!(state.steps, 0);
    assert_eq!(state.optimizer, "Adam");
    assert_eq!(built.learning_rate(), 0.002);

    // The groups came along: the fresh optimizer trains exactly like a new one built with them.
    let fresh = adam.fresh();
    assert_eq!(
        format!("{:?}", fresh.groups()),
        format!("{:?}", adam.groups())
    );
    let mut by_hand = Adam::new(0.01)
        .unwrap()
        .group(no_decay())
        .unwrap()
        .group(head_group())
        .unwrap();
    Optimizer::<f32>::set_learning_rate(&mut by_hand, 0.002).unwrap();
    let mut built = built;
    assert_eq!(
        weights_after(&mut *built, 4),
        weights_after(&mut by_hand, 4)
    );
}

#[test]
fn a_cloned_boxed_optimizer_carries_its_state() {
    let rmsprop = || RmsProp::new(0.01).unwrap().momentum(0.9).unwrap();
    let mut original: Box<dyn Optimizer<f32>> = Box::new(rmsprop());
    let mut net = model(3);
    train(&mut net, &mut *original, 2);
    let mut copy = original.clone();
    assert_eq!(copy.state(), original.state());
    // The same weights as `net`, reached with another optimizer that is then dropped.
    let mut twin = model(3);
    train(&mut twin, &mut rmsprop(), 2);
    assert_eq!(weight_bits(&twin), weight_bits(&net));
    train(&mut net, &mut *original, 3);
    train(&mut twin, &mut *copy, 3);
    assert_eq!(weight_bits(&net), weight_bits(&twin));
}

#[test]
fn a_config_moves_to_another_thread_and_builds_there() {
    let config: Box<dyn OptimizerConfig<f32>> =
        Box::new(AdamW::new(0.01).unwrap().group(no_decay()).unwrap());
    let here = weights_after(&mut *config.build().unwrap(), 4);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let config = config.clone();
            std::thread::spawn(move || weights_after(&mut *config.build().unwrap(), 4))
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().unwrap(), here);
    }
}

#[test]
fn an_invalid_config_is_an_error_when_built() {
    let bad = SgdConfig {
        nesterov: true,
        ..Default::default()
    };
    let err = OptimizerConfig::<f32>::build(&bad).unwrap_err();
    assert!(matches!(err, Error::Config { ref parameter, .. } if parameter == "Sgd.nesterov"));
}

// ---------------------------------------------------------------------------------------------
// Losses.

fn all_losses() -> Vec<(Box<dyn Loss<f64>>, OutputKind)> {
    vec![
        (Box::new(Mse::new()), OutputKind::Values),
        (Box::new(Mae::new()), OutputKind::Values),
        (Box::new(Huber::new(0.5).unwrap()), OutputKind::Values),
        (Box::new(Bce::new()), OutputKind::Probabilities),
        (Box::new(BceWithLogits::new()), OutputKind::Logits),
        (Box::new(CrossEntropy::new()), OutputKind::Logits),
    ]
}

#[test]
fn every_loss_reports_its_output_kind() {
    for (loss, kind) in all_losses() {
        assert_eq!(loss.output_kind(), kind, "{}", loss.name());
        assert_eq!(loss.clone().output_kind(), kind, "{}", loss.name());
    }
    // The trainer's name for the type is the same type.
    let kind: tuneup::train::OutputKind = OutputKind::Probabilities;
    assert!(kind.is_classifier());
}

/// Probabilities in (0, 1), so every loss takes them.
fn predictions() -> Array2<f64> {
    Array2::from_shape_fn((4, 2), |(i, j)| 0.15 + 0.2 * i as f64 + 0.05 * j as f64)
}

fn dense_targets() -> Array2<f64> {
    Array2::from_shape_fn((4, 2), |(i, j)| ((i + j) % 2) as f64)
}

fn value_and_grad(loss: &dyn Loss<f64>, classes: Option<&[usize]>) -> (f64, Array2<f64>) {
    let (p, t) = (predictions(), dense_targets());
    let target = classes.map_or_else(|| (&t).into(), Into::into);
    let mut grad = Array2::zeros((0, 0));
    let value = loss.value_and_grad(p.view(), target, &mut grad).unwrap();
    (value, grad)
}

#[test]
fn a_cloned_boxed_loss_gives_the_same_value_and_gradient() {
    for (loss, _) in all_losses() {
        let copy = loss.clone();
        assert_eq!(copy.name(), loss.name());
        let (v, g) = value_and_grad(&*loss, None);
        let (v2, g2) = value_and_grad(&*copy, None);
        assert_eq!(v.to_bits(), v2.to_bits(), "{}", loss.name());
        assert_eq!(g, g2, "{}", loss.name());
    }
    let weighted: Box<dyn Loss<f64>> = Box::new(
        CrossEntropy::new()
            .with_class_weights(vec![0.5, 2.0])
            .unwrap()
            .with_label_smoothing(0.1)
            .unwrap(),
    );
    let classes = [0usize, 1, 1, 0];
    assert_eq!(
        value_and_grad(&*weighted, Some(&classes)),
        value_and_grad(&*weighted.clone(), Some(&classes))
    );
}

#[test]
fn class_weights_through_cross_entropy_are_its_class_weights() {
    let w = [0.5, 3.0];
    let through_trait = Loss::<f64>::with_class_weights(&CrossEntropy::new(), &w).unwrap();
    let direct = CrossEntropy::new().with_class_weights(w.to_vec()).unwrap();
    let classes = [0usize, 1, 1, 0];
    for target in [Some(&classes[..]), None] {
        assert_eq!(
            value_and_grad(&*through_trait, target),
            value_and_grad(&direct, target)
        );
    }
    assert_eq!(through_trait.output_kind(), OutputKind::Logits);
    // The loss's other settings are kept.
    let smoothed = CrossEntropy::new().with_label_smoothing(0.2).unwrap();
    let both = Loss::<f64>::with_class_weights(&smoothed, &w).unwrap();
    let direct = smoothed.with_class_weights(w.to_vec()).unwrap();
    assert_eq!(
        value_and_grad(&*both, Some(&classes)),
        value_and_grad(&direct, Some(&classes))
    );
    let bad = Loss::<f64>::with_class_weights(&CrossEntropy::new(), &[1.0, -1.0]);
    assert!(matches!(bad, Err(Error::Config { .. })));
}

#[test]
fn class_weights_through_bce_with_logits_are_a_pos_weight() {
    let through_trait =
        Loss::<f64>::with_class_weights(&BceWithLogits::new(), &[2.0, 5.0]).unwrap();
    let direct = BceWithLogits::new().with_pos_weight(vec![2.5]).unwrap();
    let p = Array2::from_shape_fn((5, 1), |(i, _)| i as f64 - 2.0);
    let t = Array2::from_shape_fn((5, 1), |(i, _)| (i % 2) as f64);
    let (mut g1, mut g2) = (Array2::zeros((0, 0)), Array2::zeros((0, 0)));
    let v1 = through_trait
        .value_and_grad(p.view(), (&t).into(), &mut g1)
        .unwrap();
    let v2 = direct
        .value_and_grad(p.view(), (&t).into(), &mut g2)
        .unwrap();
    assert_eq!(v1.to_bits(), v2.to_bits());
    assert_eq!(g1, g2);

    for wrong in [&[1.0][..], &[1.0, 2.0, 3.0], &[0.0, 1.0], &[-1.0, 1.0]] {
        let err = Loss::<f64>::with_class_weights(&BceWithLogits::new(), wrong).unwrap_err();
        let Error::Config {
            parameter,
            expected,
            ..
        } = err
        else {
            panic!("{wrong:?}: not a config error");
        };
        assert_eq!(parameter, "Trainer.class_weights", "{wrong:?}");
        assert!(expected.contains("two weights"), "{expected}");
    }
}

#[test]
fn other_losses_refuse_class_weights() {
    for (loss, _) in all_losses().into_iter().take(4) {
        let err = loss.with_class_weights(&[1.0, 2.0]).unwrap_err();
        assert!(
            matches!(err, Error::Config { ref parameter, .. } if parameter == "Trainer.class_weights"),
            "{}: {err}",
            loss.name()
        );
    }
    let err = Loss::<f32>::with_class_weights(&Mse::new(), &[1.0, 2.0]).unwrap_err();
    assert!(
        err.to_string().contains("CrossEntropy or BceWithLogits"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Regularizers.

#[test]
fn a_cloned_boxed_regularizer_gives_the_same_penalty_and_gradient() {
    let penalties: Vec<Box<dyn Regularizer<f32>>> = vec![
        Box::new(L1::new(0.01).unwrap()),
        Box::new(L2::new(0.1).unwrap().include_biases(true)),
        Box::new(ElasticNet::new(0.05, 0.3).unwrap().include_norm(true)),
    ];
    for penalty in penalties {
        let copy = penalty.clone();
        assert_eq!(copy.name(), penalty.name());
        let (mut a, mut b) = (model(5), model(5));
        a.zero_grad();
        b.zero_grad();
        assert_eq!(penalty.penalty(&a).to_bits(), copy.penalty(&b).to_bits());
        let (pa, pb) = (penalty.add_gradient(&mut a), copy.add_gradient(&mut b));
        assert_eq!(pa.to_bits(), pb.to_bits());
        let grads = |net: &Sequential<f32>| {
            let mut g = Vec::new();
            net.visit_parameters(&mut |p| g.extend(p.grad_slice().iter().map(|v| v.to_bits())));
            g
        };
        assert_eq!(grads(&a), grads(&b), "{}", penalty.name());
    }
}

// ---------------------------------------------------------------------------------------------
// Schedules.

fn all_schedules() -> Vec<Box<dyn LrSchedule>> {
    let base = 0.1;
    let warmup = || Box::new(LinearLr::new(base, 0.2, 1.0, 4).unwrap()) as Box<dyn LrSchedule>;
    let cosine =
        || Box::new(CosineAnnealingLr::new(base, 12, 0.001).unwrap()) as Box<dyn LrSchedule>;
    let plateau = PlateauConfig {
        patience: 1,
        factor: 0.5,
        ..Default::default()
    };
    vec![
        Box::new(StepLr::new(base, 3, 0.5).unwrap()),
        Box::new(MultiStepLr::new(base, &[2, 5, 9], 0.3).unwrap()),
        Box::new(ExponentialLr::new(base, 0.9).unwrap()),
        cosine(),
        Box::new(CosineAnnealingWarmRestarts::new(base, 3, 2, 0.0).unwrap()),
        warmup(),
        Box::new(OneCycleLr::new(OneCycleConfig::new(1.0, 30)).unwrap()),
        Box::new(CyclicLr::new(CyclicConfig::new(0.01, 0.1, 4)).unwrap()),
        Box::new(ReduceLrOnPlateau::new(base, plateau.clone()).unwrap()),
        Box::new(ChainedSchedule::new(vec![warmup(), cosine()]).unwrap()),
        Box::new(SequentialLr::new(vec![warmup(), cosine()], &[4]).unwrap()),
        Box::new(
            SequentialLr::new(
                vec![
                    warmup(),
                    Box::new(ReduceLrOnPlateau::new(base, plateau).unwrap()),
                ],
                &[3],
            )
            .unwrap(),
        ),
    ]
}

/// Losses that improve, stall and improve again, so plateau schedules cut.
fn metric(step: usize) -> f64 {
    [1.0, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.5, 0.5][step % 10] - step as f64 * 1e-6
}

fn rates(schedule: &mut dyn LrSchedule, steps: usize) -> Vec<u64> {
    (0..steps)
        .map(|i| schedule.step_with_metric(metric(i)).unwrap().to_bits())
        .collect()
}

#[test]
fn a_cloned_boxed_schedule_gives_the_same_rates_for_20_steps() {
    for mut schedule in all_schedules() {
        let mut fresh_copy = schedule.clone();
        let expected = rates(&mut *schedule, 20);
        assert_eq!(rates(&mut *fresh_copy, 20), expected, "{}", schedule.name());
        assert!(
            expected.windows(2).any(|w| w[0] != w[1]),
            "{}: the rate never moved",
            schedule.name()
        );
    }
}

#[test]
fn a_schedule_cloned_mid_run_continues_from_the_same_step() {
    for mut schedule in all_schedules() {
        rates(&mut *schedule, 7);
        let mut copy = schedule.clone();
        assert_eq!(copy.state(), schedule.state(), "{}", schedule.name());
        let ahead: Vec<f64> = (7..20)
            .map(|i| schedule.step_with_metric(metric(i)).unwrap())
            .collect();
        let copied: Vec<f64> = (7..20)
            .map(|i| copy.step_with_metric(metric(i)).unwrap())
            .collect();
        assert_eq!(ahead, copied, "{}", schedule.name());
    }
}

#[test]
fn schedules_move_to_another_thread() {
    let schedules = all_schedules();
    let expected: Vec<Vec<u64>> = schedules
        .iter()
        .map(|s| rates(&mut *s.clone(), 20))
        .collect();
    let worker = std::thread::spawn(move || {
        schedules
            .into_iter()
            .map(|mut s| rates(&mut *s, 20))
            .collect::<Vec<_>>()
    });
    assert_eq!(worker.join().unwrap(), expected);
}

#[test]
fn param_group_rules_survive_a_clone_and_a_thread() {
    let group =
        ParamGroup::matching(|name, kind| kind == ParamKind::Weight && name.starts_with('2'));
    let copy = group.clone();
    let selected = std::thread::spawn(move || copy.selects("2.weight", ParamKind::Weight));
    assert!(selected.join().unwrap());
    assert!(!group.selects("0.weight", ParamKind::Weight));
}
