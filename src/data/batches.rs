//! Mini-batches that reuse their buffers: [`BatchLoader`], one [`Epoch`] at a time.
//!
//! Each epoch visits the samples once, in order or in a permutation drawn from a generator
//! seeded by `(seed, epoch)`, so epoch `e`'s order depends only on the seed and `e` (a resumed
//! run sees the same batches). The rows of each batch are gathered into matrices that the
//! loader keeps: after the first epoch on data of one shape, producing batches allocates
//! nothing.

use ndarray::{s, Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::data::Dataset;
use crate::loss::Targets;
use crate::{Error, Float, Result};

/// Settings and reusable buffers for mini-batches.
///
/// `batch_size` rows per batch; the last batch of an epoch is smaller unless
/// [`drop_last`](Self::drop_last) drops it. Use [`epoch`](Self::epoch) (or
/// [`epoch_of`](Self::epoch_of) for a [`Dataset`]) and call [`Epoch::next_batch`] until it
/// returns `None`.
///
/// ```
/// use tuneup::data::{BatchLoader, Dataset};
/// use ndarray::Array2;
///
/// let x = Array2::from_shape_fn((10, 2), |(i, j)| (i * 10 + j) as f64);
/// let ds = Dataset::classification(x, (0..10).map(|i| i % 2).collect())?;
/// let mut loader = BatchLoader::new(4)?.shuffle(7);
/// for epoch in 0..2 {
///     let mut batches = loader.epoch_of(&ds, epoch)?;
///     let mut seen = 0;
///     while let Some(batch) = batches.next_batch() {
///         assert_eq!(batch.x.nrows(), batch.targets.rows());
///         seen += batch.x.nrows();
///     }
///     assert_eq!(seen, 10); // batches of 4, 4 and 2
/// }
/// assert_eq!(loader.n_batches(10), 3);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BatchLoader<F> {
    batch_size: usize,
    drop_last: bool,
    seed: Option<u64>,
    order: Vec<usize>,
    x: Array2<F>,
    values: Array2<F>,
    labels: Vec<usize>,
}

/// One batch: views of the loader's buffers, valid until the next call to
/// [`Epoch::next_batch`].
///
/// ```
/// use tuneup::data::BatchLoader;
/// use ndarray::array;
/// let x = array![[1.0], [2.0], [3.0]];
/// let y = array![[10.0], [20.0], [30.0]];
/// let mut loader = BatchLoader::new(2)?;
/// let mut epoch = loader.epoch(x.view(), (&y).into(), 0)?;
/// let b = epoch.next_batch().unwrap();
/// assert_eq!(b.indices, &[0, 1]);
/// assert_eq!(b.x, array![[1.0], [2.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a, F> {
    /// The batch's feature rows.
    pub x: ArrayView2<'a, F>,
    /// The batch's targets, ready for a loss.
    pub targets: Targets<'a, F>,
    /// The rows of the full data these came from, in batch order.
    pub indices: &'a [usize],
}

/// The batches of one epoch; made by [`BatchLoader::epoch`].
///
/// ```
/// use tuneup::data::BatchLoader;
/// let x = ndarray::Array2::<f32>::zeros((5, 3));
/// let labels = vec![0usize; 5];
/// let mut loader = BatchLoader::new(2)?.drop_last(true);
/// let mut epoch = loader.epoch(x.view(), labels.as_slice().into(), 0)?;
/// assert_eq!(epoch.remaining(), 2);
/// while epoch.next_batch().is_some() {}
/// assert_eq!(epoch.remaining(), 0);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug)]
pub struct Epoch<'a, F> {
    loader: &'a mut BatchLoader<F>,
    x: ArrayView2<'a, F>,
    targets: Targets<'a, F>,
    pos: usize,
    end: usize,
}

