//! The path-integral rules of integrated gradients: captum's `approximation_methods`.

use crate::{Error, Result};

/// How integrated gradients approximate `∫₀¹ ∂f(b + α(x − b))/∂x dα`.
///
/// ```
/// use tuneup::explain::IgMethod;
/// let (alphas, steps) = IgMethod::RiemannLeft.alphas_and_step_sizes(4)?;
/// assert_eq!(alphas, [0.0, 0.25, 0.5, 0.75]);
/// assert_eq!(steps, [0.25; 4]);
/// let (alphas, steps) = IgMethod::GaussLegendre.alphas_and_step_sizes(2)?;
/// assert!((alphas[0] - (0.5 - 0.5 / 3f64.sqrt())).abs() < 1e-15);
/// assert!((steps.iter().sum::<f64>() - 1.0).abs() < 1e-15);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IgMethod {
    /// Left Riemann sum: α = 0, …, 1 − 1/n evenly spaced. The Riemann rules need n ≥ 2, as in
    /// captum; their α are computed in `f64` (captum's equal those under
    /// `torch.set_default_dtype(torch.float64)`; under `float32` captum rounds them to `f32`).
    RiemannLeft,
    /// Right Riemann sum: α = 1/n, …, 1 evenly spaced.
    RiemannRight,
    /// Midpoint rule: α = 1/(2n), …, 1 − 1/(2n) evenly spaced.
    RiemannMiddle,
    /// captum's trapezoid rule: α = 0, 1/(n − 1), …, 1 with weights 1/n, halved at both ends
    /// (so they sum to 1 − 1/n, as captum has them).
    RiemannTrapezoid,
    /// Gauss–Legendre quadrature on n nodes (captum's default).
    #[default]
    GaussLegendre,
}

impl IgMethod {
    /// captum's name of the method (`"gausslegendre"`, `"riemann_left"`, …).
    ///
    /// ```
    /// assert_eq!(tuneup::explain::IgMethod::RiemannMiddle.captum_name(), "riemann_middle");
    /// ```
    pub fn captum_name(self) -> &'static str {
        match self {
            IgMethod::RiemannLeft => "riemann_left",
            IgMethod::RiemannRight => "riemann_right",
            IgMethod::RiemannMiddle => "riemann_middle",
            IgMethod::RiemannTrapezoid => "riemann_trapezoid",
            IgMethod::GaussLegendre => "gausslegendre",
        }
    }

    /// The points α along the path and their weights, `n_steps` of each, as captum has them.
    ///
    /// # Errors
    /// [`Error::Config`] for `n_steps = 0`, or `n_steps < 2` with a Riemann rule.
    pub fn alphas_and_step_sizes(self, n_steps: usize) -> Result<(Vec<f64>, Vec<f64>)> {
        let least = if self == IgMethod::GaussLegendre {
            1
        } else {
            2
        };
        if n_steps < least {
            return Err(Error::config(
                "IntegratedGradients.n_steps",
                n_steps,
                format!("at least {least} for {}", self.captum_name()),
            ));
        }
        let n = n_steps as f64;
        let linspace = |a: f64, b: f64| -> Vec<f64> {
            let step = (b - a) / (n - 1.0);
            (0..n_steps)
                .map(|i| {
                    if 2 * i < n_steps {
                        a + step * i as f64
                    } else {
                        b - step * (n_steps - 1 - i) as f64
                    }
                })
                .collect()
        };
        Ok(match self {
            IgMethod::RiemannLeft => (linspace(0.0, 1.0 - 1.0 / n), vec![1.0 / n; n_steps]),
            IgMethod::RiemannRight => (linspace(1.0 / n, 1.0), vec![1.0 / n; n_steps]),
            IgMethod::RiemannMiddle => (
                linspace(1.0 / (2.0 * n), 1.0 - 1.0 / (2.0 * n)),
                vec![1.0 / n; n_steps],
            ),
            IgMethod::RiemannTrapezoid => {
                let mut steps = vec![1.0 / n; n_steps];
                steps[0] /= 2.0;
                steps[n_steps - 1] /= 2.0;
                (linspace(0.0, 1.0), steps)
            }
            IgMethod::GaussLegendre => {
                let (nodes, weights) = gauss_legendre(n_steps);
                (
                    nodes.iter().map(|x| 0.5 * (1.0 + x)).collect(),
                    weights.iter().map(|w| 0.5 * w).collect(),
                )
            }
        })
    }
}

/// Nodes on [−1, 1] in ascending order and weights of the `n`-point Gauss–Legendre rule, by
/// Newton's method on the Legendre polynomial from Tricomi's initial guesses.
fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut nodes = vec![0.0; n];
    let mut weights = vec![0.0; n];
    for i in 0..n {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut derivative = 0.0;
        for _ in 0..100 {
            let (p, dp) = legendre(n, x);
            derivative = dp;
            let step = p / dp;
            x -= step;
            if step.abs() <= 1e-16 * x.abs().max(1.0) {
                derivative = legendre(n, x).1;
                break;
            }
        }
        nodes[n - 1 - i] = x;
        weights[n - 1 - i] = 2.0 / ((1.0 - x * x) * derivative * derivative);
    }
    (nodes, weights)
}

/// `Pₙ(x)` and `Pₙ'(x)` by the three-term recurrence.
fn legendre(n: usize, x: f64) -> (f64, f64) {
    let (mut p_prev, mut p) = (1.0, x);
    if n == 0 {
        return (1.0, 0.0);
    }
    for k in 2..=n {
        let k = k as f64;
        let next = ((2.0 * k - 1.0) * x * p - (k - 1.0) * p_prev) / k;
        p_prev = p;
        p = next;
    }
    let dp = n as f64 * (x * p - p_prev) / (x * x - 1.0);
    (p, dp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_polynomials_exactly() {
        for n in [1, 2, 3, 7, 20, 50, 128] {
            let (a, w) = IgMethod::GaussLegendre.alphas_and_step_sizes(n).unwrap();
            assert!(a.windows(2).all(|p| p[0] < p[1]), "ascending for n = {n}");
            // ∫₀¹ α^k dα = 1/(k + 1) exactly for k < 2n.
            for k in 0..(2 * n).min(30) {
                let q: f64 = a.iter().zip(&w).map(|(x, w)| w * x.powi(k as i32)).sum();
                assert!(
                    (q - 1.0 / (k as f64 + 1.0)).abs() < 1e-13,
                    "n = {n}, k = {k}: {q}"
                );
            }
        }
    }

    #[test]
    fn riemann_rules_match_captum() {
        let (a, w) = IgMethod::RiemannTrapezoid.alphas_and_step_sizes(3).unwrap();
        assert_eq!(a, [0.0, 0.5, 1.0]);
        assert_eq!(w, [1.0 / 6.0, 1.0 / 3.0, 1.0 / 6.0]);
        let (a, _) = IgMethod::RiemannMiddle.alphas_and_step_sizes(2).unwrap();
        assert_eq!(a, [0.25, 0.75]);
        assert!(IgMethod::RiemannTrapezoid.alphas_and_step_sizes(1).is_err());
        assert!(IgMethod::RiemannLeft.alphas_and_step_sizes(1).is_err());
        assert!(IgMethod::GaussLegendre.alphas_and_step_sizes(0).is_err());
        assert!(IgMethod::GaussLegendre.alphas_and_step_sizes(1).is_ok());
    }
}
