//! The MPI backend under `mpirun` (feature `mpi`; no test harness: one `main` per process).
//!
//! ```text
//! cargo test --features mpi --test mpi_parity --no-run
//! mpirun -np 2 target/debug/deps/mpi_parity-<hash>      # and -np 4; alone it runs as 1 rank
//! ```
//!
//! Every rank checks: the weighted `f32` all-reduce has the bits of the `f64` sum in rank
//! order; after 20 optimizer steps its weights equal the single-process run on the
//! whole batch to 1e-12 relative (f64) and the thread backend's at the same world size bit for
//! bit; a second MPI run gives the same bits; with BatchNorm every rank holds the same buffers
//! (rank 0's, broadcast), equal to the thread backend's; a checkpoint written by rank 0 after
//! 3 epochs resumes exactly; a model of another shape on the last rank fails on every rank
//! naming the parameter; a NaN that only one rank computes stops every rank with the weights
//! of the start of the epoch; a custom loop with the sharded optimizer step
//! (`DataParallel::sharded_step`) has the bits of the whole step and of the thread backend. The process exits with status 1 when a check fails.

#[cfg(feature = "mpi")]
mod run {
    use std::sync::Arc;

    use ndarray::Array2;
    use tuneup::diagnostics::history::StopReason;
    use tuneup::optim::{OptimizerState, SgdConfig};
    use tuneup::parallel::{run_on_threads, Communicator, DataParallel, MpiCommunicator};
    use tuneup::prelude::*;
    use tuneup::train::TrainerBuilder;

    type Comm = Arc<MpiCommunicator>;

    fn data() -> (Array2<f64>, Vec<usize>) {
        let x = Array2::from_shape_fn((64, 4), |(i, j)| ((i * 13 + j * 7) % 17) as f64 / 8.0 - 1.0);
        let y = (0..64).map(|i| (i * 5 + i / 7) % 3).collect();
        (x, y)
    }

