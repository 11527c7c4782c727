//! The Trainer's `.data_parallel(comm)` on the thread backend: after 20 optimizer steps the
//! replicas hold the weights of the single-process run on the whole batch (bit for bit at
//! world size 1, to 1e-12 relative in f64 and 2e-5 in f32 at world sizes 2, 3 and 4),
//! bit-identical from run to run; BatchNorm buffers are rank 0's on every rank; only rank 0
//! writes checkpoints; a checkpoint resumes on 2 ranks exactly; bad input fails on every rank.

use ndarray::Array2;
use tuneup::optim::SgdConfig;
use tuneup::parallel::run_on_threads;
use tuneup::prelude::*;
use tuneup::train::{ModelCheckpoint, TrainerBuilder};
use tuneup::Error;

/// 64 rows, 4 features, 3 classes.
fn data() -> (Array2<f64>, Vec<usize>) {
    let x = Array2::from_shape_fn((64, 4), |(i, j)| ((i * 13 + j * 7) % 17) as f64 / 8.0 - 1.0);
    let y = (0..64).map(|i| (i * 5 + i / 7) % 3).collect();
    (x, y)
}

fn builder<F: Float>(batch_norm: bool) -> TrainerBuilder<F, Sequential<F>> {
    let net = if batch_norm {
        Mlp::new(&[4, 16, 3])
            .activation(Activation::Tanh)
            .normalization(Normalization::Batch)
            .seed(3)
            .build::<F>()
            .expect("net")
    } else {
        Mlp::new(&[4, 16, 3])
            .activation(Activation::Tanh)
            .seed(3)
            .build::<F>()
            .expect("net")
    };
    let sgd = SgdConfig {
        lr: 0.1,
        momentum: 0.9,
        ..Default::default()
    };
    // 64 rows in batches of 16: 4 steps an epoch, 20 steps in 5 epochs.
    Trainer::builder()
        .model(net)
        .loss(CrossEntropy::new())
        .optimizer(Sgd::with_config(sgd).expect("sgd"))
        .epochs(5)
        .batch_size(16)
        .seed(11)
        .metric(Metric::Accuracy)
}

fn state<F: Float>(t: &Trainer<F>) -> Vec<f64> {
    let mut w = Vec::new();
    t.model()
        .visit_parameters(&mut |p| w.extend(p.value_slice().iter().map(|v| v.as_f64())));
    t.model()
        .visit_buffers(&mut |b| w.extend(b.as_slice().iter().map(|v| v.as_f64())));
    w
}

fn single<F: Float>() -> (Vec<f64>, Vec<f64>) {
    let (x, y) = data();
    let x = x.mapv(F::cast);
    let mut t = builder::<F>(false).build().expect("trainer");
    let h = t.fit(x.view(), &y).expect("fit");
    (state(&t), h.epochs().iter().map(|r| r.loss).collect())
}

fn parallel<F: Float>(world: usize, batch_norm: bool) -> Vec<(Vec<f64>, Vec<f64>)> {
    let (x, y) = data();
    let x = x.mapv(F::cast);
    run_on_threads(world, |comm| {
        let mut t = builder::<F>(batch_norm).data_parallel(comm).build()?;
        let h = t.fit(x.view(), &y)?;
        Ok((state(&t), h.epochs().iter().map(|r| r.loss).collect()))
    })
    .expect("data-parallel fit")
}

fn max_rel(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1e-3))
        .fold(0.0, f64::max)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn check_parity<F: Float>(tol: f64) {
    let (want, losses) = single::<F>();
    for world in [1, 2, 3, 4] {
        let ranks = parallel::<F>(world, false);
        for (r, (w, l)) in ranks.iter().enumerate() {
            assert_eq!(
                bits(w),
                bits(&ranks[0].0),
                "rank {r} differs from rank 0 (world {world})"
            );
            if world == 1 {
                assert_eq!(
                    bits(w),
                    bits(&want),
                    "world 1 equals the single process bit for bit"
                );
                assert_eq!(bits(l), bits(&losses));
            }
            let err = max_rel(w, &want);
            if r == 0 {
                eprintln!("world {world}: max relative weight difference {err:e}");
            }
            assert!(
                err <= tol,
                "world {world}: weights differ by {err:e} relative"
            );
            assert!(
                max_rel(l, &losses) <= tol,
                "world {world}: losses {l:?} vs {losses:?}"
            );
        }
        // The same world size again: the same bits.
        let again = parallel::<F>(world, false);
        assert_eq!(
            bits(&again[0].0),
            bits(&ranks[0].0),
            "rerun at world {world}"
        );
    }
}

#[test]
fn twenty_steps_match_the_single_process_run_in_f64() {
    check_parity::<f64>(1e-12);
}

#[test]
fn twenty_steps_match_the_single_process_run_in_f32() {
    check_parity::<f32>(2e-5);
}

