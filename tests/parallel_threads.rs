//! The thread backend's collectives and the data-parallel helpers: deterministic sums in
//! rank order, and bad input (world size 0, replicas of different shapes, buffers of different
//! lengths, a non-finite gradient on one rank, a rank that dies) giving typed errors on every
//! rank, never a hang, with weights untouched.

use tuneup::parallel::{
    check_replicas, run_on_threads, Communicator, DataParallel, ThreadCommunicator,
};
use tuneup::prelude::*;
use tuneup::Error;

fn weights(net: &dyn Layer<f64>) -> Vec<f64> {
    let mut w = Vec::new();
    net.visit_parameters(&mut |p| w.extend_from_slice(p.value_slice()));
    w
}

#[test]
fn sums_are_taken_in_rank_order_whatever_the_arrival_order() {
    // Values for which the order of addition changes the bits.
    let vals = [1e16, 1.0, -1e16, 1.0];
    let in_order = ((vals[0] + vals[1]) + vals[2]) + vals[3];
    assert_ne!(in_order, ((vals[3] + vals[2]) + vals[1]) + vals[0]);
    for trial in 0..20 {
        let got = run_on_threads(4, |comm| {
            // Stagger arrivals differently on each trial.
            let r = comm.rank();
            std::thread::sleep(std::time::Duration::from_micros(
                ((r * 7 + trial) % 4) as u64 * 200,
            ));
            let mut v = [vals[r]; 3];
            comm.all_reduce_sum(&mut v)?;
            Ok(v)
        })
        .expect("all-reduce");
        for v in got {
            assert_eq!(v.map(f64::to_bits), [in_order.to_bits(); 3]);
        }
    }
}

#[test]
fn broadcast_and_barrier_reach_every_rank() {
    let got = run_on_threads(4, |comm| {
        let mut v = vec![comm.rank() as f64; 5];
        comm.broadcast(&mut v, 1)?;
        comm.barrier()?;
        Ok(v)
    })
    .expect("broadcast");
    assert!(got.iter().all(|v| v == &vec![1.0; 5]));
    let bad_root = run_on_threads(2, |comm| Ok(comm.broadcast(&mut [0.0], 2).is_err()));
    assert_eq!(bad_root.expect("no hang"), [true, true]);
}

#[test]
fn world_size_zero_is_a_config_error() {
    assert!(matches!(
        ThreadCommunicator::group(0),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        run_on_threads(0, |_| Ok(())),
        Err(Error::Config { .. })
    ));
}

#[test]
fn buffers_of_different_lengths_fail_on_every_rank() {
    let errs = run_on_threads(3, |comm| {
        let mut v = vec![1.0; 4 + usize::from(comm.rank() == 2)];
        let all_reduce = comm.all_reduce_sum(&mut v).unwrap_err();
        let broadcast = comm.broadcast(&mut v, 0).unwrap_err();
        // The group still works afterwards.
        let mut ok = [1.0];
        comm.all_reduce_sum(&mut ok)?;
        Ok((all_reduce, broadcast, ok[0]))
    })
    .expect("errors, not a hang");
    for (a, b, ok) in errs {
        assert!(
            matches!(a, Error::Shape { ref found, .. } if found.contains("rank 2")),
            "{a}"
        );
        assert!(matches!(b, Error::Shape { .. }));
        assert_eq!(ok, 3.0);
    }
}

#[test]
fn long_buffers_are_summed_and_broadcast_at_every_position() {
    // Lengths around the ranks' shares and the 256-value blocks: every position, each rank's
    // values different, summed in rank order.
    for len in [0, 1, 2, 3, 255, 256, 257, 769, 1001] {
        let got = run_on_threads(3, |comm| {
            let r = comm.rank() as f64;
            let mut sum: Vec<f64> = (0..len)
                .map(|i| (i as f64 + 1.0) * (r + 1.0) / 3.0)
                .collect();
            comm.all_reduce_sum(&mut sum)?;
            let mut from_two: Vec<f64> = (0..len).map(|i| i as f64 * (r + 1.0)).collect();
            comm.broadcast(&mut from_two, 2)?;
            Ok((sum, from_two))
        })
        .expect("collectives");
        for (sum, from_two) in got {
            for i in 0..len {
                let v = |r: f64| (i as f64 + 1.0) * (r + 1.0) / 3.0;
                assert_eq!(sum[i].to_bits(), ((v(0.0) + v(1.0)) + v(2.0)).to_bits());
                assert_eq!(from_two[i], i as f64 * 3.0);
            }
        }
    }
}

