//! `DistributedSampler`: each rank's sample indices for an epoch, as PyTorch's
//! `torch.utils.data.DistributedSampler` gives them.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::Communicator;
use crate::{Error, Result};

/// The indices of a data set of `len` samples that one rank of `num_replicas` reads in an
/// epoch, with the semantics of PyTorch's `DistributedSampler`:
///
/// - the order is `0..len`, or with `shuffle` (the default) a permutation drawn from
///   `seed + epoch` alone (every rank draws the same one);
/// - without `drop_last` (the default) the order is padded by wrapping around to
///   `num_samples × num_replicas` indices, `num_samples = ⌈len / num_replicas⌉`, so every rank
///   gets the same count; with `drop_last` it is cut to `⌊len / num_replicas⌋ × num_replicas`;
/// - rank `r` takes positions `r, r + num_replicas, r + 2·num_replicas, …`.
///
/// Without shuffling the indices equal PyTorch's exactly; a shuffled epoch is a permutation
/// from this crate's seeded generator (PyTorch's `randperm` stream is not reproduced), with
/// the same padding and split.
///
/// ```
/// use tuneup::parallel::DistributedSampler;
/// let s = DistributedSampler::new(10, 4, 1).shuffle(false);
/// assert_eq!(s.indices(0)?, [1, 5, 9]);
/// assert_eq!(s.clone().drop_last(true).indices(0)?, [1, 5]);
/// assert_eq!(DistributedSampler::new(10, 4, 3).shuffle(false).indices(0)?, [3, 7, 1]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributedSampler {
    len: usize,
    num_replicas: usize,
    rank: usize,
    shuffle: bool,
    seed: u64,
    drop_last: bool,
}

impl DistributedSampler {
    /// Rank `rank` of `num_replicas` over a data set of `len` samples; shuffled with seed 0,
    /// padded (no drop-last). The values are checked by [`DistributedSampler::check`].
    ///
    /// ```
    /// use tuneup::parallel::DistributedSampler;
    /// assert_eq!(DistributedSampler::new(7, 2, 0).num_samples(), 4);
    /// ```
    pub fn new(len: usize, num_replicas: usize, rank: usize) -> Self {
        DistributedSampler {
            len,
            num_replicas,
            rank,
            shuffle: true,
            seed: 0,
            drop_last: false,
        }
    }

    /// The sampler of `comm`'s rank in `comm`'s group.
    ///
    /// ```
    /// use tuneup::parallel::{DistributedSampler, ThreadCommunicator};
    /// let comm = ThreadCommunicator::group(1)?.remove(0);
    /// assert_eq!(DistributedSampler::for_rank(5, &comm).shuffle(false).indices(0)?, [0, 1, 2, 3, 4]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn for_rank(len: usize, comm: &dyn Communicator) -> Self {
        Self::new(len, comm.world_size(), comm.rank())
    }

    /// Shuffle each epoch (default `true`).
    ///
    /// ```
    /// use tuneup::parallel::DistributedSampler;
    /// let s = DistributedSampler::new(4, 1, 0).shuffle(false);
    /// assert_eq!(s.indices(3)?, [0, 1, 2, 3]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// The seed of the shuffle; epoch `e` uses `seed + e` (default 0).
    ///
    /// ```
    /// use tuneup::parallel::DistributedSampler;
    /// let a = DistributedSampler::new(50, 1, 0).seed(3);
    /// assert_eq!(a.indices(1)?, DistributedSampler::new(50, 1, 0).seed(4).indices(0)?);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Drop the tail that does not split evenly instead of padding (default `false`).
    ///
    /// ```
    /// use tuneup::parallel::DistributedSampler;
    /// assert_eq!(DistributedSampler::new(7, 2, 0).drop_last(true).num_samples(), 3);
    /// ```
    pub fn drop_last(mut self, drop_last: bool) -> Self {
        self.drop_last = drop_last;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::Config`] for `num_replicas = 0` or `rank ≥ num_replicas`.
    ///
    /// ```
    /// use tuneup::parallel::DistributedSampler;
    /// assert!(DistributedSampler::new(10, 0, 0).check().is_err());
    /// assert!(DistributedSampler::new(10, 2, 2).check().is_err());
    /// assert!(DistributedSampler::new(10, 2, 1).check().is_ok());
    /// ```
    pub fn check(&self) -> Result<()> {
        if self.num_replicas == 0 {
            return Err(Error::config(
                "DistributedSampler.num_replicas",
                0,
                "at least 1",
            ));
        }
        if self.rank >= self.num_replicas {
            return Err(Error::config(
                "DistributedSampler.rank",
                self.rank,
                format!("a rank in [0, {}]", self.num_replicas - 1),
            ));
        }
        Ok(())
    }

    /// The indices each rank gets per epoch (0 for an invalid setting).
    ///
    /// ```
    /// use tuneup::parallel::DistributedSampler;
    /// assert_eq!(DistributedSampler::new(10, 4, 0).num_samples(), 3);
    /// assert_eq!(DistributedSampler::new(10, 4, 0).drop_last(true).num_samples(), 2);
    /// ```
    pub fn num_samples(&self) -> usize {
        match (self.num_replicas, self.drop_last) {
            (0, _) => 0,
            (w, true) => self.len / w,
            (w, false) => self.len.div_ceil(w),
        }
    }

    /// This rank's indices for epoch `epoch`.
    ///
    /// # Errors
    /// Those of [`DistributedSampler::check`].
    ///
    /// ```
    /// use tuneup::parallel::DistributedSampler;
    /// let per_rank: Vec<Vec<usize>> = (0..3)
    ///     .map(|r| DistributedSampler::new(8, 3, r).seed(7).indices(2))
    ///     .collect::<tuneup::Result<_>>()?;
    /// assert!(per_rank.iter().all(|ix| ix.len() == 3)); // 8 padded to 9
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn indices(&self, epoch: u64) -> Result<Vec<usize>> {
        let mut out = Vec::new();
        self.indices_into(epoch, &mut out)?;
        Ok(out)
    }

    /// Like [`DistributedSampler::indices`], into `out` (cleared first); the epoch's full
    /// order is drawn in `out` itself, so a reused `out` allocates nothing.
    ///
    /// # Errors
    /// Those of [`DistributedSampler::check`]; `out` is left empty.
    ///
    /// ```
    /// use tuneup::parallel::DistributedSampler;
    /// let mut out = Vec::new();
    /// DistributedSampler::new(6, 2, 1).shuffle(false).indices_into(0, &mut out)?;
    /// assert_eq!(out, [1, 3, 5]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn indices_into(&self, epoch: u64, out: &mut Vec<usize>) -> Result<()> {
        out.clear();
        self.check()?;
        out.extend(0..self.len);
        if self.shuffle {
            let mut rng = StdRng::seed_from_u64(self.seed.wrapping_add(epoch));
            out.shuffle(&mut rng);
        }
        let total = self.num_samples() * self.num_replicas;
        // Padding by wrapping around: position i of the padded order holds order[i mod len].
        for i in self.len..total {
            out.push(out[i % self.len]);
        }
        out.truncate(total);
        let mut kept = 0;
        for pos in (self.rank..total).step_by(self.num_replicas) {
            out[kept] = out[pos];
            kept += 1;
        }
        out.truncate(kept);
        Ok(())
    }
}
