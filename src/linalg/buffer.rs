//! A 2-D buffer that keeps its memory when its shape changes.

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::Float;

/// A row-major matrix whose storage only grows: reshaping to a shape that fits in the current
/// capacity allocates nothing. Layers keep their activations and gradients in these so the
/// training step allocates nothing after its first call, even when the last batch is smaller.
///
/// ```
/// use tuneup::linalg::Buffer2;
/// let mut b = Buffer2::<f32>::default();
/// b.resize(4, 3);
/// b.view_mut().fill(1.0);
/// b.resize(2, 3); // reuses the memory
/// assert_eq!(b.view().dim(), (2, 3));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Buffer2<F> {
    data: Vec<F>,
    rows: usize,
    cols: usize,
}

impl<F: Float> Buffer2<F> {
    /// Sets the shape; contents are unspecified afterwards (zero when newly grown).
    pub fn resize(&mut self, rows: usize, cols: usize) {
        let len = rows * cols;
        if self.data.len() < len {
            self.data.resize(len, F::zero());
        }
        self.rows = rows;
        self.cols = cols;
    }

    /// Current `(rows, cols)`.
    pub fn dim(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Read-only view of the current shape.
    pub fn view(&self) -> ArrayView2<'_, F> {
        ArrayView2::from_shape((self.rows, self.cols), &self.data[..self.rows * self.cols])
            .expect("buffer length covers its shape")
    }

    /// Mutable view of the current shape.
    pub fn view_mut(&mut self) -> ArrayViewMut2<'_, F> {
        let len = self.rows * self.cols;
        ArrayViewMut2::from_shape((self.rows, self.cols), &mut self.data[..len])
            .expect("buffer length covers its shape")
    }

    /// Resizes to the source's shape and copies it in.
    pub fn copy_from(&mut self, src: ArrayView2<'_, F>) {
        self.resize(src.nrows(), src.ncols());
        self.view_mut().assign(&src);
    }

    /// The current contents as one row-major slice.
    pub fn as_slice(&self) -> &[F] {
        &self.data[..self.rows * self.cols]
    }

    /// The current contents as one mutable row-major slice.
    pub fn as_slice_mut(&mut self) -> &mut [F] {
        let len = self.rows * self.cols;
        &mut self.data[..len]
    }
}