#[test]
fn ranks_in_different_collectives_get_errors_and_keep_their_buffers() {
    let got = run_on_threads(3, |comm| {
        let mut v = vec![comm.rank() as f64; 600];
        let err = match comm.rank() {
            0 => comm.all_reduce_sum(&mut v),
            1 => comm.broadcast(&mut v, 0),
            _ => comm.barrier(),
        }
        .unwrap_err();
        // The calls still meet: the group goes on.
        comm.barrier()?;
        Ok((err, v))
    })
    .expect("errors, not a hang");
    for (rank, (err, v)) in got.into_iter().enumerate() {
        assert!(
            matches!(err, Error::Shape { ref found, .. } if found.contains("rank 1 in broadcast")),
            "{err}"
        );
        assert!(v.iter().all(|&x| x == rank as f64));
    }
}

#[test]
fn a_rank_that_panics_releases_the_others() {
    let result = run_on_threads(3, |comm| {
        if comm.rank() == 1 {
            panic!("rank 1 fails");
        }
        let mut v = [1.0];
        comm.all_reduce_sum(&mut v)
    });
    // Rank 0 reports that rank 1 left (its error comes first); nobody waits forever.
    assert!(
        matches!(result, Err(Error::State { ref detail, .. }) if detail.contains("rank 1")),
        "{result:?}"
    );
}

#[test]
fn a_model_of_another_shape_is_named_on_every_rank_and_nothing_changes() {
    let out = run_on_threads(4, |comm| {
        let hidden = if comm.rank() == 2 { 6 } else { 5 };
        let mut net = Mlp::new(&[3, 4, hidden, 1])
            .seed(comm.rank() as u64)
            .build::<f64>()?;
        let before = weights(&net);
        let check = check_replicas(&net, &comm).unwrap_err();
        let err = DataParallel::new(&comm)
            .broadcast_model(&mut net)
            .unwrap_err();
        Ok((check, err, before == weights(&net)))
    })
    .expect("errors, not a hang");
    for (check, err, untouched) in out {
        assert_eq!(check, err);
        let msg = err.to_string();
        assert!(matches!(err, Error::Shape { .. }));
        assert!(
            msg.contains("`2.weight`") && msg.contains("rank 2"),
            "{msg}"
        );
        assert!(msg.contains("[5, 4]") && msg.contains("[6, 4]"), "{msg}");
        assert!(untouched);
    }
}

#[test]
fn a_missing_layer_is_named_too() {
    let out = run_on_threads(2, |comm| {
        let sizes: &[usize] = if comm.rank() == 0 {
            &[2, 3, 1]
        } else {
            &[2, 3, 3, 1]
        };
        let net = Mlp::new(sizes).build::<f64>()?;
        Ok(check_replicas(&net, &comm).unwrap_err().to_string())
    })
    .expect("errors, not a hang");
    assert!(out.iter().all(|m| m.contains("rank 1")), "{out:?}");
}

#[test]
fn a_non_finite_gradient_on_one_rank_is_refused_on_every_rank() {
    let out = run_on_threads(2, |comm| {
        let mut dp = DataParallel::new(comm);
        let mut net = Mlp::new(&[2, 3, 1]).seed(1).build::<f64>()?;
        dp.broadcast_model(&mut net)?;
        let rank = dp.rank();
        net.visit_parameters_mut(&mut |p| {
            p.grad_mut().fill(0.25);
            if rank == 1 && p.name() == "2.bias" {
                p.grad_mut().fill(f64::INFINITY);
            }
        });
        let mut grads_before = Vec::new();
        net.visit_parameters(&mut |p| grads_before.extend_from_slice(p.grad_slice()));
        let w_before = weights(&net);
        let err = dp.all_reduce_gradients(&mut net, 0.5, 1.0).unwrap_err();
        let mut grads_after = Vec::new();
        net.visit_parameters(&mut |p| grads_after.extend_from_slice(p.grad_slice()));
        let same_grads = grads_before
            .iter()
            .zip(&grads_after)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        Ok((err, same_grads, w_before == weights(&net)))
    })
    .expect("errors, not a hang");
    for (err, same_grads, same_weights) in out {
        assert!(
            matches!(err, Error::NonFinite { ref detail, .. } if detail.contains("rank 1")),
            "{err}"
        );
        assert!(same_grads && same_weights);
    }
}

