//! The core's shapes for round two: models are `Send + Sync` and cloneable, a `TrainerConfig`
//! builds identical trainers (also on other threads), the step has hooks that see and change
//! the gradients as a hand-written loop would, checkpoints carry every random stream, a custom
//! layer with only the required methods works everywhere, and input gradients are exact.

use std::sync::{Arc, Mutex};

use ndarray::{Array2, ArrayView2};
use tuneup::data::{Fgsm, MixUp, Pgd};
use tuneup::diagnostics::history::History;
use tuneup::loss::InputGradient;
use tuneup::model::{ParamKind, Parameter, Visitor, VisitorMut};
use tuneup::optim::{AdamConfig, OptimizerConfig};
use tuneup::prelude::*;
use tuneup::train::callbacks::HealthMonitor;
use tuneup::train::{Callback, GradClip, StepContext, Trainer, TrainerConfig};

fn assert_send<T: Send>() {}
fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn models_trainers_configs_and_optimizers_are_send_and_models_sync() {
    assert_send_sync::<Sequential<f32>>();
    assert_send_sync::<Box<dyn Layer<f32>>>();
    assert_send_sync::<Residual<f64>>();
    assert_send::<Trainer<f32>>();
    assert_send::<Trainer<f64, Box<dyn Layer<f64>>>>();
    assert_send_sync::<TrainerConfig<f32>>();
    assert_send::<Sgd>();
    assert_send::<Adam>();
    assert_send::<AdamW>();
    assert_send::<RmsProp>();
    assert_send::<Adagrad>();
    assert_send::<Box<dyn Optimizer<f32>>>();
    assert_send_sync::<Box<dyn OptimizerConfig<f32>>>();
}

/// Two noisy interleaved classes, 3 features.
fn data() -> (Array2<f64>, Vec<usize>) {
    let x = Array2::from_shape_fn((96, 3), |(i, j)| {
        ((i * 7 + j * 3) as f64 * 0.61).sin() + if i % 2 == 0 { 0.4 } else { -0.4 }
    });
    let y = (0..96).map(|i| i % 2).collect();
    (x, y)
}

fn net(seed: u64, dropout_seed: u64) -> Sequential<f64> {
    Sequential::new()
        .push(
            Linear::new(3, 16, seed)
                .unwrap()
                .with_activation(Activation::Relu)
                .unwrap(),
        )
        .push(Dropout::new(0.2, dropout_seed).unwrap())
        .push(Linear::new(16, 2, seed + 1).unwrap())
}

fn bits(net: &dyn Layer<f64>) -> Vec<(String, Vec<u64>)> {
    let mut out = Vec::new();
    net.visit_parameters(&mut |p| {
        out.push((
            p.name().to_string(),
            p.value_slice().iter().map(|v| v.to_bits()).collect(),
        ))
    });
    out
}

fn history_bits(h: &History) -> Vec<Vec<u64>> {
    h.epochs()
        .iter()
        .map(|r| {
            let mut v = vec![r.loss.to_bits(), r.grad_norm.to_bits(), r.lr.to_bits()];
            v.extend(r.metrics.iter().map(|(_, m)| m.to_bits()));
            v
        })
        .collect()
}

#[test]
fn a_cloned_trained_model_gives_the_same_outputs_then_trains_on_its_own() {
    let (x, y) = data();
    let mut t = Trainer::builder()
        .model(net(1, 2))
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(3)
        .build()
        .unwrap();
    t.fit(x.view(), &y).unwrap();
    let mut original = t.into_model();
    let mut copy = original.clone();
    let boxed: Box<dyn Layer<f64>> = Box::new(original.clone());
    let mut boxed_copy = boxed.clone();
    let a = original.predict(x.view()).unwrap();
    assert_eq!(a, copy.predict(x.view()).unwrap());
    assert_eq!(a, boxed_copy.forward(x.view(), Mode::Eval).unwrap());
    // The copy trains; the original does not move.
    let before = bits(&original);
    let mut sgd = Sgd::new(0.5).unwrap();
    let mut grad = Array2::zeros((0, 0));
    copy.zero_grad();
    let out = copy.forward(x.view(), Mode::Train).unwrap();
    CrossEntropy::new()
        .value_and_grad(out, (&y[..]).into(), &mut grad)
        .unwrap();
    copy.backward_parameters(grad.view()).unwrap();
    sgd.step(&mut copy).unwrap();
    assert_eq!(bits(&original), before);
    assert_ne!(bits(&copy), before);
    assert_ne!(copy.predict(x.view()).unwrap(), a);
    assert_eq!(original.predict(x.view()).unwrap(), a);
}

