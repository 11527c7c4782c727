//! The sharded optimizer step of data parallelism (`DataParallel::sharded_step`): each rank
//! updates its share of every parameter and the shares are gathered. Against the unsharded
//! data-parallel step (all-reduce, then a full step on every rank): the same bits after 20
//! steps at world sizes 1 to 4, for Adam, AdamW, SGD with momentum and an optimizer that
//! only has the default `step_shard`; the consolidated optimizer state equals the unsharded
//! one, and a run resumed from it continues bit for bit; a non-finite gradient is refused on
//! every rank with nothing changed; the thread all-gather refuses mismatched buffers.

use ndarray::{s, Array2};
use tuneup::optim::{OptimizerState, Shard};
use tuneup::parallel::{run_on_threads, Communicator, DataParallel, ThreadCommunicator};
use tuneup::prelude::*;

const STEPS: usize = 20;
const BATCH: usize = 24;

fn data() -> (Array2<f32>, Array2<f32>) {
    let x = Array2::from_shape_fn((BATCH, 5), |(i, j)| ((i * 5 + j) as f32 * 0.61).sin());
    let y = Array2::from_shape_fn((BATCH, 2), |(i, j)| ((i + 3 * j) as f32 * 0.23).cos());
    (x, y)
}

fn model() -> Sequential<f32> {
    // 7 × 5 + 7, 3 × 7 + 3, 2 × 3 + 2 values: shares of unequal sizes at every world size.
    Mlp::new(&[5, 7, 3, 2])
        .activation(Activation::Tanh)
        .seed(9)
        .build::<f32>()
        .unwrap()
}

fn bits(net: &dyn Layer<f32>) -> Vec<u32> {
    let mut w = Vec::new();
    net.visit_parameters(&mut |p| w.extend(p.value_slice().iter().map(|v| v.to_bits())));
    w
}

/// Forward, loss and backward on this rank's shard, then the weighted all-reduce.
fn gradients(
    dp: &mut DataParallel<ThreadCommunicator>,
    net: &mut Sequential<f32>,
    x: &Array2<f32>,
    y: &Array2<f32>,
    grad: &mut Array2<f32>,
) -> tuneup::Result<()> {
    let rows = dp.shard(BATCH)?;
    let out = net.forward(x.slice(s![rows.clone(), ..]), Mode::Train)?;
    let l = Mse::new().value_and_grad(out, y.slice(s![rows, ..]).into(), grad)?;
    net.backward_parameters_overwrite(grad.view())?;
    dp.all_reduce_gradients(net, dp.weight(BATCH)?, f64::from(l))?;
    Ok(())
}

/// `steps` data-parallel steps from `state` (a fresh optimizer when `None`) on every rank:
/// each rank's weights, and its consolidated (sharded) or own (unsharded) optimizer state.
fn train(
    world: usize,
    opt: &(dyn Fn() -> Box<dyn Optimizer<f32>> + Sync),
    sharded: bool,
    steps: usize,
    start: Option<&(Vec<f32>, OptimizerState)>,
) -> Vec<(Vec<u32>, OptimizerState)> {
    let (x, y) = data();
    run_on_threads(world, |comm| {
        let mut dp = DataParallel::new(comm);
        let mut net = model();
        let mut optimizer = opt();
        if let Some((weights, state)) = start {
            let mut at = 0;
            net.visit_parameters_mut(&mut |p| {
                let (v, _) = p.value_and_grad_mut();
                v.copy_from_slice(&weights[at..at + v.len()]);
                at += v.len();
            });
            optimizer.load_state(&net, state)?;
        }
        dp.broadcast_model(&mut net)?;
        let mut grad = Array2::zeros((0, 0));
        for _ in 0..steps {
            gradients(&mut dp, &mut net, &x, &y, &mut grad)?;
            if sharded {
                dp.sharded_step(&mut net, &mut *optimizer)?;
            } else {
                optimizer.step(&mut net)?;
            }
        }
        let state = if sharded {
            dp.consolidate_state(optimizer.state())?
        } else {
            optimizer.state()
        };
        Ok((bits(&net), state))
    })
    .unwrap()
}

/// An optimizer with only the default `step_shard` (a full step): plain SGD by hand.
#[derive(Debug, Clone)]
struct HandSgd;

impl Optimizer<f32> for HandSgd {
    fn step(&mut self, model: &mut dyn Layer<f32>) -> tuneup::Result<()> {
        model.visit_parameters_mut(&mut |p| {
            let (v, g) = p.value_and_grad_mut();
            v.iter_mut().zip(g).for_each(|(v, g)| *v -= 0.05 * g);
        });
        Ok(())
    }
    fn learning_rate(&self) -> f64 {
        0.05
    }
    fn set_learning_rate(&mut self, _: f64) -> tuneup::Result<()> {
        Ok(())
    }
}

type Make = fn() -> Box<dyn Optimizer<f32>>;

fn optimizers() -> Vec<(&'static str, Make)> {
    vec![
        ("Adam", || Box::new(Adam::new(0.01).unwrap())),
        ("AdamW", || {
            Box::new(AdamW::new(0.01).unwrap().weight_decay(0.1).unwrap())
        }),
        ("SGD momentum", || {
            Box::new(
                Sgd::new(0.05)
                    .unwrap()
                    .momentum(0.9)
                    .unwrap()
                    .nesterov(true)
                    .unwrap(),
            )
        }),
        ("default step_shard", || Box::new(HandSgd)),
    ]
}

