//! The data-parallel training step on threads against the one-thread step, on the `mnist`
//! (784-256-128-10, ReLU, cross-entropy, batch 128) and `wide` (1024-1024-1024-1, ReLU, MSE,
//! batch 256) workloads of `benches/forward_backward.rs`, f32, Adam:
//!
//! - `data_parallel/<workload>/1_thread`: forward + loss + backward (writing the gradients,
//!   as the Trainer's step does) + Adam step on the whole batch, matrix products on the calling
//!   thread only;
//! - `data_parallel/<workload>/2_threads_gemm`: the same step with the GEMM pool on 2 threads
//!   (the crate's other way to use 2 cores);
//! - `data_parallel/<workload>/2_replicas`: two replicas on two threads (`run_on_threads`),
//!   each on half of the batch, with the gradient all-reduce of `DataParallel` before the Adam
//!   step (the step `TrainerBuilder::data_parallel` runs);
//! - `data_parallel/<workload>/2_replicas_sharded`: the same with
//!   `DataParallel::sharded_step`, each replica updating half of every parameter.
//!
//! The replica threads, their models and optimizers live for the whole benchmark (built and
//! warmed up once), so neither thread start-up nor a cold replica is timed. PyTorch on 2 threads: `python scripts/reference/torch_bench.py mnist wide`.
//! Run with `cargo bench --bench data_parallel`.

use std::hint::black_box;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::{s, Array2};
use ndarray_rand::rand_distr::StandardNormal;
use ndarray_rand::RandomExt;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tuneup::parallel::{run_on_threads, Communicator, DataParallel};
use tuneup::prelude::*;

struct Workload {
    name: &'static str,
    widths: &'static [usize],
    batch: usize,
    classes: bool,
}

static WORKLOADS: [Workload; 2] = [
    Workload {
        name: "mnist",
        widths: &[784, 256, 128, 10],
        batch: 128,
        classes: true,
    },
    Workload {
        name: "wide",
        widths: &[1024, 1024, 1024, 1],
        batch: 256,
        classes: false,
    },
];

/// One replica: its model, optimizer, loss and the batch.
struct Replica {
    net: Sequential<f32>,
    adam: Adam,
    x: Array2<f32>,
    dense: Array2<f32>,
    classes: Vec<usize>,
    grad: Array2<f32>,
    loss: Box<dyn Loss<f32>>,
}

impl Replica {
    fn new(w: &Workload) -> Replica {
        let mut rng = StdRng::seed_from_u64(42);
        let x = Array2::<f32>::random_using((w.batch, w.widths[0]), StandardNormal, &mut rng);
        let out = *w.widths.last().expect("widths");
        let loss: Box<dyn Loss<f32>> = if w.classes {
            Box::new(CrossEntropy::new())
        } else {
            Box::new(Mse::new())
        };
        Replica {
            net: Mlp::new(w.widths)
                .activation(Activation::Relu)
                .seed(0)
                .build::<f32>()
                .expect("valid workload"),
            adam: Adam::new(1e-3).expect("valid rate"),
            dense: Array2::<f32>::random_using((w.batch, out), StandardNormal, &mut rng),
            classes: (0..w.batch).map(|i| i % out).collect(),
            x,
            grad: Array2::zeros((0, 0)),
            loss,
        }
    }

    /// Forward, loss and backward on `rows` of the batch; the loss.
    fn forward_backward(&mut self, rows: std::ops::Range<usize>, classes: bool) -> f32 {
        let out = self
            .net
            .forward(self.x.slice(s![rows.clone(), ..]), Mode::Train)
            .expect("forward");
        let targets = if classes {
            Targets::Classes(&self.classes[rows])
        } else {
            Targets::Dense(self.dense.slice(s![rows, ..]))
        };
        let l = self
            .loss
            .value_and_grad(out, targets, &mut self.grad)
            .expect("loss");
        self.net
            .backward_parameters_overwrite(self.grad.view())
            .expect("backward");
        l
    }
}

/// `iters` whole-batch steps on one thread whose products use `gemm_threads` threads.
fn single_steps(r: &mut Replica, w: &Workload, gemm_threads: usize, iters: u64) -> Duration {
    tuneup::linalg::set_num_threads(gemm_threads).expect("≥ 1");
    let t0 = Instant::now();
    for _ in 0..iters {
        black_box(r.forward_backward(0..w.batch, w.classes));
        r.adam.step(&mut r.net).expect("finite");
    }
    t0.elapsed()
}