fn config() -> TrainerConfig<f64> {
    TrainerConfig::new()
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.02).unwrap())
        .regularizer(L2::new(1e-3).unwrap())
        .augment(MixUp::new(0.3, 7).unwrap())
        .epochs(6)
        .batch_size(16)
        .seed(3)
        .validation_split(0.25)
        .metric(tuneup::train::Metric::Accuracy)
}

#[test]
fn one_config_builds_identical_trainers_here_and_on_other_threads() {
    let (x, y) = data();
    let config = config();
    let run = |config: &TrainerConfig<f64>| {
        let mut t = config.build(net(1, 2)).unwrap();
        let h = t.fit(x.view(), &y).unwrap();
        (history_bits(&h), bits(t.model()))
    };
    let here = run(&config);
    assert_eq!(here.0.len(), 6);
    assert_eq!(run(&config), here, "built twice on one thread");
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (config, x, y) = (config.clone(), x.clone(), y.clone());
            std::thread::spawn(move || {
                let mut t = config.build(net(1, 2)).unwrap();
                let h = t.fit(x.view(), &y).unwrap();
                (history_bits(&h), bits(t.model()))
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), here, "built on another thread");
    }
    // A trainer built from the config keeps the settings as given.
    assert_eq!(config.build(net(1, 2)).unwrap().config().epoch_count(), 6);
    // Another optimizer config gives another run (the comparison can fail).
    let other = config.clone().optimizer(AdamConfig {
        lr: 0.05,
        ..Default::default()
    });
    assert_ne!(run(&other), here);
}

type Norms = Arc<Mutex<Vec<Vec<u64>>>>;

/// Records each parameter's gradient norm after backward; optionally halves the gradients
/// before each optimizer step.
#[derive(Clone)]
struct GradientProbe {
    after_backward: Norms,
    halve: bool,
}

fn norms(model: &dyn Layer<f64>) -> Vec<u64> {
    let mut out = Vec::new();
    model.visit_parameters(&mut |p| {
        let n = p.grad_slice().iter().map(|g| g * g).sum::<f64>().sqrt();
        out.push(n.to_bits());
    });
    out
}

impl Callback<f64> for GradientProbe {
    fn on_after_backward(&mut self, ctx: &mut StepContext<'_, f64>) -> tuneup::Result<()> {
        self.after_backward.lock().unwrap().push(norms(ctx.model));
        Ok(())
    }
    fn on_before_optimizer_step(&mut self, ctx: &mut StepContext<'_, f64>) -> tuneup::Result<()> {
        if self.halve {
            ctx.model
                .visit_parameters_mut(&mut |p| p.grad_mut().mapv_inplace(|g| g * 0.5));
        }
        Ok(())
    }
}

/// The loop the Trainer runs (no shuffle, SGD, clipping by norm), written by hand.
fn hand_loop(x: &Array2<f64>, y: &[usize], halve: bool) -> (Vec<Vec<u64>>, Sequential<f64>) {
    let mut model = Mlp::new(&[3, 8, 2])
        .activation(Activation::Tanh)
        .seed(4)
        .build::<f64>()
        .unwrap();
    let (loss, mut sgd) = (CrossEntropy::new(), Sgd::new(0.3).unwrap());
    let mut grad = Array2::zeros((0, 0));
    let mut seen = Vec::new();
    for _epoch in 0..3 {
        for b in 0..4 {
            let rows = b * 24..(b + 1) * 24;
            model.zero_grad();
            let out = model
                .forward(x.slice(ndarray::s![rows.clone(), ..]), Mode::Train)
                .unwrap();
            loss.value_and_grad(out, (&y[rows]).into(), &mut grad)
                .unwrap();
            model.backward_parameters(grad.view()).unwrap();
            seen.push(norms(&model));
            clip_grad_norm(&mut model, 0.5, 2.0, false).unwrap();
            if halve {
                model.visit_parameters_mut(&mut |p| p.grad_mut().mapv_inplace(|g| g * 0.5));
            }
            sgd.step(&mut model).unwrap();
        }
    }
    (seen, model)
}