#[test]
fn sharded_steps_have_the_bits_of_unsharded_steps_at_every_world_size() {
    for (name, make) in optimizers() {
        for world in 1..=4 {
            let sharded = train(world, &make, true, STEPS, None);
            let whole = train(world, &make, false, STEPS, None);
            for (rank, (weights, state)) in sharded.iter().enumerate() {
                assert_eq!(weights, &whole[0].0, "{name}, world {world}, rank {rank}");
                assert_eq!(state, &whole[0].1, "{name} state, world {world}");
            }
            assert_ne!(whole[0].0, bits(&model()), "{name}: the weights moved");
        }
    }
}

#[test]
fn a_resumed_sharded_run_continues_bit_for_bit() {
    let make: Make = || Box::new(Adam::new(0.01).unwrap());
    let straight = train(2, &make, true, STEPS, None);
    let half = train(2, &make, true, STEPS / 2, None);
    let weights: Vec<f32> = half[0].0.iter().map(|&b| f32::from_bits(b)).collect();
    let start = (weights, half[0].1.clone());
    let resumed = train(2, &make, true, STEPS / 2, Some(&start));
    assert_eq!(resumed[0].0, straight[0].0);
    assert_eq!(resumed[0].1, straight[0].1);
    // On 3 ranks the gradients differ by rounding, but the state loads, and sharded and
    // unsharded steps from it agree bit for bit.
    let sharded = train(3, &make, true, STEPS / 2, Some(&start));
    let whole = train(3, &make, false, STEPS / 2, Some(&start));
    assert_eq!(sharded[2].0, whole[0].0);
    assert_eq!(sharded[2].1, whole[0].1);
}

#[test]
fn a_non_finite_gradient_is_refused_on_every_rank_with_nothing_changed() {
    let out = run_on_threads(2, |comm| {
        let mut dp = DataParallel::new(comm);
        let mut net = model();
        let mut adam = Adam::new(0.01)?;
        net.visit_parameters_mut(&mut |p| p.grad_mut().fill(0.5));
        dp.sharded_step(&mut net, &mut adam)?;
        let (before, state) = (bits(&net), dp.consolidate_state(adam.state())?);
        // The same NaN on every rank (as after an all-reduce), in rank 1's share only.
        net.visit_parameters_mut(&mut |p| {
            if p.name() == "2.bias" {
                p.grad_mut().as_slice_mut().unwrap()[1] = f32::NAN;
            }
        });
        let err = dp.sharded_step(&mut net, &mut adam).unwrap_err();
        Ok((
            matches!(err, Error::NonFinite { .. }),
            bits(&net) == before,
            dp.consolidate_state(adam.state())? == state,
        ))
    })
    .unwrap();
    assert_eq!(out, [(true, true, true); 2]);
}

#[test]
fn shards_cover_every_position_once() {
    for world in 1..=5 {
        for len in [0, 1, 4, 7, 10, 33] {
            let mut next = 0;
            for rank in 0..world {
                let p = Shard::new(rank, world).unwrap().positions(len);
                assert_eq!(p.start, next.min(len), "world {world}, len {len}");
                next = p.end;
            }
            assert_eq!(next, len, "world {world}, len {len}");
        }
    }
}

#[test]
fn all_gather_of_mismatched_buffers_fails_on_every_rank() {
    let out = run_on_threads(3, |comm| {
        let mut buf = vec![comm.rank() as f32; 4 + usize::from(comm.rank() == 2)];
        let err = comm.all_gather_f32(&mut buf).unwrap_err();
        // The group still works after the refusal, and the buffers are untouched.
        comm.barrier()?;
        Ok((matches!(err, Error::Shape { .. }), err.to_string(), buf[0]))
    })
    .unwrap();
    for (rank, (shape, text, first)) in out.iter().enumerate() {
        assert!(shape, "{text}");
        assert!(text.contains("rank 2"), "{text}");
        assert_eq!(*first, rank as f32);
    }
}

#[test]
fn all_gather_matches_the_provided_method() {
    // A communicator that keeps the provided (broadcast-based) all-gather.
    struct Plain<'a>(&'a ThreadCommunicator);
    impl Communicator for Plain<'_> {
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
    let out = run_on_threads(3, |comm| {
        let make = || -> Vec<f32> {
            (0..11)
                .map(|i| (i as f32 + 0.1) * (comm.rank() as f32 - 1.5))
                .collect()
        };
        let (mut fast, mut plain) = (make(), make());
        comm.all_gather_f32(&mut fast)?;
        Plain(&comm).all_gather_f32(&mut plain)?;
        Ok((fast, plain))
    })
    .unwrap();
    for (fast, plain) in &out {
        assert_eq!(fast, plain);
        assert_eq!(fast, &out[0].0);
    }
    // Positions 0..4 from rank 0, 4..8 from rank 1, 8..11 from rank 2.
    assert_eq!(out[0].0[3], 3.1 * -1.5);
    assert_eq!(out[0].0[4], 4.1 * -0.5);
    assert_eq!(out[0].0[10], 10.1 * 0.5);
}

#[test]
fn states_with_other_buffers_fail_to_consolidate_on_every_rank() {
    let out = run_on_threads(3, |comm| {
        let mut dp = DataParallel::new(comm);
        let mut net = model();
        if dp.rank() == 1 {
            net.visit_parameters_mut(&mut |p| p.set_frozen(p.name() == "2.bias"));
        }
        let mut adam = Adam::new(0.01)?;
        net.visit_parameters_mut(&mut |p| p.grad_mut().fill(0.5));
        dp.sharded_step(&mut net, &mut adam)?;
        let err = dp.consolidate_state(adam.state()).unwrap_err();
        Ok((matches!(err, Error::State { .. }), err.to_string()))
    })
    .unwrap();
    for (state, text) in &out {
        assert!(state, "{text}");
        assert!(text.contains("1 rank(s)"), "{text}");
    }
}