    fn builder(
        batch_norm: bool,
        hidden: usize,
        epochs: usize,
    ) -> TrainerBuilder<f64, Sequential<f64>> {
        let mut mlp = Mlp::new(&[4, hidden, 3])
            .activation(Activation::Tanh)
            .seed(3);
        if batch_norm {
            mlp = mlp.normalization(Normalization::Batch);
        }
        let sgd = SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            ..Default::default()
        };
        Trainer::builder()
            .model(mlp.build::<f64>().expect("net"))
            .loss(CrossEntropy::new())
            .optimizer(Sgd::with_config(sgd).expect("sgd"))
            .epochs(epochs)
            .batch_size(16)
            .seed(11)
    }

    fn state(t: &Trainer<f64>) -> Vec<f64> {
        let mut w = Vec::new();
        t.model()
            .visit_parameters(&mut |p| w.extend_from_slice(p.value_slice()));
        t.model()
            .visit_buffers(&mut |b| w.extend_from_slice(b.as_slice()));
        w
    }

    fn fit(b: TrainerBuilder<f64, Sequential<f64>>) -> Result<Vec<f64>> {
        let (x, y) = data();
        let mut t = b.build()?;
        t.fit(x.view(), &y)?;
        Ok(state(&t))
    }

    fn threads(world: usize, batch_norm: bool) -> Result<Vec<f64>> {
        let ranks = run_on_threads(world, |c| fit(builder(batch_norm, 16, 5).data_parallel(c)))?;
        Ok(ranks.into_iter().next().unwrap_or_default())
    }

    fn max_rel(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs() / y.abs().max(1e-3))
            .fold(
                if a.len() == b.len() {
                    0.0
                } else {
                    f64::INFINITY
                },
                f64::max,
            )
    }

    /// Whether every rank holds rank 0's `v`.
    fn same_on_every_rank(comm: &Comm, v: &[f64]) -> Result<bool> {
        let mut root = v.to_vec();
        comm.broadcast(&mut root, 0)?;
        let mut differ = [f64::from(u8::from(root != v))];
        comm.all_reduce_sum(&mut differ)?;
        Ok(differ[0] == 0.0)
    }

    /// Whether `all_reduce_weighted_f32` gives, on this rank, `Σ_r weight_r · v_r` summed in
    /// `f64` in rank order and rounded once (every rank knows every rank's values).
    fn weighted_f32_matches(comm: &Comm) -> Result<bool> {
        let value = |r: usize, i: usize| {
            ((i as f32 + 0.1) * (r as f32 + 1.3)).sin() * 10f32.powi((i % 7) as i32 - 3)
        };
        let weight = |r: usize| (r as f64 + 1.0) / 7.3;
        let len = 1001;
        let mut got: Vec<f32> = (0..len).map(|i| value(comm.rank(), i)).collect();
        comm.all_reduce_weighted_f32(&mut got, weight(comm.rank()))?;
        Ok((0..len).all(|i| {
            let mut sum = f64::from(value(0, i)) * weight(0);
            for r in 1..comm.world_size() {
                sum += f64::from(value(r, i)) * weight(r);
            }
            got[i].to_bits() == (sum as f32).to_bits()
        }))
    }

    /// Ten custom-loop steps of an f32 model on `comm`, with the optimizer update sharded
    /// (`DataParallel::sharded_step`, the provided all-gather on MPI) or whole: the weights
    /// and the (consolidated) Adam state.
    fn custom_loop<C: Communicator>(comm: C, sharded: bool) -> Result<(Vec<f32>, OptimizerState)> {
        let (x, y) = data();
        let x = x.mapv(|v| v as f32);
        let mut dp = DataParallel::new(comm);
        let mut net = Mlp::new(&[4, 9, 3]).seed(5).build::<f32>()?;
        let mut adam = Adam::new(0.05)?;
        dp.broadcast_model(&mut net)?;
        let (rows, weight) = (dp.shard(x.nrows())?, dp.weight(x.nrows())?);
        let mut grad = Array2::zeros((0, 0));
        for _ in 0..10 {
            let out = net.forward(x.slice(ndarray::s![rows.clone(), ..]), Mode::Train)?;
            let l =
                CrossEntropy::new().value_and_grad(out, (&y[rows.clone()]).into(), &mut grad)?;
            net.backward_parameters_overwrite(grad.view())?;
            dp.all_reduce_gradients(&mut net, weight, f64::from(l))?;
            if sharded {
                dp.sharded_step(&mut net, &mut adam)?;
            } else {
                adam.step(&mut net)?;
            }
        }
        let state = if sharded {
            dp.consolidate_state(adam.state())?
        } else {
            adam.state()
        };
        let mut w = Vec::new();
        net.visit_parameters(&mut |p| w.extend_from_slice(p.value_slice()));
        Ok((w, state))
    }

    pub fn main() -> Result<bool> {
        let comm: Comm = Arc::new(MpiCommunicator::init()?);
        let (rank, world) = (comm.rank(), comm.world_size());
        let mut checks: Vec<(&str, bool)> = Vec::new();

        checks.push((
            "weighted f32 all-reduce: the bits of the f64 sum in rank order, rounded once",
            weighted_f32_matches(&comm)?,
        ));

        let sharded = custom_loop(comm.clone(), true)?;
        checks.push((
            "sharded optimizer step: the bits of the whole step",
            sharded == custom_loop(comm.clone(), false)?,
        ));
        let on_threads = run_on_threads(world, |c| custom_loop(c, true))?;
        checks.push((
            "sharded optimizer step: the bits of the thread backend's",
            on_threads.first() == Some(&sharded),
        ));

        let single = fit(builder(false, 16, 5))?;
        let mpi = fit(builder(false, 16, 5).data_parallel(comm.clone()))?;
        let err = max_rel(&mpi, &single);
        checks.push(("20 steps within 1e-12 of the single process", err <= 1e-12));
        checks.push((
            "bit-identical to the thread backend",
            mpi == threads(world, false)?,
        ));
        checks.push((
            "bit-identical on a second run",
            mpi == fit(builder(false, 16, 5).data_parallel(comm.clone()))?,
        ));
        checks.push((
            "the same weights on every rank",
            same_on_every_rank(&comm, &mpi)?,
        ));

        let bn = fit(builder(true, 16, 5).data_parallel(comm.clone()))?;
        checks.push((
            "BatchNorm buffers the same on every rank",
            same_on_every_rank(&comm, &bn)?,
        ));
        checks.push((
            "BatchNorm run equal to the thread backend's",
            bn == threads(world, true)?,
        ));

        let path = std::env::temp_dir().join(format!("tuneup-mpi-parity-{world}.safetensors"));
        let (x, y) = data();
        let mut first = builder(false, 16, 3).data_parallel(comm.clone()).build()?;
        first.fit(x.view(), &y)?;
        first.save_checkpoint(&path)?;
        comm.barrier()?;
        let mut resumed = builder(false, 16, 5).data_parallel(comm.clone()).build()?;
        resumed.load_checkpoint(&path)?;
        resumed.fit(x.view(), &y)?;
        checks.push((
            "resumed from rank 0's checkpoint exactly",
            state(&resumed) == mpi,
        ));
        comm.barrier()?;
        if rank == 0 {
            let _ = std::fs::remove_file(&path);
        }

        if world > 1 {
            let hidden = if rank == world - 1 { 8 } else { 16 };
            let mut t = builder(false, hidden, 5)
                .data_parallel(comm.clone())
                .build()?;
            let msg = t
                .fit(x.view(), &y)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            checks.push((
                "a model of another shape is named on every rank",
                msg.contains("`0.weight`"),
            ));

            let mut bad = x.clone();
            bad[[15, 0]] = f64::NAN; // the last rows of batch 0: the last rank's shard
            let mut t = builder(false, 16, 5)
                .shuffle(false)
                .check_finite(false)
                .data_parallel(comm.clone())
                .build()?;
            let start = state(&t);
            let h = t.fit(bad.view(), &y)?;
            let stopped = matches!(h.stop_reason(), Some(StopReason::Diverged { .. }));
            checks.push((
                "a NaN on one rank stops every rank, weights restored",
                stopped && state(&t) == start,
            ));
        }

        let failed: Vec<&str> = checks
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(n, _)| *n)
            .collect();
        let mut failures = [failed.len() as f64];
        comm.all_reduce_sum(&mut failures)?;
        for name in &failed {
            eprintln!("mpi_parity rank {rank}/{world}: FAILED: {name}");
        }
        if rank == 0 {
            println!(
                "mpi_parity, {world} ranks: {} checks per rank, {} failures in all \
                 (largest relative weight difference to the single process {err:.1e})",
                checks.len(),
                failures[0]
            );
        }
        Ok(failures[0] == 0.0)
    }
}

fn main() {
    #[cfg(feature = "mpi")]
    match run::main() {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("mpi_parity: {e}");
            std::process::exit(1);
        }
    }
}
