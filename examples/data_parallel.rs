//! Limited compute: one training run spread over replicas, each on its shard of every batch.
//!
//! A 32 → 512 → 512 → 4 network on 8 192 synthetic rows, batches of 1 024, 6 epochs (48 steps),
//! trained in one thread and then data-parallel on 2 and 4 threads (`run_on_threads` and
//! `TrainerBuilder::data_parallel`). It prints each run's time and how far its weights are
//! from the single-thread run's (largest difference over largest weight), and checks that they
//! agree to 1e-4 (f32, SGD with momentum) and that a
//! second run at the same world size gives the same bits.
//!
//! Run with `cargo run --release --example data_parallel`.
//!
//! With the `mpi` feature and OpenMPI, the same training runs as MPI processes, and each
//! process checks that its weights equal, bit for bit, those of the thread backend at the
//! same world size, and that a checkpoint written by rank 0 after 3 epochs resumes exactly:
//!
//! ```text
//! cargo build --release --features mpi --example data_parallel
//! mpirun -np 2 target/release/examples/data_parallel --mpi
//! ```

use std::time::Instant;

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tuneup::optim::SgdConfig;
use tuneup::parallel::run_on_threads;
#[cfg(feature = "mpi")]
use tuneup::parallel::Communicator;
use tuneup::prelude::*;
use tuneup::train::TrainerBuilder;

const ROWS: usize = 8192;
const FEATURES: usize = 32;
const EPOCHS: usize = 6;
const BATCH: usize = 1024;
const TOLERANCE: f64 = 1e-4;

/// Four classes from the signs of two random projections, with 5 % of labels flipped.
fn data() -> (Array2<f32>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(7);
    let x = Array2::from_shape_fn((ROWS, FEATURES), |_| rng.random_range(-1.0..1.0f32));
    let y = x
        .rows()
        .into_iter()
        .map(|r| {
            let a: f32 = r.iter().step_by(2).sum();
            let b: f32 = r.iter().skip(1).step_by(3).sum();
            let class = usize::from(a > 0.0) * 2 + usize::from(b > 0.0);
            if rng.random_range(0.0..1.0) < 0.05 {
                (class + 1) % 4
            } else {
                class
            }
        })
        .collect();
    (x, y)
}

fn builder(epochs: usize) -> Result<TrainerBuilder<f32, Sequential<f32>>> {
    let net = Mlp::new(&[FEATURES, 512, 512, 4])
        .activation(Activation::Relu)
        .seed(1)
        .build::<f32>()?;
    Ok(Trainer::builder()
        .model(net)
        .loss(CrossEntropy::new())
        .optimizer(Sgd::with_config(SgdConfig {
            lr: 0.05,
            momentum: 0.9,
            ..Default::default()
        })?)
        .epochs(epochs)
        .batch_size(BATCH)
        .seed(3)
        .metric(Metric::Accuracy))
}

fn weights(t: &Trainer<f32>) -> Vec<f32> {
    let mut w = Vec::new();
    t.model()
        .visit_parameters(&mut |p| w.extend_from_slice(p.value_slice()));
    w
}

/// The largest weight difference relative to the largest weight.
fn max_rel(a: &[f32], b: &[f32]) -> f64 {
    let scale = b.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let diff = a
        .iter()
        .zip(b)
        .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
    f64::from(diff / scale)
}

/// Trains on `world` threads; every rank's weights (equal) and the accuracy.
fn threads(world: usize, x: &Array2<f32>, y: &[usize]) -> Result<(Vec<f32>, f64)> {
    let ranks = run_on_threads(world, |comm| {
        let mut t = builder(EPOCHS)?.data_parallel(comm).build()?;
        let h = t.fit(x.view(), y)?;
        let acc = h.last().and_then(|r| r.get("accuracy")).unwrap_or(f64::NAN);
        Ok((weights(&t), acc))
    })?;
    if ranks.iter().any(|(w, _)| w != &ranks[0].0) {
        return Err(Error::state("data_parallel example", "replicas differ"));
    }
    Ok(ranks.into_iter().next().unwrap_or_default())
}

fn main() -> Result<()> {
    let (x, y) = data();
    #[cfg(feature = "mpi")]
    if std::env::args().any(|a| a == "--mpi") {
        return mpi_run(&x, &y);
    }
    tuneup::linalg::set_num_threads(1)?;
    let t0 = Instant::now();
    let mut single = builder(EPOCHS)?.build()?;
    let h = single.fit(x.view(), &y)?;
    let base = t0.elapsed().as_secs_f64();
    let reference = weights(&single);
    let acc = h.last().and_then(|r| r.get("accuracy")).unwrap_or(f64::NAN);
    println!(
        "{ROWS} rows, batches of {BATCH}, {EPOCHS} epochs ({} steps)",
        EPOCHS * ROWS / BATCH
    );
    println!("1 thread            {base:6.2} s   train accuracy {acc:.4}");
    let mut failed = false;
    for world in [2, 4] {
        let t0 = Instant::now();
        let (w, acc) = threads(world, &x, &y)?;
        let secs = t0.elapsed().as_secs_f64();
        let again = threads(world, &x, &y)?.0;
        let diff = max_rel(&w, &reference);
        println!(
            "{world} data-parallel    {secs:6.2} s   train accuracy {acc:.4}   speed-up {:.2}×   \
             weights within {diff:.1e} of 1 thread, rerun identical: {}",
            base / secs,
            again == w
        );
        failed |= diff > TOLERANCE || again != w;
    }
    println!(
        "({} cores available)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if failed {
        return Err(Error::state("data_parallel example", "parity check failed"));
    }
    Ok(())
}

/// Under `mpirun`: the same run as MPI processes, checked against the thread backend.
#[cfg(feature = "mpi")]
fn mpi_run(x: &Array2<f32>, y: &[usize]) -> Result<()> {
    use tuneup::parallel::MpiCommunicator;
    let comm = std::sync::Arc::new(MpiCommunicator::init()?);
    let (rank, world) = (comm.rank(), comm.world_size());
    let t0 = Instant::now();
    let mut t = builder(EPOCHS)?.data_parallel(comm.clone()).build()?;
    t.fit(x.view(), y)?;
    let secs = t0.elapsed().as_secs_f64();
    let mpi_weights = weights(&t);
    let (thread_weights, _) = threads(world, x, y)?;
    // Resume: 3 epochs, rank 0 saves, every rank loads and finishes.
    let path = std::env::temp_dir().join("tuneup-data-parallel-mpi.safetensors");
    let mut first = builder(3)?.data_parallel(comm.clone()).build()?;
    first.fit(x.view(), y)?;
    first.save_checkpoint(&path)?;
    comm.barrier()?;
    let mut resumed = builder(EPOCHS)?.data_parallel(comm.clone()).build()?;
    resumed.load_checkpoint(&path)?;
    resumed.fit(x.view(), y)?;
    let same_as_threads = mpi_weights == thread_weights;
    let resumes = weights(&resumed) == mpi_weights;
    let mut ok = [f64::from(u8::from(same_as_threads && resumes))];
    comm.all_reduce_sum(&mut ok)?;
    if rank == 0 {
        println!(
            "MPI, {world} ranks: {secs:.2} s; weights equal to the thread backend's: \
             {same_as_threads}; resumed from rank 0's checkpoint exactly: {resumes}; \
             ranks passing: {}/{world}",
            ok[0]
        );
        let _ = std::fs::remove_file(&path);
    }
    if ok[0] as usize != world {
        return Err(Error::state(
            "data_parallel example (MPI)",
            "parity check failed",
        ));
    }
    Ok(())
}