impl<F: Float> BatchLoader<F> {
    /// Batches of `batch_size` rows (at least 1), in order, keeping the last partial batch.
    ///
    /// # Errors
    /// [`Error::Config`] if `batch_size` is 0.
    ///
    /// ```
    /// assert!(tuneup::data::BatchLoader::<f64>::new(0).is_err());
    /// ```
    pub fn new(batch_size: usize) -> Result<Self> {
        if batch_size == 0 {
            return Err(Error::config(
                "BatchLoader.batch_size",
                batch_size,
                "at least 1",
            ));
        }
        Ok(BatchLoader {
            batch_size,
            drop_last: false,
            seed: None,
            order: Vec::new(),
            x: Array2::zeros((0, 0)),
            values: Array2::zeros((0, 0)),
            labels: Vec::new(),
        })
    }

    /// Whether to drop an epoch's last batch when it has fewer than `batch_size` rows.
    ///
    /// ```
    /// let loader = tuneup::data::BatchLoader::<f64>::new(4)?.drop_last(true);
    /// assert_eq!(loader.n_batches(10), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn drop_last(mut self, drop_last: bool) -> Self {
        self.drop_last = drop_last;
        self
    }

    /// Visits the samples of epoch `e` in a permutation drawn from a generator seeded by
    /// `(seed, e)`.
    ///
    /// ```
    /// use tuneup::data::BatchLoader;
    /// let x = ndarray::Array2::<f64>::zeros((6, 1));
    /// let y = vec![0usize; 6];
    /// let mut loader = BatchLoader::new(6)?.shuffle(1);
    /// let first = loader.epoch(x.view(), y.as_slice().into(), 3)?.order().to_vec();
    /// let again = loader.epoch(x.view(), y.as_slice().into(), 3)?.order().to_vec();
    /// assert_eq!(first, again);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The rows per batch.
    ///
    /// ```
    /// assert_eq!(tuneup::data::BatchLoader::<f32>::new(32)?.batch_size(), 32);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// How many batches an epoch over `n_samples` has.
    ///
    /// ```
    /// let loader = tuneup::data::BatchLoader::<f64>::new(4)?;
    /// assert_eq!(loader.n_batches(10), 3);
    /// assert_eq!(loader.n_batches(0), 0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_batches(&self, n_samples: usize) -> usize {
        if self.drop_last {
            n_samples / self.batch_size
        } else {
            n_samples.div_ceil(self.batch_size)
        }
    }

    /// Starts epoch `epoch` over features `x` (one row per sample) and their targets.
    ///
    /// # Errors
    /// [`Error::Shape`] if the targets do not have one entry per row of `x`.
    ///
    /// ```
    /// use tuneup::data::BatchLoader;
    /// let x = ndarray::Array2::<f64>::zeros((3, 1));
    /// let y = vec![0usize; 2];
    /// let mut loader = BatchLoader::new(2)?;
    /// assert!(loader.epoch(x.view(), y.as_slice().into(), 0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn epoch<'a, 'd: 'a>(
        &'a mut self,
        x: ArrayView2<'d, F>,
        targets: Targets<'d, F>,
        epoch: u64,
    ) -> Result<Epoch<'a, F>> {
        let n = x.nrows();
        if targets.rows() != n {
            return Err(Error::shape(
                "BatchLoader::epoch",
                format!("targets for the {n} feature rows"),
                format!("{} rows", targets.rows()),
            ));
        }
        self.order.clear();
        self.order.extend(0..n);
        if let Some(seed) = self.seed {
            // The golden-ratio stride spreads consecutive epochs over the seed space (the same
            // derivation as Dropout's mask stream).
            let stream = seed.wrapping_add(epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            self.order.shuffle(&mut StdRng::seed_from_u64(stream));
        }
        let rows = self.batch_size.min(n);
        if self.x.dim() != (rows, x.ncols()) {
            self.x = Array2::zeros((rows, x.ncols()));
        }
        match targets {
            Targets::Dense(v) => {
                if self.values.dim() != (rows, v.ncols()) {
                    self.values = Array2::zeros((rows, v.ncols()));
                }
            }
            Targets::Classes(_) => self.labels.reserve(rows),
        }
        let end = self.n_batches(n) * self.batch_size;
        // Views are invariant in their lifetime, so shorten the data's borrow explicitly.
        let targets = match targets {
            Targets::Dense(v) => Targets::Dense(v.reborrow()),
            Targets::Classes(c) => Targets::Classes(c),
        };
        Ok(Epoch {
            loader: self,
            x: x.reborrow(),
            targets,
            pos: 0,
            end: end.min(n),
        })
    }

    /// Starts epoch `epoch` over a [`Dataset`].
    ///
    /// ```
    /// use tuneup::data::{BatchLoader, Dataset};
    /// let ds = Dataset::regression(ndarray::Array2::<f64>::zeros((3, 2)),
    ///     ndarray::Array2::zeros((3, 1)))?;
    /// let mut loader = BatchLoader::new(2)?;
    /// let mut epoch = loader.epoch_of(&ds, 0)?;
    /// assert_eq!(epoch.next_batch().unwrap().x.dim(), (2, 2));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn epoch_of<'a, 'd: 'a>(
        &'a mut self,
        data: &'d Dataset<F>,
        epoch: u64,
    ) -> Result<Epoch<'a, F>> {
        self.epoch(data.features(), data.loss_targets(), epoch)
    }
}

