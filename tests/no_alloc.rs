//! The training hot path allocates nothing after its first step.
//!
//! A counting global allocator wraps the system one; while the current thread is "armed" it
//! counts every `alloc`, `alloc_zeroed` and `realloc`. After one or two warm-up steps on a full
//! batch, each phase of a training step (`zero_grad`, forward in [`Mode::Train`], loss
//! `value_and_grad`, `backward_parameters` or `backward`, penalty gradient, SGD step) must
//! count zero allocations, also for a smaller last batch never seen before and for the full
//! batch again after it. Workloads are the benchmark shapes (scaled down where large), in f32.
//!
//! Everything lives in one `#[test]` so that no other test runs in this process at the same
//! time; the armed flag is thread-local, so the harness's own threads are never counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::Array2;
use tuneup::loss::Penalty;
use tuneup::model::ParamKind;
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

fn armed() -> bool {
    ARMED.try_with(|a| a.get()).unwrap_or(false)
}

fn note() {
    if armed() {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` with counting armed on this thread; returns its result and the allocation count.
fn counted<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    ARMED.with(|a| a.set(true));
    let r = f();
    ARMED.with(|a| a.set(false));
    (r, ALLOCATIONS.load(Ordering::SeqCst) - before)
}

/// Targets owned by a workload.
enum Owned {
    Dense(Array2<f32>),
    Classes(Vec<usize>),
}

impl Owned {
    fn view(&self) -> Targets<'_, f32> {
        match self {
            Owned::Dense(t) => t.into(),
            Owned::Classes(c) => c.into(),
        }
    }
}

/// One training workload with its batches: a full one and a smaller last one.
struct Workload {
    name: &'static str,
    net: Sequential<f32>,
    loss: Box<dyn Loss<f32>>,
    penalty: Option<Penalty>,
    /// Use `backward` (input gradient too) instead of `backward_parameters`.
    full_backward: bool,
    batches: Vec<(Array2<f32>, Owned)>,
}

/// Allocations counted in each phase of one step.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Phases {
    zero_grad: usize,
    forward: usize,
    loss: usize,
    backward: usize,
    penalty: usize,
    step: usize,
}

impl Phases {
    fn total(&self) -> usize {
        self.zero_grad + self.forward + self.loss + self.backward + self.penalty + self.step
    }
}

/// The allocation count so far.
fn now() -> usize {
    ALLOCATIONS.load(Ordering::SeqCst)
}

/// One training step, armed throughout, with the count read between phases. Returns the loss
/// and the allocations of each phase.
fn train_step(
    w: &mut Workload,
    batch: usize,
    grad: &mut Array2<f32>,
    sgd: &mut Sgd,
) -> (f32, Phases) {
    let (x, t) = &w.batches[batch];
    let net = &mut w.net;
    let mut p = Phases::default();
    ARMED.with(|a| a.set(true));
    let mut mark = now();
    let mut lap = |slot: &mut usize| {
        let n = now();
        *slot = n - mark;
        mark = n;
    };
    net.zero_grad();
    lap(&mut p.zero_grad);
    let out = net.forward(x.view(), Mode::Train).unwrap();
    lap(&mut p.forward);
    let value = w.loss.value_and_grad(out, t.view(), grad).unwrap();
    lap(&mut p.loss);
    if w.full_backward {
        let g = net.backward(grad.view()).unwrap();
        assert_eq!(g.dim(), x.dim());
    } else {
        net.backward_parameters(grad.view()).unwrap();
    }
    lap(&mut p.backward);
    if let Some(pen) = &w.penalty {
        pen.add_gradient(net);
    }
    lap(&mut p.penalty);
    Optimizer::<f32>::step(sgd, net).unwrap();
    lap(&mut p.step);
    ARMED.with(|a| a.set(false));
    (value, p)
}

fn uniform(rng: &mut StdRng, shape: (usize, usize), lo: f32, hi: f32) -> Array2<f32> {
    Array2::from_shape_simple_fn(shape, || rng.random_range(lo..hi))
}

fn dense_batches(
    rng: &mut StdRng,
    sizes: &[usize],
    inp: usize,
    out: usize,
    lo: f32,
    hi: f32,
) -> Vec<(Array2<f32>, Owned)> {
    sizes
        .iter()
        .map(|&n| {
            (
                uniform(rng, (n, inp), -1.0, 1.0),
                Owned::Dense(uniform(rng, (n, out), lo, hi)),
            )
        })
        .collect()
}

fn workloads() -> Vec<Workload> {
    let mut rng = StdRng::seed_from_u64(0);
    let mut out = Vec::new();

    // seed: 30-16-1, sigmoid, BCE with logits (batch 32, last batch 20).
    let mut batches = dense_batches(&mut rng, &[32, 20], 30, 1, 0.0, 1.0);
    for (_, t) in &mut batches {
        if let Owned::Dense(t) = t {
            t.mapv_inplace(|v| if v > 0.5 { 1.0 } else { 0.0 });
        }
    }
    out.push(Workload {
        name: "seed 30-16-1 sigmoid + BCEWithLogits",
        net: Mlp::new(&[30, 16, 1])
            .activation(Activation::Sigmoid)
            .seed(1)
            .build()
            .unwrap(),
        loss: Box::new(BceWithLogits::new()),
        penalty: None,
        full_backward: false,
        batches,
    });

    // mnist: 784-256-128-10, ReLU, cross-entropy on class indices (batch 64, last batch 17).
    let batches = [64usize, 17]
        .iter()
        .map(|&n| {
            let x = uniform(&mut rng, (n, 784), 0.0, 1.0);
            let y: Vec<usize> = (0..n).map(|_| rng.random_range(0..10)).collect();
            (x, Owned::Classes(y))
        })
        .collect();
    out.push(Workload {
        name: "mnist 784-256-128-10 relu + CE(classes)",
        net: Mlp::new(&[784, 256, 128, 10])
            .activation(Activation::Relu)
            .seed(2)
            .build()
            .unwrap(),
        loss: Box::new(CrossEntropy::new()),
        penalty: None,
        full_backward: false,
        batches,
    });

    // wide, scaled down: 256-256-256-1, ReLU, MSE (batch 48, last batch 9).
    out.push(Workload {
        name: "wide 256-256-256-1 relu + MSE",
        net: Mlp::new(&[256, 256, 256, 1]).seed(3).build().unwrap(),
        loss: Box::new(Mse::new()),
        penalty: None,
        full_backward: false,
        batches: dense_batches(&mut rng, &[48, 9], 256, 1, -1.0, 1.0),
    });

    // BatchNorm + dropout + MSE with an L2 penalty (batch 16, last batch 5).
    out.push(Workload {
        name: "20-32-16-3 BatchNorm + dropout + MSE + L2",
        net: Mlp::new(&[20, 32, 16, 3])
            .activation(Activation::Relu)
            .normalization(Normalization::Batch)
            .dropout(0.2)
            .seed(4)
            .build()
            .unwrap(),
        loss: Box::new(Mse::new()),
        penalty: Some(L2::new(1e-3).unwrap()),
        full_backward: false,
        batches: dense_batches(&mut rng, &[16, 5], 20, 3, -1.0, 1.0),
    });

    // Residual blocks, LayerNorm, fused activations that keep their pre-activation (GELU),
    // soft-target cross-entropy with smoothing, elastic net, and the full backward pass.
    let net = Sequential::new()
        .push(
            Linear::new(12, 16, 5)
                .unwrap()
                .with_activation(Activation::Gelu)
                .unwrap(),
        )
        .push(
            Residual::new(
                Sequential::new()
                    .push(Linear::new(16, 16, 6).unwrap())
                    .push(LayerNorm::new(16).unwrap())
                    .push(ActivationLayer::new(Activation::Silu).unwrap())
                    .push(Dropout::new(0.1, 7).unwrap()),
                16,
            )
            .unwrap(),
        )
        .push(
            Residual::with_projection(
                Linear::new(16, 8, 8)
                    .unwrap()
                    .with_activation(Activation::ELU)
                    .unwrap(),
                16,
                9,
            )
            .unwrap(),
        )
        .push(Linear::new(8, 4, 10).unwrap());
    let mut batches = dense_batches(&mut rng, &[24, 3], 12, 4, 0.0, 1.0);
    for (_, t) in &mut batches {
        if let Owned::Dense(t) = t {
            for mut row in t.rows_mut() {
                let s = row.sum();
                row.mapv_inplace(|v| v / s);
            }
        }
    }
    out.push(Workload {
        name: "residual + LayerNorm + GELU, soft CE, elastic net, full backward",
        net,
        loss: Box::new(
            CrossEntropy::new()
                .with_label_smoothing(0.1)
                .unwrap()
                .with_class_weights(vec![1.0, 2.0, 0.5, 1.0])
                .unwrap(),
        ),
        penalty: Some(ElasticNet::new(1e-3, 0.5).unwrap()),
        full_backward: true,
        batches,
    });
    out
}

/// Each weight matrix's name and value bits.
fn parameter_bits(net: &Sequential<f32>) -> Vec<(String, Vec<u32>)> {
    let mut out = Vec::new();
    net.visit_parameters(&mut |p| {
        if p.kind() == ParamKind::Weight {
            out.push((
                p.name().to_string(),
                p.value_slice().iter().map(|v| v.to_bits()).collect(),
            ))
        }
    });
    out
}

#[test]
fn training_step_allocates_nothing_after_warm_up() {
    // Two GEMM threads whatever the machine: the full batches' products are then cut among
    // threads and the smaller batches' run on one, which must not grow a workspace either.
    tuneup::linalg::set_num_threads(2).unwrap();
    // The counter itself works (so a zero below means something).
    let (v, n) = counted(|| vec![1u8; 100]);
    assert!(n >= 1, "the counting allocator missed an allocation");
    drop(v);
    let (_, n) = counted(|| {
        let mut v = Vec::<u32>::with_capacity(1);
        v.extend_from_slice(&[1, 2, 3, 4]);
        v
    });
    assert!(n >= 2, "the counting allocator missed a reallocation");

    let mut failures = Vec::new();
    for mut w in workloads() {
        let mut grad = Array2::zeros((0, 0));
        let mut sgd = Sgd::new(1e-2).unwrap();
        // Warm-up: two steps on the full batch only.
        for _ in 0..2 {
            let (l, _) = train_step(&mut w, 0, &mut grad, &mut sgd);
            assert!(l.is_finite(), "{}: warm-up loss {l}", w.name);
        }
        let before = parameter_bits(&w.net);
        // Measured: the smaller last batch (never seen before), the full batch again, and so on.
        for (i, batch) in [1usize, 0, 1, 0, 0, 1].into_iter().enumerate() {
            let (l, phases) = train_step(&mut w, batch, &mut grad, &mut sgd);
            assert!(l.is_finite(), "{}: loss {l}", w.name);
            if phases.total() != 0 {
                failures.push(format!(
                    "{}: measured step {i} (batch of {}) allocated: {phases:?}",
                    w.name,
                    w.batches[batch].0.nrows()
                ));
            }
        }
        // Inference on both batch sizes allocates nothing either.
        for batch in [0usize, 1] {
            let x = &w.batches[batch].0;
            let net = &mut w.net;
            let (r, n) = counted(|| net.forward(x.view(), Mode::Eval).map(|o| o.dim()));
            assert_eq!(r.unwrap().0, x.nrows());
            if n != 0 {
                failures.push(format!(
                    "{}: eval forward on a batch of {} allocated {n} times",
                    w.name,
                    x.nrows()
                ));
            }
        }
        // The measured steps really trained: every weight matrix moved. (Biases are not all
        // required to: one feeding a batch norm has a zero gradient.)
        let after = parameter_bits(&w.net);
        for ((name, b), (_, a)) in before.iter().zip(&after) {
            assert_ne!(
                a, b,
                "{}: {name} did not change during the measured steps",
                w.name
            );
        }
    }
    assert!(
        failures.is_empty(),
        "allocations on the hot path:\n{}",
        failures.join("\n")
    );
}