fn trainer_run(x: &Array2<f64>, y: &[usize], halve: bool) -> (Vec<Vec<u64>>, Sequential<f64>) {
    let probe = GradientProbe {
        after_backward: Norms::default(),
        halve,
    };
    let mut t = Trainer::builder()
        .model(
            Mlp::new(&[3, 8, 2])
                .activation(Activation::Tanh)
                .seed(4)
                .build::<f64>()
                .unwrap(),
        )
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.3).unwrap())
        .clip_gradients(GradClip::Norm(0.5))
        .shuffle(false)
        .batch_size(24)
        .epochs(3)
        .callback(probe.clone())
        .build()
        .unwrap();
    t.fit(x.view(), y).unwrap();
    let seen = probe.after_backward.lock().unwrap().clone();
    (seen, t.into_model())
}

#[test]
fn step_hooks_see_and_change_the_gradients_as_a_hand_loop_does() {
    let (x, y) = data();
    for halve in [false, true] {
        let (hand_norms, hand_model) = hand_loop(&x, &y, halve);
        let (seen, model) = trainer_run(&x, &y, halve);
        assert_eq!(seen.len(), 12);
        assert_eq!(
            seen, hand_norms,
            "on_after_backward norms (halve = {halve})"
        );
        assert_eq!(bits(&model), bits(&hand_model), "weights (halve = {halve})");
    }
    // Halving the gradients changes the run (the comparison can fail).
    assert_ne!(
        bits(&trainer_run(&x, &y, true).1),
        bits(&trainer_run(&x, &y, false).1)
    );
}

#[test]
fn resume_into_a_trainer_built_with_other_seeds_everywhere_is_bit_identical() {
    let (x, y) = data();
    let mut whole = config().build(net(1, 2)).unwrap();
    let full = whole.fit(x.view(), &y).unwrap();

    let mut first = config().epochs(3).build(net(1, 2)).unwrap();
    first.fit(x.view(), &y).unwrap();
    let ckpt = first.checkpoint().unwrap();
    // Other Linear init seeds, another Dropout seed, another trainer seed and MixUp seed.
    let other = TrainerConfig::new()
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.02).unwrap())
        .regularizer(L2::new(1e-3).unwrap())
        .augment(MixUp::new(0.3, 70).unwrap())
        .epochs(6)
        .batch_size(16)
        .seed(30)
        .validation_split(0.25)
        .metric(tuneup::train::Metric::Accuracy);
    let mut resumed = other.build(net(11, 12)).unwrap();
    resumed.restore_checkpoint(&ckpt).unwrap();
    let rest = resumed.fit(x.view(), &y).unwrap();
    assert_eq!(history_bits(&rest), history_bits(&full));
    assert_eq!(bits(resumed.model()), bits(whole.model()));
    assert_eq!(resumed.config().run_seed(), 3);

    // Without the checkpoint the same trainer differs (the comparison can fail).
    let mut fresh = other.build(net(11, 12)).unwrap();
    fresh.fit(x.view(), &y).unwrap();
    assert_ne!(bits(fresh.model()), bits(whole.model()));
}

#[test]
fn a_checkpoint_with_another_number_of_augmenters_is_refused_and_changes_nothing() {
    let (x, y) = data();
    let mut first = config().epochs(2).build(net(1, 2)).unwrap();
    first.fit(x.view(), &y).unwrap();
    let ckpt = first.checkpoint().unwrap();
    let plain = TrainerConfig::new()
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.02).unwrap());
    let mut t = plain.build(net(1, 2)).unwrap();
    let before = bits(t.model());
    let err = t.restore_checkpoint(&ckpt).unwrap_err();
    assert!(matches!(err, tuneup::Error::Value { .. }), "{err}");
    assert_eq!(bits(t.model()), before);
    assert_eq!(t.completed_epochs(), 0);
}

