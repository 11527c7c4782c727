//! `Shard`: one rank's share of the positions of every parameter, for an optimizer update
//! split between data-parallel replicas.

use std::ops::Range;

use crate::{Error, Result};

/// Rank `rank` of `world` ranks, each owning a contiguous share of the positions of every
/// parameter: `⌈len / world⌉` positions per rank, the last ranks' shares shorter (or empty).
/// [`Optimizer::step_shard`](super::Optimizer::step_shard) updates only those positions, and
/// [`DataParallel::sharded_step`](crate::parallel::DataParallel::sharded_step) copies each
/// rank's share into every other replica; the thread backend splits its collectives the same
/// way.
///
/// ```
/// use tuneup::optim::Shard;
/// let shares: Vec<_> = (0..3).map(|r| Shard::new(r, 3).unwrap().positions(10)).collect();
/// assert_eq!(shares, [0..4, 4..8, 8..10]);
/// assert_eq!(Shard::whole().positions(10), 0..10);
/// assert!(Shard::new(3, 3).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    rank: usize,
    world: usize,
}

impl Shard {
    /// Rank `rank`'s share among `world` ranks.
    ///
    /// # Errors
    /// [`Error::Config`] for a world of 0 or a rank outside it.
    ///
    /// ```
    /// use tuneup::optim::Shard;
    /// assert_eq!(Shard::new(1, 2)?.rank(), 1);
    /// assert!(Shard::new(0, 0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new(rank: usize, world: usize) -> Result<Shard> {
        if rank >= world {
            return Err(Error::config(
                "Shard rank",
                format!("rank {rank} of {world}"),
                "a rank below the world size (at least 1)",
            ));
        }
        Ok(Shard { rank, world })
    }

    /// Every position: the one rank of a world of one.
    ///
    /// ```
    /// assert_eq!(tuneup::optim::Shard::whole().world(), 1);
    /// ```
    pub fn whole() -> Shard {
        Shard { rank: 0, world: 1 }
    }

    /// This rank.
    ///
    /// ```
    /// assert_eq!(tuneup::optim::Shard::whole().rank(), 0);
    /// ```
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks.
    ///
    /// ```
    /// assert_eq!(tuneup::optim::Shard::new(0, 4).unwrap().world(), 4);
    /// ```
    pub fn world(&self) -> usize {
        self.world
    }

    /// This rank's positions of a parameter of `len` values.
    ///
    /// ```
    /// use tuneup::optim::Shard;
    /// assert_eq!(Shard::new(1, 4).unwrap().positions(5), 2..4);
    /// assert_eq!(Shard::new(3, 4).unwrap().positions(5), 5..5); // nothing left
    /// ```
    pub fn positions(&self, len: usize) -> Range<usize> {
        let share = len.div_ceil(self.world);
        let lo = self.rank.saturating_mul(share).min(len);
        lo..lo.saturating_add(share).min(len)
    }
}