#[test]
fn shards_cover_the_batch_and_weights_sum_to_one() {
    for world in 1..=5 {
        for rows in world..world + 7 {
            let got = run_on_threads(world, |c| {
                let dp = DataParallel::new(c);
                Ok((dp.shard(rows)?, dp.weight(rows)?))
            })
            .expect("valid");
            let mut next = 0;
            for (r, _) in &got {
                assert_eq!(r.start, next);
                assert!(!r.is_empty());
                next = r.end;
            }
            assert_eq!(next, rows);
            let total: f64 = got.iter().map(|(_, w)| w).sum();
            assert!((total - 1.0).abs() < 1e-12);
        }
    }
    let small = run_on_threads(4, |c| Ok(DataParallel::new(c).shard(3).is_err()));
    assert_eq!(small.expect("no hang"), [true; 4]);
}

/// A communicator that forwards the required methods only, so the trait's provided
/// `all_reduce_weighted_f32` (widen, `all_reduce_sum`, narrow) runs.
struct ProvidedOnly(ThreadCommunicator);

impl Communicator for ProvidedOnly {
    fn rank(&self) -> usize {
        self.0.rank()
    }
    fn world_size(&self) -> usize {
        self.0.world_size()
    }
    fn all_reduce_sum(&self, buf: &mut [f64]) -> tuneup::Result<()> {
        self.0.all_reduce_sum(buf)
    }
    fn broadcast(&self, buf: &mut [f64], root: usize) -> tuneup::Result<()> {
        self.0.broadcast(buf, root)
    }
    fn barrier(&self) -> tuneup::Result<()> {
        self.0.barrier()
    }
}

/// Rank `r`'s value at position `i`: values whose weighted sum rounds differently in `f32`.
fn f32_value(r: usize, i: usize) -> f32 {
    ((i as f32 + 0.1) * (r as f32 + 1.3)).sin() * 10f32.powi((i % 7) as i32 - 3)
}

/// Rank `r`'s weight: not a power of two, so every product rounds.
fn f32_weight(r: usize) -> f64 {
    (r as f64 + 1.0) / 7.3
}