/// `y = relu(x ⊙ w + b)`, one weight and bias per column: a layer written outside the crate
/// with the required methods and the visitors that show its parameters.
#[derive(Clone)]
struct ScaleShift {
    weight: Parameter<f64>,
    bias: Parameter<f64>,
    input: Array2<f64>,
    output: Array2<f64>,
    grad_input: Array2<f64>,
}

impl ScaleShift {
    fn new(width: usize) -> Self {
        let w = Array2::from_shape_fn((1, width), |(_, j)| 1.0 + 0.1 * j as f64);
        ScaleShift {
            weight: Parameter::new(
                "weight",
                w.into_shape_with_order(width).unwrap().into_dyn(),
                ParamKind::Weight,
            ),
            bias: Parameter::zeros("bias", &[width], ParamKind::Bias),
            input: Array2::zeros((0, 0)),
            output: Array2::zeros((0, 0)),
            grad_input: Array2::zeros((0, 0)),
        }
    }
}

impl Layer<f64> for ScaleShift {
    fn describe(&self) -> String {
        format!("ScaleShift({})", self.weight.len())
    }
    fn output_shape(&self, input: &[usize]) -> tuneup::Result<Vec<usize>> {
        match input {
            [w] if *w == self.weight.len() => Ok(vec![*w]),
            _ => Err(tuneup::Error::shape(
                self.describe(),
                "its width",
                format!("{input:?}"),
            )),
        }
    }
    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, f64>,
        _mode: Mode,
    ) -> tuneup::Result<ArrayView2<'a, f64>> {
        let (w, b) = (self.weight.value_slice(), self.bias.value_slice());
        self.input = input.to_owned();
        self.output =
            Array2::from_shape_fn(input.dim(), |(i, j)| (input[[i, j]] * w[j] + b[j]).max(0.0));
        Ok(self.output.view())
    }
    fn backward<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, f64>,
    ) -> tuneup::Result<ArrayView2<'a, f64>> {
        let w = self.weight.value_slice().to_vec();
        let gz = Array2::from_shape_fn(grad_output.dim(), |(i, j)| {
            if self.output[[i, j]] > 0.0 {
                grad_output[[i, j]]
            } else {
                0.0
            }
        });
        if !self.weight.is_frozen() {
            let (_, gw) = self.weight.value_and_grad_slices_mut();
            for ((i, j), &g) in gz.indexed_iter() {
                gw[j] += g * self.input[[i, j]];
            }
        }
        if !self.bias.is_frozen() {
            let (_, gb) = self.bias.value_and_grad_slices_mut();
            for ((_, j), &g) in gz.indexed_iter() {
                gb[j] += g;
            }
        }
        self.grad_input = Array2::from_shape_fn(gz.dim(), |(i, j)| gz[[i, j]] * w[j]);
        Ok(self.grad_input.view())
    }
    fn visit(&self, visitor: &mut dyn Visitor<f64>) {
        visitor.parameter(&self.weight);
        visitor.parameter(&self.bias);
    }
    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<f64>) {
        visitor.parameter(&mut self.weight);
        visitor.parameter(&mut self.bias);
    }
}

fn custom_net() -> Sequential<f64> {
    Sequential::new()
        .push(Linear::new(3, 6, 5).unwrap())
        .push(ScaleShift::new(6))
        .push(Linear::new(6, 2, 6).unwrap())
}