#[test]
fn batch_norm_buffers_are_rank_0s_on_every_rank() {
    let ranks = parallel::<f64>(2, true);
    assert_eq!(bits(&ranks[0].0), bits(&ranks[1].0));
    // Per-shard statistics (DDP without SyncBatchNorm): not the single-process buffers.
    let (x, y) = data();
    let mut t = builder::<f64>(true).build().expect("trainer");
    t.fit(x.view(), &y).expect("fit");
    assert_ne!(bits(&state(&t)), bits(&ranks[0].0));
}

#[test]
fn only_rank_0_writes_checkpoints_and_a_checkpoint_resumes_on_2_ranks_exactly() {
    let dir = std::env::temp_dir().join(format!("tuneup-parallel-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (x, y) = data();
    let full = parallel::<f64>(2, false);
    // Three epochs, a checkpoint callback on every rank (each its own directory) and an
    // explicit save on every rank: only rank 0's files appear.
    run_on_threads(2, |comm| {
        let rank_dir = dir.join(format!("rank{}", comm_rank(&comm)));
        let path = dir.join(format!("explicit{}.safetensors", comm_rank(&comm)));
        let mut t = builder::<f64>(false)
            .epochs(3)
            .callback(ModelCheckpoint::new(&rank_dir))
            .data_parallel(comm)
            .build()?;
        t.fit(x.view(), &y)?;
        t.save_checkpoint(&path)
    })
    .expect("first part");
    assert!(dir.join("explicit0.safetensors").exists());
    assert!(!dir.join("explicit1.safetensors").exists());
    assert!(dir.join("rank0").exists() && !dir.join("rank1").exists());
    let resumed = run_on_threads(2, |comm| {
        let mut t = builder::<f64>(false).data_parallel(comm).build()?;
        t.load_checkpoint(dir.join("explicit0.safetensors"))?;
        t.fit(x.view(), &y)?;
        Ok(state(&t))
    })
    .expect("resumed");
    for r in &resumed {
        assert_eq!(
            bits(r),
            bits(&full[0].0),
            "the resumed run continues exactly"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn comm_rank(c: &tuneup::parallel::ThreadCommunicator) -> usize {
    use tuneup::parallel::Communicator;
    c.rank()
}

#[test]
fn a_batch_smaller_than_the_world_fails_on_every_rank_before_training() {
    let (x, y) = data();
    let out = run_on_threads(4, |comm| {
        let mut t = builder::<f64>(false)
            .batch_size(3)
            .data_parallel(comm)
            .build()?;
        let before = state(&t);
        let err = t.fit(x.view(), &y).unwrap_err();
        Ok((err, before == state(&t)))
    })
    .expect("no hang");
    for (err, untouched) in out {
        assert!(
            matches!(err, Error::Config { ref parameter, .. } if parameter.contains("data_parallel")),
            "{err}"
        );
        assert!(untouched);
    }
    // 62 rows in batches of 20 leave a last batch of 2 rows for 4 ranks.
    let out = run_on_threads(4, |comm| {
        let mut t = builder::<f64>(false)
            .batch_size(20)
            .data_parallel(comm)
            .build()?;
        Ok(t.fit(x.slice(ndarray::s![..62, ..]), &y[..62]).is_err())
    });
    assert_eq!(out.expect("no hang"), [true; 4]);
}

#[test]
fn a_model_of_another_shape_fails_on_every_rank_naming_the_parameter() {
    let (x, y) = data();
    let out = run_on_threads(2, |comm| {
        let width = if comm_rank(&comm) == 1 { 8 } else { 16 };
        let net = Mlp::new(&[4, width, 3]).build::<f64>()?;
        let mut t = builder::<f64>(false)
            .model(net)
            .data_parallel(comm)
            .build()?;
        Ok(t.fit(x.view(), &y).unwrap_err().to_string())
    })
    .expect("no hang");
    assert!(
        out.iter()
            .all(|m| m.contains("`0.weight`") && m.contains("rank 1")),
        "{out:?}"
    );
}

#[test]
fn a_non_finite_value_on_one_rank_stops_every_rank_with_the_weights_restored() {
    let (mut x, y) = data();
    let (_, start) = {
        let t = builder::<f64>(false).build().expect("trainer");
        ((), state(&t))
    };
    // A NaN in the first epoch, in rows that only rank 1 computes (16 rows, rank 1 has 8..16
    // of each batch, no shuffle so that batch 0 holds rows 0..16).
    x[[12, 1]] = f64::NAN;
    let out = run_on_threads(2, |comm| {
        let mut t = builder::<f64>(false)
            .shuffle(false)
            .check_finite(false)
            .data_parallel(comm)
            .build()?;
        let h = t.fit(x.view(), &y)?;
        Ok((h.stop_reason().cloned(), state(&t)))
    })
    .expect("no hang");
    for (reason, w) in out {
        assert!(
            matches!(
                reason,
                Some(tuneup::diagnostics::history::StopReason::Diverged { .. })
            ),
            "{reason:?}"
        );
        assert_eq!(
            bits(&w),
            bits(&start),
            "the weights of the start of the epoch"
        );
    }
}