/// What a replica's step does after its backward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepKind {
    /// The Adam step alone (a world of one).
    Plain,
    /// The gradient all-reduce of `DataParallel`, then the Adam step on every replica.
    AllReduce,
    /// The all-reduce, then `DataParallel::sharded_step` (each replica updates its share).
    Sharded,
}

/// Replica threads kept for a whole benchmark, so that every criterion sample times steps
/// of warm replicas: each rank builds its replica once, then runs the steps it is sent, and
/// rank 0 reports how long they took.
struct Replicas {
    orders: Vec<mpsc::Sender<u64>>,
    times: mpsc::Receiver<Duration>,
    runner: Option<std::thread::JoinHandle<()>>,
}

impl Replicas {
    /// `world` replicas of `w`, each on its shard of the batch, taking `kind` of step.
    fn start(w: &'static Workload, world: usize, kind: StepKind) -> Replicas {
        let (orders, inboxes): (Vec<_>, Vec<_>) = (0..world).map(|_| mpsc::channel()).unzip();
        let inboxes = Mutex::new(inboxes.into_iter().map(Some).collect::<Vec<_>>());
        let (report, times) = mpsc::channel();
        let runner = std::thread::spawn(move || {
            run_on_threads(world, |comm| {
                let rank = comm.rank();
                let inbox: mpsc::Receiver<u64> = inboxes.lock().expect("inboxes")[rank]
                    .take()
                    .expect("one inbox per rank");
                let mut dp = DataParallel::new(comm);
                let mut r = Replica::new(w);
                dp.broadcast_model(&mut r.net)?;
                let (rows, weight) = (dp.shard(w.batch)?, dp.weight(w.batch)?);
                let step = |r: &mut Replica, dp: &mut DataParallel<_>| -> Result<()> {
                    let l = r.forward_backward(rows.clone(), w.classes);
                    if kind == StepKind::Plain {
                        return r.adam.step(&mut r.net);
                    }
                    black_box(dp.all_reduce_gradients(&mut r.net, weight, f64::from(l))?);
                    match kind {
                        StepKind::Sharded => dp.sharded_step(&mut r.net, &mut r.adam),
                        _ => r.adam.step(&mut r.net),
                    }
                };
                for _ in 0..3 {
                    step(&mut r, &mut dp)?;
                }
                for iters in inbox {
                    dp.communicator().barrier()?;
                    let t0 = Instant::now();
                    for _ in 0..iters {
                        step(&mut r, &mut dp)?;
                    }
                    if rank == 0 {
                        report.send(t0.elapsed()).expect("the bench is waiting");
                    }
                }
                Ok(())
            })
            .expect("replica steps");
        });
        Replicas {
            orders,
            times,
            runner: Some(runner),
        }
    }

    /// The time of `iters` steps on every replica, as rank 0 saw it.
    fn time(&self, iters: u64) -> Duration {
        for order in &self.orders {
            order.send(iters).expect("the replicas are running");
        }
        self.times.recv().expect("rank 0 reports")
    }
}

impl Drop for Replicas {
    fn drop(&mut self) {
        self.orders.clear(); // closes every inbox: the replicas return
        if let Some(runner) = self.runner.take() {
            runner.join().expect("replica threads");
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("data_parallel");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for w in &WORKLOADS {
        let name = w.name;
        // The replica threads keep their products on their own thread; the baseline does the
        // same by running on a one-rank group's thread.
        let one = Replicas::start(w, 1, StepKind::Plain);
        group.bench_function(format!("{name}/1_thread"), |b| {
            b.iter_custom(|iters| one.time(iters))
        });
        drop(one);
        let mut whole = Replica::new(w);
        group.bench_function(format!("{name}/2_threads_gemm"), |b| {
            b.iter_custom(|iters| single_steps(&mut whole, w, 2, iters))
        });
        let two = Replicas::start(w, 2, StepKind::AllReduce);
        group.bench_function(format!("{name}/2_replicas"), |b| {
            b.iter_custom(|iters| two.time(iters))
        });
        drop(two);
        let sharded = Replicas::start(w, 2, StepKind::Sharded);
        group.bench_function(format!("{name}/2_replicas_sharded"), |b| {
            b.iter_custom(|iters| sharded.time(iters))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