#[test]
fn a_custom_layer_works_in_sequential_trainer_checkpoints_clipping_and_health() {
    let (x, y) = data();
    let monitor = HealthMonitor::new(CrossEntropy::new(), x.clone(), y.clone()).unwrap();
    let log = monitor.shared_log();
    let mut t = Trainer::builder()
        .model(custom_net())
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.02).unwrap())
        .clip_gradients(GradClip::Norm(1.0))
        .epochs(4)
        .callback(monitor)
        .build()
        .unwrap();
    let before = bits(t.model());
    let h = t.fit(x.view(), &y).unwrap();
    assert_eq!(h.len(), 4);
    assert!(h.last().unwrap().loss < h.epochs()[0].loss);
    // Its parameters carry Sequential names and were trained.
    let names: Vec<String> = bits(t.model()).into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"1.weight".to_string()) && names.contains(&"1.bias".to_string()));
    let moved = |name: &str| {
        let a = before.iter().find(|(n, _)| n == name).unwrap();
        let b = bits(t.model())
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap();
        a.1 != b.1
    };
    assert!(moved("1.weight"));
    // Health statistics per parameter, the custom layer's included.
    let log = log.lock().unwrap();
    let last = log.epoch(3);
    let custom = last.iter().find(|r| r.layer == "1.weight").unwrap();
    assert!(custom.grad_norm > 0.0 && custom.weight_norm > 0.0);
    assert!(custom.update_ratio.unwrap() > 0.0);
    // A checkpoint restores it into a fresh model.
    let ckpt = t.checkpoint().unwrap();
    let mut fresh = custom_net();
    ckpt.restore_model(&mut fresh).unwrap();
    assert_eq!(bits(&fresh), bits(t.model()));
    assert_eq!(
        fresh.predict(x.view()).unwrap(),
        t.predict(x.view()).unwrap()
    );
    // Clipping sees its gradients.
    fresh.visit_parameters_mut(&mut |p| p.grad_mut().fill(3.0));
    let norm = clip_grad_norm(&mut fresh, 1.0, 2.0, false).unwrap();
    assert!((norm - 3.0 * (fresh.num_parameters() as f64).sqrt()).abs() < 1e-9);
    // Input gradients pass through it by its default backward_input (parameters frozen).
    let mut ig = InputGradient::new();
    ig.of_loss(
        &mut fresh,
        &CrossEntropy::new(),
        x.view(),
        (&y[..]).into(),
        Mode::Eval,
    )
    .unwrap();
    assert_eq!(ig.gradient().dim(), (96, 3));
    // Called directly on the layer, the default refuses rather than adding gradients.
    let mut layer = ScaleShift::new(3);
    layer.forward(x.view(), Mode::Eval).unwrap();
    let ones = Array2::ones((96, 3));
    assert!(matches!(
        layer.backward_input(ones.view()),
        Err(tuneup::Error::State { .. })
    ));
}