#[test]
fn weighted_f32_sums_have_the_bits_of_widening_summing_in_rank_order_and_narrowing() {
    for world in 1..=4 {
        for len in [0, 1, 2, 3, 255, 256, 257, 769, 1001] {
            let got = run_on_threads(world, |comm| {
                let r = comm.rank();
                let mut fused: Vec<f32> = (0..len).map(|i| f32_value(r, i)).collect();
                comm.all_reduce_weighted_f32(&mut fused, f32_weight(r))?;
                let provided = ProvidedOnly(comm);
                let mut wide: Vec<f32> = (0..len).map(|i| f32_value(r, i)).collect();
                provided.all_reduce_weighted_f32(&mut wide, f32_weight(r))?;
                Ok((fused, wide))
            })
            .expect("collectives");
            for (fused, provided) in got {
                for i in 0..len {
                    let mut sum = f64::from(f32_value(0, i)) * f32_weight(0);
                    for r in 1..world {
                        sum += f64::from(f32_value(r, i)) * f32_weight(r);
                    }
                    let want = (sum as f32).to_bits();
                    assert_eq!(fused[i].to_bits(), want, "world {world}, len {len}, at {i}");
                    assert_eq!(
                        provided[i].to_bits(),
                        want,
                        "world {world}, len {len}, at {i}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_weighted_f32_all_reduce_against_another_collective_fails_on_every_rank() {
    let got = run_on_threads(2, |comm| {
        let mut v32 = vec![comm.rank() as f32; 300];
        let mut v64 = vec![comm.rank() as f64; 300];
        let err = match comm.rank() {
            0 => comm.all_reduce_weighted_f32(&mut v32, 0.5),
            _ => comm.all_reduce_sum(&mut v64),
        }
        .unwrap_err();
        let mut short = vec![1.0f32; 3 + comm.rank()];
        let short_err = comm.all_reduce_weighted_f32(&mut short, 0.5).unwrap_err();
        comm.barrier()?;
        Ok((err, v32, v64, short_err))
    })
    .expect("errors, not a hang");
    for (rank, (err, v32, v64, short_err)) in got.into_iter().enumerate() {
        assert!(
            matches!(err, Error::Shape { ref expected, ref found, .. }
                if expected.contains("all_reduce_weighted_f32")
                    && found.contains("rank 1 in all_reduce_sum")),
            "{err}"
        );
        assert!(v32.iter().all(|&x| x == rank as f32));
        assert!(v64.iter().all(|&x| x == rank as f64));
        assert!(
            matches!(short_err, Error::Shape { ref found, .. } if found.contains("4 values on rank 1")),
            "{short_err}"
        );
    }
}

/// Every gradient of an `f32` model, as bits.
fn grad_bits(net: &dyn Layer<f32>) -> Vec<u32> {
    let mut g = Vec::new();
    net.visit_parameters(&mut |p| g.extend(p.grad_slice().iter().map(|v| v.to_bits())));
    g
}

#[test]
fn f32_gradients_are_the_weighted_sums_of_the_ranks_gradients() {
    let world = 3;
    let rows = 10; // shards of 4, 3 and 3 rows: unequal weights
    let ranks_grads = |r: usize, p: &mut Parameter<f32>| {
        let n = p.grad_slice().len();
        let g: Vec<f32> = (0..n)
            .map(|i| f32_value(r, i + 17 * p.name().len()))
            .collect();
        p.grad_mut()
            .as_slice_mut()
            .expect("contiguous")
            .copy_from_slice(&g);
    };
    let out = run_on_threads(world, |comm| {
        let mut dp = DataParallel::new(comm);
        let mut net = Mlp::new(&[3, 5, 2]).seed(4).build::<f32>()?;
        dp.broadcast_model(&mut net)?;
        let rank = dp.rank();
        net.visit_parameters_mut(&mut |p| ranks_grads(rank, p));
        let loss = dp.all_reduce_gradients(&mut net, dp.weight(rows)?, rank as f64 + 0.5)?;
        Ok((loss, grad_bits(&net)))
    })
    .expect("all-reduce");
    let weights = [0.4, 0.3, 0.3];
    let mut want = Mlp::new(&[3, 5, 2]).seed(4).build::<f32>().expect("net");
    let mut per_rank: Vec<Vec<f32>> = Vec::new();
    for r in 0..world {
        want.visit_parameters_mut(&mut |p| ranks_grads(r, p));
        let mut g = Vec::new();
        want.visit_parameters(&mut |p| g.extend_from_slice(p.grad_slice()));
        per_rank.push(g);
    }
    let expected: Vec<u32> = (0..per_rank[0].len())
        .map(|i| {
            let sum = (0..world).fold(0.0f64, |acc, r| {
                let term = f64::from(per_rank[r][i]) * weights[r];
                if r == 0 {
                    term
                } else {
                    acc + term
                }
            });
            (sum as f32).to_bits()
        })
        .collect();
    let want_loss = (0.5 * 0.4 + 1.5 * 0.3) + 2.5 * 0.3;
    for (loss, bits) in out {
        assert_eq!(loss, want_loss);
        assert_eq!(bits, expected);
    }
}

#[test]
fn a_non_finite_f32_gradient_on_one_rank_leaves_every_rank_s_gradients_as_they_were() {
    let out = run_on_threads(2, |comm| {
        let mut dp = DataParallel::new(comm);
        let mut net = Mlp::new(&[2, 3, 1]).seed(1).build::<f32>()?;
        dp.broadcast_model(&mut net)?;
        let rank = dp.rank();
        net.visit_parameters_mut(&mut |p| {
            p.grad_mut().fill(0.25 + rank as f32);
            if rank == 1 && p.name() == "0.weight" {
                p.grad_mut()[[0, 1]] = f32::NAN;
            }
        });
        let before = grad_bits(&net);
        let err = dp.all_reduce_gradients(&mut net, 0.5, 1.0).unwrap_err();
        Ok((err, before == grad_bits(&net)))
    })
    .expect("errors, not a hang");
    for (err, same_grads) in out {
        assert!(
            matches!(err, Error::NonFinite { ref detail, .. } if detail.contains("rank 1")),
            "{err}"
        );
        assert!(same_grads);
    }
}

#[test]
fn weighted_f32_sums_are_taken_in_rank_order_whatever_the_arrival_order() {
    // In f64, 1e30 / 4 swallows 1 / 4: only the order 0, 1, 2, 3 leaves one quarter.
    let vals = [1e30f32, 1.0, -1e30, 1.0];
    for trial in 0..10 {
        let got = run_on_threads(4, |comm| {
            let r = comm.rank();
            std::thread::sleep(std::time::Duration::from_micros(
                ((r * 5 + trial) % 4) as u64 * 200,
            ));
            let mut v = [vals[r]; 600];
            comm.all_reduce_weighted_f32(&mut v, 0.25)?;
            Ok(v)
        })
        .expect("all-reduce");
        for v in got {
            assert!(v.iter().all(|&x| x == 0.25), "{:?}", &v[..4]);
        }
    }
}
