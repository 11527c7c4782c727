//! `DistributedSampler` against PyTorch's `torch.utils.data.DistributedSampler`.
//!
//! `tests/fixtures/distributed_sampler.json` is written by
//! `scripts/reference/make_parallel_fixtures.py`: the indices PyTorch gives each rank for
//! (n, world, rank, drop_last) without shuffling; they must match exactly. Shuffled epochs use
//! the crate's generator, so their invariants are tested instead.
mod common;

use std::collections::BTreeSet;
use tuneup::parallel::DistributedSampler;

fn num(v: &serde_json::Value, key: &str) -> usize {
    v[key].as_u64().unwrap_or_else(|| panic!("`{key}` in {v}")) as usize
}

#[test]
fn unshuffled_indices_equal_pytorch() {
    let fixture = common::load_fixture("distributed_sampler.json");
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(cases.len() > 300);
    for c in cases {
        let (n, world, rank) = (num(c, "n"), num(c, "world"), num(c, "rank"));
        let drop_last = c["drop_last"].as_bool().expect("drop_last");
        let s = DistributedSampler::new(n, world, rank)
            .shuffle(false)
            .drop_last(drop_last);
        let want: Vec<usize> = c["indices"]
            .as_array()
            .expect("indices")
            .iter()
            .map(|v| v.as_u64().expect("index") as usize)
            .collect();
        let got = s.indices(num(c, "epoch") as u64).expect("valid sampler");
        assert_eq!(
            got, want,
            "n={n} world={world} rank={rank} drop_last={drop_last}"
        );
        assert_eq!(s.num_samples(), num(c, "num_samples"));
    }
}

/// Every rank's indices of one epoch, rank by rank.
fn all_ranks(n: usize, world: usize, seed: u64, epoch: u64, drop_last: bool) -> Vec<Vec<usize>> {
    (0..world)
        .map(|r| {
            DistributedSampler::new(n, world, r)
                .seed(seed)
                .drop_last(drop_last)
                .indices(epoch)
                .expect("valid sampler")
        })
        .collect()
}

/// The epoch's whole order: position `i * world + r` is rank r's i-th index.
fn interleave(ranks: &[Vec<usize>]) -> Vec<usize> {
    let per = ranks[0].len();
    (0..per)
        .flat_map(|i| ranks.iter().map(move |r| r[i]))
        .collect()
}

#[test]
fn a_shuffled_epoch_is_a_permutation_from_seed_plus_epoch_padded_by_wrapping() {
    for (n, world) in [(10, 4), (7, 3), (16, 4), (3, 8)] {
        let ranks = all_ranks(n, world, 5, 2, false);
        let order = interleave(&ranks);
        // A permutation of 0..n, then the padding: its first entries again.
        let perm = &order[..n];
        assert_eq!(perm.iter().copied().collect::<BTreeSet<_>>().len(), n);
        assert!(perm.iter().all(|&i| i < n));
        for (i, &v) in order.iter().enumerate().skip(n) {
            assert_eq!(
                v,
                perm[i % n],
                "padding wraps around (n={n}, world={world})"
            );
        }
        // Equal counts on every rank, covering every sample.
        assert!(ranks.iter().all(|r| r.len() == n.div_ceil(world)));
        // Only seed + epoch matter.
        assert_eq!(ranks, all_ranks(n, world, 4, 3, false));
        assert_ne!(ranks, all_ranks(n, world, 5, 3, false));
    }
}

#[test]
fn drop_last_gives_disjoint_equal_shards() {
    let ranks = all_ranks(103, 4, 9, 0, true);
    assert!(ranks.iter().all(|r| r.len() == 25));
    let all: BTreeSet<usize> = ranks.iter().flatten().copied().collect();
    assert_eq!(all.len(), 100, "disjoint");
    // Without drop_last, the padded order covers every sample.
    let padded: BTreeSet<usize> = all_ranks(103, 4, 9, 0, false)
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(padded.len(), 103);
}

#[test]
fn bad_settings_are_config_errors() {
    let zero = DistributedSampler::new(10, 0, 0).indices(0);
    assert!(
        matches!(zero, Err(tuneup::Error::Config { ref parameter, .. }) if parameter == "DistributedSampler.num_replicas")
    );
    let rank = DistributedSampler::new(10, 2, 5).indices(0);
    assert!(
        matches!(rank, Err(tuneup::Error::Config { ref parameter, .. }) if parameter == "DistributedSampler.rank")
    );
    let mut out = vec![1, 2, 3];
    assert!(DistributedSampler::new(4, 2, 2)
        .indices_into(0, &mut out)
        .is_err());
    assert!(out.is_empty());
}

#[test]
fn sampler_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<DistributedSampler>();
    check::<tuneup::parallel::ThreadCommunicator>();
    check::<tuneup::parallel::DataParallel<tuneup::parallel::ThreadCommunicator>>();
}