#[test]
fn input_gradient_equals_finite_differences_through_every_layer_kind() {
    let mut net = Sequential::<f64>::new()
        .push(
            Linear::new(4, 6, 1)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(LayerNorm::new(6).unwrap())
        .push(
            Residual::new(
                Linear::new(6, 6, 2)
                    .unwrap()
                    .with_activation(Activation::Gelu)
                    .unwrap(),
                6,
            )
            .unwrap(),
        )
        .push(BatchNorm1d::new(6).unwrap())
        .push(Dropout::new(0.3, 3).unwrap())
        .push(Linear::new(6, 3, 4).unwrap());
    // Running statistics away from their start, so eval mode is not the identity.
    let warm = Array2::from_shape_fn((16, 4), |(i, j)| ((i * 5 + j) as f64 * 0.3).cos() * 2.0);
    net.forward(warm.view(), Mode::Train).unwrap();
    let x = Array2::from_shape_fn((5, 4), |(i, j)| ((i * 4 + j) as f64 * 0.77).sin());
    let y = [0usize, 2, 1, 1, 0];
    let loss = CrossEntropy::new();
    let mut ig = InputGradient::new();
    ig.of_loss(&mut net, &loss, x.view(), (&y[..]).into(), Mode::Eval)
        .unwrap();
    let g = ig.gradient().to_owned();
    let h = 1e-5;
    let value = |net: &mut Sequential<f64>, x: &Array2<f64>| {
        let out = net.forward(x.view(), Mode::Eval).unwrap();
        loss.value(out, (&y[..]).into()).unwrap()
    };
    for ((i, j), &gij) in g.indexed_iter() {
        let (mut up, mut down) = (x.clone(), x.clone());
        up[[i, j]] += h;
        down[[i, j]] -= h;
        let fd = (value(&mut net, &up) - value(&mut net, &down)) / (2.0 * h);
        assert!(
            (fd - gij).abs() <= 1e-7 * fd.abs().max(1e-3),
            "∂L/∂x[{i},{j}]: finite difference {fd:e}, input gradient {gij:e}"
        );
    }
    net.visit_parameters(&mut |p| assert!(p.grad_slice().iter().all(|&v| v == 0.0)));
}

/// FGSM and PGD on a fixed net, bit for bit as they were before `InputGradient` (values
/// recorded from the crate at the commit before the change).
#[test]
fn fgsm_and_pgd_outputs_are_unchanged() {
    let mut net = Sequential::<f64>::new()
        .push(
            Linear::new(3, 6, 11)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(LayerNorm::new(6).unwrap())
        .push(
            Residual::new(
                Linear::new(6, 6, 12)
                    .unwrap()
                    .with_activation(Activation::Gelu)
                    .unwrap(),
                6,
            )
            .unwrap(),
        )
        .push(Linear::new(6, 3, 13).unwrap());
    let x = Array2::from_shape_fn((5, 3), |(i, j)| ((i * 3 + j) as f64 * 0.37).sin());
    let y: Vec<usize> = vec![0, 2, 1, 1, 0];
    let ce = CrossEntropy::new();
    let f = Fgsm::new(0.1)
        .unwrap()
        .perturb(&mut net, &ce, x.view(), (&y[..]).into())
        .unwrap();
    let p = Pgd::new(0.2, 0.03, 7)
        .unwrap()
        .random_start(5)
        .perturb(&mut net, &ce, x.view(), (&y[..]).into())
        .unwrap();
    let fgsm: [u64; 15] = [
        0xbfb999999999999a,
        0x3fdd8b1b73e79446,
        0x3fe260910addcaed,
        0x3fefdcc37d754fc6,
        0x3fecab0e4e0cdd62,
        0x3ff0fafbb50d5ad4,
        0x3fe64a43ac58db74,
        0x3fe3f82bd6d99f56,
        0x3fd1f54a0c7f108d,
        0xbfd26309280eda9b,
        0xbfdb826f71f5d01c,
        0xbfe66bdcbe5ad692,
        0xbff102959422dae5,
        0xbfeca5cdfdb82b5a,
        0xbfefc3c510f306a2,
    ];
    let pgd: [u64; 15] = [
        0xbfc999999999999a,
        0x3fd7f3eb64100632,
        0x3fde5abbaf552f73,
        0x3ff187fb5854417d,
        0x3fec530b16fe29d2,
        0x3ff1e1362b467799,
        0x3fe317107925a840,
        0x3fe72b5f0a0cd28a,
        0x3fd85bb072e576f4,
        0xbfd181c2d0960a72,
        0xbfd51c090b8f69b5,
        0xbfe338a98b27a35e,
        0xbff152faa63c26ce,
        0xbfe9729aca84f826,
        0xbff03f0d46807412,
    ];
    let got = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(got(&f), fgsm);
    assert_eq!(got(&p), pgd);
}

/// A layer whose `visit_mut` forgets its bias.
#[derive(Clone)]
struct Forgetful(ScaleShift);

impl Layer<f64> for Forgetful {
    fn describe(&self) -> String {
        "Forgetful".into()
    }
    fn output_shape(&self, input: &[usize]) -> tuneup::Result<Vec<usize>> {
        self.0.output_shape(input)
    }
    fn forward<'a>(
        &'a mut self,
        x: ArrayView2<'a, f64>,
        m: Mode,
    ) -> tuneup::Result<ArrayView2<'a, f64>> {
        self.0.forward(x, m)
    }
    fn backward<'a>(&'a mut self, g: ArrayView2<'a, f64>) -> tuneup::Result<ArrayView2<'a, f64>> {
        self.0.backward(g)
    }
    fn visit(&self, visitor: &mut dyn Visitor<f64>) {
        self.0.visit(visitor)
    }
    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<f64>) {
        visitor.parameter(&mut self.0.weight);
    }
}

#[test]
fn a_layer_whose_visitors_disagree_is_refused_when_a_trainer_is_built() {
    let err = Trainer::builder()
        .model(Sequential::new().push(Forgetful(ScaleShift::new(3))))
        .loss(Mse::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .build()
        .err()
        .unwrap();
    assert!(
        matches!(err, tuneup::Error::Config { ref parameter, .. } if parameter.contains("visit_mut")),
        "{err}"
    );
    assert!(tuneup::model::check_visitors(&mut custom_net()).is_ok());
}