impl<F: Float> Epoch<'_, F> {
    /// The order in which this epoch visits the samples (all of them, including any that
    /// `drop_last` will skip at the end).
    ///
    /// ```
    /// use tuneup::data::BatchLoader;
    /// let x = ndarray::Array2::<f64>::zeros((3, 1));
    /// let y = vec![0usize; 3];
    /// let mut loader = BatchLoader::new(2)?;
    /// assert_eq!(loader.epoch(x.view(), y.as_slice().into(), 0)?.order(), &[0, 1, 2]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn order(&self) -> &[usize] {
        &self.loader.order
    }

    /// How many batches are left.
    ///
    /// ```
    /// use tuneup::data::BatchLoader;
    /// let x = ndarray::Array2::<f64>::zeros((5, 1));
    /// let y = vec![0usize; 5];
    /// let mut loader = BatchLoader::new(2)?;
    /// assert_eq!(loader.epoch(x.view(), y.as_slice().into(), 0)?.remaining(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn remaining(&self) -> usize {
        (self.end - self.pos).div_ceil(self.loader.batch_size)
    }

    /// The next batch, gathered into the loader's buffers, or `None` at the end of the epoch.
    ///
    /// ```
    /// use tuneup::data::BatchLoader;
    /// let x = ndarray::array![[1.0f32], [2.0], [3.0]];
    /// let y = vec![0usize, 1, 2];
    /// let mut loader = BatchLoader::new(2)?;
    /// let mut epoch = loader.epoch(x.view(), y.as_slice().into(), 0)?;
    /// epoch.next_batch();
    /// let last = epoch.next_batch().unwrap();
    /// assert_eq!(last.x, ndarray::array![[3.0f32]]);
    /// assert!(matches!(last.targets, tuneup::loss::Targets::Classes(&[2])));
    /// assert!(epoch.next_batch().is_none());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn next_batch(&mut self) -> Option<Batch<'_, F>> {
        if self.pos >= self.end {
            return None;
        }
        let start = self.pos;
        let stop = (start + self.loader.batch_size).min(self.end);
        self.pos = stop;
        let loader = &mut *self.loader;
        let indices = &loader.order[start..stop];
        let len = indices.len();
        for (r, &i) in indices.iter().enumerate() {
            loader.x.row_mut(r).assign(&self.x.row(i));
        }
        let targets = match self.targets {
            Targets::Dense(v) => {
                for (r, &i) in indices.iter().enumerate() {
                    loader.values.row_mut(r).assign(&v.row(i));
                }
                Targets::Dense(loader.values.slice(s![..len, ..]))
            }
            Targets::Classes(c) => {
                loader.labels.clear();
                loader.labels.extend(indices.iter().map(|&i| c[i]));
                Targets::Classes(&loader.labels)
            }
        };
        Some(Batch {
            x: loader.x.slice(s![..len, ..]),
            targets,
            indices,
        })
    }
}
