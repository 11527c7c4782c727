//! CORAL, correlation alignment (Sun, Feng and Saenko, *Return of Frustratingly Easy Domain
//! Adaptation*, AAAI 2016): re-colour source features with the target domain's covariance.

use faer::{Mat, Side};
use ndarray::{Array2, ArrayView2, Axis};

use crate::{Error, Float, Result};

/// Settings of CORAL: the source features are whitened by their own regularised covariance and
/// re-coloured by the target's, `X_s · C_s^{-1/2} · C_t^{1/2}` with
/// `C = cov(X) + eps · I` (the sample covariance, `n − 1` in the denominator; `eps = 1` as in
/// Sun et al. 2016, which also keeps `C_s` invertible when a feature is constant). Features
/// are not centred, as in the paper. Fit on source and target features (no labels needed);
/// transform the source rows, then train on them.
///
/// ```
/// use tuneup::data::Coral;
/// use ndarray::array;
/// let source = array![[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]];
/// let target = array![[3.0, 0.0], [-3.0, 0.0], [0.0, 1.0], [0.0, -1.0]];
/// let coral = Coral::new().fit(source.view(), target.view())?;
/// let moved = coral.transform(source.view())?;
/// // Column 0 gains the target's spread: cov 2/3 + 1 → 6 + 1.
/// let ratio = (7.0f64 / (5.0 / 3.0)).sqrt();
/// assert!((moved[[0, 0]] - ratio).abs() < 1e-12);
/// assert!(Coral::with_eps(0.0).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coral {
    eps: f64,
}

impl Default for Coral {
    fn default() -> Self {
        Coral { eps: 1.0 }
    }
}

/// A fitted CORAL map: the matrix `C_s^{-1/2} C_t^{1/2}` that source rows are multiplied by.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedCoral {
    map: Array2<f64>,
}

impl Coral {
    /// The paper's regulariser `eps = 1`.
    ///
    /// ```
    /// assert_eq!(tuneup::data::Coral::new(), tuneup::data::Coral::with_eps(1.0)?);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// With the diagonal regulariser `eps` (finite, > 0).
    ///
    /// ```
    /// assert!(tuneup::data::Coral::with_eps(-1.0).is_err());
    /// ```
    pub fn with_eps(eps: f64) -> Result<Self> {
        if !(eps.is_finite() && eps > 0.0) {
            return Err(Error::config("Coral.eps", eps, "a finite number > 0"));
        }
        Ok(Coral { eps })
    }

    /// Learns the map from source and target features (same width, at least two rows each,
    /// finite).
    ///
    /// Errors: widths that differ or fewer than two rows ([`Error::Shape`]), NaN or ∞
    /// ([`Error::NonFinite`]), an eigendecomposition that fails ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::Coral;
    /// let x = ndarray::array![[1.0f32, 2.0], [3.0, 1.0], [0.0, 0.0]];
    /// assert_eq!(Coral::new().fit(x.view(), x.view())?.map().dim(), (2, 2));
    /// assert!(Coral::new().fit(x.view(), x.slice(ndarray::s![..1, ..])).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(
        &self,
        source: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
    ) -> Result<FittedCoral> {
        if source.ncols() != target.ncols() {
            return Err(Error::shape(
                "Coral::fit",
                format!(
                    "target features with {} columns, like the source",
                    source.ncols()
                ),
                format!("{} columns", target.ncols()),
            ));
        }
        let cs = self.covariance("source", source)?;
        let ct = self.covariance("target", target)?;
        let inv_sqrt_s = symmetric_power(&cs, -0.5)?;
        let sqrt_t = symmetric_power(&ct, 0.5)?;
        Ok(FittedCoral {
            map: inv_sqrt_s.dot(&sqrt_t),
        })
    }

    /// `cov(x) + eps · I` in f64.
    fn covariance<F: Float>(&self, what: &str, x: ArrayView2<'_, F>) -> Result<Array2<f64>> {
        if x.nrows() < 2 {
            return Err(Error::shape(
                format!("Coral::fit ({what})"),
                "at least 2 rows",
                x.nrows(),
            ));
        }
        if let Some(((r, c), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::non_finite(
                format!("Coral::fit ({what})"),
                format!("x[{r}, {c}] = {v}"),
            ));
        }
        let x = x.mapv(|v| v.as_f64());
        let mean = x.mean_axis(Axis(0)).unwrap_or_default();
        let centred = &x - &mean;
        let mut cov = centred.t().dot(&centred) / (x.nrows() - 1) as f64;
        cov.diag_mut().mapv_inplace(|v| v + self.eps);
        Ok(cov)
    }
}

/// `a^power` for a symmetric positive definite `a`, by its eigendecomposition.
fn symmetric_power(a: &Array2<f64>, power: f64) -> Result<Array2<f64>> {
    let n = a.nrows();
    let m = Mat::from_fn(n, n, |i, j| a[[i, j]]);
    let evd = m
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| Error::value("Coral::fit", "a converging eigendecomposition", "none"))?;
    let (u, s) = (evd.U(), evd.S().column_vector());
    Ok(Array2::from_shape_fn((n, n), |(i, j)| {
        (0..n)
            .map(|k| u[(i, k)] * s[k].powf(power) * u[(j, k)])
            .sum()
    }))
}

impl FittedCoral {
    /// The source rows re-coloured: `x · C_s^{-1/2} C_t^{1/2}`.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), NaN or ∞
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use tuneup::data::Coral;
    /// let x = ndarray::array![[1.0f64, 2.0], [3.0, 1.0], [0.0, 0.0]];
    /// let same = Coral::new().fit(x.view(), x.view())?.transform(x.view())?;
    /// assert!((same - &x).iter().all(|d| d.abs() < 1e-12)); // one domain: the identity
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform<F: Float>(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        if x.ncols() != self.map.nrows() {
            return Err(Error::shape(
                "FittedCoral::transform",
                format!("{} columns", self.map.nrows()),
                x.ncols(),
            ));
        }
        if let Some(((r, c), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::non_finite(
                "FittedCoral::transform",
                format!("x[{r}, {c}] = {v}"),
            ));
        }
        Ok(x.mapv(|v| v.as_f64()).dot(&self.map).mapv(F::cast))
    }

    /// The map `C_s^{-1/2} C_t^{1/2}`.
    ///
    /// ```
    /// use tuneup::data::Coral;
    /// let x = ndarray::array![[1.0f64], [3.0]];
    /// let y = ndarray::array![[2.0f64], [6.0]];
    /// // cov 2 + 1 and 8 + 1: the map is √(9 / 3).
    /// let m = Coral::new().fit(x.view(), y.view())?.map()[[0, 0]];
    /// assert!((m - 3f64.sqrt()).abs() < 1e-12);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn map(&self) -> &Array2<f64> {
        &self.map
    }
}
